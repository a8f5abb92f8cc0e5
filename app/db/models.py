"""The gateway's own records. Agency data is never stored here, only who asked for what."""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Always UTC and always timezone-aware, on every database: SQLite keeps no offset, so
    without this the API would give naive times on one store and aware ones on another."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: say which time zone")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class AccessRecord(Base):
    """One use of personal data: who asked, for whom, why, which agencies were asked, what was
    released and how it ended.

    Records form a hash chain: `seq` numbers them without gaps and each `hash` covers the row
    and the previous row's hash, so an edited, deleted or inserted row breaks the chain
    (`satupintu audit verify`)."""

    __tablename__ = "access_records"
    __table_args__ = (
        Index("ix_access_records_subject_nik_occurred_at", "subject_nik", "occurred_at"),
        Index("ix_access_records_actor_nik_occurred_at", "actor_nik", "occurred_at"),
        UniqueConstraint("seq", name="uq_access_records_seq"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    client_id: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str | None] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(64))
    subject_nik: Mapped[str | None] = mapped_column(String(16))
    subject_plate: Mapped[str | None] = mapped_column(String(16))
    agencies: Mapped[dict[str, Any]] = mapped_column(JSON)
    released: Mapped[list[str]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(32))
    http_status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    #: The person who acted for `subject_nik` (issue 15), when not the citizen themself.
    actor_nik: Mapped[str | None] = mapped_column(String(16))
    actor_basis: Mapped[str | None] = mapped_column(String(16))
    actor_relationship: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest link of the access-record chain, in one row.

    Writers lock it to append, which orders appends from every gateway process; the verifier
    compares it with the last row, so deleting the newest records is detected too, unless the
    head is set back with them: the signed checkpoints (`AuditCheckpoint`) catch that."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement that the chain's head was `seq`/`hash` at `signed_at`.

    The signing key lives outside the database, so whoever can write these tables can drop
    checkpoints but cannot forge one; copies exported to a witness survive a wiped table."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_seq", "seq"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))


class SigningKey(Base):
    """An access-token signing key pair. The private half is encrypted with the gateway's
    secret key; the public half is published at `/.well-known/jwks.json` until every token it
    signed has expired (`published_until`)."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_key: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    published_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ApiClient(Base):
    """An application allowed to call the gateway. Only a hash of its secret is kept."""

    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    secret_hash: Mapped[str] = mapped_column(String(64))
    api_key_enabled: Mapped[bool] = mapped_column(Boolean)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    secret_rotated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ServiceRequestRecord(Base):
    """A citizen's application: a durable state machine the workers advance step by step.

    `next_run_at` says when a worker should look at it again (null: waiting for the citizen,
    e.g. to pay); the lease (`lease_owner`, `lease_expires_at`) is how one worker holds it, and
    an expired lease is how a crashed worker's requests are picked up by another."""

    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_due", "next_run_at"),
        Index("ix_service_requests_nik_submitted", "nik", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(40))
    nik: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(20))
    closing_status: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    payment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    payment_confirmed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    product: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    sla_deadline: Mapped[dt.date] = mapped_column(Date)
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    steps: Mapped[list["RequestStepRecord"]] = relationship(
        order_by="RequestStepRecord.position", cascade="all, delete-orphan", lazy="selectin"
    )
    events: Mapped[list["RequestEventRecord"]] = relationship(
        order_by="RequestEventRecord.id", cascade="all, delete-orphan", lazy="selectin"
    )


class RequestStepRecord(Base):
    """One agency call of a request. `reference` is sent to the agency as its idempotency
    reference, so a step repeated after a crash is applied by the agency only once."""

    __tablename__ = "service_request_steps"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    request_id: Mapped[str] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    agency_reference: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class RequestEventRecord(Base):
    """The request's timeline, and the webhook outbox: an event with a `callback_url` waits
    here, written in the same transaction as the change it reports, until it is delivered."""

    __tablename__ = "service_request_events"
    __table_args__ = (Index("ix_service_request_events_undelivered", "deliver_after"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    request_id: Mapped[str] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    deliver_after: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    delivery_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyRecord(Base):
    """The first answer to a POST with an `Idempotency-Key`, replayed for every retry of it."""

    __tablename__ = "idempotency_keys"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), primary_key=True, server_default="")
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AgencySettingRecord(Base):
    """An agency instance as its administrator set it at run time: an instance registered
    through the API (`kind` set), or a configured instance's endpoint over the settings'
    (`kind` null). A removed instance keeps its row, marked, so every process notices. The
    password is stored encrypted, never in clear and never returned."""

    __tablename__ = "agency_settings"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    jurisdiction: Mapped[list[str] | None] = mapped_column(JSON)
    fixtures: Mapped[dict[str, str] | None] = mapped_column(JSON)
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    base_url: Mapped[str] = mapped_column(String(2048))
    timeout_ms: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    username: Mapped[str | None] = mapped_column(String(128))
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(128))


class AgencySettingChange(Base):
    """Who changed which agency's endpoint, when, and to what (secrets shown only as set)."""

    __tablename__ = "agency_setting_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    code: Mapped[str] = mapped_column(String(64), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[str] = mapped_column(String(128))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class ComplaintRecord(Base):
    """A complaint (SP4N-LAPOR!): where the citizen sent it, the agency now responsible, and
    the stage deadlines in working days. `next_run_at` says when the courier should next hand
    it over or ask the agency for its answer; the lease is how one courier holds it."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_due", "next_run_at"),
        Index("ix_complaints_nik_filed", "nik", "filed_at"),
        Index("ix_complaints_agency_filed", "agency", "filed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nik: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    addressed_to: Mapped[str | None] = mapped_column(String(64))
    service: Mapped[str | None] = mapped_column(String(40))
    service_request_id: Mapped[str | None] = mapped_column(String(36))
    category: Mapped[str | None] = mapped_column(String(40))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    agency: Mapped[str] = mapped_column(String(64))
    routed_by: Mapped[str] = mapped_column(String(20))
    routing_reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    verification_due: Mapped[dt.date] = mapped_column(Date)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date)
    agency_reference: Mapped[str | None] = mapped_column(String(80))
    answer: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    events: Mapped[list["ComplaintEventRecord"]] = relationship(
        order_by="ComplaintEventRecord.id", cascade="all, delete-orphan", lazy="selectin"
    )


class ComplaintEventRecord(Base):
    """The complaint's history as the citizen follows it: received, forwarded, handed over,
    answered, each with the agency that held it then."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class SatisfactionSurveyRecord(Base):
    """One respondent's answers to the nine SKM elements (PermenPANRB 14/2017), each 1-4,
    for one completed service request; the unique request id is the once-per-request rule."""

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (
        UniqueConstraint("service_request_id"),
        Index("ix_satisfaction_surveys_agency_submitted", "agency", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    service_request_id: Mapped[str] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    service: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(64))
    nik: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    requirements: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[int] = mapped_column(Integer)
    completion_time: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer)
    product: Mapped[int] = mapped_column(Integer)
    staff_competence: Mapped[int] = mapped_column(Integer)
    staff_behaviour: Mapped[int] = mapped_column(Integer)
    complaint_handling: Mapped[int] = mapped_column(Integer)
    facilities: Mapped[int] = mapped_column(Integer)


class AgencyCallRecord(Base):
    """One call the gateway made to an agency and how it went: the durable source of each
    agency's availability and latency in the performance report (metrics are not kept)."""

    __tablename__ = "agency_calls"
    __table_args__ = (Index("ix_agency_calls_agency_occurred", "agency", "occurred_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    agency: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    latency_ms: Mapped[int] = mapped_column(Integer)


class DataProductVersion(Base):
    """One version of a data product's declaration, and the change that made it: the history
    is only ever appended to, so it is the audit of who changed which product, when, and to
    what. Inline secrets in `declaration` are sealed with the gateway's secret key."""

    __tablename__ = "data_product_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_data_product_versions"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    change: Mapped[str] = mapped_column(String(20))
    rolled_back_from: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DataProductRecord(Base):
    """A data product's version taking traffic (null once removed); `updated_at` is what
    every process's watcher polls."""

    __tablename__ = "data_products"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    active_version: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class DataProductClaim(Base):
    """What a product taking traffic holds alone: its scope (`kind` "scope") and each source's
    agency code (`kind` "agency"). The primary key makes two products holding the same one
    impossible, whichever process stored them and however close together; the rows change in
    the transaction that changes the product's active version."""

    __tablename__ = "data_product_claims"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    product: Mapped[str] = mapped_column(String(40), index=True)


class Mandate(Base):
    """A citizen's mandate (kuasa): the grantor lets the grantee act for them within `scopes`
    until `expires_at`, or until withdrawn. Rows are never deleted, so who could act for whom,
    and when, stays answerable after a withdrawal."""

    __tablename__ = "mandates"
    __table_args__ = (
        Index("ix_mandates_grantor_nik", "grantor_nik"),
        Index("ix_mandates_grantee_nik", "grantee_nik"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grantor_nik: Mapped[str] = mapped_column(String(16))
    grantee_nik: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by_client: Mapped[str] = mapped_column(String(128))


class UsedSubjectToken(Base):
    """An identity provider's ID token already exchanged for an access token: each exchanges
    once (RFC 8693 replay protection), remembered until it would have expired anyway."""

    __tablename__ = "used_subject_tokens"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(2048))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
