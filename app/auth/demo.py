"""The clients `make run` sets up, so a developer can call the API in the first minute.

Each start gives them fresh secrets (rotating them if they exist), so no secret is ever
committed or reused across machines."""

from dataclasses import dataclass

from app.auth.clients import ClientError, ClientStore, IssuedCredentials
from app.auth.scopes import ClientKind, Scope


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    name: str
    kind: ClientKind
    scopes: frozenset[Scope]


DEMO_CLIENTS = (
    DemoClient("demo-officer", "Demo officer (every scope)", ClientKind.OFFICER, frozenset(Scope)),
    DemoClient(
        "demo-portal",
        "Demo citizen portal",
        ClientKind.PORTAL,
        frozenset(
            {
                Scope.IDENTITY_READ,
                Scope.IDENTITY_FULL,
                Scope.FAMILY_READ,
                Scope.VEHICLES_READ,
                Scope.BUSINESSES_READ,
                Scope.REQUESTS_READ,
                Scope.REQUESTS_WRITE,
                Scope.COMPLAINTS_READ,
                Scope.COMPLAINTS_WRITE,
            }
        ),
    ),
)


async def demo_credentials(store: ClientStore) -> list[IssuedCredentials]:
    issued = []
    for demo in DEMO_CLIENTS:
        try:
            issued.append(await store.rotate(demo.client_id))
        except ClientError:
            issued.append(
                await store.create(demo.name, demo.kind, demo.scopes, client_id=demo.client_id)
            )
    return issued
