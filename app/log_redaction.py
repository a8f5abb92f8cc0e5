"""Tracebacks for the log without the data a failed statement carried.

SQLAlchemy hides bound parameters (`hide_parameters=True`), but the drivers quote them in
their own messages: asyncpg's "invalid input for query argument $1: 'the complaint text'",
PostgreSQL's `DETAIL: Key (nik)=(...) already exists`. A database error is therefore logged
by its class, SQLSTATE and statement (placeholders only), and the driver's message is left
out; every other exception keeps its message, which is what makes a traceback useful."""

import traceback
from types import TracebackType

from sqlalchemy.exc import DBAPIError, StatementError

_DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlite3", "psycopg")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _chain(error: BaseException) -> list[BaseException]:
    """Outermost last, as Python prints them."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return found[::-1]


def _from_driver(error: BaseException) -> bool:
    return type(error).__module__.split(".")[0] in _DRIVER_MODULES


def _name(error: BaseException) -> str:
    return f"{type(error).__module__}.{type(error).__qualname__}"


def _describe(error: BaseException) -> str:
    name = _name(error)
    if isinstance(error, DBAPIError):
        orig = error.orig
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        driver = type(orig).__qualname__ if orig is not None else "?"
        return f"{name}: {driver} (SQLSTATE {code or '-'}) in [SQL: {error.statement}]"
    if isinstance(error, StatementError):
        return f"{name} in [SQL: {error.statement}] (message withheld: it may quote values)"
    return "".join(traceback.format_exception_only(error)).rstrip()


def redacted_traceback(exc_info: ExcInfo) -> str:
    error = exc_info[1]
    if error is None:
        return ""
    links = _chain(error)
    # What led to a DBAPIError is the driver's error, whatever module defines it (SQLAlchemy's
    # own asyncpg adapter re-raises it as one of its classes).
    wrapped = max((i for i, link in enumerate(links) if isinstance(link, DBAPIError)), default=-1)
    parts = []
    for position, link in enumerate(links):
        if position:
            parts.append("\nThe above exception led to the following exception:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        if position < wrapped or _from_driver(link):
            parts.append(f"{_name(link)} (message withheld: it may quote SQL parameters)\n")
        else:
            parts.append(_describe(link) + "\n")
    return "".join(parts).rstrip()
