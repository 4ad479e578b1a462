"""CSV exports in the staff API: each returns a short-lived download link."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

import strawberry

from identity.downloads import download_link
from identity.permissions import StaffPermission
from portal.models import ExportJob
from portal.services.csv_export import CsvDialect
from portal.services.exports import ExportDelivery, ExportErrorCode, ExportKind, request_export
from schema.admin.contacts.queries import ContactFilterInput
from schema.common.context import RequestContext
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import HasPermission

ExportErrorCodeEnum = strawberry.enum(ExportErrorCode, name="ExportErrorCode")


class PortalUserColumn(StrEnum):
    """A column of the portal users CSV (portal.services.csv_columns.PORTAL_USER_COLUMNS)."""

    EMAIL = "email"
    REGISTRATION_STATUS = "registration_status"
    MAPPING_STATUS = "mapping_status"
    CUSTOMER_NUMBER = "customer_number"
    CONTACT_NAME = "contact_name"
    CREATED_AT = "created_at"
    LAST_LOGIN_AT = "last_login_at"


PortalUserColumnEnum = strawberry.enum(
    PortalUserColumn, name="PortalUserColumn", description="A column of the portal users CSV."
)
ExportDeliveryEnum = strawberry.enum(
    ExportDelivery,
    name="ExportDelivery",
    description="AUTO: a download link, or a zipped file emailed to you when more rows match "
    "than the configured threshold (PORTAL_EXPORT_EMAIL_THRESHOLD, default 50,000).",
)


@strawberry.type(description="A problem with an export request.")
class ExportError(ErrorFields):
    codes: ClassVar = ExportErrorCode
    code: ExportErrorCode
    field: str | None
    message: str


@strawberry.input(description="How the CSV is written.")
class CsvOptionsInput:
    delimiter: str = strawberry.field(default=",", description="',' or ';' (German Excel).")
    language: str = strawberry.field(default="en", description="Header language: de or en.")
    bom: bool = strawberry.field(default=True, description="UTF-8 byte order mark for Excel.")

    def to_dialect(self) -> CsvDialect:
        return CsvDialect(delimiter=self.delimiter, bom=self.bom, language=self.language)


@strawberry.type(description="Result of an export request.")
class ExportPayload:
    download_url: str | None = strawberry.field(
        default=None, description="Path on this API; GET it within 10 minutes (no login needed)."
    )
    expires_at: datetime | None = None
    emailed_to: str | None = strawberry.field(
        default=None, description="Set when the export is sent as a zipped CSV by email instead."
    )
    errors: list[ExportError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        description="Export contacts (with the contacts filters; active and inactive ones unless "
        "the filter narrows it) as CSV with every column the import reads: streamed, UTF-8 with "
        "BOM by default, formula cells neutralised. delivery EMAIL mails the zipped file to you "
        "at any size.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
        extensions=[Atomic()],
    )
    async def export_contacts(
        self,
        info: Info,
        filter: ContactFilterInput | None = None,
        options: CsvOptionsInput | None = None,
        delivery: ExportDelivery = ExportDelivery.AUTO,
    ) -> ExportPayload:
        ctx = info.context
        job = await request_export(
            ctx.session, await ctx.staff_actor(), ExportKind.CONTACTS,
            filter=(filter or ContactFilterInput()).to_filter(inactive_by_default=True),
            dialect=(options or CsvOptionsInput()).to_dialect(), delivery=delivery,
            email_threshold=ctx.settings.export_email_threshold,
        )  # fmt: skip
        return await _payload(ctx, job)

    @strawberry.mutation(
        description="Export portal users as CSV (email, statuses, customer number, contact, "
        "created, last login), with the columns chosen.",
        permission_classes=[HasPermission(StaffPermission.PORTAL_USERS_READ)],
        extensions=[Atomic()],
    )
    async def export_portal_users(
        self,
        info: Info,
        options: CsvOptionsInput | None = None,
        delivery: ExportDelivery = ExportDelivery.AUTO,
        columns: Annotated[
            list[PortalUserColumn] | None,
            strawberry.argument(
                description="The columns, in this order (the table as the staff member "
                "arranged it); all by default. Each at most once (INVALID_COLUMNS otherwise)."
            ),
        ] = None,
    ) -> ExportPayload:
        ctx = info.context
        job = await request_export(
            ctx.session, await ctx.staff_actor(), ExportKind.PORTAL_USERS,
            dialect=(options or CsvOptionsInput()).to_dialect(), delivery=delivery,
            email_threshold=ctx.settings.export_email_threshold,
            columns=[c.value for c in columns] if columns is not None else None,
        )  # fmt: skip
        return await _payload(ctx, job)


async def _payload(ctx: RequestContext, job: ExportJob) -> ExportPayload:
    if job.delivery == ExportDelivery.DOWNLOAD:
        url = download_link(ctx.identity.tokens, job.id)
        return ExportPayload(download_url=url, expires_at=job.expires_at)
    return ExportPayload(emailed_to=(await ctx.require_staff()).user.email)
