"""The gateway's own records. Agency data is never stored here, only who asked for what."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AccessRecord(Base):
    """One gateway request that touched personal data: who asked, about whom, whom we asked,
    and how it ended. Later the citizen's access log and the audit chain build on it."""

    __tablename__ = "access_records"
    __table_args__ = (
        Index("ix_access_records_subject_nik_occurred_at", "subject_nik", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    request_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    client_id: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(64))
    subject_nik: Mapped[str | None] = mapped_column(String(16))
    subject_plate: Mapped[str | None] = mapped_column(String(16))
    agencies: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(32))
    http_status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
