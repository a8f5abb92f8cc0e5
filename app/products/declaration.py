"""The declaration of a data product: the admin API's body and the files kept under version
control are this model, so a file that validates here registers as it is.

What the product is (name, key, record schema, scope, classification, legal basis, complaint
topics) is the contract integrators see; `sources` are the agency instances holding it (one
national agency, or many regional offices with their jurisdictions); `fetch` says how every
source is asked. Secrets are either given inline (stored sealed, never shown again) or named
by `secret_ref` and read from the gateway's own environment
(`SATUPINTU_AGENCY_SECRET_<REF>`), so a declaration file carries no secret.
"""

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

import re2  # type: ignore[import-untyped]
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.adapters.base import AgencyLevel
from app.schemas.agencies import AgencyCode, BaseUrl, RegionCode, TimeoutMs, real_regions
from app.schemas.service_requests import StrictModel
from app.schemas.text import SingleLineText

PRODUCT_NAME_PATTERN = r"^[a-z][a-z0-9_]{2,39}$"
#: Names a declared product may not take: the profile's own members and built-in parts.
RESERVED_NAMES = frozenset(
    {
        "identity",
        "family",
        "vehicles",
        "businesses",
        "nik",
        "sources",
        "complete",
        "withheld",
        "retrieved_at",
    }
)
#: Placeholders a product request template may use: the identifier the product is keyed by.
KEY_PLACEHOLDERS = frozenset({"key"})
#: Placeholders of the complaint templates.
FILING_PLACEHOLDERS = frozenset(
    {"nik", "subject", "description", "service", "received_by", "reference"}
)
PROGRESS_PLACEHOLDERS = frozenset({"ticket"})
SECRET_REF_PATTERN = r"^[A-Z][A-Z0-9_]{1,63}$"
#: A JMESPath expression; compiled and checked at registration.
Expression = Annotated[str, StringConstraints(min_length=1, max_length=4096)]

Sentence = Annotated[SingleLineText, StringConstraints(max_length=500)]
"""One line of a standard or a legal basis."""
Topic = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9 -]{1,59}$"),
    Field(description="A lower-case word or phrase that marks a complaint as this product's."),
]
ProductName = Annotated[
    str,
    StringConstraints(pattern=PRODUCT_NAME_PATTERN),
    Field(
        examples=["health_insurance"],
        description="Lower case letters, digits and `_`: the profile part (`include=<name>`) "
        "and the key of its records in the profile.",
    ),
]
ScopeName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{2,39}:read$"),
    Field(examples=["health_insurance:read"]),
]


class KeyKind(StrEnum):
    """The identifier a product's records are found by: one of the gateway's canonical ones,
    or the agency's own (a membership card number), described by `name` and `pattern`."""

    NIK = "nik"
    PLATE_NUMBER = "plate_number"
    NIB = "nib"
    OWN = "own"


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@lru_cache(maxsize=256)
def own_key_pattern(pattern: str) -> Any:
    """An own key's pattern compiled by RE2, whose matching takes time linear in the key: the
    pattern is an agency administrator's, the key a caller's, and a backtracking engine would
    let a pattern like `^(a|aa)+$` hold a worker for minutes on one 128-character key.
    `ValueError` for what RE2 cannot compile (backreferences, lookaround)."""
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"RE2 cannot compile the pattern ({reason}); backreferences and lookaround are "
            "not supported"
        ) from exc


class ProductKey(StrictModel):
    kind: KeyKind
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")] | None = Field(
        default=None, description="For an own key: its canonical name (`card_number`)."
    )
    pattern: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None,
        description="For an own key: a regular expression every value must match in full "
        "(ASCII only), in the RE2 syntax: no backreferences or lookaround, so that matching "
        "takes time linear in the key.",
    )
    example: SingleLineText | None = Field(default=None, max_length=64)

    @field_validator("pattern")
    @classmethod
    def _linear_time(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            own_key_pattern(pattern)
        return pattern

    @model_validator(mode="after")
    def _own_is_described(self) -> "ProductKey":
        own = self.kind is KeyKind.OWN
        if own and (self.name is None or self.pattern is None):
            raise ValueError("an own key needs its `name` and `pattern`")
        if not own and (self.name is not None or self.pattern is not None):
            raise ValueError("`name` and `pattern` describe an own key only")
        return self


class Cardinality(StrEnum):
    """`many`: a list per key (a citizen's certificates), empty when the backend holds none;
    `one`: one record per key (a membership), not found when the backend holds none."""

    ONE = "one"
    MANY = "many"


class Classification(StrEnum):
    """UU 27/2022 Pasal 4: general personal data, or specific (its kind in
    `specific_category`), which needs stricter handling: a specific product is no part of a
    citizen's profile unless the client names it in `include`."""

    GENERAL = "general"
    SPECIFIC = "specific"


class SpecificCategory(StrEnum):
    """The kind of specific personal data, UU 27/2022 Pasal 4 ayat (2): a. health data and
    information; b. biometric; c. genetic; d. criminal records; e. children's data; f. personal
    financial data; g. other data as a regulation provides (`other`, cited in
    `legal_basis`)."""

    HEALTH = "health"
    BIOMETRIC = "biometric"
    GENETIC = "genetic"
    CRIMINAL_RECORDS = "criminal_records"
    CHILDREN = "children"
    FINANCIAL = "financial"
    OTHER = "other"


class ProcessingBasis(StrEnum):
    """The lawful basis of the processing, UU 27/2022 Pasal 20 ayat (2): a. the subject's
    explicit consent; b. a contract the subject is party to; c. the controller's legal
    obligation; d. the subject's vital interest; e. a task in the public interest, a public
    service or the controller's authority under law; f. another legitimate interest."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"


class Secret(StrictModel):
    """Exactly one of an inline `value` (stored sealed; a later version that leaves it out
    keeps the stored one) or a `secret_ref` read from the gateway's environment."""

    value: SecretStr | None = Field(default=None, max_length=4096)
    secret_ref: Annotated[str, StringConstraints(pattern=SECRET_REF_PATTERN)] | None = Field(
        default=None,
        description="Read from the gateway's environment variable "
        "`SATUPINTU_AGENCY_SECRET_<secret_ref>`.",
        examples=["BPJS_CONS_KEY"],
    )

    @model_validator(mode="after")
    def _at_most_one(self) -> "Secret":
        if self.value is not None and self.secret_ref is not None:
            raise ValueError("give either `value` or `secret_ref`, not both")
        return self


class NoAuth(StrictModel):
    type: Literal["none"] = "none"


class BasicAuth(StrictModel):
    type: Literal["basic"]
    username: SingleLineText = Field(max_length=128)
    password: Secret


class BearerAuth(StrictModel):
    type: Literal["bearer"]
    token: Secret


class ApiKeyAuth(StrictModel):
    type: Literal["api_key"]
    # Not `in`, as OpenAPI's apiKey scheme calls it: the OWASP ruleset's JSONPath filters
    # take a schema property named `in` for a parameter's location and crash Spectral.
    location: Literal["header", "query"] = "header"
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    key: Secret


Auth = Annotated[NoAuth | BasicAuth | BearerAuth | ApiKeyAuth, Field(discriminator="type")]


class RequestTemplate(StrictModel):
    """One HTTP call to the backend. `path`, `query` and `headers` values, and every string in
    a JSON `body` (or an XML `body` string), may hold `{placeholder}`s: each is encoded for
    where it goes (a path segment, a query value, XML text). A JSON string that is exactly one
    placeholder becomes the value itself."""

    method: Literal["GET", "POST"] = "GET"
    path: Annotated[str, StringConstraints(pattern=r"^/", max_length=1024)]
    query: dict[str, Annotated[str, StringConstraints(max_length=1024)]] = Field(
        default_factory=dict, max_length=32
    )
    headers: dict[str, Annotated[str, StringConstraints(max_length=1024)]] = Field(
        default_factory=dict, max_length=32
    )
    body: (
        dict[str, Any]
        | Annotated[list[Any], Field(max_length=256)]
        | Annotated[str, StringConstraints(max_length=65_536)]
        | None
    ) = Field(default=None, description="JSON (an object or array) or XML (a string template).")


class BodyFormat(StrEnum):
    JSON = "json"
    XML = "xml"


class SignalRule(StrictModel):
    """A backend's own signal: matches when the HTTP status is one of `status` (if given) and
    the JMESPath `when` is true of the reply body (if given); at least one is needed."""

    status: list[Annotated[int, Field(ge=100, le=599)]] = Field(default_factory=list, max_length=16)
    when: Expression | None = None

    @model_validator(mode="after")
    def _something_to_match(self) -> "SignalRule":
        if not self.status and self.when is None:
            raise ValueError("give `status`, `when` or both")
        return self


class ErrorOutcome(StrEnum):
    """What a matched error signal means, as the source status callers see:
    `unavailable` (503; counts against the agency), `error` (502), `refused` (the agency
    refused the key: 422, not counted against it)."""

    UNAVAILABLE = "unavailable"
    ERROR = "error"
    REFUSED = "refused"


class ErrorRule(SignalRule):
    outcome: ErrorOutcome
    message: Expression | None = Field(
        default=None, description="JMESPath giving the backend's own message, shown as detail."
    )


class ResponseMapping(StrictModel):
    """How a reply becomes records. Checked in this order: an error rule that matches; then
    `not_found`; then the status must be one of `ok_status`; then `records` (JMESPath over
    the body, XML read as JSON) gives an array of records for a `many` product and one record
    for a `one` product, each checked against the product's schema."""

    format: BodyFormat = BodyFormat.JSON
    xml_force_list: list[Annotated[str, StringConstraints(max_length=128)]] = Field(
        default_factory=list,
        max_length=32,
        description="XML elements always read as a list, even when only one is present.",
    )
    ok_status: list[Annotated[int, Field(ge=200, le=299)]] = Field(
        default_factory=lambda: [200], max_length=16
    )
    errors: list[ErrorRule] = Field(default_factory=list, max_length=32)
    not_found: SignalRule
    records: Expression


class DeclaredFetch(StrictModel):
    """Fetch without code: `request` built from the key, `response` mapped to records, and a
    `health` call (any 2xx is healthy)."""

    request: RequestTemplate
    response: ResponseMapping
    health: RequestTemplate


class AdapterFetch(StrictModel):
    """Fetch with installed code: an adapter kind (entry point `satupintu.adapters`) whose
    adapter implements `ProductSource` for this product; the gateway still checks each record
    against the schema."""

    adapter: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class ComplaintIntake(StrictModel):
    """How the agency takes complaints, declared like a fetch: `file` hands one over
    (placeholders `nik`, `subject`, `description`, `service`, `received_by`, `reference`) and
    `ticket` reads the agency's ticket number from the reply; `progress` asks about it
    (placeholder `ticket`), and `answered`, `answer`, `answered_at` read the reply."""

    format: BodyFormat = BodyFormat.JSON
    xml_force_list: list[Annotated[str, StringConstraints(max_length=128)]] = Field(
        default_factory=list, max_length=32
    )
    file: RequestTemplate
    ticket: Expression
    progress: RequestTemplate
    not_found: SignalRule
    answered: Expression
    answer: Expression | None = None
    answered_at: Expression | None = None


class AgencyDeclaration(StrictModel):
    code: AgencyCode
    name: SingleLineText = Field(max_length=200)
    level: AgencyLevel
    jurisdiction: Annotated[list[RegionCode], AfterValidator(real_regions)] = Field(
        default_factory=list,
        max_length=600,
        description="Empty for a national agency.",
        json_schema_extra={"uniqueItems": True},
    )


class ProductFixtures(StrictModel):
    """Keys this source's live backend answers for, so the conformance suite can run the
    declaration against it: one it holds records for and one it does not."""

    found: SingleLineText = Field(max_length=128)
    missing: SingleLineText = Field(max_length=128)


class SourceDeclaration(StrictModel):
    agency: AgencyDeclaration
    base_url: BaseUrl
    timeout_ms: TimeoutMs = 2000
    auth: Auth = Field(default_factory=NoAuth)
    fixtures: ProductFixtures


class ServiceDeclaration(StrictModel):
    """A service the product's agencies offer, as its published standard (Standar Pelayanan)
    states it; it joins `/v1/services`."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{2,63}$")]
    name_id: SingleLineText = Field(max_length=200)
    name_en: SingleLineText = Field(max_length=200)
    category: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]
    requirements: list[Sentence] = Field(default_factory=list, max_length=32)
    procedure: list[Sentence] = Field(default_factory=list, max_length=32)
    working_days: int = Field(ge=0, le=365)
    fee: SingleLineText = Field(max_length=200)
    product: SingleLineText = Field(max_length=200)
    complaint_channel: SingleLineText = Field(max_length=200)
    legal_basis: list[Sentence] = Field(min_length=1, max_length=16)
    responsible_unit: SingleLineText = Field(max_length=200)


class ProductDeclaration(StrictModel):
    # The one rule across fields the document can state, so a generated client or a fuzzer
    # knows it too: `specific_category` is given for specific data and only for it.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"classification": {"const": "specific"}}},
            "then": {
                "required": ["specific_category"],
                "properties": {"specific_category": {"not": {"type": "null"}}},
            },
            "else": {"properties": {"specific_category": {"type": "null"}}},
        },
    )

    name: ProductName
    title: SingleLineText = Field(max_length=200, examples=["Health insurance (JKN-KIS)"])
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    key: ProductKey
    cardinality: Cardinality
    record_schema: dict[str, Any] = Field(
        alias="schema",
        description="JSON Schema (2020-12) of one record, with no external `$ref`: the "
        "product's canonical form, published in the OpenAPI document.",
    )
    subject: Expression | None = Field(
        default=None,
        validate_default=True,
        description="JMESPath giving, from one record, the NIK of the person it is about: "
        "needed unless the key is the NIK, so that reads are checked and logged per citizen.",
    )
    scope: ScopeName
    classification: Classification
    specific_category: SpecificCategory | None = Field(
        default=None,
        validate_default=True,
        description="For `specific` data, and only for it: which kind of UU 27/2022 Pasal 4 "
        "ayat (2) it is.",
    )
    processing_basis: ProcessingBasis = Field(
        description="The lawful basis the agency processes and shares it on, one of UU 27/2022 "
        "Pasal 20 ayat (2); `legal_basis` cites the laws behind it."
    )
    legal_basis: list[Sentence] = Field(
        min_length=1, max_length=16, description="The laws that let the agency share it."
    )
    complaint_topics: list[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9 -]{1,59}$")]
    ] = Field(default_factory=list, max_length=64)
    services: list[ServiceDeclaration] = Field(default_factory=list, max_length=16)
    fetch: DeclaredFetch | AdapterFetch
    complaints: ComplaintIntake | None = Field(default=None, validate_default=True)
    sources: list[SourceDeclaration] = Field(min_length=1, max_length=600)

    # Field validators, not one model validator, so each refusal names its field.
    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_NAMES:
            raise ValueError(f"`{name}` is a built-in part of the profile")
        return name

    @field_validator("subject")
    @classmethod
    def _subject_unless_nik(cls, subject: str | None, info: ValidationInfo) -> str | None:
        key = info.data.get("key")
        if subject is None and key is not None and key.kind is not KeyKind.NIK:
            raise ValueError("a product not keyed by NIK needs `subject`")
        return subject

    @field_validator("specific_category")
    @classmethod
    def _category_of_specific(
        cls, category: SpecificCategory | None, info: ValidationInfo
    ) -> SpecificCategory | None:
        classification = info.data.get("classification")
        if classification is Classification.SPECIFIC and category is None:
            raise ValueError("specific personal data needs its UU 27/2022 Pasal 4(2) category")
        if classification is Classification.GENERAL and category is not None:
            raise ValueError("only specific personal data has a category")
        return category

    @field_validator("complaints")
    @classmethod
    def _intake_for_topics(
        cls, complaints: "ComplaintIntake | None", info: ValidationInfo
    ) -> "ComplaintIntake | None":
        if complaints is None and info.data.get("complaint_topics"):
            raise ValueError("complaint topics need `complaints`: how the agency takes them")
        return complaints

    @field_validator("sources")
    @classmethod
    def _distinct_agencies(cls, sources: list[SourceDeclaration]) -> list[SourceDeclaration]:
        codes = [source.agency.code for source in sources]
        if len(set(codes)) != len(codes):
            raise ValueError("each source's agency code at most once")
        return sources

    @property
    def capability(self) -> str:
        """The bus capability its sources serve; no built-in capability has this form."""
        return f"product:{self.name}"

    @property
    def kind(self) -> str:
        """The adapter kind its sources are registered under."""
        return f"declared:{self.name}"
