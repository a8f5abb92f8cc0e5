"""Signed checkpoints and witnesses outside the database: a chain cut short with its head set
back, an emptied one and a re-sealed one all agree with themselves, and each is still found
and named; so is a forged checkpoint."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr, ValidationError
from sqlalchemy import delete, select, update

from app.audit.chain import GENESIS, SEALED_FIELDS, seal
from app.audit.checkpointer import build_checkpointer
from app.audit.checkpoints import (
    Checkpoint,
    CheckpointSigner,
    load_public_key,
    new_seed,
    signature_holds,
)
from app.config import Settings
from app.db.models import AccessRecord, AuditChainHead, AuditCheckpoint
from app.main import create_app
from tests.conftest import client_of, gateway_settings

pytestmark = pytest.mark.usefixtures("settled_heap")


@pytest.fixture
def seed() -> str:
    return new_seed()


@pytest.fixture
def witness(tmp_path: Path) -> Path:
    return tmp_path / "witness.jsonl"


@pytest.fixture
def settings(database_url: str, seed: str, witness: Path) -> Settings:
    """Checkpoints only when a test asks for one."""
    return gateway_settings(
        database_url,
        audit_signing_key=SecretStr(seed),
        audit_checkpoint_interval_s=3600,
        audit_witnesses=[witness.as_uri()],
    )


def cli(
    database_url: str, *args: str, seed: str | None = None, witness: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    for name in ("SATUPINTU_AUDIT_SIGNING_KEY", "SATUPINTU_AUDIT_WITNESSES"):
        env.pop(name, None)
    if seed is not None:
        env["SATUPINTU_AUDIT_SIGNING_KEY"] = seed
    if witness is not None:
        env["SATUPINTU_AUDIT_WITNESSES"] = json.dumps([witness.as_uri()])
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", *args],
        env=env,
        # Not the checkout: a developer's `make run` leaves its own key in .run/secrets.env
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _head(app: Any) -> tuple[int, str]:
    async with app.state.engine.connect() as conn:
        row = (await conn.execute(select(AuditChainHead.seq, AuditChainHead.hash))).one()
        return row.seq, row.hash


@pytest.fixture
async def checkpointed(gateway, gateway_app, personas, settings) -> dict[str, Any]:
    """Four reads, with a checkpoint after the third and after the fourth."""
    checkpointer = build_checkpointer(settings, gateway_app.state.services.sessions)
    assert checkpointer is not None
    for persona in ("family", "woman", "nothing", "several_vehicles_overdue"):
        assert (await gateway.get(f"/v1/citizens/{personas[persona].nik}")).status_code == 200
        if persona in ("nothing", "several_vehicles_overdue"):
            assert await checkpointer.round() is not None
    await checkpointer.stop()
    seq, head_hash = await _head(gateway_app)
    return {"seq": seq, "hash": head_hash}


async def test_an_intact_chain_holds_against_its_checkpoints_and_expected_head(
    checkpointed, database_url, seed, witness
):
    head = f"{checkpointed['seq']}:{checkpointed['hash']}"
    result = cli(
        database_url, "verify", "--checkpoints", str(witness), "--expected-head", head, seed=seed
    )

    assert result.returncode == 0, result.stderr
    assert f"intact: {checkpointed['seq']} records" in result.stdout
    assert "held against 3 signed checkpoints or expected heads" in result.stdout
    assert len(witness.read_text().splitlines()) == 2


async def test_a_truncated_chain_with_its_head_set_back_is_named(
    checkpointed, gateway_app, database_url, seed, witness
):
    last = checkpointed["seq"]
    async with gateway_app.state.engine.begin() as conn:
        kept = (
            await conn.execute(select(AccessRecord.hash).where(AccessRecord.seq == last - 1))
        ).scalar_one()
        await conn.execute(delete(AccessRecord).where(AccessRecord.seq == last))
        await conn.execute(update(AuditChainHead).values(seq=last - 1, hash=kept))
        await conn.execute(delete(AuditCheckpoint))

    unanchored = cli(database_url, "verify")
    with_witness = cli(database_url, "verify", "--checkpoints", str(witness), seed=seed)
    with_head = cli(database_url, "verify", "--expected-head", f"{last}:{checkpointed['hash']}")

    assert unanchored.returncode == 0, "the chain alone cannot tell"
    assert "a truncation, wipe or re-seal would pass" in unanchored.stderr
    for result in (with_witness, with_head):
        assert result.returncode == 1
        assert result.stderr.startswith("TRUNCATED: the chain ends at record 3"), result.stderr
        assert f"records {last} to {last} were deleted" in result.stderr
    assert f"{witness} line 2" in with_witness.stderr


async def test_a_wiped_chain_is_named(checkpointed, gateway_app, database_url, seed, witness):
    async with gateway_app.state.engine.begin() as conn:
        await conn.execute(delete(AccessRecord))
        await conn.execute(delete(AuditCheckpoint))
        await conn.execute(update(AuditChainHead).values(seq=0, hash=GENESIS))

    unanchored = cli(database_url, "verify")
    result = cli(database_url, "verify", "--checkpoints", str(witness), seed=seed)

    assert unanchored.returncode == 0
    assert "intact: 0 records" in unanchored.stdout
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"WIPED: the chain is empty, but the checkpoint of record {checkpointed['seq']}"
    ), result.stderr


async def test_a_rewritten_chain_with_every_hash_recomputed_is_named(
    checkpointed, gateway_app, database_url, seed, witness
):
    async with gateway_app.state.engine.begin() as conn:
        rows = (await conn.execute(select(AccessRecord).order_by(AccessRecord.seq))).all()
        prev_hash = GENESIS
        for row in rows:
            fields = {name: getattr(row, name) for name in SEALED_FIELDS}
            if row.seq == 2:
                fields["client_id"] = "someone-else"
            fields["prev_hash"] = prev_hash
            prev_hash = seal(fields)
            await conn.execute(
                update(AccessRecord)
                .where(AccessRecord.id == row.id)
                .values(
                    client_id=fields["client_id"], prev_hash=fields["prev_hash"], hash=prev_hash
                )
            )
        await conn.execute(update(AuditChainHead).values(hash=prev_hash))

    unanchored = cli(database_url, "verify")
    result = cli(database_url, "verify", "--checkpoints", str(witness), seed=seed)

    assert unanchored.returncode == 0
    assert result.returncode == 1
    assert result.stderr.startswith("RESEALED: record 3 has hash"), result.stderr
    assert "(2 anchors disagree)" in result.stderr, "both checkpoints, copies counted once"


async def test_a_forged_checkpoint_is_named_and_vouches_for_nothing(
    checkpointed, database_url, seed, witness
):
    genuine = Checkpoint.from_json(json.loads(witness.read_text().splitlines()[0]))
    impostor = CheckpointSigner(new_seed()).sign(999, "f" * 64, genuine.signed_at)
    lines = [
        json.dumps({**genuine.to_json(), "seq": 999}),
        json.dumps({**impostor.to_json(), "key_id": genuine.key_id}),
        json.dumps(impostor.to_json()),
    ]
    with witness.open("a") as stream:
        stream.write("\n".join(lines) + "\n")

    result = cli(database_url, "verify", "--checkpoints", str(witness), seed=seed)

    assert result.returncode == 1
    forged = [line for line in result.stderr.splitlines() if line.startswith("FORGED CHECKPOINT")]
    assert len(forged) == 3, result.stderr
    for line_number, found in zip((3, 4), forged, strict=False):
        assert f"{witness} line {line_number}) does not verify" in found
    assert f"names key {impostor.key_id}" in forged[2]
    assert "TRUNCATED" not in result.stderr, "a forged checkpoint is no evidence"


async def test_a_witness_verifies_with_the_public_key_alone(
    checkpointed, database_url, seed, witness, tmp_path
):
    public = cli(database_url, "public-key", seed=seed)
    key_file = tmp_path / "checkpoints.jwk"
    key_file.write_text(public.stdout)
    other_file = tmp_path / "other.jwk"
    other_file.write_text(json.dumps(CheckpointSigner(new_seed()).public_jwk()))

    right = cli(
        database_url, "verify", "--checkpoints", str(witness), "--public-key", str(key_file)
    )
    wrong = cli(
        database_url, "verify", "--checkpoints", str(witness), "--public-key", str(other_file)
    )
    none = cli(database_url, "verify", "--checkpoints", str(witness))

    assert json.loads(public.stdout)["kid"] == CheckpointSigner(seed).key_id
    assert right.returncode == 0, right.stderr
    assert wrong.returncode == 1
    assert "FORGED CHECKPOINT" in wrong.stderr
    assert none.returncode == 2
    assert "--public-key" in none.stderr


async def test_the_cli_writes_a_checkpoint_now_and_exports_them_all(
    checkpointed, database_url, seed, witness, tmp_path
):
    made = cli(database_url, "checkpoint", seed=seed, witness=witness)
    exported = tmp_path / "export.jsonl"
    export = cli(database_url, "export", "--to", str(exported))

    assert made.returncode == 0, made.stderr
    assert Checkpoint.from_json(json.loads(made.stdout)).seq == checkpointed["seq"]
    assert len(witness.read_text().splitlines()) == 3, "the CLI's checkpoint reached the witness"
    assert export.returncode == 0, export.stderr
    lines = [Checkpoint.from_json(json.loads(line)) for line in exported.read_text().splitlines()]
    key = CheckpointSigner(seed).public_key
    assert [c.seq for c in lines] == [3, 4, 4]
    assert all(signature_holds(c, key) for c in lines)


async def _wait_for(check: Any, timeout_s: float = 10.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_each_process_checkpoints_the_head_when_it_moves_to_file_and_http_witnesses(
    database_url, agencies, personas, seed, tmp_path
):
    received: list[dict[str, Any]] = []
    refusals = [web.Response(status=503)]

    async def keep(request: web.Request) -> web.Response:
        if refusals:
            return refusals.pop()
        received.append(await request.json())
        return web.Response(status=201)

    server_app = web.Application()
    server_app.router.add_post("/checkpoints", keep)
    witness = tmp_path / "witness.jsonl"
    async with TestServer(server_app, host="127.0.0.1") as server:
        settings = gateway_settings(
            database_url,
            audit_signing_key=SecretStr(seed),
            audit_checkpoint_interval_s=0.05,
            audit_witnesses=[witness.as_uri(), str(server.make_url("/checkpoints"))],
        )
        app = create_app(settings, http_client=agencies.http)
        async with app.router.lifespan_context(app), client_of(app) as gateway:
            await gateway.get(f"/v1/citizens/{personas['family'].nik}")
            seq, head_hash = await _head(app)
            await _wait_for(lambda: any(c["seq"] == seq for c in received))
            await asyncio.sleep(0.3)
            settled = len(witness.read_text().splitlines())
            await gateway.get(f"/v1/citizens/{personas['woman'].nik}")
            moved, _ = await _head(app)
            await _wait_for(lambda: any(c["seq"] == moved for c in received))

    in_file = [Checkpoint.from_json(json.loads(line)) for line in witness.read_text().splitlines()]
    key = load_public_key(json.dumps(CheckpointSigner(seed).public_jwk()))
    assert refusals == [], "the HTTP witness refused once"
    assert [c["seq"] for c in received] == [c.seq for c in in_file], "retried, nothing lost"
    assert settled == 1, "an unmoved head is not signed again"
    assert (in_file[0].seq, in_file[0].hash) == (seq, head_hash)
    assert in_file[-1].seq == moved
    assert all(signature_holds(Checkpoint.from_json(c), key) for c in received)


def test_a_witness_that_could_never_be_written_is_refused_at_start():
    for url in ("ftp://example.org/x", "file://relative/path.jsonl", "https:///nohost"):
        with pytest.raises(ValidationError, match="audit_witnesses"):
            Settings(audit_witnesses=[url])
