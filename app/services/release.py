"""Data minimisation: each client gets only what its scopes release.

Parts a client may not see are not even fetched, so an agency is never asked for data the
gateway would then throw away, and the audit trail records exactly what left the gateway."""

from collections.abc import Iterable, Mapping

from app.auth.scopes import Scope
from app.problems import ProblemError, ProblemKind
from app.products.catalog import DataProduct
from app.schemas.citizen import BASIC_IDENTITY_FIELDS, Identity
from app.schemas.problem import FieldError
from app.schemas.responses import ProfilePart
from app.services.context import Caller

PART_SCOPES: dict[str, str] = {
    ProfilePart.FAMILY.value: Scope.FAMILY_READ,
    ProfilePart.VEHICLES.value: Scope.VEHICLES_READ,
    ProfilePart.BUSINESSES.value: Scope.BUSINESSES_READ,
}
_FULL_IDENTITY_FIELDS = tuple(
    name for name in Identity.model_fields if name not in BASIC_IDENTITY_FIELDS
)


def part_scopes(products: Iterable[DataProduct]) -> dict[str, str]:
    """Every optional part of the profile with the scope that releases it: the built-in parts,
    then each data product keyed by NIK (only those belong to one citizen's profile)."""
    declared = {p.name: p.scope for p in products if p.keyed_by_nik}
    return {**PART_SCOPES, **declared}


def asked_parts(
    include: list[str] | None, products: Mapping[str, DataProduct]
) -> frozenset[str] | None:
    """The part names of `include` (values repeated, or comma-separated in one value); None
    when it names none, which means every part. A name that is no part is refused, listing
    the parts, and so is a product found by another key than the NIK, pointing to where its
    records are read."""
    if not include:
        return None
    known = list(part_scopes(products.values()))
    problem: str | None = None
    if len(include) > len(known):
        problem = f"at most {len(known)} values, one per part"
    names = [name.strip() for value in include for name in value.split(",") if name.strip()]
    for name in names:
        if problem is not None:
            break
        product = products.get(name)
        if product is not None and not product.keyed_by_nik:
            problem = (
                f"{name!r} is not found by NIK, so it is no part of the profile; read its "
                f"records at /v1/data-products/{name}/records/{{key}}"
            )
        elif name not in known:
            problem = f"unknown part {name!r}; choose from {', '.join(known)}"
    if problem is not None:
        raise ProblemError(
            ProblemKind.VALIDATION,
            f"include: {problem}",
            errors=[FieldError(field="include", location="query", message=problem)],
        )
    return frozenset(names)


def released_parts(
    caller: Caller, asked: frozenset[str] | None, scopes: Mapping[str, str]
) -> frozenset[str]:
    """What to fetch of the parts `scopes` maps to their scope: what was asked (default:
    everything the client may see); asking by name for a part the client may not see is
    refused rather than silently dropped."""
    if asked is None:
        return frozenset(part for part, scope in scopes.items() if caller.may(scope))
    refused = sorted({scopes[part] for part in asked if not caller.may(scopes[part])})
    if refused:
        raise ProblemError(
            ProblemKind.INSUFFICIENT_SCOPE,
            f"include: this client lacks {', '.join(refused)}",
            extensions={"required_scopes": [Scope.IDENTITY_READ, *refused]},
        )
    return asked


def withheld_parts(caller: Caller, scopes: Mapping[str, str]) -> list[str]:
    return [part for part, scope in scopes.items() if not caller.may(scope)]


def minimise_identity(caller: Caller, identity: Identity) -> tuple[Identity, list[str]]:
    """The identity as this client may see it, and the names of the fields withheld."""
    if caller.may(Scope.IDENTITY_FULL):
        return identity, []
    return (
        identity.model_copy(update=dict.fromkeys(_FULL_IDENTITY_FIELDS)),
        [f"identity.{name}" for name in _FULL_IDENTITY_FIELDS],
    )
