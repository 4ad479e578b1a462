"""Files the delivery worker attaches when it sends a message.

A message stores which file to attach (its catalog entry names the kind, its context the ids),
never the file itself: the outbox stays small, and the file is built from the database at send
time in its own read session.
"""

from __future__ import annotations

import tempfile
import uuid
import zipfile
from typing import Any

from portal.db import Database
from portal.email.backends import Attachment
from portal.email.catalog import MESSAGES
from portal.models import ExportJob

# Zipped exports stay in memory up to this size, then spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


class AttachmentUnavailable(Exception):
    """The file to attach no longer exists (the export was deleted): the message fails."""


async def attachments_for(
    database: Database, template: str, context: dict[str, Any]
) -> list[Attachment]:
    """The attachments of one outbox message (none for most templates)."""
    kind = MESSAGES[template].attachment
    if kind is None:
        return []
    if kind == "export":
        return [await zipped_export(database, uuid.UUID(str(context["export_job_id"])))]
    raise ValueError(f"unknown attachment kind {kind!r}")


async def zipped_export(database: Database, job_id: uuid.UUID) -> Attachment:
    """The export job's CSV, streamed chunk by chunk into a deflated zip."""
    from portal.services.exports import export_stream

    session = database.new_session()
    try:
        job = await session.get(ExportJob, job_id)
        if job is None:
            raise AttachmentUnavailable(f"export {job_id} no longer exists")
        name = f"{job.kind}-{job.created_at:%Y%m%d-%H%M}"
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            with (
                zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive,
                archive.open(f"{name}.csv", "w") as member,
            ):
                async for chunk in export_stream(session, job):
                    member.write(chunk)
            spool.seek(0)
            data = spool.read()
    finally:
        await session.rollback()
        await session.close()
    return Attachment(f"{name}.zip", "application", "zip", data)
