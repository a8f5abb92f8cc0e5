"""A product's record schema: checked once when declared, compiled once per version, and
applied to every record an agency returns.

The validator is `jsonschema-rs` (Rust): on a ten-field record it checks in about a
microsecond, an order of magnitude under the pure-Python `jsonschema`, which matters because
every record of every read goes through it. Formats (`date`, `date-time`, `email`, ...) are
checked too: in Rust that costs next to nothing. The schema may only refer within itself: a
remote `$ref` would make the gateway fetch a URL an administrator chose, and the validator is
built with a retriever that refuses, in case a reference slips past the static check.
"""

from typing import Any

import jsonschema_rs
import orjson

from app.adapters.base import AgencyReplyError
from app.products.declaration import Cardinality
from app.products.mapping import DeclarationInvalid

MAX_SCHEMA_BYTES = 64 * 1024
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_REFERENCES = ("$ref", "$dynamicRef")


def is_subject_nik(value: Any) -> bool:
    """Whether a record's `subject` gave a NIK: 16 ASCII digits, as a read compares it with
    the caller's and logs it. `str.isdigit` and a regular expression's digit class also take
    other scripts' digits (Arabic-Indic, fullwidth), in which no NIK is written. Conformance
    and reads use this one check, so a declaration conformance admits is not one whose every
    record a read refuses."""
    return isinstance(value, str) and len(value) == 16 and value.isascii() and value.isdigit()


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"the record schema may not refer to {uri}")


def _external_reference(schema: Any) -> str | None:
    """The first `$ref` that points outside the schema itself, if any."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for keyword in _REFERENCES:
                target = node.get(keyword)
                if isinstance(target, str) and not target.startswith("#"):
                    return target
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return None


def _path(location: list[str | int]) -> str:
    text = ""
    for step in location:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".") or "(the record)"


def _record_path(record: Any, location: list[str | int], named: frozenset[str]) -> str:
    """Where in `record`, by array positions and the property names the schema declares
    (`named`): a key the record chose (under `additionalProperties` or `patternProperties`,
    say a NIK) is `*`. The record is walked to tell a position from a key, since the
    validator gives a key of digits as a number too."""
    text = ""
    node = record
    for step in location:
        if isinstance(node, list) and isinstance(step, int):
            text += f"[{step}]"
            node = node[step]
            continue
        key = str(step)
        text += f".{key}" if key in named else ".*"
        node = node.get(key) if isinstance(node, dict) else None
    return text.lstrip(".") or "(the record)"


def _property_names(schema: Any) -> frozenset[str]:
    """Every property name the schema declares (under `properties`, anywhere in it)."""
    names: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(key for key in properties if isinstance(key, str))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return frozenset(names)


def _mismatch(error: jsonschema_rs.ValidationError) -> str:
    """What is wrong, in the schema's terms only: the validator's own message quotes the
    value (and the names of properties the schema does not declare, which a record may use
    for values), and a record is personal data that must not reach a client's `detail` or a
    log."""
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return f"required property `{kind.property}` is missing"
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Type):
        return f"is not of type {' or '.join(str(t) for t in kind.types)}"
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        count = len(kind.unexpected)
        what = "a property" if count == 1 else f"{count} properties"
        return f"has {what} the schema does not allow"
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Format):
        return f"is not a {kind.format}"
    return f"fails `{kind.name}`"


def _validator(schema: dict[str, Any]) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(
        schema, validate_formats=True, retriever=_refuse_retrieval
    )


def check_record_schema(schema: dict[str, Any], field: str = "schema") -> None:
    """`DeclarationInvalid` unless `schema` is a JSON Schema 2020-12 of an object, within
    64 KB, referring only within itself."""
    if len(orjson.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise DeclarationInvalid(field, f"the schema is over {MAX_SCHEMA_BYTES // 1024} KB")
    declared = schema.get("$schema", DRAFT_2020_12)
    if declared != DRAFT_2020_12:
        raise DeclarationInvalid(f"{field}.$schema", f"only JSON Schema {DRAFT_2020_12}")
    if schema.get("type") != "object":
        raise DeclarationInvalid(f"{field}.type", "a record is an object: `type: object`")
    external = _external_reference(schema)
    if external is not None:
        raise DeclarationInvalid(
            field, f"`$ref` to {external}: only references within the schema (`#...`)"
        )
    try:
        jsonschema_rs.meta.validate({**schema, "$schema": DRAFT_2020_12})
    except jsonschema_rs.ValidationError as exc:
        where = _path(list(exc.instance_path))
        raise DeclarationInvalid(
            field if where == "(the record)" else f"{field}.{where}",
            f"not a valid JSON Schema: {exc.message}",
        ) from exc
    try:
        _validator(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DeclarationInvalid(field, f"the schema cannot be used: {first_line}") from exc


class RecordCheck:
    """A product version's compiled schema; `check` returns what it was given, or raises
    `AgencyReplyError` naming the first record and field that do not fit, by the schema's
    names only."""

    __slots__ = ("_named", "_validator")

    def __init__(self, schema: dict[str, Any]) -> None:
        self._validator = _validator(schema)
        self._named = _property_names(schema)

    def _one(self, record: Any, where: str) -> None:
        try:
            if self._validator.is_valid(record):
                return
            error = next(iter(self._validator.iter_errors(record)))
        except ValueError as exc:
            # The validator cannot take the value at all: nested past its recursion limit
            # (a few hundred levels of an agency's JSON), or, from an adapter's code, a
            # value JSON has no form for. Either way the agency's answer cannot be released.
            # Its message is told apart, not quoted: it is not ours to keep free of values.
            reason = (
                "it is nested too deeply"
                if "recursion" in str(exc).lower()
                else "it holds a value JSON has no form for"
            )
            raise AgencyReplyError(
                f"{where} cannot be checked against the schema: {reason}"
            ) from None
        raise AgencyReplyError(
            f"{where} does not fit the product's schema: "
            f"{_record_path(record, list(error.instance_path), self._named)}: {_mismatch(error)}"
        )

    def check(self, value: Any, cardinality: Cardinality) -> Any:
        if cardinality is Cardinality.ONE:
            self._one(value, "the record")
            return value
        if not isinstance(value, list):
            raise AgencyReplyError(
                f"a `many` product needs a list of records, the mapping gave {type(value).__name__}"
            )
        for index, record in enumerate(value):
            self._one(record, f"record {index}")
        return value
