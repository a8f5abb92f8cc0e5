"""The registered data products in the OpenAPI document a gateway serves.

The committed document is built with no product, so it names none; a running gateway serves
a copy of it with each product it has now: the record schema as a component, a typed part of
`CitizenProfile` and a value of `include` for a product found by NIK, the scope in the OAuth2
scheme, and a path of its own for its records, with the key's pattern and the record's type.
A generated client can then be made from the gateway it will call.
"""

import copy
import re
from collections.abc import Iterable
from typing import Any

from app.products.catalog import DataProduct
from app.products.declaration import Cardinality, KeyKind
from app.schemas.business import NIB_SCHEMA
from app.schemas.identifiers import NIK_DESCRIPTION, NIK_SCHEMA, PLATE_MAX_LENGTH, PLATE_PATTERN

Document = dict[str, Any]

SCHEMAS = "#/components/schemas/"
PROFILE_PATH = "/v1/citizens/{nik}"
RECORDS_PATH = "/v1/data-products/{name}/records/{key}"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def with_products(document: Document, products: Iterable[DataProduct]) -> Document:
    """A copy of a completed document with `products` in it; `document` is left as it is."""
    served = copy.deepcopy(document)
    for product in products:
        _add(served, product)
    return served


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


def _free_name(schemas: Document, wanted: str, fallback: str) -> str:
    """A product's component name, never one of the gateway's own (a product `vehicle` would
    otherwise replace the built-in `VehicleRecord`)."""
    return wanted if wanted not in schemas else fallback


def _add(document: Document, product: DataProduct) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    camel = _camel(product.name)
    record_name = _free_name(schemas, f"{camel}Record", f"{camel}ProductRecord")
    schemas.update(record_components(record_name, product.declaration.record_schema))
    record = {"$ref": SCHEMAS + record_name}
    many = product.declaration.cardinality is Cardinality.MANY
    records = {"type": "array", "items": record} if many else record
    _add_scope(components, product)
    if product.keyed_by_nik:
        _add_profile_part(document, schemas, product, records)
    _add_records_path(document, schemas, product, records, camel)


def record_components(name: str, schema: Document) -> dict[str, Document]:
    """The record schema as the component `name`, and each of its `$defs` as a component of
    its own (`<name><Def>`): every reference inside the schema, which points into the schema
    itself, is rewritten to point at those components."""
    schema = copy.deepcopy(schema)
    definitions: Document = {**schema.pop("definitions", {}), **schema.pop("$defs", {})}
    for keyword in ("$schema", "$id"):
        schema.pop(keyword, None)
    names = {key: f"{name}{_camel(_UNSAFE_NAME.sub('_', key))}" for key in definitions}

    def target(reference: str) -> str:
        pointer = reference[1:]
        for prefix in ("/$defs/", "/definitions/"):
            if pointer.startswith(prefix):
                key, _, rest = pointer[len(prefix) :].partition("/")
                if key in names:
                    return SCHEMAS + names[key] + (f"/{rest}" if rest else "")
        return SCHEMAS + name + pointer

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            rewritten = {key: rewrite(value) for key, value in node.items()}
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#"):
                rewritten["$ref"] = target(reference)
            return rewritten
        if isinstance(node, list):
            return [rewrite(value) for value in node]
        return node

    components = {name: rewrite(schema)}
    components.update({names[key]: rewrite(value) for key, value in definitions.items()})
    return components


def _add_scope(components: Document, product: DataProduct) -> None:
    for scheme in components.get("securitySchemes", {}).values():
        for flow in scheme.get("flows", {}).values():
            flow.setdefault("scopes", {})[product.scope] = product.scope_description()


def _add_profile_part(
    document: Document, schemas: Document, product: DataProduct, records: Document
) -> None:
    declaration = product.declaration
    profile = schemas.get("CitizenProfile")
    if profile is not None:
        profile.setdefault("properties", {})[product.name] = {
            "anyOf": [records, {"type": "null"}],
            "title": declaration.title,
            "description": f"{declaration.title}: the data product `{product.name}`, released "
            f"by `{product.scope}`; null when not asked for, withheld or not given.",
        }
    operation = document.get("paths", {}).get(PROFILE_PATH, {}).get("get", {})
    for parameter in operation.get("parameters", []):
        if parameter.get("name") != "include":
            continue
        for option in parameter.get("schema", {}).get("anyOf", []):
            if option.get("type") == "array":
                parts = option["items"].setdefault("enum", [])
                parts.append(product.name)
                option["maxItems"] = len(parts)


def _key_schema(product: DataProduct) -> tuple[Document, str]:
    key = product.declaration.key
    if key.kind is KeyKind.NIK:
        return {"type": "string", **NIK_SCHEMA}, NIK_DESCRIPTION
    if key.kind is KeyKind.PLATE_NUMBER:
        return (
            {"type": "string", "pattern": PLATE_PATTERN, "maxLength": PLATE_MAX_LENGTH},
            "The vehicle's plate number (TNKB), any spacing and case.",
        )
    if key.kind is KeyKind.NIB:
        return {"type": "string", **NIB_SCHEMA, "maxLength": 13}, "Nomor Induk Berusaha."
    schema: Document = {"type": "string", "maxLength": 128}
    if key.pattern is not None:
        schema["pattern"] = key.pattern
    return schema, f"The product's own key, `{key.name}`."


def _add_records_path(
    document: Document,
    schemas: Document,
    product: DataProduct,
    records: Document,
    camel: str,
) -> None:
    """`/v1/data-products/<name>/records/{key}`: the generic operation with the product's
    name fixed, its key's pattern, its scope and its records' type. A concrete path wins over
    the templated one wherever both match (OpenAPI 3.1, Path Templating Matching)."""
    paths = document.setdefault("paths", {})
    generic = paths.get(RECORDS_PATH, {}).get("get")
    if generic is None:
        return
    operation = copy.deepcopy(generic)
    declaration = product.declaration
    answer_name = _free_name(schemas, f"{camel}Records", f"{camel}ProductRecords")
    answer = copy.deepcopy(schemas.get("ProductRecords", {"type": "object", "properties": {}}))
    answer["title"] = answer_name
    answer["properties"]["product"] = {"type": "string", "const": product.name}
    answer["properties"]["records"] = {**records, "description": declaration.title}
    schemas[answer_name] = answer
    key_schema, key_description = _key_schema(product)
    if declaration.key.example is not None:
        key_schema["examples"] = [declaration.key.example]
    parameters = [p for p in operation.get("parameters", []) if p.get("name") != "name"]
    for parameter in parameters:
        if parameter.get("name") == "key" and parameter.get("in") == "path":
            parameter["schema"] = key_schema
            parameter["description"] = key_description
    operation["parameters"] = parameters
    operation["operationId"] = f"get_{product.name}_records"
    operation["summary"] = f"{declaration.title}: the records for one key"
    operation["description"] = (
        declaration.description or declaration.title
    ) + f"\n\nNeeds `{product.scope}`. Legal basis: {'; '.join(declaration.legal_basis)}."
    operation["security"] = [
        {name: [product.scope] if name == "OAuth2" else scopes for name, scopes in each.items()}
        for each in operation.get("security", [])
    ]
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    if "application/json" in content:
        content["application/json"]["schema"] = {"$ref": SCHEMAS + answer_name}
    paths[f"/v1/data-products/{product.name}/records/{{key}}"] = {"get": operation}
