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
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import HasPermission

ExportErrorCodeEnum = strawberry.enum(
    ExportErrorCode, name="ExportErrorCode", description="Why an export request was refused."
)
describe_values(
    ExportErrorCode,
    {
        "INVALID_DIALECT": "`options`: the delimiter is not ',' or ';', or the language not de "
        "or en.",
        "NO_EMAIL_RECIPIENT": "Delivery by email needs a staff user's session (an API key has "
        "no address).",
        "INVALID_COLUMNS": "A column was chosen more than once.",
    },
)


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
describe_values(
    ExportDelivery,
    {
        "AUTO": "A download link, or an email when more rows match than the threshold.",
        "DOWNLOAD": "Always a download link, whatever the size.",
        "EMAIL": "Always a zipped CSV emailed to the requesting staff member.",
    },
)
describe_values(
    PortalUserColumn,
    {
        "EMAIL": "The login email.",
        "REGISTRATION_STATUS": "The registration status (RegistrationStatus value).",
        "MAPPING_STATUS": "The mapping status (PENDING or ASSIGNED).",
        "CUSTOMER_NUMBER": "Customer number of the linked contact; empty while pending.",
        "CONTACT_NAME": "Name of the linked contact; empty while pending.",
        "CREATED_AT": "When the portal user was created.",
        "LAST_LOGIN_AT": "Time of the last login; empty if never.",
    },
)


@strawberry.type(description="A problem with an export request.")
class ExportError(ErrorFields):
    codes: ClassVar = ExportErrorCode
    code: ExportErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


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
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When `downloadUrl` stops working; null when the export is emailed.",
    )
    emailed_to: str | None = strawberry.field(
        default=None, description="Set when the export is sent as a zipped CSV by email instead."
    )
    errors: list[ExportError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


CsvOptions = Annotated[
    CsvOptionsInput | None,
    strawberry.argument(description="How the CSV is written; null: ',' English headers, BOM."),
]
Delivery = Annotated[
    ExportDelivery, strawberry.argument(description="How the file reaches the staff member.")
]


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
        filter: Annotated[
            ContactFilterInput | None,
            strawberry.argument(
                description="Which contacts, as in the contacts list (inactive ones included "
                "unless `active` or `includeInactive` says otherwise); null exports all."
            ),
        ] = None,
        options: CsvOptions = None,
        delivery: Delivery = ExportDelivery.AUTO,
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
        options: CsvOptions = None,
        delivery: Delivery = ExportDelivery.AUTO,
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
