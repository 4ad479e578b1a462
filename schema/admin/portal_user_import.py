"""Portal users imported from a CSV: people to invite or to pre-register (staff API)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from identity.permissions import StaffPermission
from schema.admin.imports import BulkInvitationPayload, invite_from_upload
from schema.common.descriptions import describe_values
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import HasPermission


class PortalUserImportMode(StrEnum):
    """What an imported row becomes."""

    INVITE = "INVITE"  # the invitation (30-day setup link) is emailed at once
    PRE_REGISTER = "PRE_REGISTER"  # portal user and invitation made; staff send it later


PortalUserImportModeEnum = strawberry.enum(
    PortalUserImportMode,
    name="PortalUserImportMode",
    description="INVITE emails each row's invitation at once; PRE_REGISTER prepares the "
    "portal user and the invitation without sending anything (resendInvitation sends it).",
)
describe_values(
    PortalUserImportMode,
    {
        "INVITE": "Email each row's invitation (30-day setup link) at once.",
        "PRE_REGISTER": "Prepare portal user and invitation; send nothing yet.",
    },
)


@strawberry.type
class PortalUserImportMutation:
    @strawberry.mutation(
        description="Import portal users from a CSV of people to invite or pre-register: rows "
        "are matched to contacts as inviteContactsFromCsv matches them (UUID, else customer "
        "number, else email); a row whose email belongs to no contact and that has a name "
        "(Vorname/Nachname/Firma, First name/Last name/Company) creates the contact. Every row "
        "with a filled cell gets a result (INVITED or PRE_REGISTERED, with 'Contact created.' "
        "when it made the contact); dryRun answers the same and writes and sends nothing.",
        permission_classes=[
            HasPermission(StaffPermission.PORTAL_USERS_WRITE),
            HasPermission(StaffPermission.CONTACTS_IMPORT),
        ],
        extensions=[Atomic()],
    )
    async def import_portal_users(
        self,
        info: Info,
        file: Annotated[
            Upload,
            strawberry.argument(description="The CSV file (multipart upload), at most 50 MiB."),
        ],
        mode: Annotated[
            PortalUserImportMode, strawberry.argument(description="What each row becomes.")
        ] = PortalUserImportMode.INVITE,
        dry_run: Annotated[
            bool,
            strawberry.argument(description="Report what would happen; write and send nothing."),
        ] = False,
    ) -> BulkInvitationPayload:
        return await invite_from_upload(
            info,
            file,
            dry_run=dry_run,
            send_email=mode is PortalUserImportMode.INVITE,
            create_contacts=True,
        )
