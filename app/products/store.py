"""Data products by declaration: registered, changed, rolled back and removed, each change a
new stored version with its author, then applied to the bus.

A declaration is admitted in three steps, cheapest first, and nothing is stored or changed
unless all pass: the static checks (the engine's own validation of expressions, placeholders
and schema; installed adapter kinds; the agency URL policy; secrets that exist), then the
conflicts with what is already on the bus (agency codes, scopes), then the conformance suite
against every source's live backend. Every process other than the one that took the change
follows it through `ProductWatcher` within the refresh interval.

What a product holds alone, its scope and its sources' agency codes, is claimed in the
database (`DataProductClaim`) in the transaction that stores the version: another process
that has not yet followed a change, or a registration running its conformance suite beside
this one, cannot take them too. The checks against this process's bus come first only
because they name the conflict before the backends are called.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.agencies.conformance import CheckResult
from app.agencies.endpoint_policy import EndpointPolicy, EndpointRefused
from app.agencies.secrets import SecretBox
from app.auth.scopes import Scope
from app.bus.registry import AdapterRegistry
from app.db.models import (
    AgencySettingRecord,
    DataProductClaim,
    DataProductRecord,
    DataProductVersion,
)
from app.http_client import AgencyHttp
from app.problems import ProblemError, ProblemKind
from app.products import wiring
from app.products.catalog import DataProduct, ProductCatalog
from app.products.conformance import builder, check_declaration
from app.products.declaration import AdapterFetch, ProductDeclaration
from app.products.declared_adapter import declared_kind, validate_declaration
from app.products.sealing import Stored, moved_secrets, seal, unseal
from app.products.secrets import SecretResolver
from app.schemas.problem import FieldError

#: What a stored declaration claims: (kind, value, the field that declares it).
Claim = tuple[str, str, str]


def _claims(stored: Stored) -> list[Claim]:
    return [
        ("scope", stored["scope"], "scope"),
        *(
            ("agency", source["agency"]["code"], f"sources.{index}.agency.code")
            for index, source in enumerate(stored["sources"])
        ),
    ]


class Change:
    REGISTERED = "registered"
    UPDATED = "updated"
    ROLLED_BACK = "rolled_back"
    REMOVED = "removed"


@dataclass(frozen=True)
class StoredVersion:
    """One row of a product's history; `declaration` is the stored form (secrets sealed),
    null for a removal."""

    name: str
    version: int
    change: str
    rolled_back_from: int | None
    author: str
    created_at: dt.datetime
    declaration: Stored | None

    @classmethod
    def of(cls, row: DataProductVersion) -> "StoredVersion":
        return cls(
            name=row.name,
            version=row.version,
            change=row.change,
            rolled_back_from=row.rolled_back_from,
            author=row.author,
            created_at=row.created_at,
            declaration=row.declaration,
        )


@dataclass(frozen=True)
class Registration:
    """What a registration did: `stored` is false for a dry run, whose version is the one
    the declaration would have become."""

    version: StoredVersion
    created: bool
    stored: bool
    checks: list[CheckResult]


def _invalid(kind: ProblemKind, errors: Sequence[FieldError]) -> ProblemError:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return ProblemError(kind, detail, errors=list(errors))


def _body_error(field: str, message: str) -> FieldError:
    return FieldError(field=field, location="body", message=message)


@dataclass(frozen=True)
class ProductStore:
    sessions: async_sessionmaker[AsyncSession]
    registry: AdapterRegistry
    catalog: ProductCatalog
    box: SecretBox
    secrets: SecretResolver
    url_policy: EndpointPolicy
    #: The pool conformance checks call the backends through, as traffic will.
    http: AgencyHttp

    async def register(
        self, author: str, name: str, declaration: ProductDeclaration, dry_run: bool = False
    ) -> Registration:
        """A new product (`created`), or a new version of one."""
        if declaration.name != name:
            raise _invalid(
                ProblemKind.VALIDATION,
                [_body_error("name", f"must be the name in the path, {name!r}")],
            )
        active = await self._active(name)
        previous = active.declaration if active else None
        stored = seal(declaration, self.box, previous)
        complete = unseal(stored, self.box)
        if (
            active
            and active.declaration is not None
            and not dry_run
            and unseal(active.declaration, self.box) == complete
        ):
            # A PUT repeated (a deployment applying its files on every start) is no change:
            # no new version, no conformance run against the backends.
            return Registration(active, created=False, stored=False, checks=[])
        await self._admit(complete, stored, moved_secrets(declaration, previous))
        change = Change.UPDATED if active else Change.REGISTERED
        return await self._commit(author, complete, stored, change, None, dry_run)

    async def rollback(self, author: str, name: str, version: int) -> Registration:
        """A new version equal to an old one, admitted as any new version is: the bus and
        the backends may have changed since. Its secrets are the ones that version stored,
        each given (or kept) for that version's own `base_url` origin."""
        history = await self.versions(name)
        target = next((v for v in history if v.version == version), None)
        if target is None or target.declaration is None:
            raise ProblemError(
                ProblemKind.PRODUCT_VERSION_NOT_FOUND,
                f"{name!r} has no version {version} with a declaration",
            )
        declaration = unseal(target.declaration, self.box)
        await self._admit(declaration, target.declaration)
        return await self._commit(
            author, declaration, target.declaration, Change.ROLLED_BACK, version, dry_run=False
        )

    async def remove(self, author: str, name: str) -> StoredVersion:
        """Off the bus everywhere; the history stays, ending in the removal."""
        if await self._active(name) is None:
            raise ProblemError(ProblemKind.PRODUCT_NOT_FOUND, f"no data product {name!r}")
        removal = await self._store(name, None, Change.REMOVED, None, author)
        wiring.withdraw(name, self.registry, self.catalog)
        return removal

    async def versions(self, name: str) -> list[StoredVersion]:
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(DataProductVersion)
                    .where(DataProductVersion.name == name)
                    .order_by(DataProductVersion.version)
                )
            ).all()
        if not rows:
            raise ProblemError(ProblemKind.PRODUCT_NOT_FOUND, f"no data product {name!r}")
        return [StoredVersion.of(row) for row in rows]

    async def get(self, name: str) -> StoredVersion:
        active = await self._active(name)
        if active is None:
            raise ProblemError(ProblemKind.PRODUCT_NOT_FOUND, f"no data product {name!r}")
        return active

    async def every(self) -> list[StoredVersion]:
        """Every product taking traffic, by name."""
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(DataProductVersion)
                    .join(
                        DataProductRecord,
                        (DataProductRecord.name == DataProductVersion.name)
                        & (DataProductRecord.active_version == DataProductVersion.version),
                    )
                    .order_by(DataProductVersion.name)
                )
            ).all()
        return [StoredVersion.of(row) for row in rows]

    async def latest_change(self) -> dt.datetime | None:
        async with self.sessions() as session:
            latest: dt.datetime | None = await session.scalar(
                select(func.max(DataProductRecord.updated_at))
            )
        return latest

    def product(self, version: StoredVersion) -> DataProduct:
        """The stored version as it takes traffic, its secrets in clear for the adapters."""
        assert version.declaration is not None
        return DataProduct(
            declaration=unseal(version.declaration, self.box),
            version=version.version,
            changed_at=version.created_at,
            changed_by=version.author,
        )

    async def _active(self, name: str) -> StoredVersion | None:
        async with self.sessions() as session:
            record = await session.get(DataProductRecord, name)
            if record is None or record.active_version is None:
                return None
            row = await session.scalar(
                select(DataProductVersion).where(
                    DataProductVersion.name == name,
                    DataProductVersion.version == record.active_version,
                )
            )
        return StoredVersion.of(row) if row else None

    async def _admit(
        self,
        declaration: ProductDeclaration,
        stored: Stored,
        moved: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Refuses, naming every field, what cannot be registered as it stands (422), then a
        URL the policy refuses (422 `endpoint-refused`, as for an agency's endpoint), then what
        is taken by another product or agency (409). `declaration` has the secrets an
        earlier version stored put back, so only those never given, or `moved` (stored for
        another origin), are missing."""
        missing = dict(self.secrets.missing(declaration))
        missing.update(moved)
        errors = [
            *(
                _body_error(field, message)
                for field, message in [*validate_declaration(declaration), *missing.items()]
            ),
            *self._adapter_errors(declaration),
        ]
        if errors:
            raise _invalid(ProblemKind.VALIDATION, errors)
        refused = await self._url_errors(declaration)
        if refused:
            raise _invalid(ProblemKind.ENDPOINT_REFUSED, refused)
        async with self.sessions() as session:
            taken = await _taken(session, declaration.name, _claims(stored))
        conflicts = _by_field([*self._conflicts(declaration), *taken])
        if conflicts:
            raise _invalid(ProblemKind.PRODUCT_CONFLICT, conflicts)

    def _adapter_errors(self, declaration: ProductDeclaration) -> list[FieldError]:
        fetch = declaration.fetch
        if not isinstance(fetch, AdapterFetch) or self.registry.kind(fetch.adapter) is not None:
            return []
        installed = ", ".join(
            sorted(k.code for k in self.registry.kinds() if not k.code.startswith("declared:"))
        )
        return [
            _body_error(
                "fetch.adapter",
                f"no adapter kind {fetch.adapter!r} is installed (installed: {installed})",
            )
        ]

    async def _url_errors(self, declaration: ProductDeclaration) -> list[FieldError]:
        errors = []
        for index, source in enumerate(declaration.sources):
            try:
                await self.url_policy.check_url(source.base_url)
            except EndpointRefused as exc:
                errors.append(_body_error(f"sources.{index}.base_url", str(exc)))
        return errors

    def _conflicts(self, declaration: ProductDeclaration) -> list[FieldError]:
        """What this process's bus has taken: a built-in scope, a configured agency, or a
        product this process knows of that another process may have removed meanwhile (then
        refused until this process follows the removal, rather than replacing its instance)."""
        conflicts = []
        if declaration.scope in {scope.value for scope in Scope}:
            conflicts.append(_body_error("scope", f"{declaration.scope} is a built-in scope"))
        owner = self.catalog.owner_of_scope(declaration.scope)
        if owner is not None and owner.name != declaration.name:
            conflicts.append(
                _body_error("scope", f"{declaration.scope} is data product {owner.name!r}'s")
            )
        for index, source in enumerate(declaration.sources):
            agency = self.registry.agency(source.agency.code)
            if agency is not None and agency.spec.product != declaration.name:
                whose = (
                    f"data product {agency.spec.product!r}'s"
                    if agency.spec.product
                    else f"an agency of kind {agency.kind!r}"
                )
                conflicts.append(
                    _body_error(
                        f"sources.{index}.agency.code",
                        f"{source.agency.code!r} is on the bus already as {whose}",
                    )
                )
        return conflicts

    async def _commit(
        self,
        author: str,
        declaration: ProductDeclaration,
        stored: Stored,
        change: str,
        rolled_back_from: int | None,
        dry_run: bool,
    ) -> Registration:
        candidate = DataProduct(
            declaration=declaration,
            version=await self._next_version(declaration.name),
            changed_at=dt.datetime.now(dt.UTC),
            changed_by=author,
        )
        kind = declared_kind(candidate, self.registry.kind, self.secrets)
        checks = await check_declaration(candidate, builder(kind, self.http))
        failures = [{"check": r.name, "detail": r.detail} for r in checks if not r.passed]
        if failures:
            raise ProblemError(
                ProblemKind.CONFORMANCE_FAILED,
                f"{len(failures)} of {len(checks)} conformance checks failed; nothing changed",
                extensions={"failures": failures},
            )
        created = change == Change.REGISTERED
        if dry_run:
            would_be = StoredVersion(
                candidate.name,
                candidate.version,
                change,
                rolled_back_from,
                author,
                candidate.changed_at,
                stored,
            )
            return Registration(would_be, created, stored=False, checks=checks)
        version = await self._store(declaration.name, stored, change, rolled_back_from, author)
        wiring.apply(self.product(version), self.registry, self.catalog, self.secrets)
        return Registration(version, created, stored=True, checks=checks)

    async def _next_version(self, name: str) -> int:
        async with self.sessions() as session:
            latest = await session.scalar(
                select(func.max(DataProductVersion.version)).where(DataProductVersion.name == name)
            )
        return (latest or 0) + 1

    async def _store(
        self,
        name: str,
        stored: Stored | None,
        change: str,
        rolled_back_from: int | None,
        author: str,
    ) -> StoredVersion:
        """Appends the version, points the product at it and moves its claims to the ones
        the version makes, in one transaction. Two changes racing for the same version number
        fail one of them on the unique key; two products racing for a claim, one of them on
        the claim's key (409 `product-conflict`, naming the field)."""
        at = dt.datetime.now(dt.UTC)
        version = await self._next_version(name)
        row = DataProductVersion(
            name=name,
            version=version,
            declaration=stored,
            change=change,
            rolled_back_from=rolled_back_from,
            author=author,
            created_at=at,
        )
        claims = [] if stored is None else _claims(stored)
        try:
            async with self.sessions.begin() as session:
                taken = await _taken(session, name, claims)
                if taken:
                    raise _invalid(ProblemKind.PRODUCT_CONFLICT, _by_field(taken))
                await session.execute(
                    delete(DataProductClaim).where(DataProductClaim.product == name)
                )
                if claims:
                    # In one order everywhere, so two products racing for two of the same
                    # claims wait for each other instead of deadlocking.
                    await session.execute(
                        insert(DataProductClaim),
                        [
                            {"kind": kind, "value": value, "product": name}
                            for kind, value, _ in sorted(claims)
                        ],
                    )
                session.add(row)
                record = await session.get(DataProductRecord, name) or DataProductRecord(name=name)
                record.active_version = None if stored is None else version
                record.updated_at = at
                session.add(record)
        except IntegrityError as exc:
            async with self.sessions() as session:
                taken = await _taken(session, name, claims)
            if taken:
                raise _invalid(ProblemKind.PRODUCT_CONFLICT, _by_field(taken)) from exc
            raise ProblemError(
                ProblemKind.CONFLICT,
                f"{name!r} was changed by someone else meanwhile; send the change again",
            ) from exc
        return StoredVersion.of(row)


def _by_field(errors: Sequence[FieldError]) -> list[FieldError]:
    """One error per field, the first found: this process's bus and the database often
    name the same conflict."""
    first: dict[str, FieldError] = {}
    for error in errors:
        first.setdefault(error.field, error)
    return list(first.values())


async def _taken(session: AsyncSession, name: str, claims: Sequence[Claim]) -> list[FieldError]:
    """The claims another product holds, or agency codes an instance registered through the
    agency admin API holds, as read in `session`: the database, whatever this process has
    followed so far."""
    if not claims:
        return []
    held = {
        (kind, value): product
        for kind, value, product in (
            await session.execute(
                select(
                    DataProductClaim.kind, DataProductClaim.value, DataProductClaim.product
                ).where(
                    DataProductClaim.value.in_({value for _, value, _ in claims}),
                    DataProductClaim.product != name,
                )
            )
        ).all()
    }
    codes = {value for kind, value, _ in claims if kind == "agency"}
    registered = set(
        (
            await session.scalars(
                select(AgencySettingRecord.code).where(
                    AgencySettingRecord.code.in_(codes),
                    AgencySettingRecord.kind.is_not(None),
                    AgencySettingRecord.removed.is_(False),
                )
            )
        ).all()
    )
    errors = []
    for kind, value, field in claims:
        owner = held.get((kind, value))
        if owner is not None and kind == "scope":
            errors.append(_body_error(field, f"{value} is data product {owner!r}'s"))
        elif owner is not None:
            errors.append(
                _body_error(field, f"{value!r} is on the bus already as data product {owner!r}'s")
            )
        elif kind == "agency" and value in registered:
            errors.append(
                _body_error(
                    field, f"{value!r} is on the bus already as an agency registered at run time"
                )
            )
    return errors
