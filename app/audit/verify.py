"""Walk the access-record chain and name the first link that does not hold."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.chain import GENESIS, SEALED_FIELDS, seal
from app.db.models import AccessRecord, AuditChainHead

BATCH = 2000


@dataclass(frozen=True)
class ChainReport:
    records: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    record_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def verify_chain(sessions: async_sessionmaker[AsyncSession]) -> ChainReport:
    """Streams the records in `seq` order, so memory stays flat however long the chain."""
    async with sessions() as session:
        head = await session.get(AuditChainHead, 1)
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)

        def broken(seq: int, record_id: int | None, reason: str) -> ChainReport:
            return ChainReport(records, head_seq, head_hash, seq, record_id, reason)

        records, expected, prev_hash, prev_id = 0, 1, GENESIS, None
        stream = await session.stream_scalars(
            select(AccessRecord).order_by(AccessRecord.seq).execution_options(yield_per=BATCH)
        )
        async for record in stream:
            if record.seq != expected:
                return broken(
                    expected,
                    None,
                    f"records {expected} to {record.seq - 1} are missing: deleted from the chain",
                )
            if record.prev_hash != prev_hash:
                return broken(
                    record.seq - 1,
                    prev_id,
                    f"record {record.seq - 1} was altered or replaced: record {record.seq} "
                    "no longer links to it",
                )
            if seal({name: getattr(record, name) for name in SEALED_FIELDS}) != record.hash:
                return broken(
                    record.seq,
                    record.id,
                    f"record {record.seq} was altered: its content no longer matches its hash",
                )
            records, expected = records + 1, expected + 1
            prev_hash, prev_id = record.hash, record.id
        if head_seq != records:
            return broken(
                records + 1,
                None,
                f"records {records + 1} to {head_seq} are missing: the newest were deleted",
            )
        if head_hash != prev_hash:
            return broken(
                records,
                prev_id,
                f"record {records} was altered or replaced: the chain head no longer links to it",
            )
    return ChainReport(records, head_seq, head_hash)
