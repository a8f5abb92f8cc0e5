"""Walk the access-record chain and name the first link that does not hold; then hold the
chain against what was vouched for outside it (signed checkpoints, an expected head).

The walk alone finds a record edited, removed or slipped in. It cannot find a chain cut short
with its head row set back, an emptied one, or one rewritten with every hash recomputed: each
of those agrees with itself. An anchor (`seq`, `hash`) from a checkpoint or from the operator
says what record `seq` was; a chain that no longer ends at or beyond it was truncated (or
wiped, when nothing is left), and one whose record `seq` has another hash was re-sealed.
"""

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.chain import GENESIS, SEALED_FIELDS, seal
from app.audit.checkpoints import Checkpoint, key_id, signature_holds, stored
from app.db.models import AccessRecord, AuditChainHead

BATCH = 2000


class Finding(enum.StrEnum):
    TRUNCATED = "TRUNCATED"
    WIPED = "WIPED"
    RESEALED = "RESEALED"
    FORGED = "FORGED CHECKPOINT"
    UNREADABLE = "UNREADABLE CHECKPOINT"


@dataclass(frozen=True)
class Anchor:
    """Record `seq` had hash `hash`, according to `source`."""

    seq: int
    hash: str
    source: str


@dataclass(frozen=True)
class Problem:
    finding: Finding
    message: str


@dataclass(frozen=True)
class ChainReport:
    records: int
    head_seq: int
    head_hash: str
    broken_at: int | None = None
    record_id: int | None = None
    reason: str | None = None
    problems: tuple[Problem, ...] = ()
    anchors: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problems


async def _walk(
    session: AsyncSession, anchors: dict[int, list[Anchor]]
) -> tuple[ChainReport, list[tuple[Anchor, str]]]:
    """The chain's own consistency, and the anchors whose record has another hash."""
    head = await session.get(AuditChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    differing: list[tuple[Anchor, str]] = []

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
            ), differing
        if record.prev_hash != prev_hash:
            return broken(
                record.seq - 1,
                prev_id,
                f"record {record.seq - 1} was altered or replaced: record {record.seq} "
                "no longer links to it",
            ), differing
        if seal({name: getattr(record, name) for name in SEALED_FIELDS}) != record.hash:
            return broken(
                record.seq,
                record.id,
                f"record {record.seq} was altered: its content no longer matches its hash",
            ), differing
        differing.extend(
            (a, record.hash) for a in anchors.get(record.seq, ()) if a.hash != record.hash
        )
        records, expected = records + 1, expected + 1
        prev_hash, prev_id = record.hash, record.id
    if head_seq != records:
        return broken(
            records + 1,
            None,
            f"records {records + 1} to {head_seq} are missing: the newest were deleted",
        ), differing
    if head_hash != prev_hash:
        return broken(
            records,
            prev_id,
            f"record {records} was altered or replaced: the chain head no longer links to it",
        ), differing
    return ChainReport(records, head_seq, head_hash), differing


def _anchored(
    records: int, anchors: Sequence[Anchor], differing: list[tuple[Anchor, str]]
) -> list[Problem]:
    """One problem per kind, naming the anchor that shows it most plainly: the furthest
    record vouched for beyond the end, the earliest record whose hash changed."""
    problems = []
    beyond = [a for a in anchors if a.seq > records]
    if beyond:
        furthest = max(beyond, key=lambda a: a.seq)
        others = f" ({len(beyond)} anchors agree)" if len(beyond) > 1 else ""
        if records == 0:
            problems.append(
                Problem(
                    Finding.WIPED,
                    f"the chain is empty, but {furthest.source} vouches for {furthest.seq} "
                    f"records{others}: every record was deleted and the head reset",
                )
            )
        else:
            problems.append(
                Problem(
                    Finding.TRUNCATED,
                    f"the chain ends at record {records}, but {furthest.source} vouches for "
                    f"record {furthest.seq}{others}: records {records + 1} to {furthest.seq} "
                    "were deleted and the head set back to match",
                )
            )
    if differing:
        earliest, found = min(differing, key=lambda pair: pair[0].seq)
        others = f" ({len(differing)} anchors disagree)" if len(differing) > 1 else ""
        problems.append(
            Problem(
                Finding.RESEALED,
                f"record {earliest.seq} has hash {found}, but {earliest.source} says "
                f"{earliest.hash}{others}: the chain was rewritten up to record {earliest.seq} "
                "and every hash recomputed",
            )
        )
    return problems


async def verify_chain(
    sessions: async_sessionmaker[AsyncSession], anchors: Sequence[Anchor] = ()
) -> ChainReport:
    """Streams the records in `seq` order, so memory stays flat however long the chain."""
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    async with sessions() as session:
        report, differing = await _walk(session, by_seq)
    if report.broken_at is not None:
        return report
    problems = tuple(_anchored(report.records, anchors, differing))
    return ChainReport(
        report.records, report.head_seq, report.head_hash, problems=problems, anchors=len(anchors)
    )


@dataclass
class Witnessed:
    """Checkpoints gathered from the database and from witness files, each with its source."""

    checkpoints: list[tuple[Checkpoint, str]] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)

    def add_file(self, path: Path) -> None:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                checkpoint = Checkpoint.from_json(json.loads(line))
            except ValueError as exc:
                self.unreadable.append(
                    Problem(Finding.UNREADABLE, f"line {number} of {path} is not one: {exc}")
                )
                continue
            self.checkpoints.append((checkpoint, f"{path} line {number}"))

    def add_stored(self, checkpoints: Iterable[Checkpoint]) -> None:
        self.checkpoints.extend((c, "the database") for c in checkpoints)


def _described(checkpoint: Checkpoint, where: str) -> str:
    at = f"{checkpoint.signed_at:%Y-%m-%d %H:%M:%S} UTC"
    return f"the checkpoint of record {checkpoint.seq} signed {at} ({where})"


def signed_anchors(
    witnessed: Witnessed, keys: Sequence[Ed25519PublicKey]
) -> tuple[list[Anchor], list[Problem]]:
    """Only a checkpoint whose signature verifies becomes an anchor; every other one is
    named, since someone made it to be believed."""
    by_id = {key_id(key): key for key in keys}
    anchors, forged = [], []
    seen: set[Checkpoint] = set()
    for checkpoint, where in witnessed.checkpoints:
        if checkpoint in seen:
            continue
        seen.add(checkpoint)
        described = _described(checkpoint, where)
        key = by_id.get(checkpoint.key_id)
        if key is None:
            forged.append(
                Problem(
                    Finding.FORGED,
                    f"{described} names key {checkpoint.key_id}, which is not a key given to "
                    "verify with: forged, or signed with a key this check was not told about",
                )
            )
        elif not signature_holds(checkpoint, key):
            forged.append(
                Problem(
                    Finding.FORGED,
                    f"{described} does not verify with key {checkpoint.key_id}: it was forged "
                    "or altered after signing",
                )
            )
        else:
            anchors.append(Anchor(checkpoint.seq, checkpoint.hash, described))
    return anchors, forged


async def verify_against(
    sessions: async_sessionmaker[AsyncSession],
    keys: Sequence[Ed25519PublicKey],
    witness_files: Sequence[Path] = (),
    expected_head: tuple[int, str] | None = None,
) -> ChainReport:
    """The chain, every checkpoint (in the database and in the witness files) that its key
    vouches for, and the operator's expected head. Without a key, checkpoints are not used:
    one that cannot be checked proves nothing."""
    witnessed = Witnessed()
    for path in witness_files:
        witnessed.add_file(path)
    if keys:
        witnessed.add_stored(await stored(sessions))
    anchors, forged = signed_anchors(witnessed, keys)
    if expected_head is not None:
        anchors.append(Anchor(*expected_head, "the expected head"))
    report = await verify_chain(sessions, anchors)
    problems = (*witnessed.unreadable, *forged, *report.problems)
    return ChainReport(
        report.records,
        report.head_seq,
        report.head_hash,
        report.broken_at,
        report.record_id,
        report.reason,
        problems,
        len(anchors),
    )
