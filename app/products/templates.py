"""Request templates: `{placeholder}`s filled in, each encoded for where it goes.

A key goes into a path as one percent-encoded segment (`/` and `?` cannot start a new segment
or a query), into a query value or header as it is (the HTTP client encodes it), into a JSON
body as a string or, when the string is exactly one placeholder, as the value itself, and into
an XML body escaped as character data. Templates are parsed once per product version, and
what does not depend on the values (constant headers and query parameters, whether a
Content-Type is given) is settled then: a request is only the substitutions and string joins.
"""

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote
from xml.sax.saxutils import escape

from app.adapters.base import AgencyRefusedInput
from app.products.declaration import RequestTemplate
from app.products.mapping import DeclarationInvalid

Values = Mapping[str, str | None]

_XML_ENTITIES = {'"': "&quot;", "'": "&apos;"}
#: A field name is a token (RFC 9110 section 5.1 and 5.6.2): a name with a space, a colon or a
#: line break would be refused by the HTTP client on every read, or split one header into two.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Headers the gateway or its HTTP client set (credentials from the declaration's `auth`, the
#: request id and trace, framing): a template that set them would override or smuggle.
GATEWAY_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "traceparent",
        "tracestate",
        "x-request-id",
    }
)


@dataclass(frozen=True)
class _Text:
    """A template string as literal parts and the placeholder after each (None at the end)."""

    parts: tuple[tuple[str, str | None], ...]

    @property
    def placeholders(self) -> set[str]:
        return {name for _, name in self.parts if name is not None}

    @property
    def single(self) -> str | None:
        """The placeholder this string is exactly, if it is exactly one."""
        if len(self.parts) == 1 and self.parts[0][0] == "" and self.parts[0][1] is not None:
            return self.parts[0][1]
        return None

    @property
    def constant(self) -> str | None:
        """The text itself, if it has no placeholder."""
        if len(self.parts) == 1 and self.parts[0][1] is None:
            return self.parts[0][0]
        if not self.parts:
            return ""
        return None

    def render(self, values: Values, encode: Any = None) -> str:
        if len(self.parts) == 1:
            literal, name = self.parts[0]
            if name is None:
                return literal
            value = values.get(name) or ""
            return literal + (encode(value) if encode else value)
        pieces = []
        for literal, name in self.parts:
            pieces.append(literal)
            if name is not None:
                value = values.get(name) or ""
                pieces.append(encode(value) if encode else value)
        return "".join(pieces)


def _parse(text: str, allowed: frozenset[str], field: str) -> _Text:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise DeclarationInvalid(field, f"{exc}; write a literal brace as {{{{ or }}}}") from exc
    parts = []
    for literal, name, spec, conversion in parsed:
        if name is not None:
            if spec or conversion:
                raise DeclarationInvalid(field, f"placeholder {{{name}}} takes no format")
            if name not in allowed:
                known = ", ".join(f"{{{n}}}" for n in sorted(allowed))
                raise DeclarationInvalid(
                    field, f"unknown placeholder {{{name}}}; this template may use {known}"
                )
        parts.append((literal, name))
    return _Text(tuple(parts))


def _segment(value: str) -> str:
    if value.isascii() and value.isalnum():
        return value
    if value in {".", ".."}:
        raise AgencyRefusedInput(f"`{value}` cannot be a path segment")
    return quote(value, safe="")


def _control_characters(value: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in value)


def _header_value(value: str) -> str:
    if _control_characters(value):
        raise AgencyRefusedInput("a value sent in a header may not hold control characters")
    return value


def _xml_text(value: str) -> str:
    return escape(value, _XML_ENTITIES)


def _compile_json(node: Any, allowed: frozenset[str], field: str) -> Any:
    if isinstance(node, str):
        return _parse(node, allowed, field)
    if isinstance(node, dict):
        return {key: _compile_json(inner, allowed, f"{field}.{key}") for key, inner in node.items()}
    if isinstance(node, list):
        return [_compile_json(inner, allowed, f"{field}[{i}]") for i, inner in enumerate(node)]
    return node


def _render_json(node: Any, values: Values) -> Any:
    if isinstance(node, _Text):
        single = node.single
        return values.get(single) if single is not None else node.render(values)
    if isinstance(node, dict):
        return {key: _render_json(inner, values) for key, inner in node.items()}
    if isinstance(node, list):
        return [_render_json(inner, values) for inner in node]
    return node


class RenderedRequest(NamedTuple):
    """One call ready for `AgencyHttp`: `json` for a JSON body, `content` for an XML one. A
    named tuple, since one is made per request and a frozen dataclass costs several times as
    much to build."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    content: bytes | None = None


_XML_CONTENT_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True)
class _Fields:
    """Headers or query parameters: the constant ones in a dict a request copies, the
    templated ones rendered per request."""

    constant: dict[str, str]
    templated: tuple[tuple[str, _Text], ...]
    encode: Any
    #: Every name in the template's order when both kinds are present, to keep that order.
    order: tuple[str, ...]

    @classmethod
    def of(cls, texts: dict[str, _Text], encode: Any) -> "_Fields":
        constant = {}
        templated = []
        for name, text in texts.items():
            fixed = text.constant
            if fixed is None:
                templated.append((name, text))
            else:
                constant[name] = fixed
        order = tuple(texts) if constant and templated else ()
        return cls(constant, tuple(templated), encode, order)

    def render(self, values: Values) -> dict[str, str]:
        rendered = dict(self.constant)
        for name, text in self.templated:
            rendered[name] = text.render(values, self.encode)
        if self.order:
            return {name: rendered[name] for name in self.order}
        return rendered


@dataclass(frozen=True)
class CompiledTemplate:
    method: str
    path: _Text
    query: dict[str, _Text]
    headers: dict[str, _Text]
    json_body: Any
    xml_body: _Text | None
    _headers: _Fields = field(init=False, repr=False, compare=False)
    _params: _Fields = field(init=False, repr=False, compare=False)
    _content_type: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given = any(name.lower() == "content-type" for name in self.headers)
        content_type = None if given or self.xml_body is None else _XML_CONTENT_TYPE
        object.__setattr__(self, "_headers", _Fields.of(self.headers, _header_value))
        object.__setattr__(self, "_params", _Fields.of(self.query, None))
        object.__setattr__(self, "_content_type", content_type)

    def render(self, values: Values) -> RenderedRequest:
        """The request for these placeholder values; `AgencyRefusedInput` for a value that
        cannot go where the template puts it."""
        headers = self._headers.render(values)
        content = None
        if self.xml_body is not None:
            content = self.xml_body.render(values, _xml_text).encode()
            if self._content_type is not None:
                headers["Content-Type"] = self._content_type
        return RenderedRequest(
            self.method,
            self.path.render(values, _segment),
            self._params.render(values),
            headers,
            None if self.json_body is None else _render_json(self.json_body, values),
            content,
        )


def compile_template(
    template: RequestTemplate, allowed: frozenset[str], field: str
) -> CompiledTemplate:
    """Parse every templated string; `DeclarationInvalid` for the first thing wrong."""
    if template.method == "GET" and template.body is not None:
        raise DeclarationInvalid(f"{field}.body", "a GET request has no body")
    if "?" in template.path or "#" in template.path:
        raise DeclarationInvalid(f"{field}.path", "put the query in `query`, not the path")
    for name, value in template.headers.items():
        if _TOKEN.fullmatch(name) is None:
            raise DeclarationInvalid(
                f"{field}.headers",
                f"header name {name!r} is not an HTTP token (RFC 9110): letters, digits and "
                "!#$%&'*+-.^_`|~ only",
            )
        if name.lower() in GATEWAY_HEADERS:
            raise DeclarationInvalid(
                f"{field}.headers.{name}", "the gateway sets this header itself"
            )
        if _control_characters(value):
            raise DeclarationInvalid(
                f"{field}.headers.{name}", "a header value may not hold control characters"
            )
    body = template.body
    return CompiledTemplate(
        method=template.method,
        path=_parse(template.path, allowed, f"{field}.path"),
        query={
            name: _parse(value, allowed, f"{field}.query.{name}")
            for name, value in template.query.items()
        },
        headers={
            name: _parse(value, allowed, f"{field}.headers.{name}")
            for name, value in template.headers.items()
        },
        json_body=_compile_json(body, allowed, f"{field}.body")
        if isinstance(body, dict | list)
        else None,
        xml_body=_parse(body, allowed, f"{field}.body") if isinstance(body, str) else None,
    )


def check_template(template: RequestTemplate, allowed: frozenset[str], field: str) -> None:
    """`DeclarationInvalid` if the template cannot be used: an unknown placeholder, a header
    the gateway sets itself, a GET with a body."""
    compile_template(template, allowed, field)
