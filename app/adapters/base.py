"""The one contract between the gateway and an agency.

An agency joins the bus by shipping a class that satisfies `AgencyAdapter` plus the capability
protocols it serves, registered under the `satupintu.adapters` entry-point group. The gateway
builds it with an `AdapterContext` (its configured endpoint and the shared HTTP client pool),
calls it only through the capability methods below, and turns what it raises into the
per-source status the caller sees:

| the adapter raises              | source status  | single-agency read answers |
|---------------------------------|----------------|----------------------------|
| `AgencyNotFound`                | `not_found`    | 404                        |
| `AgencyRejected` (writes)       | request `rejected` with the message as the reason |
| `AgencyRefusedInput`            | `refused`      | 422                        |
| `AgencyUnavailable`, connection | `unavailable`  | 503                        |
| timeout (transport, deadline)   | `timeout`      | 504                        |
| `AgencyReplyError`, or anything | `error`        | 502                        |
|   else (bad body, wrong schema) |                |                            |
| `AgencyContentError`            | `error`        | 502                        |

`AgencyRefusedInput` is the agency refusing the caller's input (its own 400 for a malformed
parameter): the agency is healthy, so it is never counted against it (breaker, retry budget,
availability), and the caller gets a 4xx, not a 502.

`AgencyContentError` is an answer the gateway cannot translate because of what it holds for
this key (one citizen's record too large for a declared mapping's limits, or not fitting its
schema): the read fails with `error` like any bad reply, but the agency answered and is
healthy, so it is neither retried nor counted towards its breaker: no one citizen's data can
take the agency down for everyone.

Adapters talk to their backend only over HTTP and return canonical models from `app.schemas`.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from app.config import AgencyEndpoint
from app.http_client import AgencyHttp, AgencyReply
from app.schemas.business import Business, KbliEntry, PermitType, RiskLevel
from app.schemas.citizen import Family, Identity
from app.schemas.vehicle import Vehicle


class AgencyLevel(StrEnum):
    CENTRAL = "central"
    PROVINCIAL = "provincial"
    REGENCY = "regency"


class Capability(StrEnum):
    """Canonical capability names; the gateway looks agencies up by these, never by name."""

    IDENTITY_LOOKUP = "identity.lookup"
    IDENTITY_FAMILY = "identity.family"
    VEHICLE_LOOKUP = "vehicle.lookup"
    VEHICLE_LIST_BY_OWNER = "vehicle.list_by_owner"
    BUSINESS_LIST_BY_OWNER = "business.list_by_owner"
    IDENTITY_VERIFY = "identity.verify"
    IDENTITY_UPDATE_ADDRESS = "identity.update_address"
    VEHICLE_TAX_PAYMENT = "vehicle.tax_payment"
    VEHICLE_UPDATE_OWNER_ADDRESS = "vehicle.update_owner_address"
    BUSINESS_REGISTER = "business.register"
    BUSINESS_UPDATE_OWNER_ADDRESS = "business.update_owner_address"
    BUSINESS_KBLI_REFERENCE = "business.kbli_reference"
    COMPLAINT_INTAKE = "complaint.intake"


class AgencyError(Exception):
    """Base of what an adapter may raise; the message is shown to API clients as `detail`."""


class AgencyNotFound(AgencyError):
    """The agency answered and holds no such record."""


class AgencyUnavailable(AgencyError):
    """The agency says it cannot serve now (maintenance page, 503, refused credentials)."""


class AgencyReplyError(AgencyError):
    """The agency answered, but not with anything the adapter can translate."""


class AgencyContentError(AgencyReplyError):
    """The agency answered, but what it holds for this key cannot be translated (a mapping
    cut off by its limits, a record that does not fit the schema): a second try would get
    the same, and the agency is not failing."""


class AgencyRejected(AgencyError):
    """The agency refused a write on its merits (deceased citizen, not the owner, unknown
    KBLI): asking again will not change the answer. The message is shown to the citizen."""


class AgencyRefusedInput(AgencyRejected):
    """The agency refused the request because of what the caller sent (a page past its
    limit, a malformed identifier): the caller's fault, not the agency's. The bus does not
    count it against the agency's health, so no caller can open another caller's breaker
    with bad input; a single read answers 422. In a write it rejects the request, as any
    `AgencyRejected` does."""


@dataclass(frozen=True)
class AdapterContext:
    code: str
    endpoint: AgencyEndpoint
    http: AgencyHttp


@dataclass(frozen=True)
class BusinessPage:
    items: list[Business]
    page: int
    page_size: int
    total: int
    total_pages: int


@dataclass(frozen=True)
class IdentityMatch:
    name_matches: bool
    alive: bool


@dataclass(frozen=True)
class NewAddress:
    """`village_code` is the dotted Kemendagri code (31.74.10.1004)."""

    street: str
    rt: str
    rw: str
    village_code: str


@dataclass(frozen=True)
class PaymentCode:
    code: str
    amount: int
    valid_until: dt.datetime
    owner_name: str


@dataclass(frozen=True)
class Receipt:
    number: str
    plate_number: str
    amount: int
    paid_at: dt.datetime
    next_due_date: dt.date


@dataclass(frozen=True)
class BusinessApplication:
    business_name: str
    kbli: list[str]
    street: str
    village_code: str


class RegistrationStatus(StrEnum):
    ISSUED = "issued"
    PENDING = "pending"
    REJECTED = "rejected"


class PermitDecision(StrEnum):
    """The permit step of a registration, apart from the NIB (issued at registration for
    every risk level, PP 28/2025): none needed (low risk), issued (medium-low's
    self-declared standard certificate, or verified), pending verification, refused, or
    deemed approved because the authority let its deadline pass (fiktif positif)."""

    NOT_REQUIRED = "not_required"
    ISSUED = "issued"
    PENDING = "pending"
    REFUSED = "refused"
    DEEMED_APPROVED = "deemed_approved"


@dataclass(frozen=True)
class Registration:
    """`status` is the application as a whole (pending while its permit is verified,
    rejected when the permit is refused); `nib` is there from the start whatever the
    status; the `permit_*` fields describe the permit step."""

    application_id: str
    status: RegistrationStatus
    risk_level: RiskLevel
    nib: str | None = None
    rejection_reason: str | None = None
    permit_kind: PermitType | None = None
    permit_status: PermitDecision = PermitDecision.NOT_REQUIRED
    permit_number: str | None = None
    permit_decided_at: dt.datetime | None = None
    permit_deadline: dt.date | None = None


@dataclass(frozen=True)
class ServiceStage:
    """One stage of a service with its own period in working days (PP 28/2025 gives each
    stage of a licence its service level); `deemed_approval` when the system issues the
    result itself once the stage's period passes undecided (fiktif positif)."""

    name_id: str
    name_en: str
    working_days: int
    deemed_approval: bool = False


@dataclass(frozen=True)
class ServiceStandard:
    """A service as its published standard (Standar Pelayanan, UU 25/2009 and PermenPANRB
    15/2014) declares it to the public; the gateway's catalogue is made of these."""

    code: str
    name_id: str
    name_en: str
    category: str
    requirements: tuple[str, ...]
    procedure: tuple[str, ...]
    working_days: int
    fee: str
    product: str
    complaint_channel: str
    legal_basis: tuple[str, ...]
    responsible_unit: str
    stages: tuple[ServiceStage, ...] = ()


@dataclass(frozen=True)
class ConformanceFixtures:
    """Identifiers the agency's test backend answers for, so `satupintu adapters check` can
    call every declared capability: one that exists and one that does not."""

    known_nik: str | None = None
    unknown_nik: str | None = None
    known_plate_number: str | None = None
    unknown_plate_number: str | None = None


@runtime_checkable
class AgencyAdapter(Protocol):
    code: str
    name: str
    level: AgencyLevel
    services: tuple[ServiceStandard, ...]
    conformance: ConformanceFixtures

    @property
    def capabilities(self) -> frozenset[str]:
        """Built-in `Capability` values, and `product:<name>` for a data product it serves;
        read-only here so an adapter may narrow it to `frozenset[Capability]`."""
        ...

    async def health(self) -> None:
        """Return when the backend answers its own health check; raise an AgencyError if not."""


@runtime_checkable
class IdentityProvider(Protocol):
    async def get_identity(self, nik: str) -> Identity: ...

    async def get_family(self, nik: str) -> Family:
        """The family card that lists this NIK."""
        ...


@runtime_checkable
class VehicleProvider(Protocol):
    async def get_vehicle(self, plate_number: str) -> Vehicle: ...

    async def list_vehicles_by_owner(self, nik: str) -> list[Vehicle]: ...


@runtime_checkable
class IdentityVerifier(Protocol):
    async def verify_identity(self, nik: str, full_name: str) -> IdentityMatch:
        """Does the registry hold this NIK under this name, and is the citizen alive?"""
        ...


@runtime_checkable
class ResidenceRegistry(Protocol):
    async def update_address(self, nik: str, address: NewAddress, reference: str) -> str:
        """Record a move; returns the registry's registration number."""
        ...


@runtime_checkable
class VehicleTaxCashier(Protocol):
    async def issue_payment_code(
        self, plate_number: str, nik: str, reference: str
    ) -> PaymentCode: ...

    async def pay(self, payment_code: str, amount: int, reference: str) -> Receipt: ...

    async def void_payment_code(self, payment_code: str, reference: str) -> None: ...


@runtime_checkable
class OwnerAddressBook(Protocol):
    """An agency that keeps its own copy of an owner's address and must be told of a move."""

    async def update_owner_address(self, nik: str, address: NewAddress, reference: str) -> int:
        """Returns how many of the agency's records changed (0 is a valid answer)."""
        ...


@runtime_checkable
class BusinessRegistrar(Protocol):
    async def register_business(
        self, nik: str, application: BusinessApplication, reference: str
    ) -> Registration: ...

    async def registration_status(self, application_id: str) -> Registration: ...


@runtime_checkable
class KbliReference(Protocol):
    async def list_kbli(self) -> list[KbliEntry]:
        """Every KBLI code the agency licenses, with its risk level: reference data."""
        ...


@runtime_checkable
class ProductSource(Protocol):
    """An agency holding a declared data product (`app.products`): a declared adapter, or a
    Python adapter named by a declaration's `fetch.adapter`. It serves the capability
    `product:<name>`; the gateway checks what it returns against the product's schema."""

    async def fetch_product(self, product: str, key: str) -> Any:
        """The records of `product` for `key` as JSON values: a list for a `many` product
        (empty when the backend holds none), one object for a `one` product (AgencyNotFound
        when it holds none)."""
        ...


@runtime_checkable
class BusinessProvider(Protocol):
    async def list_businesses_by_owner(self, nik: str, page: int, page_size: int) -> BusinessPage:
        """One page of the owner's businesses; `page` counts from 1. Accept every `page` up
        to `app.schemas.business.MAX_PAGE` and `page_size` up to `MAX_PAGE_SIZE` (the gateway
        sends nothing outside them); a page past the last is an empty page."""
        ...


@dataclass(frozen=True)
class ComplaintFiling:
    """A complaint as the gateway hands it to the agency responsible for it. `received_by` is
    the agency the citizen sent it to when that was another one (no wrong door)."""

    nik: str
    subject: str
    description: str
    service: str | None
    received_by: str | None


@dataclass(frozen=True)
class ComplaintProgress:
    ticket: str
    answered: bool
    answer: str | None = None
    answered_at: dt.datetime | None = None


@runtime_checkable
class ComplaintDesk(Protocol):
    """An agency that takes complaints (SP4N-LAPOR!, Perpres 76/2013). `complaint_topics` are
    lower-case words and phrases that mark a complaint as this agency's when the citizen
    names neither a service nor a category; the gateway routes by them as a last resort."""

    complaint_topics: frozenset[str]

    async def file_complaint(self, complaint: ComplaintFiling, reference: str) -> str:
        """Record the complaint once per `reference`; returns the agency's ticket number."""
        ...

    async def complaint_progress(self, ticket: str) -> ComplaintProgress:
        """Whether the agency has answered yet; AgencyNotFound for an unknown ticket."""
        ...


#: The HTTP statuses with which an agency refuses what the caller sent; a read that gets one
#: raises `AgencyRefusedInput` with the agency's own reason.
REFUSED_INPUT_STATUSES = frozenset({400, 422})


def backend_failure(response: AgencyReply) -> AgencyError | None:
    """Classify a backend's HTTP status the same way for every adapter."""
    if response.status_code == 503:
        return AgencyUnavailable(f"agency answered 503 {response.reason_phrase}")
    if response.status_code >= 500:
        return AgencyReplyError(f"agency failed with HTTP {response.status_code}")
    return None
