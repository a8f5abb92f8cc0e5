"""Who may act for whom (issue 15): the rules a token exchange with `requested_subject` is
held to, asked of the civil registry and the mandates at the moment of the exchange.

A person may act for another on one of three bases (`ActingBasis`):

- PARENT: the actor is the head, wife or husband on the family card (KK) that lists the
  subject as a child, and the subject is a minor. A citizen comes of age, for the civil
  registry, when they must hold a KTP-el: at 17, or earlier once married (UU 24/2013 on
  Adminduk, art. 63(1), amending UU 23/2006). The registry's birth date decides, counted on
  the day of the request in Asia/Jakarta. Any scope the client holds.
- FAMILY_HEAD: the actor heads the subject's KK, and acts only for the services that change
  the family card (`FAMILY_CARD_SERVICES`: the address change, which moves the whole card),
  with the scopes those need (`FAMILY_CARD_SCOPES`).
- MANDATE: the subject granted the actor a mandate (kuasa, KUHPerdata art. 1792) that is not
  withdrawn and not expired; only within the mandate's scopes. A mandate ends with the
  grantor's death (art. 1813), so a deceased subject is refused on every basis.

A registry that cannot answer refuses with `DELEGATION_UNCONFIRMED` (503): a relationship
nobody could confirm is never assumed. Parent and family-head tokens are not checked again
per request: they rely on the access token's short lifetime (`SATUPINTU_TOKEN_TTL_S`), after
which the exchange asks the registry again. A mandate token is checked on every request
(`MandateCheck`), so a withdrawal takes effect at once."""

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.base import Capability, IdentityProvider
from app.auth.scopes import Scope
from app.auth.tokens import ActingBasis, Actor
from app.bus.calls import CallResult, Deadline
from app.db.models import Mandate
from app.problems import ProblemError, ProblemKind
from app.schemas.citizen import (
    Family,
    FamilyMember,
    FamilyRelationship,
    Identity,
    MaritalStatus,
    Sex,
)
from app.schemas.service_requests import ServiceCode
from app.schemas.sources import SourceStatus
from app.services.context import Services

JAKARTA = ZoneInfo("Asia/Jakarta")
AGE_OF_MAJORITY = 17
"""UU 24/2013 art. 63(1): a KTP-el for every citizen aged 17, or married or ever married."""

FAMILY_CARD_SERVICES = frozenset({ServiceCode.ADDRESS_CHANGE})
FAMILY_CARD_SCOPES = frozenset(
    {Scope.IDENTITY_READ, Scope.FAMILY_READ, Scope.REQUESTS_READ, Scope.REQUESTS_WRITE}
)
"""What an address change needs: the member's name and address, the card, and the request."""

PARENTS = frozenset({FamilyRelationship.HEAD, FamilyRelationship.WIFE, FamilyRelationship.HUSBAND})
MOTHER, FATHER, HEAD_OF_FAMILY, MANDATE_HOLDER = (
    "mother",
    "father",
    "head of family",
    "mandate holder",
)
T = TypeVar("T")

REGISTRY_CLIENT = "delegation"
"""The name the bus keeps the fair share of these registry reads under: the exchange runs
before any access token exists, so there is no caller's client to count them against."""


class DelegationRefused(Exception):
    """The actor may not act for the subject; the message says why, to the actor."""


def _scope_list(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))


def _birthday(born: dt.date, years: int) -> dt.date:
    """The day someone born on 29 February turns `years` in a common year is 1 March."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def is_minor(born: dt.date, marital_status: MaritalStatus | None, today: dt.date) -> bool:
    if marital_status not in (None, MaritalStatus.SINGLE):
        return False
    return today < _birthday(born, AGE_OF_MAJORITY)


def jakarta_today() -> dt.date:
    return dt.datetime.now(JAKARTA).date()


@dataclass(frozen=True)
class _Registry:
    """What the civil registry says about the subject now."""

    identity: Identity | None
    family: Family | None


async def _ask_registry(services: Services, subject_nik: str) -> _Registry:
    deadline = Deadline(services.request_deadline_ms)
    identity, family = await asyncio.gather(
        services.bus.call(
            Capability.IDENTITY_LOOKUP,
            IdentityProvider,
            "identity",
            lambda p: p.get_identity(subject_nik),
            deadline,
            client=REGISTRY_CLIENT,
        ),
        services.bus.call(
            Capability.IDENTITY_FAMILY,
            IdentityProvider,
            "family",
            lambda p: p.get_family(subject_nik),
            deadline,
            client=REGISTRY_CLIENT,
        ),
    )
    return _Registry(_answer(identity), _answer(family))


def _answer(call: CallResult[T]) -> T | None:
    if call.status is SourceStatus.OK:
        return call.value
    if call.status is SourceStatus.NOT_FOUND:
        return None
    raise ProblemError(
        ProblemKind.DELEGATION_UNCONFIRMED,
        "the civil registry cannot confirm now who may act for this person; try again shortly",
        detail_indonesian="Dukcapil tidak dapat memastikan sekarang siapa yang boleh bertindak "
        "untuk orang ini; coba lagi sebentar lagi",
        extensions={
            "error": "temporarily_unavailable",
            "error_description": "the civil registry cannot answer now",
        },
        headers={"Retry-After": "5"},
    )


def _member(family: Family | None, nik: str) -> FamilyMember | None:
    if family is None:
        return None
    return next((m for m in family.members if m.nik == nik), None)


async def _mandates(services: Services, grantor: str, grantee: str) -> list[Mandate]:
    """Newest first: the newest says best what the subject wants now."""
    async with services.sessions() as session:
        found = await session.scalars(
            select(Mandate)
            .where(Mandate.grantor_nik == grantor, Mandate.grantee_nik == grantee)
            .order_by(Mandate.created_at.desc())
        )
        return list(found)


def _in_force(mandate: Mandate, now: dt.datetime) -> bool:
    return mandate.withdrawn_at is None and mandate.expires_at > now


async def authorise(
    services: Services,
    actor_nik: str,
    subject_nik: str,
    scopes: frozenset[str],
    *,
    today: dt.date | None = None,
) -> Actor:
    """The actor the token for `subject_nik` names, if `actor_nik` may act for them with
    `scopes`; raises `DelegationRefused` with the reason otherwise. `today` is the day the
    subject's age is counted on (Asia/Jakarta's today unless given)."""
    if actor_nik == subject_nik:
        raise DelegationRefused("requested_subject is the signed-in citizen themself")
    registry, mandates = await asyncio.gather(
        _ask_registry(services, subject_nik), _mandates(services, subject_nik, actor_nik)
    )
    now = dt.datetime.now(dt.UTC)
    subject = _member(registry.family, subject_nik)
    actor = _member(registry.family, actor_nik)
    # Whether the subject died is told only to someone the card or a mandate relates to them.
    if (subject is not None and actor is not None) or mandates:
        if (registry.identity is not None and registry.identity.deceased) or (
            subject is not None and subject.deceased
        ):
            raise DelegationRefused(
                "the civil registry records this person as deceased: nobody acts for them here"
            )
        if actor is not None and actor.deceased:
            raise DelegationRefused("the civil registry records the signed-in citizen as deceased")
    allowed = _allowed(registry, subject, actor, mandates, scopes, today or jakarta_today(), now)
    if allowed is None:
        raise DelegationRefused(_reason(subject, actor, mandates, scopes, now))
    return allowed


def _parent_of_minor(
    registry: _Registry,
    subject: FamilyMember | None,
    actor: FamilyMember | None,
    today: dt.date,
) -> bool:
    if subject is None or actor is None or actor.relationship not in PARENTS:
        return False
    if subject.relationship is not FamilyRelationship.CHILD:
        return False
    marital = registry.identity.marital_status if registry.identity else None
    return is_minor(subject.date_of_birth, marital, today)


def _allowed(
    registry: _Registry,
    subject: FamilyMember | None,
    actor: FamilyMember | None,
    mandates: list[Mandate],
    scopes: frozenset[str],
    today: dt.date,
    now: dt.datetime,
) -> Actor | None:
    if actor is not None and _parent_of_minor(registry, subject, actor, today):
        relationship = MOTHER if actor.sex is Sex.FEMALE else FATHER
        return Actor(actor.nik, ActingBasis.PARENT, relationship)
    for mandate in mandates:
        if _in_force(mandate, now) and scopes <= frozenset(mandate.scopes):
            return Actor(mandate.grantee_nik, ActingBasis.MANDATE, MANDATE_HOLDER, mandate.id)
    heads = actor is not None and actor.relationship is FamilyRelationship.HEAD
    if heads and subject is not None and scopes <= FAMILY_CARD_SCOPES:
        assert actor is not None
        return Actor(actor.nik, ActingBasis.FAMILY_HEAD, HEAD_OF_FAMILY)
    return None


def _reason(
    subject: FamilyMember | None,
    actor: FamilyMember | None,
    mandates: list[Mandate],
    scopes: frozenset[str],
    now: dt.datetime,
) -> str:
    """Why nothing allowed it, the most telling reason first: what the subject did about a
    mandate, then what the family card says."""
    if mandates:
        newest = mandates[0]
        if newest.withdrawn_at is not None:
            return "the mandate this person gave you was withdrawn"
        if newest.expires_at <= now:
            return "the mandate this person gave you has expired"
        covered = frozenset(newest.scopes)
        return (
            f"the mandate this person gave you covers only {_scope_list(covered)}; "
            f"ask for those scopes, not {_scope_list(scopes - covered)}"
        )
    if subject is None or actor is None:
        return "this person is not on your family card and gave you no mandate"
    if actor.relationship in PARENTS and subject.relationship is FamilyRelationship.CHILD:
        return (
            f"your child has come of age ({AGE_OF_MAJORITY}, or married: UU 24/2013 art. 63): "
            "you act for them only with a mandate they give you"
        )
    if actor.relationship is FamilyRelationship.HEAD:
        return (
            "the head of a family acts for an adult member only for family-card services "
            f"(the address change), with the scopes {_scope_list(FAMILY_CARD_SCOPES)}; "
            f"not {_scope_list(scopes - FAMILY_CARD_SCOPES)}"
        )
    return "this person is an adult: you act for them only with a mandate they give you"


def may_request(actor: Actor | None, service: str) -> bool:
    """Whether a token's actor may submit `service` for its subject: the head of a family
    acts only for the services that change the family card."""
    return (
        actor is None
        or actor.basis is not ActingBasis.FAMILY_HEAD
        or service in FAMILY_CARD_SERVICES
    )


@dataclass(frozen=True)
class MandateCheck:
    """Is the mandate a token acts on still in force? Asked on every request made with such a
    token, uncached (one primary-key read), so a withdrawal or an expiry stops it at once, in
    every gateway process."""

    sessions: async_sessionmaker[AsyncSession]

    async def in_force(self, subject_nik: str | None, actor: Actor) -> bool:
        if actor.basis is not ActingBasis.MANDATE:
            return True
        if actor.mandate_id is None or subject_nik is None:
            return False
        async with self.sessions() as session:
            mandate = await session.get(Mandate, actor.mandate_id)
        return (
            mandate is not None
            and mandate.grantor_nik == subject_nik
            and mandate.grantee_nik == actor.nik
            and _in_force(mandate, dt.datetime.now(dt.UTC))
        )
