"""Declarative base: naming convention for constraints, UUID keys, UTC timestamps, session
columns."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeAlias, cast

from sqlalchemy import DateTime, MetaData, String, Table, Uuid, event
from sqlalchemy.engine import Dialect, Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from portal.clock import system_clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones; PostgreSQL stores ``timestamptz``. Naive values are refused so a
    local time can never slip in unnoticed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    """``created_at`` / ``updated_at``, stamped at flush time from the session's clock."""

    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)


class SessionColumns:
    """The columns of a server-side login session, staff or customer: only the SHA-256 of the
    bearer token is stored, so a database leak does not leak usable sessions."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(400), default=None)


def session_now(session: Session | AsyncSession) -> datetime:
    """The current time of the clock the session was opened with."""
    clock = session.info.get("clock", system_clock)
    now: datetime = clock()
    return now


@event.listens_for(Session, "before_flush")
def _stamp_timestamps(session: Session, _context: Any, _instances: Any) -> None:
    now = session_now(session)
    for obj in session.new:
        if isinstance(obj, Timestamps):
            if getattr(obj, "created_at", None) is None:
                obj.created_at = now
            if getattr(obj, "updated_at", None) is None:
                obj.updated_at = now
    for obj in session.dirty:
        if isinstance(obj, Timestamps) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now


def full_row(model: type[Base], now: datetime, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` completed with every other column's default (and the timestamps), so a batch
    of rows shares one key set: what bulk inserts (``executemany``) need. Bulk inserts bypass
    the ORM, so :func:`_stamp_timestamps` does not see them."""
    defaults, generated = _column_defaults(model)
    row = dict(defaults)
    for key in generated:
        if key not in values:
            row[key] = row[key](None)
    for stamp in ("created_at", "updated_at"):
        if stamp in row:
            row[stamp] = now
    row.update(values)
    return row


@cache
def _column_defaults(model: type[Base]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Each column's scalar default (or None), and the columns whose default is generated per
    row (their entry holds the generating function)."""
    defaults: dict[str, Any] = {}
    generated: list[str] = []
    for column in model.__table__.columns:
        default = column.default
        defaults[column.key] = None
        if default is not None and getattr(default, "is_scalar", False):
            defaults[column.key] = default.arg
        elif default is not None and getattr(default, "is_callable", False):
            defaults[column.key] = default.arg
            generated.append(column.key)
    return defaults, tuple(generated)


# A plain result row of any columns (SQLAlchemy's Row is generic over its column types): what
# read paths that need no ORM object return.
PlainRow: TypeAlias = Row[*tuple[Any, ...]]


def table_of(model: type[Base]) -> Table:
    """The table of a mapped class (for Core bulk statements)."""
    return cast(Table, model.__table__)
