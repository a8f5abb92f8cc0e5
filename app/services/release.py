"""Data minimisation: each client gets only what its scopes release.

Parts a client may not see are not even fetched, so an agency is never asked for data the
gateway would then throw away, and the audit trail records exactly what left the gateway."""

from app.auth.scopes import Scope
from app.problems import ProblemError, ProblemKind
from app.schemas.citizen import BASIC_IDENTITY_FIELDS, Identity
from app.schemas.responses import ProfilePart
from app.services.context import Caller

PART_SCOPES = {
    ProfilePart.FAMILY: Scope.FAMILY_READ,
    ProfilePart.VEHICLES: Scope.VEHICLES_READ,
    ProfilePart.BUSINESSES: Scope.BUSINESSES_READ,
}
_FULL_IDENTITY_FIELDS = tuple(
    name for name in Identity.model_fields if name not in BASIC_IDENTITY_FIELDS
)


def released_parts(caller: Caller, asked: frozenset[ProfilePart] | None) -> frozenset[ProfilePart]:
    """What to fetch: what was asked (default: everything the client may see); asking by name
    for a part the client may not see is refused rather than silently dropped."""
    if asked is None:
        return frozenset(part for part, scope in PART_SCOPES.items() if caller.may(scope))
    refused = sorted(PART_SCOPES[part] for part in asked if not caller.may(PART_SCOPES[part]))
    if refused:
        raise ProblemError(
            ProblemKind.INSUFFICIENT_SCOPE,
            f"include: this client lacks {', '.join(refused)}",
            extensions={"required_scopes": [Scope.IDENTITY_READ, *refused]},
        )
    return asked


def withheld_parts(caller: Caller) -> list[str]:
    return [part.value for part, scope in PART_SCOPES.items() if not caller.may(scope)]


def minimise_identity(caller: Caller, identity: Identity) -> tuple[Identity, list[str]]:
    """The identity as this client may see it, and the names of the fields withheld."""
    if caller.may(Scope.IDENTITY_FULL):
        return identity, []
    return (
        identity.model_copy(update=dict.fromkeys(_FULL_IDENTITY_FIELDS)),
        [f"identity.{name}" for name in _FULL_IDENTITY_FIELDS],
    )
