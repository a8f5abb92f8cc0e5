"""What the tests of the declared agencies' simulators need of their declarations: the file as
the admin API takes it, the reply read as the gateway reads it (XML as `xmltodict` gives it),
and a request template filled in. Deliberately not the gateway's engine: these tests pin the
simulators and the declarations to each other, whatever the engine does."""

import json
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jmespath
import xmltodict
from jsonschema import Draft202012Validator

from app.products.declaration import DeclaredFetch, ProductDeclaration

DECLARATIONS = Path(__file__).resolve().parents[2] / "declarations"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def load(name: str) -> ProductDeclaration:
    raw = json.loads((DECLARATIONS / f"{name}.json").read_text(encoding="utf-8"))
    return ProductDeclaration.model_validate(raw)


def read(content: bytes, xml: bool, force_list: list[str]) -> Any:
    if xml:
        return xmltodict.parse(content, force_list=force_list)
    return json.loads(content)


def search(expression: str, body: Any) -> Any:
    return jmespath.search(expression, body)


def fill(template: Any, values: dict[str, str | None], xml: bool = False) -> Any:
    """A template with its `{placeholder}`s replaced: XML text escaped, a JSON string that is
    one placeholder replaced by the value itself (None stays null)."""
    if isinstance(template, dict):
        return {key: fill(value, values, xml) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values, xml) for value in template]
    if not isinstance(template, str):
        return template
    whole = _PLACEHOLDER.fullmatch(template)
    if whole is not None and not xml:
        return values[whole.group(1)]
    return _PLACEHOLDER.sub(
        lambda m: escape(values[m.group(1)] or "") if xml else values[m.group(1)] or "", template
    )


def schema_errors(declaration: ProductDeclaration, record: Any) -> list[str]:
    validator = Draft202012Validator(
        declaration.record_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(record)]


def expressions(declaration: ProductDeclaration) -> list[str]:
    """Every JMESPath expression the declaration holds, for a compile check."""
    fetch = declaration.fetch
    found: list[str | None] = []
    if isinstance(fetch, DeclaredFetch):
        response = fetch.response
        found += [response.records, response.not_found.when]
        found += [e for rule in response.errors for e in (rule.when, rule.message)]
    if declaration.complaints is not None:
        intake = declaration.complaints
        found += [intake.ticket, intake.not_found.when, intake.answered, intake.answer]
        found.append(intake.answered_at)
    return [expression for expression in found if expression is not None]
