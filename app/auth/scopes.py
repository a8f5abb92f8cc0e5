"""What a client may do (scopes) and what kind of client it is.

Scopes follow the data, not the endpoints: an officer who may read identities but not family
cards gets the profile without the family, so one endpoint serves every client at the level
of detail its mandate allows (data minimisation)."""

from enum import StrEnum


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
