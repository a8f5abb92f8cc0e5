"""Access tokens are signed with rotating Ed25519 keys that only the gateway holds."""

import asyncio
import datetime as dt
import hashlib
import hmac
import os
import subprocess
import sys
import uuid

import jwt
from sqlalchemy import select

from app.auth.scopes import ClientKind, Scope
from app.auth.signing_keys import KeySet, ensure_active, every_key, rotate
from app.db.models import SigningKey
from app.db.session import make_engine, make_sessionmaker
from app.main import create_app
from app.runtime import token_key_overlap
from tests.conftest import client_of, credentials, gateway_settings

READ = "/v1/agencies"
OFFICER = {Scope.AGENCIES_ADMIN}


def old_gateway_token(secret_key: str, client_id: str, **claims: object) -> str:
    """A token made exactly as earlier versions made them: HS256 under a key derived from
    `secret_key`, which defaulted to a string published in the source."""
    key = hmac.new(secret_key.encode(), b"satupintu access tokens", hashlib.sha256).hexdigest()
    now = dt.datetime.now(dt.UTC)
    payload = {
        "iss": "satupintu",
        "aud": "satupintu",
        "sub": client_id,
        "client_id": client_id,
        "client_kind": "officer",
        "scope": " ".join(sorted(Scope)),
        "iat": now,
        "exp": now + dt.timedelta(minutes=15),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="HS256", headers={"typ": "at+jwt"})


async def test_a_token_forged_with_the_old_development_key_is_refused(gateway_app):
    real = await gateway_app.state.clients.create("counter", ClientKind.OFFICER, set(Scope))
    client_id = real.client.client_id
    settings = gateway_app.state.settings
    forged = [
        old_gateway_token("satupintu-development-secret-key", client_id),
        old_gateway_token(settings.secret_key.get_secret_value(), client_id),
        old_gateway_token("satupintu-development-secret-key", client_id, iss=settings.public_url),
    ]
    for token in forged:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "forgery"}
        async with client_of(gateway_app, headers) as client:
            answer = await client.get(READ)
        assert answer.status_code == 401, answer.text
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


async def test_tokens_name_the_key_that_signed_them(gateway_app):
    headers = await credentials(gateway_app, OFFICER)
    token = headers["Authorization"].removeprefix("Bearer ")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    [key] = await every_key(gateway_app.state.services.sessions)
    assert header["kid"] == key.kid
    assert key.state == "active"


async def test_the_private_key_is_stored_encrypted(gateway_app):
    async with gateway_app.state.services.sessions() as session:
        row = (await session.scalars(select(SigningKey))).one()
    assert "PRIVATE KEY" not in row.private_key
    assert "PRIVATE KEY" in gateway_app.state.agency_admin.secrets.open(row.private_key)


async def key_set_of(app) -> KeySet:
    keys: KeySet = app.state.token_issuer.keys
    return keys


async def wait_for_signer(app, kid: str, timeout_s: float = 5.0) -> None:
    ends_at = asyncio.get_running_loop().time() + timeout_s
    while (await key_set_of(app)).signer()[0] != kid:
        assert asyncio.get_running_loop().time() < ends_at, "the rotation was not picked up"
        await asyncio.sleep(0.02)


async def test_rotation_keeps_old_tokens_valid_until_the_key_is_unpublished(database_url, agencies):
    settings = gateway_settings(database_url, token_ttl_s=2)
    app = create_app(settings, http_client=agencies.http)
    async with app.router.lifespan_context(app):
        before = await credentials(app, OFFICER)
        old_kid = jwt.get_unverified_header(before["Authorization"][7:])["kid"]
        sessions = app.state.services.sessions
        made = await rotate(sessions, app.state.agency_admin.secrets, token_key_overlap(settings))
        await wait_for_signer(app, made.kid)

        after = await credentials(app, OFFICER)
        assert jwt.get_unverified_header(after["Authorization"][7:])["kid"] == made.kid
        async with client_of(app, before) as client:
            assert (await client.get(READ)).status_code == 200
            published = (await client.get("/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in published] == [made.kid, old_kid]
        listed = {k.kid: k for k in await every_key(sessions)}
        assert listed[old_kid].state == "retired"
        retired_until = listed[old_kid].published_until
        assert retired_until is not None

        # A token the old key signed that would live on (as a stolen key could make) stops
        # at the key's end of publication, not at its own expiry.
        long_lived = await _signed_by(app, old_kid, lifetime_s=3600)
        async with client_of(app, long_lived) as client:
            assert (await client.get(READ)).status_code == 200
        await asyncio.sleep((retired_until - dt.datetime.now(dt.UTC)).total_seconds() + 0.1)

        async with client_of(app, long_lived) as client:
            refused = await client.get(READ)
            assert refused.status_code == 401
            assert "no longer published" in refused.json()["detail"]
            published = (await client.get("/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in published] == [made.kid]
        async with client_of(app, before) as client:
            assert (await client.get(READ)).status_code == 401
        async with client_of(app, await credentials(app, OFFICER)) as client:
            assert (await client.get(READ)).status_code == 200
        assert {k.kid: k.state for k in await every_key(sessions)}[old_kid] == "expired"


async def _signed_by(app, kid: str, lifetime_s: int) -> dict[str, str]:
    """A token with the key's private half, read back from the database as a process of
    this gateway would."""
    keys = await key_set_of(app)
    async with app.state.services.sessions() as session:
        row = await session.get(SigningKey, kid)
    assert row is not None
    private = keys._private_key(row)
    client = await app.state.clients.create("holder", ClientKind.OFFICER, OFFICER)
    issuer = app.state.token_issuer
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": issuer.issuer,
        "aud": "satupintu",
        "sub": client.client.client_id,
        "client_id": client.client.client_id,
        "client_kind": "officer",
        "scope": Scope.AGENCIES_ADMIN.value,
        "iat": now,
        "exp": now + dt.timedelta(seconds=lifetime_s),
    }
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})
    return {"Authorization": f"Bearer {token}", "X-Purpose": "test"}


async def test_a_rotation_by_the_cli_reaches_running_gateways_without_restart(
    database_url, agencies, tmp_path
):
    """One gateway reloads its keys on its refresh interval; the other, which would not
    reload for a minute, learns the new key from the first token that names it."""
    eager = gateway_settings(database_url)
    lazy = eager.model_copy(update={"agency_refresh_interval_ms": 60_000})
    first = create_app(eager, http_client=agencies.http)
    second = create_app(lazy, http_client=agencies.http)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        [original] = await every_key(first.state.services.sessions)
        assert (await key_set_of(second)).signer()[0] == original.kid

        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SATUPINTU_SECRET_KEY": eager.secret_key.get_secret_value(),  # type: ignore[union-attr]
        }
        new_kid = (await cli(tmp_path, env, "keys", "rotate")).split()[0]
        await wait_for_signer(first, new_kid)

        headers = await credentials(first, OFFICER)
        assert jwt.get_unverified_header(headers["Authorization"][7:])["kid"] == new_kid
        assert (await key_set_of(second)).signer()[0] == original.kid
        async with client_of(second, headers) as client:
            assert (await client.get(READ)).status_code == 200
        assert (await key_set_of(second)).signer()[0] == new_kid

        listed = await cli(tmp_path, env, "keys", "list")
        rows = {line.split()[0]: line.split() for line in listed.splitlines()}
        assert rows[new_kid][1] == "active"
        assert rows[new_kid][3] == "-"
        assert rows[original.kid][1] == "retired"
        assert dt.datetime.fromisoformat(rows[original.kid][3]) > dt.datetime.now(dt.UTC)


async def cli(cwd, env: dict[str, str], *args: str) -> str:
    """The operator's command, as another process; the test's loop keeps serving meanwhile."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_unknown_key_ids_reach_the_database_at_most_once_a_second(gateway_app):
    keys = await key_set_of(gateway_app)
    await keys.stop()  # only the reloads unknown key ids cause are counted
    reloads = 0
    real_reload = keys.reload

    async def counted() -> None:
        nonlocal reloads
        reloads += 1
        await real_reload()

    keys.reload = counted  # type: ignore[method-assign]
    found = await asyncio.gather(*(keys.verification_key(f"nobody-{n}") for n in range(50)))
    assert found == [None] * 50
    assert reloads == 1


async def test_two_gateways_starting_at_once_agree_on_one_signing_key(gateway_app, database_url):
    """The first start of a cluster: every process finds no key and makes one."""
    async with gateway_app.state.services.sessions.begin() as session:
        for row in (await session.scalars(select(SigningKey))).all():
            await session.delete(row)
    engines = [make_engine(database_url) for _ in range(3)]
    box = gateway_app.state.agency_admin.secrets
    overlap = dt.timedelta(seconds=60)
    try:
        await asyncio.gather(*(ensure_active(make_sessionmaker(e), box, overlap) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    states = [k.state for k in await every_key(gateway_app.state.services.sessions)]
    assert states.count("active") == 1
    assert set(states) <= {"active", "retired"}
