"""Who may act for whom, asked of the civil registry (the simulator, over HTTP) and the
mandates at that moment: a parent for a minor child, the head of the family for family-card
services, the holder of a mandate; refused otherwise, with the reason."""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from fastapi import FastAPI

from app.auth.delegation import FAMILY_CARD_SCOPES, DelegationRefused, authorise
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import ActingBasis, Actor, TokenClaims
from app.db.models import Mandate
from app.problems import ProblemError, ProblemKind
from app.services.context import Services
from simulators.world import Citizen, default_world
from tests.conftest import client_of

EVERY_SCOPE = frozenset(scope.value for scope in Scope if scope is not Scope.AUDIT_READ)


@pytest.fixture
def services(gateway_app: FastAPI) -> Services:
    services: Services = gateway_app.state.services
    return services


@pytest.fixture
def family(personas) -> dict[str, Citizen]:
    """The `family` persona's KK: the head (a man), his wife, their daughter born 3 October
    2010 and their son born 19 May 2015."""
    world = default_world()
    head = personas["family"]
    wife, daughter, son = (world.citizens[nik] for nik in head.related_niks)
    return {"head": world.citizens[head.nik], "wife": wife, "daughter": daughter, "son": son}


def _seventeenth_birthday(citizen: Citizen) -> dt.date:
    return citizen.birth_date.replace(year=citizen.birth_date.year + 17)


def _adult_child() -> tuple[Citizen, Citizen]:
    """A child who has come of age on today's card, and the mother on the same card."""
    world = default_world()
    today = dt.date.today()
    for family in world.families.values():
        members = [world.citizens[nik] for nik in family.member_niks]
        mothers = [m for m in members if m.relationship in ("ISTRI", "KEPALA KELUARGA")]
        mothers = [m for m in mothers if m.sex == "P" and m.alive]
        for child in members:
            grown = child.relationship == "ANAK" and _seventeenth_birthday(child) < today
            if grown and child.alive and mothers:
                return mothers[0], child
    raise AssertionError("the world has no grown-up child on a family card")


async def _mandate(
    services: Services,
    grantor: str,
    grantee: str,
    scopes: Iterable[str],
    *,
    expires_in: dt.timedelta = dt.timedelta(days=30),
    withdrawn: bool = False,
) -> str:
    now = dt.datetime.now(dt.UTC)
    mandate_id = str(uuid.uuid4())
    async with services.sessions() as session, session.begin():
        session.add(
            Mandate(
                id=mandate_id,
                grantor_nik=grantor,
                grantee_nik=grantee,
                scopes=sorted(scopes),
                purpose="test",
                created_at=now,
                expires_at=now + expires_in,
                withdrawn_at=now if withdrawn else None,
                created_by_client="test",
            )
        )
    return mandate_id


async def _refusal(services: Services, actor: str, subject: str, scopes: frozenset[str]) -> str:
    with pytest.raises(DelegationRefused) as refused:
        await authorise(services, actor, subject, scopes)
    return str(refused.value)


async def test_a_mother_acts_for_her_minor_son_with_any_scope(services, family):
    actor = await authorise(services, family["wife"].nik, family["son"].nik, EVERY_SCOPE)

    assert actor == Actor(family["wife"].nik, ActingBasis.PARENT, "mother")


async def test_the_father_heading_the_family_acts_for_his_minor_daughter_as_a_parent(
    services, family
):
    today = _seventeenth_birthday(family["daughter"]) - dt.timedelta(days=1)

    actor = await authorise(
        services, family["head"].nik, family["daughter"].nik, EVERY_SCOPE, today=today
    )

    assert (actor.basis, actor.relationship) == (ActingBasis.PARENT, "father")


async def test_on_her_seventeenth_birthday_her_parents_no_longer_act_for_her(services, family):
    birthday = _seventeenth_birthday(family["daughter"])

    with pytest.raises(DelegationRefused, match="come of age"):
        await authorise(
            services, family["wife"].nik, family["daughter"].nik, EVERY_SCOPE, today=birthday
        )


async def test_a_grown_up_child_of_todays_world_needs_a_mandate(services):
    mother, child = _adult_child()

    reason = await _refusal(services, mother.nik, child.nik, frozenset({Scope.IDENTITY_READ}))

    assert "come of age" in reason


async def test_a_wife_does_not_act_for_her_adult_husband_without_a_mandate(services, family):
    reason = await _refusal(
        services, family["wife"].nik, family["head"].nik, frozenset({Scope.IDENTITY_READ})
    )

    assert "adult" in reason
    assert "mandate" in reason


async def test_the_head_acts_for_his_wife_only_in_family_card_services(services, family):
    head, wife = family["head"].nik, family["wife"].nik

    actor = await authorise(services, head, wife, frozenset(FAMILY_CARD_SCOPES))
    reason = await _refusal(services, head, wife, frozenset({Scope.VEHICLES_READ}))

    assert (actor.basis, actor.relationship) == (ActingBasis.FAMILY_HEAD, "head of family")
    assert "family-card services" in reason
    assert "vehicles:read" in reason


async def test_nobody_acts_for_a_child_on_another_family_card(services, family, personas):
    reason = await _refusal(
        services, personas["woman"].nik, family["son"].nik, frozenset({Scope.IDENTITY_READ})
    )

    assert "not on your family card" in reason


async def test_a_mandate_lets_its_holder_act_within_its_scopes_only(services, family, personas):
    grantor, holder = family["head"].nik, personas["woman"].nik
    mandate_id = await _mandate(services, grantor, holder, [Scope.VEHICLES_READ])

    actor = await authorise(services, holder, grantor, frozenset({Scope.VEHICLES_READ}))
    reason = await _refusal(services, holder, grantor, frozenset({Scope.IDENTITY_FULL}))

    assert actor == Actor(holder, ActingBasis.MANDATE, "mandate holder", mandate_id)
    assert "covers only vehicles:read" in reason


async def test_a_withdrawn_mandate_allows_nothing(services, family, personas):
    grantor, holder = family["head"].nik, personas["woman"].nik
    await _mandate(services, grantor, holder, [Scope.VEHICLES_READ], withdrawn=True)

    reason = await _refusal(services, holder, grantor, frozenset({Scope.VEHICLES_READ}))

    assert "withdrawn" in reason


async def test_an_expired_mandate_allows_nothing(services, family, personas):
    grantor, holder = family["head"].nik, personas["woman"].nik
    await _mandate(
        services, grantor, holder, [Scope.VEHICLES_READ], expires_in=-dt.timedelta(seconds=1)
    )

    reason = await _refusal(services, holder, grantor, frozenset({Scope.VEHICLES_READ}))

    assert "expired" in reason


async def test_nobody_acts_for_a_deceased_citizen_not_even_with_a_mandate(services, personas):
    deceased, holder = personas["deceased"].nik, personas["woman"].nik
    await _mandate(services, deceased, holder, [Scope.VEHICLES_READ])

    reason = await _refusal(services, holder, deceased, frozenset({Scope.VEHICLES_READ}))

    assert "deceased" in reason


async def test_a_registry_that_cannot_answer_allows_nothing(services, family, agencies):
    await agencies.set_faults("civil_registry", down=True)

    with pytest.raises(ProblemError) as unconfirmed:
        await authorise(services, family["wife"].nik, family["son"].nik, EVERY_SCOPE)

    assert unconfirmed.value.kind is ProblemKind.DELEGATION_UNCONFIRMED
    assert unconfirmed.value.kind.status == 503


async def test_acting_for_oneself_is_not_delegation(services, family):
    reason = await _refusal(services, family["son"].nik, family["son"].nik, EVERY_SCOPE)

    assert "themself" in reason


async def _acting_headers(
    app: FastAPI, subject: str, actor: Actor, scopes: Iterable[str]
) -> dict[str, str]:
    issued = await app.state.clients.create("test portal", ClientKind.PORTAL, scopes)
    claims = TokenClaims(
        issued.client.client_id, ClientKind.PORTAL, issued.client.scopes, subject, actor
    )
    return {"Authorization": f"Bearer {app.state.token_issuer.issue(claims)}"}


ADDRESS: dict[str, Any] = {
    "street": "Jl. Pemuda 7",
    "rt": "001",
    "rw": "002",
    "village_code": "33.74.09.1001",
}


async def test_the_head_submits_his_wifes_address_change_but_not_another_service(
    gateway_app, family
):
    head, wife = family["head"].nik, family["wife"].nik
    actor = await authorise(gateway_app.state.services, head, wife, frozenset(FAMILY_CARD_SCOPES))
    headers = await _acting_headers(gateway_app, wife, actor, FAMILY_CARD_SCOPES)

    async with client_of(gateway_app, headers) as portal:
        moved = await portal.post(
            "/v1/service-requests",
            json={"service": "address-change", "nik": wife, "data": ADDRESS},
        )
        registered = await portal.post(
            "/v1/service-requests",
            json={
                "service": "business-registration",
                "nik": wife,
                "data": {
                    "business_name": "Warung Bu Tini",
                    "kbli": ["56102"],
                    "address": {"street": "Jl. Pemuda 9", "village_code": "33.74.09.1001"},
                },
            },
        )

    assert moved.status_code == 202, moved.text
    assert registered.status_code == 403, registered.text
    assert registered.json()["type"].endswith("citizen-only")
    assert "family-card services" in registered.json()["detail"]
