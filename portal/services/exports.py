"""Export requests: a short-lived signed download link per export (the link carries only the
job id; the filter, which may contain a searched name, stays in the database)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.signed_tokens import SignedTokens, TokenInvalid, TokenPurpose
from portal.errors import InvalidInput
from portal.models import ExportJob
from portal.models.base import session_now
from portal.services import audit
from portal.services.actors import Actor
from portal.services.contacts.search import ContactFilter, OptInState
from portal.services.csv_export import CsvDialect, export_contacts, export_portal_users

DOWNLOAD_LIFETIME = timedelta(minutes=10)
DOWNLOAD_PATH = "/admin/exports/download"


class ExportErrorCode(StrEnum):
    INVALID_DIALECT = "INVALID_DIALECT"


class ExportKind(StrEnum):
    CONTACTS = "contacts"
    PORTAL_USERS = "portal_users"


def _filter_to_json(f: ContactFilter) -> dict[str, Any]:
    data = asdict(f)
    data["group_ids"] = [str(g) for g in f.group_ids]
    data["tags"] = list(f.tags)
    data["opt_in"] = f.opt_in.value if f.opt_in else None
    return data


def _filter_from_json(data: dict[str, Any]) -> ContactFilter:
    values = dict(data)
    values["group_ids"] = tuple(uuid.UUID(g) for g in values.get("group_ids", []))
    values["tags"] = tuple(values.get("tags", []))
    values["opt_in"] = OptInState(values["opt_in"]) if values.get("opt_in") else None
    return ContactFilter(**values)


async def request_export(
    session: AsyncSession,
    tokens: SignedTokens,
    actor: Actor,
    kind: ExportKind,
    *,
    filter: ContactFilter | None = None,
    dialect: CsvDialect,
) -> tuple[ExportJob, str]:
    """Record the export and return its download path (valid 10 minutes)."""
    if dialect.delimiter not in (",", ";") or dialect.language not in ("de", "en"):
        raise InvalidInput.single(
            ExportErrorCode.INVALID_DIALECT, "options", "Use ',' or ';' and de or en."
        )
    job = ExportJob(
        kind=kind.value,
        filter=_filter_to_json(filter or ContactFilter()),
        language=dialect.language,
        delimiter=dialect.delimiter,
        bom=dialect.bom,
        staff_user_id=actor.id,
        expires_at=session_now(session) + DOWNLOAD_LIFETIME,
    )
    session.add(job)
    await session.flush()
    await audit.record(
        session, actor, f"export.{kind.value}", subject_type="ExportJob", subject_id=job.id,
        changes={"filter": job.filter},
    )  # fmt: skip
    token, _ = tokens.issue(TokenPurpose.DOWNLOAD, job.id)
    return job, f"{DOWNLOAD_PATH}?token={token}"


async def open_download(
    session: AsyncSession, tokens: SignedTokens, token: str
) -> tuple[ExportJob, AsyncIterator[bytes]]:
    """The job of a valid download token and the CSV stream; raises TokenInvalid."""
    claims = tokens.read(token, TokenPurpose.DOWNLOAD, DOWNLOAD_LIFETIME)
    job = await session.get(ExportJob, claims.subject)
    if job is None or job.expires_at <= session_now(session):
        raise TokenInvalid("unknown or expired export")
    job.downloaded_at = session_now(session)
    dialect = CsvDialect(delimiter=job.delimiter, bom=job.bom, language=job.language)
    if job.kind == ExportKind.PORTAL_USERS:
        return job, export_portal_users(session, dialect)
    return job, export_contacts(session, _filter_from_json(job.filter), dialect)
