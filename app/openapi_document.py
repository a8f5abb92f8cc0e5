"""The OpenAPI document FastAPI generates, completed with what it cannot know from the routes.

FastAPI documents bodies and parameters from the code. The problem kinds' schemas, the
headers the middleware and the guard add to responses, the bounds that patterns and integer
types imply, and the example nulls FastAPI drops are added here, once, so that no route has to
repeat them and a new route gets them by being secured or by returning 201.
"""

import copy
import re
import re._parser as regex_parser  # type: ignore[import-not-found]  # the stdlib's own parser
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute, iter_route_contexts

from app.config import DEFAULT_PROBLEM_BASE_URI
from app.observability import TRACEPARENT_HEADER
from app.openapi_products import with_products
from app.problems import (
    MEMBERS,
    PROBLEM_SCHEMA_PREFIX,
    ProblemKind,
    problem_schema_name,
    problem_type,
)
from app.products.catalog import ProductCatalog
from app.schemas.problem import PROBLEM_MEDIA_TYPE, Problem, ProblemMembers

Document = dict[str, Any]

_TEXT = {"type": "string", "maxLength": 1024}

HEADERS: dict[str, Document] = {
    "X-Request-ID": {
        "description": "This request's id: the caller's own `X-Request-ID` when it sent a "
        "well-formed one, otherwise a new one. Logs and problems quote it.",
        "schema": {"type": "string", "maxLength": 64},
        "required": True,
    },
    TRACEPARENT_HEADER: {
        "description": "W3C Trace Context: the caller's trace (or a new one) with the gateway's "
        "span, to follow the request into the agencies' logs.",
        "schema": {"type": "string", "maxLength": 55},
        "required": True,
    },
    "Access-Control-Allow-Origin": {
        "description": "Sent to a browser's cross-origin request from an allowed origin "
        "(`SATUPINTU_CORS_ALLOW_ORIGINS`).",
        "schema": _TEXT,
    },
    "Location": {
        "description": "Where the created resource can be read.",
        "schema": {**_TEXT, "format": "uri-reference"},
        "required": True,
    },
    "WWW-Authenticate": {
        "description": "The challenge (RFC 6750 `Bearer`, or `Basic` at the token endpoint); "
        '`error="invalid_token"` when a token was sent but refused.',
        "schema": _TEXT,
        "required": True,
    },
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 86400},
        "required": True,
    },
    "Content-Language": {
        "description": "The language of the problem's `title` and `detail`: `en`, or `id` "
        "when `Accept-Language` prefers Bahasa Indonesia.",
        "schema": {"type": "string", "enum": ["en", "id"]},
        "required": True,
    },
    "RateLimit-Policy": {
        "description": "On every request counted against the client's quota (authenticated, "
        "its scopes and purpose accepted; a 429 too): the quota, as an IETF RateLimit policy "
        '(draft-ietf-httpapi-ratelimit-headers): `"default";q=600;w=60` allows 600 requests '
        "in 60 seconds.",
        "schema": _TEXT,
    },
    "RateLimit": {
        "description": "What is left of the client's quota: `r` requests remain and the window "
        'resets in `t` seconds, e.g. `"default";r=599;t=60`.',
        "schema": _TEXT,
    },
}
_EVERY_RESPONSE = ("X-Request-ID", TRACEPARENT_HEADER, "Access-Control-Allow-Origin")
_BY_STATUS = {"201": ("Location",), "401": ("WWW-Authenticate",), "429": ("Retry-After",)}
_RATE_LIMITED_STATUSES = ("2", "4", "5")

_JWT_PRACTICES = (
    " Tokens are JWTs issued and checked following RFC8725 (JSON Web Token Best Current "
    "Practices): explicitly typed (`typ: at+jwt`, RFC 9068), one signature algorithm (EdDSA) "
    "that the verifier fixes rather than reads from the token, and issuer, audience and "
    "expiry always verified."
)


def install_openapi_document(app: FastAPI) -> None:
    """Replace `app.openapi` by one that completes each document FastAPI generates (it makes a
    new one when routes are added) and, in a running gateway, serves it with the data
    products registered now: made again when the catalog changes (`revision`), with no
    restart, and from the document without products, so a removed one leaves no trace."""
    generate: Callable[[], Document] = app.openapi
    completed: list[Document] = []
    served: dict[int, Document] = {}

    def openapi() -> Document:
        document = generate()
        if not completed or completed[0] is not document:
            complete(document)
            _restore_example_nulls(app, document)
            completed[:] = [document]
            served.clear()
        catalog = _catalog(app)
        if catalog is None or not catalog.products():
            return document
        if catalog.revision not in served:
            with_them = with_products(document, catalog.products())
            _size_integers(with_them)
            _bound_patterned_strings(with_them)
            served.clear()
            served[catalog.revision] = with_them
        return served[catalog.revision]

    app.openapi = openapi  # type: ignore[method-assign]


def _catalog(app: FastAPI) -> ProductCatalog | None:
    """The running gateway's products; none while it is not started (the committed document
    is rendered from an app that never starts)."""
    services = getattr(app.state, "services", None)
    catalog = getattr(services, "products", None)
    return catalog if isinstance(catalog, ProductCatalog) else None


def complete(document: Document) -> Document:
    """Complete a document FastAPI generated, in place."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, schema in _problem_schemas(document).items():
        schemas.setdefault(name, schema)
    components["headers"] = copy.deepcopy(HEADERS)
    for operation in _operations(document):
        _declare_headers(operation)
    _declare_tags(document)
    _describe_jwt_practices(components.get("securitySchemes", {}))
    _size_integers(document)
    _bound_patterned_strings(document)
    return document


def _restore_example_nulls(app: FastAPI, document: Document) -> None:
    """FastAPI drops every `null` from the document, example values included, so a response
    example would lose the nullable fields that the server always sends; put the routes' own
    example values back."""
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format].get(method.lower(), {})
            for status, declared in route.responses.items():
                for media_type, content in declared.get("content", {}).items():
                    documented = operation["responses"][str(status)]["content"][media_type]
                    for name, example in content.get("examples", {}).items():
                        documented["examples"][name]["value"] = jsonable_encoder(example["value"])


def _operations(document: Document) -> Iterator[Document]:
    for operations in document.get("paths", {}).values():
        yield from operations.values()


def _problem_schemas(document: Document) -> dict[str, Document]:
    """A schema per problem kind that some route documents, and only those, with the schemas
    of their members."""
    referenced = set(references(document.get("paths", {})))
    schemas = {
        problem_schema_name(kind): _kind_schema(kind)
        for kind in ProblemKind
        if PROBLEM_SCHEMA_PREFIX + problem_schema_name(kind) in referenced
    }
    return {**_members_schema().get("$defs", {}), **schemas}


def references(node: Any) -> Iterator[str]:
    """Every `$ref` anywhere below `node`."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def _members_schema() -> Document:
    return ProblemMembers.model_json_schema(ref_template=PROBLEM_SCHEMA_PREFIX + "{model}")


def _kind_schema(kind: ProblemKind) -> Document:
    base = Problem.model_fields
    members = _members_schema()
    uri = problem_type(DEFAULT_PROBLEM_BASE_URI, kind)
    properties: Document = {
        "type": {
            "type": "string",
            "format": "uri",
            "const": uri,
            "description": f"`{uri}` with the default `SATUPINTU_PROBLEM_BASE_URI`; an "
            f"installation that sets its own base sends `{kind.slug}` under it. Clients "
            "switch on it.",
        },
        "title": {
            "type": "string",
            "description": f"`{kind.title}`, or its translation for `Accept-Language`.",
        },
        "status": {"type": "integer", "format": "int32", "const": kind.status},
        "detail": {"type": "string", "description": "What went wrong in this request."},
        "instance": {"type": "string", "description": base["instance"].description},
        "request_id": {"type": "string", "description": base["request_id"].description},
    }
    for name in MEMBERS.get(kind, ()):
        properties[name] = members["properties"][name]
    return {
        "type": "object",
        "title": problem_schema_name(kind),
        "description": f"RFC 9457 problem: {kind.description}",
        "required": ["type", "title", "status"],
        "properties": properties,
    }


def _declare_headers(operation: Document) -> None:
    secured = bool(operation.get("security"))
    for status, response in operation.get("responses", {}).items():
        names = [*_EVERY_RESPONSE, *_BY_STATUS.get(status, ())]
        if "Location" in response.get("headers", {}):
            names.append("Location")
        # A 401 is answered before the client is known, so no client's quota applies to it.
        if secured and status != "401" and status.startswith(_RATE_LIMITED_STATUSES):
            names += ["RateLimit-Policy", "RateLimit"]
        headers = response.setdefault("headers", {})
        if PROBLEM_MEDIA_TYPE in response.get("content", {}):
            names.append("Content-Language")
        for name in names:
            headers[name] = {"$ref": f"#/components/headers/{name}"}


def _declare_tags(document: Document) -> None:
    """Every tag the operations use, in order of first use, so a reference UI groups them."""
    declared = {tag["name"] for tag in document.get("tags", [])}
    for operation in _operations(document):
        for name in operation.get("tags", []):
            if name not in declared:
                document.setdefault("tags", []).append({"name": name})
                declared.add(name)


def _describe_jwt_practices(schemes: Document) -> None:
    for scheme in schemes.values():
        if scheme.get("type") == "oauth2" and "RFC8725" not in scheme.get("description", ""):
            scheme["description"] = scheme.get("description", "") + _JWT_PRACTICES


def _size_integers(node: Any) -> None:
    """JSON integers of this API are counts, amounts in rupiah and epoch values: 64 bits hold
    every one, and saying so spares generated clients from guessing a width."""
    if isinstance(node, dict):
        if node.get("type") == "integer" and "format" not in node:
            node["format"] = "int64"
        for value in node.values():
            _size_integers(value)
    elif isinstance(node, list):
        for value in node:
            _size_integers(value)


def _bound_patterned_strings(node: Any) -> None:
    """A pattern anchored at both ends (`^[0-9]{16}$`) already bounds a string's length; say
    so as `maxLength`, which linters and generated clients read and a regex they do not."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if node.get("type") == "string" and isinstance(pattern, str) and "maxLength" not in node:
            longest = _longest_match(pattern)
            if longest is not None:
                node["maxLength"] = longest
        for value in node.values():
            _bound_patterned_strings(value)
    elif isinstance(node, list):
        for value in node:
            _bound_patterned_strings(value)


def _longest_match(pattern: str) -> int | None:
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        return None
    try:
        _, longest = regex_parser.parse(pattern).getwidth()
    except re.error:
        return None
    return int(longest) if longest < regex_parser.MAXREPEAT else None
