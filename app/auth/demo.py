"""The clients `make run` sets up, so a developer can call the API in the first minute.

Each start gives them fresh secrets (rotating them if they exist), so no secret is ever
committed or reused across machines."""

from dataclasses import dataclass

from app.auth.clients import ClientError, ClientStore, IssuedCredentials
from app.auth.scopes import BUILT_IN_SCOPES, ClientKind, Scope


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    name: str
    kind: ClientKind
    scopes: frozenset[str]


DEMO_PRODUCT_SCOPES = frozenset({"health_insurance:read", "land_certificates:read"})
"""The scopes of the demo's declared data products (`declarations/*.json`), so the demo
clients read them as soon as the products are registered; until then they release nothing."""

COUNTER_SCOPES = frozenset(
    {
        Scope.IDENTITY_READ,
        Scope.VEHICLES_READ,
        Scope.BUSINESSES_READ,
        Scope.REQUESTS_READ,
        Scope.REQUESTS_WRITE,
        Scope.COMPLAINTS_READ,
        Scope.COMPLAINTS_WRITE,
    }
)
"""What a public service mall counter does for the citizen at the desk: look them up, start
and follow their service requests and complaints; no family cards, no administration, no
reports."""

DEMO_CLIENTS = (
    DemoClient(
        "demo-officer",
        "Demo officer (every scope)",
        ClientKind.OFFICER,
        BUILT_IN_SCOPES | DEMO_PRODUCT_SCOPES,
    ),
    DemoClient(
        "demo-portal",
        "Demo citizen portal",
        ClientKind.PORTAL,
        # The citizen's own portal also shows the whole identity record and the family card.
        COUNTER_SCOPES | {Scope.IDENTITY_FULL, Scope.FAMILY_READ} | DEMO_PRODUCT_SCOPES,
    ),
    DemoClient("demo-counter", "Demo MPP counter console", ClientKind.OFFICER, COUNTER_SCOPES),
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
