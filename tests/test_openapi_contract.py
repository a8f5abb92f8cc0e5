"""The OpenAPI document is a contract integrators generate code from: every example in it
validates against its schema, every error is a typed `application/problem+json` problem, the
headers the gateway sends are declared, and what the server answers matches what it declares."""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from app.cli import render_openapi
from app.config import DEFAULT_PROBLEM_BASE_URI
from app.problems import ProblemKind
from app.schemas.problem import PROBLEM_MEDIA_TYPE
from tests.conftest import client_of

Document = dict[str, Any]
DOCUMENT_URI = "urn:satupintu:openapi"
SECURED_READ = ("/v1/citizens/{nik}", "get")


@pytest.fixture(scope="module")
def document() -> Document:
    rendered: Document = json.loads(render_openapi())
    return rendered


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _examples(node: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """(where, pointer to the schema, value) for every example: a media type's or a
    parameter's `example` and `examples`, and a schema's own `examples` list."""
    if isinstance(node, dict):
        examples = node.get("examples")
        if isinstance(examples, list) and "$ref" not in node:
            for index, value in enumerate(examples):
                yield f"{_pointer(at)}/examples/{index}", at, value
        if "schema" in node and isinstance(node["schema"], dict):
            schema_at = (*at, "schema")
            if "example" in node:
                yield f"{_pointer(at)}/example", schema_at, node["example"]
            if isinstance(examples, dict):
                for name, example in examples.items():
                    if "value" in example:
                        yield f"{_pointer(at)}/examples/{name}", schema_at, example["value"]
        for key, value in node.items():
            yield from _examples(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, (*at, str(index)))


def _validator(document: Document, schema_at: tuple[str, ...]) -> Draft202012Validator:
    """OpenAPI 3.1 schemas are JSON Schema 2020-12; `$ref`s resolve against the document."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, DRAFT202012.create_resource(document)
    )
    reference = {"$ref": f"{DOCUMENT_URI}#{quote(_pointer(schema_at), safe='/~')}"}
    return Draft202012Validator(
        reference, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def invalid_examples(document: Document) -> list[str]:
    """Every example that does not validate, with why."""
    return [
        f"{where} at {error.json_path}: {error.message}"
        for where, schema_at, value in _examples(document)
        for error in _validator(document, schema_at).iter_errors(value)
    ]


def test_every_example_in_the_document_validates(document):
    assert sum(1 for _ in _examples(document)) > 100
    assert invalid_examples(document) == []


def test_an_example_missing_a_required_field_is_caught():
    document = {
        "components": {
            "schemas": {
                "Vehicle": {
                    "type": "object",
                    "required": ["plate_number", "year_made"],
                    "properties": {"plate_number": {"type": "string"}},
                }
            }
        },
        "paths": {
            "/v1/vehicles/{plate}": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Vehicle"},
                                    "examples": {"car": {"value": {"plate_number": "B 1 X"}}},
                                }
                            }
                        }
                    }
                }
            }
        },
    }

    (failure,) = invalid_examples(document)
    assert "/examples/car" in failure
    assert "'year_made' is a required property" in failure


def _problem_types(document: Document, schema: Document) -> set[str]:
    """The `type` URIs a response's problem schema allows."""
    refs = [schema] if "$ref" in schema else schema["oneOf"]
    schemas = document["components"]["schemas"]
    return {schemas[ref["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"] for ref in refs}


def _errors(document: Document) -> Iterator[tuple[str, str, Document]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and "content" in response:
                    yield f"{method.upper()} {path} {status}", status, response


def test_every_error_is_a_problem_typed_by_its_kinds(document):
    errors = list(_errors(document))
    assert len(errors) > 100
    for where, status, response in errors:
        if where == "GET /readyz 503":
            continue  # the readiness report, not a problem
        assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], where
        media = response["content"][PROBLEM_MEDIA_TYPE]
        types = _problem_types(document, media["schema"])
        assert types == {example["value"]["type"] for example in media["examples"].values()}
        assert all(uri.startswith(DEFAULT_PROBLEM_BASE_URI) for uri in types), where
        kinds = {kind for kind in ProblemKind if DEFAULT_PROBLEM_BASE_URI + kind.slug in types}
        assert {str(kind.status) for kind in kinds} == {status}, where


def test_a_missing_citizen_is_a_literal_type_a_client_can_switch_on(document):
    responses = document["paths"]["/v1/citizens/{nik}"]["get"]["responses"]
    schema = responses["404"]["content"][PROBLEM_MEDIA_TYPE]["schema"]
    not_found = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]

    assert not_found["properties"]["type"]["const"] == (
        f"{DEFAULT_PROBLEM_BASE_URI}{ProblemKind.CITIZEN_NOT_FOUND.slug}"
    )
    assert not_found["properties"]["status"]["const"] == 404
    assert not_found["properties"]["sources"]["additionalProperties"] == {
        "$ref": "#/components/schemas/SourceReport"
    }
    assert "SATUPINTU_PROBLEM_BASE_URI" in not_found["properties"]["type"]["description"]


def test_a_status_with_several_kinds_is_discriminated_by_type(document):
    responses = document["paths"]["/v1/citizens/{nik}"]["get"]["responses"]
    schema = responses["503"]["content"][PROBLEM_MEDIA_TYPE]["schema"]
    mapping = schema["discriminator"]["mapping"]

    assert schema["discriminator"]["propertyName"] == "type"
    assert set(mapping) == _problem_types(document, schema)
    assert {
        f"{DEFAULT_PROBLEM_BASE_URI}{kind.slug}"
        for kind in (ProblemKind.AGENCY_UNAVAILABLE, ProblemKind.ACCESS_LOG_UNAVAILABLE)
    } <= set(mapping)


def test_the_headers_the_gateway_sends_are_declared(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                where = f"{method.upper()} {path} {status}"
                headers = set(response["headers"])
                assert {"X-Request-ID", "traceparent"} <= headers, where
                if status == "201":
                    assert "Location" in headers, where
                if status == "401":
                    assert "WWW-Authenticate" in headers, where
                if status == "429":
                    assert "Retry-After" in headers, where
                if PROBLEM_MEDIA_TYPE in response.get("content", {}):
                    assert "Content-Language" in headers, where
                if operation.get("security") and status != "401":
                    assert {"RateLimit", "RateLimit-Policy"} <= headers, where
                if not operation.get("security"):
                    assert "RateLimit" not in headers, where
    assert (
        "Location"
        in document["paths"]["/v1/service-requests"]["post"]["responses"]["202"]["headers"]
    )


def _validate(document: Document, path: str, method: str, response: httpx.Response) -> None:
    """The answer as a client generated from the document would read it."""
    status = str(response.status_code)
    media_type = response.headers["content-type"]
    documented = document["paths"][path][method]["responses"][status]
    schema_at = ("paths", path, method, "responses", status, "content", media_type, "schema")
    _validator(document, schema_at).validate(response.json())
    for name, header in documented["headers"].items():
        declared = document["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
        if declared.get("required"):
            assert name in response.headers, f"{name} missing from {status}"


async def test_the_problems_sent_are_the_problems_documented(gateway_app, document):
    path, method = SECURED_READ
    async with client_of(gateway_app, headers={}) as anonymous:
        unauthenticated = await anonymous.get("/v1/citizens/3174101704820001")
    async with client_of(gateway_app) as officer:
        headers = {"X-Purpose": "checking the contract"}
        malformed = await officer.get("/v1/citizens/317410170482000", headers=headers)
        unknown = await officer.get("/v1/citizens/3174101704829999", headers=headers)
        found = await officer.get("/v1/citizens/3174101704820001", headers=headers)

    assert [r.status_code for r in (unauthenticated, malformed, unknown, found)] == [
        401,
        422,
        404,
        200,
    ]
    for response in (unauthenticated, malformed, unknown):
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        _validate(document, path, method, response)
    _validate(document, path, method, found)
    assert {"ratelimit", "ratelimit-policy"} <= set(found.headers)
    assert unknown.json()["type"] == DEFAULT_PROBLEM_BASE_URI + "citizen-not-found"


def _schemas(node: Any) -> Iterator[Document]:
    if isinstance(node, dict):
        if "type" in node and isinstance(node["type"], str):
            yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def test_bounds_that_patterns_and_integers_imply_are_declared(document):
    code = document["components"]["schemas"]["AgencyRegistration"]["properties"]["code"]

    assert (code["pattern"], code["maxLength"]) == ("^[a-z][a-z0-9_]{1,63}$", 64)
    integers = [s for s in _schemas(document) if s["type"] == "integer"]
    assert integers
    assert all(s["format"] in ("int32", "int64") for s in integers)
