"""The audit trail is a hash chain: any edit or deletion is found and named, and several
processes appending at once still build one unbroken chain."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import delete, func, select, update

from app.db.migrate import upgrade
from app.db.models import AccessRecord
from tests.conftest import credentials

pytestmark = pytest.mark.usefixtures("settled_heap")


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
async def chain(gateway, gateway_app, personas) -> list[int]:
    """A few real reads, giving the chain records; returns their sequence numbers."""
    for persona in ("family", "woman", "nothing"):
        assert (await gateway.get(f"/v1/citizens/{personas[persona].nik}")).status_code == 200
    async with gateway_app.state.engine.connect() as conn:
        return list(await conn.scalars(select(AccessRecord.seq).order_by(AccessRecord.seq)))


async def test_an_untouched_chain_verifies(chain, database_url):
    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    assert f"intact: {len(chain)} records" in result.stdout


async def test_an_edited_record_breaks_the_chain_and_is_named(chain, gateway_app, database_url):
    edited = chain[1]
    async with gateway_app.state.engine.begin() as conn:
        await conn.execute(
            update(AccessRecord).where(AccessRecord.seq == edited).values(purpose="nothing to see")
        )

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at record {edited}" in result.stderr
    assert "altered" in result.stderr


async def test_a_deleted_record_breaks_the_chain_and_is_named(chain, gateway_app, database_url):
    removed = chain[1]
    async with gateway_app.state.engine.begin() as conn:
        await conn.execute(delete(AccessRecord).where(AccessRecord.seq == removed))

    result = verify(database_url)

    assert result.returncode == 1
    assert f"records {removed} to {removed} are missing" in result.stderr


async def test_deleting_the_newest_record_is_found_too(chain, gateway_app, database_url):
    async with gateway_app.state.engine.begin() as conn:
        await conn.execute(delete(AccessRecord).where(AccessRecord.seq == chain[-1]))

    result = verify(database_url)

    assert result.returncode == 1
    assert "the newest were deleted" in result.stderr


async def test_a_record_rewritten_with_a_fresh_hash_is_found_by_its_successor(
    chain, gateway_app, database_url
):
    from app.audit.chain import SEALED_FIELDS, seal

    forged = chain[0]
    async with gateway_app.state.engine.begin() as conn:
        row = (await conn.execute(select(AccessRecord).where(AccessRecord.seq == forged))).one()
        fields = {name: getattr(row, name) for name in SEALED_FIELDS}
        fields["client_id"] = "someone-else"
        await conn.execute(
            update(AccessRecord)
            .where(AccessRecord.seq == forged)
            .values(client_id="someone-else", hash=seal(fields))
        )

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at record {forged}" in result.stderr


def test_two_processes_writing_10000_records_at_once_build_one_chain(database_url):
    upgrade(database_url)
    env = {**os.environ, "DATABASE_URL": database_url}
    before = verify(database_url)
    assert before.returncode == 0, before.stderr
    writers = [
        subprocess.Popen([sys.executable, "-m", "tests.audit_writer", "5000", label], env=env)
        for label in ("gateway-a", "gateway-b")
    ]
    for writer in writers:
        assert writer.wait(timeout=300) == 0

    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    records = int(result.stdout.split("intact: ")[1].split()[0])
    written_before = int(before.stdout.split("intact: ")[1].split()[0])
    assert records - written_before == 10_000


async def test_the_citizen_sees_each_officer_read_with_its_purpose(gateway_app, personas):
    from tests.conftest import client_of

    nik = personas["family"].nik
    counter = await credentials(gateway_app, name="samsat counter", purpose="renewal, queue 0412")
    async with client_of(gateway_app, counter) as officer:
        read = await officer.get(f"/v1/citizens/{nik}")
    own = await credentials(gateway_app, subject_nik=nik, name="citizen portal")
    async with client_of(gateway_app, own) as portal:
        log = await portal.get(f"/v1/citizens/{nik}/access-log")
        other = await portal.get(f"/v1/citizens/{personas['woman'].nik}/access-log")
    auditor = await credentials(gateway_app, name="ombudsman", purpose="complaint 17/2026")
    async with client_of(gateway_app, auditor) as ombudsman:
        oversight = await ombudsman.get(f"/v1/citizens/{nik}/access-log")

    assert log.status_code == 200
    entry = next(e for e in log.json()["items"] if e["request_id"] == read.headers["x-request-id"])
    assert entry["client_name"] == "samsat counter"
    assert entry["purpose"] == "renewal, queue 0412"
    assert entry["operation"] == "citizen.profile"
    assert set(entry["agencies"]) == {"civil_registry", "vehicle_tax", "investment_licensing"}
    assert "identity" in entry["released"]
    assert other.status_code == 404
    assert oversight.status_code == 200
    assert oversight.json()["items"][0]["client_name"] == "citizen portal"
    assert oversight.json()["items"][0]["purpose"] == "citizen self-service"


async def test_the_access_log_pages(gateway, gateway_app, personas):
    nik = personas["woman"].nik
    for _ in range(5):
        await gateway.get(f"/v1/citizens/{nik}/vehicles")

    first = (await gateway.get(f"/v1/citizens/{nik}/access-log", params={"page_size": 2})).json()

    assert first["total"] >= 5
    assert len(first["items"]) == 2
    assert first["total_pages"] == -(-first["total"] // 2)
    async with gateway_app.state.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(AccessRecord).where(AccessRecord.subject_nik == nik)
        )
    assert count == first["total"] + 1


async def test_writers_that_take_turns_each_notice_the_others_appends(database_url):
    """Each writer remembers the head it left; when another moved it since, its
    compare-and-set misses and it relinks from the head it then reads under the lock."""
    from app.audit.verify import verify_chain
    from app.db.migrate import apply_migrations
    from app.db.session import make_engine, make_sessionmaker
    from app.services.access_log import AccessEvent, AccessLog

    await apply_migrations(database_url)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    first, second = AccessLog(engine), AccessLog(engine)
    await first.start()
    await second.start()
    for number in range(6):
        await (first if number % 2 else second).record(
            AccessEvent(
                request_id=f"turn-{number}",
                client_id="turns",
                operation="citizen.profile",
                outcome="complete",
                http_status=200,
                duration_ms=1,
                calls=[],
            )
        )
    await first.stop()
    await second.stop()
    report = await verify_chain(sessions)
    await engine.dispose()

    assert report.intact, report.reason
    assert report.records == 6
