"""The public reply bodies of the unified API."""

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.business import Business, KbliEntry
from app.schemas.citizen import Family, Identity
from app.schemas.sources import SourceReport, Sources
from app.schemas.vehicle import Vehicle


class ProfilePart(StrEnum):
    FAMILY = "family"
    VEHICLES = "vehicles"
    BUSINESSES = "businesses"


class CitizenProfile(BaseModel):
    """One citizen's whole picture. A part is null when it was not asked for or no agency
    could give it; `sources` has one entry per agency instance asked, keyed by its code, and
    says what it supplied and how it went. Vehicles are held by each province's tax office
    (`bapenda_31`, `bapenda_32`, ...): every one is asked at once and their lists are merged,
    so a part can be partial (one office down): `complete` is then false.

    Each data product keyed by NIK that is registered on the gateway is a part too, under its
    own name (`health_insurance`): its records as its declared schema says, a list or one
    record, null when not asked for, withheld or not given. The document served at
    `/openapi.json` names and types these properties while their products are registered."""

    model_config = ConfigDict(extra="allow")

    nik: str
    identity: Identity
    family: Family | None = None
    vehicles: list[Vehicle] | None = None
    businesses: list[Business] | None = None
    sources: Sources
    complete: bool = Field(description="True when every part asked for arrived.")
    withheld: list[str] = Field(
        default_factory=list,
        description="Parts and identity fields this client's scopes do not release (e.g. "
        "`family`, `identity.religion`). They are null for that reason, not because they are "
        "unknown.",
        examples=[["family", "identity.religion"]],
    )
    retrieved_at: dt.datetime


class VehicleRecord(BaseModel):
    vehicle: Vehicle
    source: SourceReport


class CitizenVehicles(BaseModel):
    """The citizen's vehicles from every provincial tax office at once, merged."""

    nik: str
    items: list[Vehicle]
    sources: Sources = Field(description="One entry per tax office asked, by instance code.")
    complete: bool = Field(description="True when every office answered.")


class ProductRecords(BaseModel):
    """A data product's records for one key, from every source holding it that was asked."""

    product: str = Field(description="The product's name.", examples=["health_insurance"])
    key: str = Field(description="The key the records were found by, as the gateway read it.")
    records: Any = Field(
        description="As the product's declared schema says: an array of records for a `many` "
        "product, one record for a `one` product. The document served at `/openapi.json` "
        "types it per registered product."
    )
    sources: Sources = Field(description="One entry per agency instance asked, by its code.")
    complete: bool = Field(description="True when every source asked answered.")
    retrieved_at: dt.datetime


class CitizenBusinesses(BaseModel):
    nik: str
    items: list[Business]
    page: int
    page_size: int
    total: int
    total_pages: int
    source: SourceReport


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class AgencyHealthReport(BaseModel):
    status: str = Field(description="`up`, `down`, `disabled` or `unconfigured`.")
    latency_ms: int | None = None
    detail: str | None = None
    circuit: str | None = Field(
        default=None, description="The agency's circuit breaker: `closed`, `half_open`, `open`."
    )


class Readiness(BaseModel):
    status: str = Field(description="`ready`, `degraded` (an agency is down) or `not_ready`.")
    database: str
    agencies: dict[str, AgencyHealthReport]


class DayOffView(BaseModel):
    date: dt.date
    name_id: str
    name_en: str
    kind: Literal["public_holiday", "collective_leave"] = Field(
        description="`collective_leave`: cuti bersama, set each year by joint ministerial "
        "decree; government offices close as on a public holiday."
    )


class WorkingCalendar(BaseModel):
    """The calendar every deadline of the API counts working days on."""

    year: int
    timezone: Literal["Asia/Jakarta"] = "Asia/Jakarta"
    weekend: list[Literal["saturday", "sunday"]] = Field(
        description="Days of the week that are never working days."
    )
    days_off: list[DayOffView] = Field(
        description="Every other day that is not a working day, in date order (a holiday on a "
        "weekend is listed too)."
    )


class KbliList(BaseModel):
    items: list[KbliEntry]
    fetched_at: dt.datetime = Field(description="When the agency last gave this list.")
    stale: bool = Field(
        description="True when the cached list expired and the agency could not be asked now."
    )
    source: SourceReport = Field(description="How the latest attempt to refresh it went.")
