"""A stand-in gateway process for the audit-chain tests: appends `count` access records
through the real group-committing access log, many at once, then exits.

Run as `python -m tests.audit_writer <count> <label>` with DATABASE_URL set."""

import asyncio
import sys

from app.config import Settings
from app.db.session import make_engine
from app.services.access_log import AccessEvent, AccessLog

CONCURRENCY = 200


async def write(count: int, label: str) -> None:
    engine = make_engine(Settings().database_url)
    log = AccessLog(engine)
    await log.start()
    pending = iter(range(count))

    async def writer() -> None:
        for number in pending:
            await log.record(
                AccessEvent(
                    request_id=f"{label}-{number}",
                    client_id=label,
                    operation="citizen.profile",
                    outcome="complete",
                    http_status=200,
                    duration_ms=1,
                    calls=[],
                    subject_nik="3374091203840001",
                    purpose="chain load test",
                    released=["identity"],
                )
            )

    await asyncio.gather(*(writer() for _ in range(CONCURRENCY)))
    await log.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(write(int(sys.argv[1]), sys.argv[2]))
