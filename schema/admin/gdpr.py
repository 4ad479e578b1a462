"""GDPR requests in the staff API: access (export) and erasure."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from identity.permissions import StaffPermission
from portal.services import audit
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts import require_contact
from portal.services.gdpr import erase, personal_data
from schema.common.contacts import ContactError
from schema.common.descriptions import PAYLOAD_ERRORS, ContactId
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission


@strawberry.type(description="Result of eraseContact.")
class EraseContactPayload:
    erased_contact_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the erased contact (to drop it from client caches); null "
        "when `errors` is not empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of exportPersonalData.")
class PersonalDataPayload:
    data: JSON | None = strawberry.field(
        default=None,
        description="Everything stored about the person (contact and the contacts merged into "
        "it, portal user without secrets, waiting registrations under the person's addresses, "
        "sessions, invitations, history, consent, resources, emails, audit entries, support "
        "sessions), as one JSON document.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type
class GdprMutation:
    @strawberry.mutation(
        description="GDPR access request: the person's data as one JSON document. The read is "
        "audited.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
        extensions=[Atomic()],
    )
    async def export_personal_data(self, info: Info, contact_id: ContactId) -> PersonalDataPayload:
        ctx = info.context
        contact = await require_contact(
            ctx.session, from_global_id("Contact", contact_id), "contact_id"
        )
        document = await personal_data(ctx.session, contact)
        await audit.record(
            ctx.session,
            await ctx.staff_actor(),
            AuditAction.GDPR_EXPORT,
            subject_type=AuditSubject.CONTACT,
            subject_id=contact.id,
            contact_id=contact.id,
        )
        return PersonalDataPayload(data=cast(JSON, document))

    @strawberry.mutation(
        description="GDPR erasure: remove or anonymise the person's data everywhere (contact, "
        "history, consent, portal user, sessions, invitations, waiting registrations under the "
        "person's addresses, emails, export searches for them; audit entries, also those of "
        "merged contacts, keep only ids). Irreversible.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_DELETE)],
        extensions=[Atomic()],
    )
    async def erase_contact(self, info: Info, contact_id: ContactId) -> EraseContactPayload:
        ctx = info.context
        contact = await require_contact(
            ctx.session, from_global_id("Contact", contact_id), "contact_id"
        )
        await erase(ctx.session, contact, await ctx.staff_actor())
        return EraseContactPayload(erased_contact_id=contact_id)
