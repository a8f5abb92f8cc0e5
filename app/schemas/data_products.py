"""Data products as the API shows them: the public catalogue (the contract integrators build
on, with no endpoint or secret), an administrator's full view (the declaration with every
inline secret shown only as set), the history of versions, and what a change did."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.agencies.conformance import CheckResult
from app.products.declaration import (
    Cardinality,
    Classification,
    ProcessingBasis,
    ProductKey,
    ServiceDeclaration,
    SpecificCategory,
)
from app.products.sealing import shown
from app.products.store import Registration, StoredVersion
from app.schemas.service_requests import StrictModel

ChangeKind = Literal["registered", "updated", "rolled_back", "removed"]


class ProductSourceView(BaseModel):
    code: str = Field(description="The agency instance's code, its key in `sources`.")
    name: str
    level: str
    jurisdiction: list[str] = Field(description="Empty for a national agency.")


class DataProductSummary(BaseModel):
    """A product's contract: what it holds, who may read it and why it may be processed."""

    name: str = Field(description="The profile part (`include=<name>`) for a NIK-keyed product.")
    title: str
    description: str
    key: ProductKey
    cardinality: Cardinality
    record_schema: dict[str, Any] = Field(
        alias="schema", description="JSON Schema (2020-12) of one record."
    )
    scope: str = Field(description="The scope a client needs to read its records.")
    classification: Classification = Field(
        description="UU 27/2022 Pasal 4. A `specific` product is part of a citizen's profile "
        "only when named in `include`."
    )
    specific_category: SpecificCategory | None = Field(
        default=None, description="For specific data: its kind, UU 27/2022 Pasal 4 ayat (2)."
    )
    processing_basis: ProcessingBasis = Field(
        description="The lawful basis of the processing, UU 27/2022 Pasal 20 ayat (2)."
    )
    legal_basis: list[str] = Field(description="The laws that let the agency share it.")
    complaint_topics: list[str]
    services: list[ServiceDeclaration]
    sources: list[ProductSourceView]
    version: int
    changed_at: dt.datetime

    @classmethod
    def of(cls, stored: StoredVersion) -> "DataProductSummary":
        declaration = stored.declaration
        assert declaration is not None
        return cls.model_validate(
            {
                **{k: v for k, v in declaration.items() if k in _CONTRACT},
                "sources": [source["agency"] for source in declaration["sources"]],
                "version": stored.version,
                "changed_at": stored.created_at,
            }
        )


_CONTRACT = frozenset(
    (
        "name",
        "title",
        "description",
        "key",
        "cardinality",
        "schema",
        "scope",
        "classification",
        "specific_category",
        "processing_basis",
        "legal_basis",
        "complaint_topics",
        "services",
    )
)


class DataProductList(BaseModel):
    items: list[DataProductSummary]


class VersionView(BaseModel):
    version: int
    change: ChangeKind
    rolled_back_from: int | None = Field(description="For a rollback: the version restored.")
    author: str = Field(
        description="The API client's id, or `operator:<name>` for the `satupintu` command."
    )
    created_at: dt.datetime

    @classmethod
    def of(cls, stored: StoredVersion) -> "VersionView":
        return cls.model_validate(
            {
                "version": stored.version,
                "change": stored.change,
                "rolled_back_from": stored.rolled_back_from,
                "author": stored.author,
                "created_at": stored.created_at,
            }
        )


class VersionList(BaseModel):
    items: list[VersionView]


class DataProductView(VersionView):
    """The version taking traffic, with its whole declaration."""

    name: str
    declaration: dict[str, Any] = Field(
        description='As registered, but an inline secret is only `{"value_set": true}`; a '
        "`secret_ref` is shown, since it names a variable, not a secret."
    )

    @classmethod
    def of(cls, stored: StoredVersion) -> "DataProductView":
        assert stored.declaration is not None
        return cls.model_validate(
            {
                **VersionView.of(stored).model_dump(),
                "name": stored.name,
                "declaration": shown(stored.declaration),
            }
        )


class CheckView(BaseModel):
    check: str
    passed: bool
    detail: str
    duration_ms: int

    @classmethod
    def of(cls, result: CheckResult) -> "CheckView":
        return cls(
            check=result.name,
            passed=result.passed,
            detail=result.detail,
            duration_ms=result.duration_ms,
        )


class DataProductChange(BaseModel):
    stored: bool = Field(
        description="False for a dry run, and for a declaration equal to the version taking "
        "traffic (a PUT repeated changes nothing): no version was stored."
    )
    product: DataProductView = Field(
        description="The version stored, or for a dry run the one it would have become."
    )
    checks: list[CheckView] = Field(description="The conformance suite against every source.")

    @classmethod
    def of(cls, registration: Registration) -> "DataProductChange":
        return cls(
            stored=registration.stored,
            product=DataProductView.of(registration.version),
            checks=[CheckView.of(check) for check in registration.checks],
        )


class Rollback(StrictModel):
    version: int = Field(
        ge=1, le=2_147_483_647, description="The version to restore, as a new version."
    )
