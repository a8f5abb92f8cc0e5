"""How one access record is sealed into the chain.

The hash covers every field a citizen or an auditor relies on, in a canonical JSON form that
does not depend on the database (key order, JSON type, timestamp precision), so the verifier
recomputes exactly what the writer computed. It is a plain SHA-256 chain: on its own it proves
that no row was edited, removed or slipped in between others. A chain cut short with its head
row set back, emptied, or rewritten with every hash recomputed still agrees with itself; the
signed checkpoints of the head (`app.audit.checkpoints`), copied to witnesses outside the
database, are what `satupintu audit verify` holds it against to find those.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64

ACTOR_FIELDS = ("actor_nik", "actor_basis", "actor_relationship")
"""Who acted for the subject (issue 15): sealed like the rest, since who acted is what a
citizen most needs to trust, but only when set, so the records written before there were
actors keep the hashes they were sealed with."""

SEALED_FIELDS = (
    "seq",
    "request_id",
    "occurred_at",
    "client_id",
    "purpose",
    "operation",
    "subject_nik",
    "subject_plate",
    "agencies",
    "released",
    "outcome",
    "http_status",
    "duration_ms",
    "prev_hash",
    *ACTOR_FIELDS,
)


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def seal(record: Mapping[str, Any]) -> str:
    """The hash of a record whose `seq` and `prev_hash` are already set."""
    body = {name: _canonical(record[name]) for name in SEALED_FIELDS if name not in ACTOR_FIELDS}
    body.update((name, record[name]) for name in ACTOR_FIELDS if record.get(name) is not None)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
