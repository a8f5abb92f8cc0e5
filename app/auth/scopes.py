"""What a client may do (scopes) and what kind of client it is.

Scopes follow the data, not the endpoints: an officer who may read identities but not family
cards gets the profile without the family, so one endpoint serves every client at the level
of detail its mandate allows (data minimisation).

Besides the built-in scopes, each declared data product has its own (`<name>:read`), which
exists while the product is registered. A scope is therefore a string: a client or token keeps
one it was granted after its product is removed, where it simply releases nothing."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import WithJsonSchema


class Scope(StrEnum):
    IDENTITY_READ = "identity:read"
    IDENTITY_FULL = "identity:full"
    FAMILY_READ = "family:read"
    VEHICLES_READ = "vehicles:read"
    BUSINESSES_READ = "businesses:read"
    REQUESTS_READ = "requests:read"
    REQUESTS_WRITE = "requests:write"
    COMPLAINTS_READ = "complaints:read"
    COMPLAINTS_WRITE = "complaints:write"
    AGENCIES_ADMIN = "agencies:admin"
    REPORTS_READ = "reports:read"
    AUDIT_READ = "audit:read"


SCOPE_DESCRIPTIONS: dict[str, str] = {
    Scope.IDENTITY_READ: "A citizen's name, address and whether they are alive.",
    Scope.IDENTITY_FULL: "Every identity field: birth, sex, religion, marital status, "
    "occupation, blood type, family card number.",
    Scope.FAMILY_READ: "The members of a citizen's family card.",
    Scope.VEHICLES_READ: "Vehicles and their tax.",
    Scope.BUSINESSES_READ: "Businesses and their licences.",
    Scope.REQUESTS_READ: "Service requests.",
    Scope.REQUESTS_WRITE: "Submitting, paying and cancelling service requests.",
    Scope.COMPLAINTS_READ: "Complaints and their handling.",
    Scope.COMPLAINTS_WRITE: "Filing complaints.",
    Scope.AGENCIES_ADMIN: "Registering and configuring agency endpoints.",
    Scope.REPORTS_READ: "Service performance and satisfaction reports.",
    Scope.AUDIT_READ: "Any citizen's access log (oversight bodies).",
}

PERSONAL_DATA = frozenset(
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
        Scope.AUDIT_READ,
    }
)

BUILT_IN_SCOPES = frozenset(scope.value for scope in Scope)
PRODUCT_SCOPE_PATTERN = r"^[a-z][a-z0-9_]{2,39}:read$"


def is_personal_data(scopes: Iterable[str]) -> bool:
    """Whether an operation needing `scopes` uses personal data, so an officer must state a
    purpose. Every scope that is not built in is a data product's, and a product is data about
    a person (UU 27/2022), so it counts as personal data too."""
    return any(scope in PERSONAL_DATA or scope not in BUILT_IN_SCOPES for scope in scopes)


def ungrantable(asked: Iterable[str], product_scopes: Iterable[str]) -> list[str]:
    """Of the scopes an operator wants to give a client, those that are neither built in nor
    the scope of a registered product, sorted."""
    known = BUILT_IN_SCOPES | frozenset(product_scopes)
    return sorted(frozenset(asked) - known)


GrantedScope = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": sorted(BUILT_IN_SCOPES)},
                {"type": "string", "pattern": PRODUCT_SCOPE_PATTERN},
            ],
            "description": "A built-in scope, or a data product's `<name>:read`.",
        }
    ),
]
"""A scope as the API shows it: not checked against the known ones, since a client keeps the
scope of a product removed after it was granted."""


class ClientKind(StrEnum):
    OFFICER = "officer"
    """An agency officer's application: must state a purpose for every use of personal data."""
    PORTAL = "portal"
    """Acts for one signed-in citizen: its tokens carry that citizen's NIK and reach no other."""
    KIOSK = "kiosk"
    """A self-service terminal at a public service mall (Mal Pelayanan Publik): like a portal,
    each token names the citizen at the terminal and reaches no other."""
    SYSTEM = "system"
    """Another machine (an agency's back office): may use a static API key; states a purpose."""

    @property
    def citizen_bound(self) -> bool:
        """Whether every token of such a client names one citizen (`subject`) and reaches that
        citizen's data only; such a client acts for the citizen, needing no stated purpose."""
        return self in CITIZEN_BOUND


CITIZEN_BOUND = frozenset({ClientKind.PORTAL, ClientKind.KIOSK})

CITIZEN_SELF_SERVICE = "citizen self-service"
