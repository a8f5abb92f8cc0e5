"""Text a client types in, refused when it carries characters no person means to send.

A NUL makes PostgreSQL refuse the row (a 500), and SQLite stores it and forwards it to the
agencies; other control characters (escape sequences, form feeds) and lone surrogates, which
no encoder can write, do the same kind of harm further on. Every free-text field and
parameter takes one of these two types, so the rule is the same everywhere and is stated in
the OpenAPI `pattern` a client can check before sending."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# Unicode category Cc (C0, DEL, C1 controls) as a JSON Schema regex: what the validators below
# refuse, for clients and for schema-driven test generators. The validators refuse lone
# surrogates (Cs) too, but the pattern does not name them: they are not characters (RFC 8259
# 8.2 leaves a string holding one undefined), and a regex engine that works on Unicode scalar
# values (Rust's, which Schemathesis and jsonschema-rs read patterns with) refuses a pattern
# naming them: Schemathesis then ignored the whole pattern and sent control characters.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_MULTILINE_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
SINGLE_LINE_PATTERN = f"^[^{_CONTROLS}]*$"
MULTILINE_PATTERN = f"^[^{_MULTILINE_CONTROLS}]*$"
_LINE_BREAKS = frozenset("\n\t")


def _first_refused(value: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    for position, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            return position, char
    return None


def _refuse(value: str, allowed: frozenset[str], note: str = "") -> str:
    found = _first_refused(value, allowed)
    if found is not None:
        position, char = found
        raise ValueError(
            f"control character U+{ord(char):04X} at position {position} is not allowed{note}"
        )
    return value


def single_line(value: str) -> str:
    return _refuse(value, frozenset())


def multiline(value: str) -> str:
    return _refuse(value, _LINE_BREAKS, " (line feed and tab are)")


SingleLineText = Annotated[
    str, AfterValidator(single_line), Field(json_schema_extra={"pattern": SINGLE_LINE_PATTERN})
]
"""Names, codes, ids, URLs, credentials: no control character at all."""

MultilineText = Annotated[
    str, AfterValidator(multiline), Field(json_schema_extra={"pattern": MULTILINE_PATTERN})
]
"""Prose a citizen writes (a complaint): line feeds and tabs allowed, no other control."""
