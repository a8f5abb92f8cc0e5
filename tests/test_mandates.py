"""A citizen grants a mandate (kuasa), sees it, withdraws it; a token acting on it stops
working at once; and every access log says who acted for whom."""

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.auth.delegation import authorise
from app.auth.scopes import ClientKind, Scope
from app.auth.tokens import Actor, TokenClaims
from app.db.models import AccessRecord
from simulators.world import default_world
from tests.conftest import client_of, credentials

pytestmark = pytest.mark.usefixtures("settled_heap")

PORTAL_SCOPES = frozenset(scope.value for scope in Scope if scope is not Scope.AUDIT_READ)


def _in(days: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def _grant(grantee: str, scopes: Iterable[str] = ("vehicles:read",), **changes: Any) -> Any:
    return {
        "grantee_nik": grantee,
        "scopes": list(scopes),
        "purpose": "Mengurus pajak kendaraan selama saya di luar negeri",
        "expires_at": _in(30),
        **changes,
    }


async def _portal(app: FastAPI, nik: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway.test",
        headers=await credentials(app, PORTAL_SCOPES, subject_nik=nik, purpose=None),
    )


async def _acting(
    app: FastAPI, subject: str, actor: Actor, scopes: Iterable[str]
) -> httpx.AsyncClient:
    """A portal token for `subject` naming `actor`, as the token exchange issues it."""
    issued = await app.state.clients.create("test portal", ClientKind.PORTAL, scopes)
    claims = TokenClaims(
        issued.client.client_id, ClientKind.PORTAL, issued.client.scopes, subject, actor
    )
    token = app.state.token_issuer.issue(claims)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway.test",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def people(personas) -> dict[str, str]:
    """The head of the `family` KK grants; the woman of Pekanbaru (another KK) holds."""
    return {
        "grantor": personas["family"].nik,
        "holder": personas["woman"].nik,
        "stranger": personas["nothing"].nik,
    }


async def test_a_citizen_grants_a_mandate_and_both_see_it(gateway_app, people):
    async with (
        await _portal(gateway_app, people["grantor"]) as grantor,
        await _portal(gateway_app, people["holder"]) as holder,
    ):
        granted = await grantor.post("/v1/mandates", json=_grant(people["holder"]))
        fetched = await grantor.get(granted.headers["location"])
        mine = (await grantor.get("/v1/mandates")).json()
        theirs = (await holder.get("/v1/mandates")).json()
        seen_by_holder = await holder.get(f"/v1/mandates/{granted.json()['id']}")

    assert granted.status_code == 201, granted.text
    mandate = granted.json()
    assert mandate["status"] == "active"
    assert (mandate["grantor_nik"], mandate["grantee_nik"]) == (people["grantor"], people["holder"])
    assert fetched.json() == mandate
    assert [m["id"] for m in mine["granted"]] == [mandate["id"]]
    assert mine["received"] == []
    assert [m["id"] for m in theirs["received"]] == [mandate["id"]]
    assert theirs["granted"] == []
    assert seen_by_holder.status_code == 200


async def test_the_same_grant_sent_again_is_not_granted_twice(gateway_app, people):
    """A portal retrying after a lost answer gets the mandate already given; a grant that
    differs (another purpose) is a mandate of its own."""
    body = _grant(people["holder"])
    async with await _portal(gateway_app, people["grantor"]) as grantor:
        first = await grantor.post("/v1/mandates", json=body)
        again = await grantor.post("/v1/mandates", json=body)
        other = await grantor.post("/v1/mandates", json={**body, "purpose": "Mengurus KTP"})
        mine = (await grantor.get("/v1/mandates")).json()

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert sorted(m["id"] for m in mine["granted"]) == sorted(
        [first.json()["id"], other.json()["id"]]
    )


async def test_another_citizen_can_neither_see_nor_withdraw_a_mandate(gateway_app, people):
    async with (
        await _portal(gateway_app, people["grantor"]) as grantor,
        await _portal(gateway_app, people["holder"]) as holder,
        await _portal(gateway_app, people["stranger"]) as stranger,
    ):
        mandate_id = (await grantor.post("/v1/mandates", json=_grant(people["holder"]))).json()[
            "id"
        ]
        peeked = await stranger.get(f"/v1/mandates/{mandate_id}")
        listed = await stranger.get("/v1/mandates", params={"nik": people["grantor"]})
        withdrawn_by_stranger = await stranger.delete(f"/v1/mandates/{mandate_id}")
        withdrawn_by_holder = await holder.delete(f"/v1/mandates/{mandate_id}")
        after = await grantor.get(f"/v1/mandates/{mandate_id}")

    for refused in (peeked, listed, withdrawn_by_stranger, withdrawn_by_holder):
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert peeked.json()["type"].endswith("mandate-not-found")
    assert after.json()["status"] == "active"


async def test_only_the_citizen_themself_grants(gateway_app, people, personas):
    world = default_world()
    mother, son = personas["family"].related_niks[0], personas["family"].related_niks[2]
    assert world.citizens[son].relationship == "ANAK"
    actor = await authorise(gateway_app.state.services, mother, son, PORTAL_SCOPES)
    async with (
        await _acting(gateway_app, son, actor, PORTAL_SCOPES) as parent,
        client_of(gateway_app) as officer,
    ):
        by_parent = await parent.post("/v1/mandates", json=_grant(people["holder"]))
        by_officer = await officer.post("/v1/mandates", json=_grant(people["holder"]))

    for refused in (by_parent, by_officer):
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("citizen-only")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grantee_nik": "self"}, "grantee_nik"),
        ({"expires_at": _in(400)}, "expires_at"),
        ({"expires_at": _in(-1)}, "expires_at"),
        ({"expires_at": "2027-01-01T00:00:00"}, "expires_at"),
        ({"scopes": ["audit:read"]}, "scopes.0"),
        ({"scopes": []}, "scopes"),
    ],
)
async def test_a_mandate_that_cannot_be_is_refused_by_field(gateway_app, people, change, field):
    if change.get("grantee_nik") == "self":
        change = {"grantee_nik": people["grantor"]}
    async with await _portal(gateway_app, people["grantor"]) as grantor:
        refused = await grantor.post("/v1/mandates", json=_grant(people["holder"], **change))

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]


async def test_an_oversight_body_lists_a_citizens_mandates_with_audit_read_only(
    gateway_app, people
):
    async with await _portal(gateway_app, people["grantor"]) as grantor:
        await grantor.post("/v1/mandates", json=_grant(people["holder"]))
    params = {"nik": people["grantor"]}
    async with client_of(gateway_app) as auditor:
        listed = await auditor.get("/v1/mandates", params=params)
    lacking = await credentials(gateway_app, frozenset(Scope) - {Scope.AUDIT_READ})
    async with client_of(gateway_app, lacking) as officer:
        refused = await officer.get("/v1/mandates", params=params)

    assert listed.status_code == 200
    assert len(listed.json()["granted"]) == 1
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("insufficient-scope")


async def test_a_mandate_token_stops_working_the_moment_the_mandate_is_withdrawn(
    gateway_app, people
):
    grantor_nik, holder_nik = people["grantor"], people["holder"]
    async with await _portal(gateway_app, grantor_nik) as grantor:
        mandate_id = (await grantor.post("/v1/mandates", json=_grant(holder_nik))).json()["id"]
        actor = await authorise(
            gateway_app.state.services, holder_nik, grantor_nik, frozenset({"vehicles:read"})
        )
        async with await _acting(gateway_app, grantor_nik, actor, ["vehicles:read"]) as holder:
            before = await holder.get(f"/v1/citizens/{grantor_nik}/vehicles")
            withdrawn = await grantor.delete(f"/v1/mandates/{mandate_id}")
            after = await holder.get(f"/v1/citizens/{grantor_nik}/vehicles")
        shown = (await grantor.get(f"/v1/mandates/{mandate_id}")).json()

    assert before.status_code == 200, before.text
    assert withdrawn.status_code == 204
    assert after.status_code == 401
    assert "withdrawn" in after.json()["detail"]
    assert 'error="invalid_token"' in after.headers["www-authenticate"]
    assert shown["status"] == "withdrawn"


async def _log(app: FastAPI, nik: str, language: str = "en") -> list[dict[str, Any]]:
    async with await _portal(app, nik) as citizen:
        response = await citizen.get(
            f"/v1/citizens/{nik}/access-log", headers={"Accept-Language": language}
        )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_childs_log_says_your_mother_acted_and_the_mothers_log_what_she_did(
    gateway_app, personas
):
    mother, son = personas["family"].related_niks[0], personas["family"].related_niks[2]
    actor = await authorise(gateway_app.state.services, mother, son, PORTAL_SCOPES)
    async with await _acting(gateway_app, son, actor, PORTAL_SCOPES) as parent:
        read = await parent.get(f"/v1/citizens/{son}")
    assert read.status_code == 200, read.text

    childs = next(e for e in await _log(gateway_app, son) if e["operation"] == "citizen.profile")
    mothers = next(
        e for e in await _log(gateway_app, mother) if e["request_id"] == childs["request_id"]
    )

    assert childs["acting_for_you"] == {
        "nik": f"{mother[:4]}********{mother[-4:]}",
        "basis": "parent",
        "relationship": "mother",
        "summary": "your mother, acting for you",
        "summary_id": "ibu Anda, bertindak untuk Anda",
    }
    assert childs.get("acting_for") is None
    assert mothers["acting_for"]["summary"] == "you, acting for your child"
    assert mothers["acting_for"]["nik"] == f"{son[:4]}********{son[-4:]}"


async def test_grant_and_withdrawal_are_in_both_citizens_logs(gateway_app, people):
    async with await _portal(gateway_app, people["grantor"]) as grantor:
        mandate_id = (await grantor.post("/v1/mandates", json=_grant(people["holder"]))).json()[
            "id"
        ]
        await grantor.delete(f"/v1/mandates/{mandate_id}")

    for nik in (people["grantor"], people["holder"]):
        operations = [e["operation"] for e in await _log(gateway_app, nik)]
        assert {"mandate.grant", "mandate.withdraw"} <= set(operations), nik


def _verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_who_acted_is_sealed_into_the_audit_chain(gateway_app, personas, database_url):
    mother, son = personas["family"].related_niks[0], personas["family"].related_niks[2]
    actor = await authorise(gateway_app.state.services, mother, son, PORTAL_SCOPES)
    async with await _acting(gateway_app, son, actor, PORTAL_SCOPES) as parent:
        assert (await parent.get(f"/v1/citizens/{son}")).status_code == 200
    assert _verify(database_url).returncode == 0

    async with gateway_app.state.engine.begin() as conn:
        seq = await conn.scalar(
            select(AccessRecord.seq).where(AccessRecord.actor_nik == mother).limit(1)
        )
        await conn.execute(
            update(AccessRecord).where(AccessRecord.seq == seq).values(actor_relationship="father")
        )
    result = _verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at record {seq}" in result.stderr
