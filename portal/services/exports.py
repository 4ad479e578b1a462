"""Export requests: what to export, for whom, delivered how. A download link (signed by
``identity.downloads``) names only the job id; the filter, which may contain a searched name,
stays in the database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.email.outbox import enqueue_email
from portal.errors import InvalidInput
from portal.models import Contact, ExportJob, PortalUser, StaffUser
from portal.models.base import session_now
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.search import ContactFilter, OptInState, filter_conditions
from portal.services.csv_columns import PORTAL_USER_COLUMNS
from portal.services.csv_export import CsvDialect, export_contacts, export_portal_users

# How long a download job may be fetched (its signed link lives as long).
DOWNLOAD_LIFETIME = timedelta(minutes=10)


class ExportUnavailable(Exception):
    """The job does not exist, has expired, or is delivered by email."""


class ExportErrorCode(StrEnum):
    INVALID_DIALECT = "INVALID_DIALECT"
    NO_EMAIL_RECIPIENT = "NO_EMAIL_RECIPIENT"
    INVALID_COLUMNS = "INVALID_COLUMNS"


class ExportDelivery(StrEnum):
    AUTO = "auto"  # a download link, or an email when more rows match than the threshold
    DOWNLOAD = "download"
    EMAIL = "email"


class ExportKind(StrEnum):
    CONTACTS = "contacts"
    PORTAL_USERS = "portal_users"


EXPORT_ACTIONS = {
    ExportKind.CONTACTS: AuditAction.EXPORT_CONTACTS,
    ExportKind.PORTAL_USERS: AuditAction.EXPORT_PORTAL_USERS,
}
_KIND_NAMES = {
    "de": {ExportKind.CONTACTS: "Kontakte", ExportKind.PORTAL_USERS: "Portalbenutzer"},
    "en": {ExportKind.CONTACTS: "contacts", ExportKind.PORTAL_USERS: "portal users"},
}


def _filter_to_json(f: ContactFilter) -> dict[str, Any]:
    data = asdict(f)
    data["group_ids"] = [str(g) for g in f.group_ids]
    data["tags"] = list(f.tags)
    data["opt_in"] = f.opt_in.value if f.opt_in else None
    return data


def _filter_from_json(data: dict[str, Any]) -> ContactFilter:
    values = dict(data)
    values.pop("columns", None)
    values["group_ids"] = tuple(uuid.UUID(g) for g in values.get("group_ids", []))
    values["tags"] = tuple(values.get("tags", []))
    values["opt_in"] = OptInState(values["opt_in"]) if values.get("opt_in") else None
    return ContactFilter(**values)


async def request_export(
    session: AsyncSession,
    actor: Actor,
    kind: ExportKind,
    *,
    filter: ContactFilter | None = None,
    dialect: CsvDialect,
    delivery: ExportDelivery = ExportDelivery.DOWNLOAD,
    email_threshold: int = 0,
    columns: Sequence[str] | None = None,
) -> ExportJob:
    """Record the export (``job.delivery`` says how it goes out). By download: the caller
    hands out a signed link (valid 10 minutes). By email (asked for, or AUTO with more than
    ``email_threshold`` rows): a message to the staff user is queued, which the delivery worker
    sends with the zipped CSV."""
    if dialect.delimiter not in (",", ";") or dialect.language not in ("de", "en"):
        raise InvalidInput.single(
            ExportErrorCode.INVALID_DIALECT, "options", "Use ',' or ';' and de or en."
        )
    filter = filter or ContactFilter()
    known = {c.key for c in PORTAL_USER_COLUMNS}
    if columns is not None and (
        not columns or len(set(columns)) != len(columns) or not set(columns) <= known
    ):
        raise InvalidInput.single(
            ExportErrorCode.INVALID_COLUMNS, "columns", "Choose each column at most once."
        )
    if delivery == ExportDelivery.AUTO:
        rows = await matching_rows(session, kind, filter)
        delivery = ExportDelivery.EMAIL if rows > email_threshold else ExportDelivery.DOWNLOAD
    staff = await session.get(StaffUser, actor.id) if actor.id else None
    if delivery == ExportDelivery.EMAIL and staff is None:
        raise InvalidInput.single(
            ExportErrorCode.NO_EMAIL_RECIPIENT, "delivery", "Only staff users get exports by email."
        )
    job = ExportJob(
        kind=kind.value,
        delivery=delivery.value,
        # The portal users' chosen columns ride with the filter (the job's one JSON field).
        filter={**_filter_to_json(filter), **({"columns": list(columns)} if columns else {})},
        language=dialect.language,
        delimiter=dialect.delimiter,
        bom=dialect.bom,
        staff_user_id=actor.id,
        expires_at=session_now(session) + DOWNLOAD_LIFETIME,
    )
    session.add(job)
    await session.flush()
    await audit.record(
        session,
        actor,
        EXPORT_ACTIONS[kind],
        subject_type=AuditSubject.EXPORT_JOB,
        subject_id=job.id,
        changes={"filter": job.filter, "delivery": job.delivery},
    )
    if delivery == ExportDelivery.EMAIL:
        assert staff is not None
        await enqueue_email(
            session,
            template="export_ready",
            to=staff.email,
            language=dialect.language,
            context={
                "export_job_id": str(job.id),
                "export_kind": _KIND_NAMES[dialect.language][kind],
            },
        )
    return job


async def open_download(
    session: AsyncSession, job_id: uuid.UUID
) -> tuple[ExportJob, AsyncIterator[bytes]]:
    """The job (named by a verified download link) and its CSV stream; raises
    :class:`ExportUnavailable`."""
    job = await session.get(ExportJob, job_id)
    if job is None or job.expires_at <= session_now(session):
        raise ExportUnavailable("unknown or expired export")
    if job.delivery != ExportDelivery.DOWNLOAD:
        raise ExportUnavailable("this export is delivered by email")
    job.downloaded_at = session_now(session)
    return job, export_stream(session, job)


def export_stream(session: AsyncSession, job: ExportJob) -> AsyncIterator[bytes]:
    """The CSV of ``job``, chunk by chunk (ends the read transaction between chunks)."""
    dialect = CsvDialect(delimiter=job.delimiter, bom=job.bom, language=job.language)
    if job.kind == ExportKind.PORTAL_USERS:
        return export_portal_users(session, dialect, job.filter.get("columns"))
    return export_contacts(session, _filter_from_json(job.filter), dialect)


async def matching_rows(session: AsyncSession, kind: ExportKind, f: ContactFilter) -> int:
    """How many rows an export of ``kind`` with filter ``f`` would write."""
    if kind == ExportKind.PORTAL_USERS:
        query = select(func.count()).select_from(PortalUser)
    else:
        query = (
            select(func.count()).select_from(Contact).where(*await filter_conditions(session, f))
        )
    return int(await session.scalar(query) or 0)
