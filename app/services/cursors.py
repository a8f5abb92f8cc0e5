"""Opaque cursors for newest-first lists: the last item's time and id, so a page never skips
or repeats an item however many arrive meanwhile."""

import base64
import datetime as dt
import json

from app.problems import ProblemError, ProblemKind
from app.schemas.problem import FieldError


def encode_cursor(at: dt.datetime, item_id: str) -> str:
    raw = json.dumps([at.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, item_id = json.loads(base64.urlsafe_b64decode(padded))
        return dt.datetime.fromisoformat(at), str(item_id)
    except (ValueError, TypeError) as exc:
        message = "not a cursor from this API"
        raise ProblemError(
            ProblemKind.VALIDATION,
            f"cursor: {message}",
            errors=[FieldError(field="cursor", location="query", message=message)],
        ) from exc
