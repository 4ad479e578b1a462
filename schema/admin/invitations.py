"""Invitations, direct passwords and contact access in the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import strawberry

from identity import contact_access as access
from identity import invitations as service
from identity.invitation_list import list_invitations
from identity.permissions import StaffPermission
from identity.portal_users import (
    PortalUserErrorCode,
    reactivate_portal_user,
    suspend_portal_user,
)
from portal.errors import InvalidInput
from portal.models import Contact, Invitation
from portal.models.base import session_now
from portal.services.contacts import require_contact
from portal.services.portal_settings import load_portal_settings
from schema.admin.email import EmailPreview
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    INVITATION_ERROR_CODES,
    PAYLOAD_ERRORS,
    PORTAL_USER_ERROR_CODES,
    After,
    ContactId,
    PageSize,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields, bad_user_input, error_codes
from schema.common.ids import filter_id, from_global_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

WRITE = [
    HasPermission(StaffPermission.PORTAL_USERS_WRITE),
    HasPermission(StaffPermission.CONTACTS_READ),
]

# Suspending and reactivating a contact's access suspend and reactivate its portal user.
InvitationErrorCodeEnum = error_codes(
    "InvitationErrorCode",
    service.InvitationErrorCode,
    PortalUserErrorCode.ALREADY_SUSPENDED,
    PortalUserErrorCode.NOT_SUSPENDED,
    description="Why an invitation or access mutation was refused.",
)
describe_values(InvitationErrorCodeEnum, INVITATION_ERROR_CODES, PORTAL_USER_ERROR_CODES)
InvitationStatusEnum = strawberry.enum(
    service.InvitationStatus, name="InvitationStatus", description="Where an invitation stands."
)
describe_values(
    service.InvitationStatus,
    {
        "PENDING": "Open: the setup link works until `expiresAt`.",
        "EXPIRED": "Not used before `expiresAt`.",
        "ACCEPTED": "The customer set a password with it.",
        "REVOKED": "Voided by staff, a newer invitation, a suspension or a password set by "
        "staff (see `revokedReason`).",
    },
)
RevokedReasonEnum = strawberry.enum(
    service.RevokedReason, name="RevokedReason", description="Why an invitation was voided."
)
describe_values(
    service.RevokedReason,
    {
        "STAFF": "Staff revoked it (`revokeInvitation`).",
        "REPLACED": "A newer invitation replaced it.",
        "SUSPENDED": "The customer's access was suspended.",
        "PASSWORD_SET": "Staff set a password for the customer instead.",
    },
)
InvitationId = Annotated[
    strawberry.ID,
    strawberry.argument(description="Global id (`Invitation.id`) of the invitation."),
]


@strawberry.type(description="A problem with an invitation or access mutation.")
class InvitationError(ErrorFields):
    codes: ClassVar = InvitationErrorCodeEnum
    code: InvitationErrorCodeEnum = strawberry.field(description=ERROR_CODE)  # type: ignore[valid-type]
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="Invitation", description="A setup link sent to a staff-created customer.")
class InvitationNode(Node):
    contact_id: strawberry.ID = strawberry.field(
        description="Global id (`Contact.id`) of the invited contact."
    )
    email: str = strawberry.field(description="Login email of the invited portal user.")
    status: service.InvitationStatus = strawberry.field(
        description="Where the invitation stands now (derived from the dates below)."
    )
    created_at: datetime = strawberry.field(description="When it was issued.")
    expires_at: datetime = strawberry.field(
        description="When the setup link stops working (30 days after issue by default)."
    )
    accepted_at: datetime | None = strawberry.field(
        description="When the customer set a password with it; null until then."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was voided; null unless revoked."
    )
    revoked_reason: service.RevokedReason | None = strawberry.field(
        description="Why it was voided; null unless revoked."
    )
    emailed_at: datetime | None = strawberry.field(
        description="When the invitation email was queued; null when it was never sent (staff "
        "passed the link on themselves, or pre-registered)."
    )
    created_by: str = strawberry.field(
        description="Display name (or email) of the staff member who issued it."
    )

    @classmethod
    def from_row(cls, row: Invitation, email: str, now: datetime) -> InvitationNode:
        return cls(
            id=to_global_id("Invitation", row.id),
            contact_id=to_global_id("Contact", row.contact_id),
            email=email,
            status=service.status_of(row, now),
            created_at=row.created_at,
            expires_at=row.expires_at,
            accepted_at=row.accepted_at,
            revoked_at=row.revoked_at,
            revoked_reason=service.RevokedReason(row.revoked_reason)
            if row.revoked_reason
            else None,
            emailed_at=row.emailed_at,
            created_by=row.created_by,
        )


@strawberry.type(description="Result of inviteContact and resendInvitation.")
class InvitePayload:
    invitation: InvitationNode | None = strawberry.field(
        default=None, description="The new invitation; null when `errors` is not empty."
    )
    setup_url: str | None = strawberry.field(
        default=None, description="The one-time setup link (valid 30 days by default)."
    )
    errors: list[InvitationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of revokeInvitation, access and password mutations.")
class AccessPayload:
    ok: bool = strawberry.field(default=False, description="True when the change was made.")
    generated_password: str | None = strawberry.field(
        default=None, description="setPortalUserPassword with generate: shown this once."
    )
    errors: list[InvitationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


async def _invite(info: Info, contact: Contact, send_email: bool) -> InvitePayload:
    ctx = info.context
    staff = await ctx.require_staff()
    issued = await access.invite_contact_by_staff(
        ctx.session, ctx.identity, await load_portal_settings(ctx.session, ctx.settings), contact,
        send_email=send_email, staff_name=staff.user.display_name or staff.user.email,
        actor=await ctx.staff_actor(),
    )  # fmt: skip
    return InvitePayload(
        invitation=InvitationNode.from_row(
            issued.invitation, issued.portal_user.email, session_now(ctx.session)
        ),
        setup_url=issued.setup_url,
    )


@strawberry.type
class InvitationQuery:
    @strawberry.field(
        description="Invitations, newest first, optionally by status or contact.",
        permission_classes=[HasPermission(StaffPermission.PORTAL_USERS_READ)],
    )
    async def invitations(
        self,
        info: Info,
        status: Annotated[
            service.InvitationStatus | None,
            strawberry.argument(description="Only invitations in this state."),
        ] = None,
        contact_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only invitations of this contact (`Contact.id`)."),
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[InvitationNode]:
        ctx = info.context
        try:
            page = await list_invitations(
                ctx.session,
                status=status,
                contact_id=filter_id("Contact", contact_id),
                first=first,
                after=after,
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        now = session_now(ctx.session)
        return Connection.from_page(
            page, lambda row: InvitationNode.from_row(row, page.related[row.id].email, now)
        )

    @strawberry.field(
        description="Render the invitation for a contact without sending (contact's language "
        "and form of address, staff overrides applied).",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
    )
    async def preview_invitation(self, info: Info, contact_id: ContactId) -> EmailPreview | None:
        ctx = info.context
        uuid_ = from_global_id("Contact", contact_id)
        contact = await ctx.session.get(Contact, uuid_) if uuid_ else None
        if contact is None:
            return None
        rendered = await service.render_invitation_preview(
            ctx.session,
            ctx.identity,
            ctx.email_renderer,
            await load_portal_settings(ctx.session, ctx.settings),
            contact,
        )
        return EmailPreview(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            to_address=contact.email,
        )


@strawberry.type
class InvitationMutation:
    @strawberry.mutation(
        description="Create (or reuse) the contact's portal user, already linked, and return a "
        "setup URL valid 30 days; with sendEmail the invitation goes out in the contact's "
        "language and form of address. Earlier links stop working.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def invite_contact(
        self,
        info: Info,
        contact_id: ContactId,
        send_email: Annotated[
            bool,
            strawberry.argument(
                description="Email the invitation; false only returns `setupUrl` for staff to "
                "pass on."
            ),
        ],
    ) -> InvitePayload:
        contact = await require_contact(
            info.context.session, from_global_id("Contact", contact_id), "contact_id"
        )
        return await _invite(info, contact, send_email)

    @strawberry.mutation(
        description="Send a fresh invitation (the old link stops working).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def resend_invitation(self, info: Info, invitation_id: InvitationId) -> InvitePayload:
        contact = await access.contact_of_invitation(
            info.context.session, from_global_id("Invitation", invitation_id)
        )
        return await _invite(info, contact, True)

    @strawberry.mutation(
        description="Void an open invitation.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def revoke_invitation(self, info: Info, invitation_id: InvitationId) -> AccessPayload:
        ctx = info.context
        await access.revoke_invitation(
            ctx.session, from_global_id("Invitation", invitation_id), await ctx.staff_actor()
        )
        return AccessPayload(ok=True)

    @strawberry.mutation(
        description="Instead of an invitation: set the customer's password directly, or have "
        "one generated (returned once). Activates the account; open invitations end. Staff "
        "never hold a customer's credential: for a contact who has or had a login of its own "
        "this needs portal_users:set_credentials (administrators; CUSTOMER_HAS_LOGIN "
        "otherwise). The customer is emailed, the act audited, and sessions opened with the "
        "password are marked staff-created until the customer chooses their own.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def set_portal_user_password(
        self,
        info: Info,
        contact_id: ContactId,
        password: Annotated[
            str | None,
            strawberry.argument(
                description="The password to set: 10 to 1024 characters, not a common one; "
                "null generates one, as `generate: true` does."
            ),
        ] = None,
        generate: Annotated[
            bool,
            strawberry.argument(
                description="Generate a strong password (ignoring `password`) and return it "
                "once in `generatedPassword`."
            ),
        ] = False,
    ) -> AccessPayload:
        ctx = info.context
        staff = await ctx.require_staff()
        contact = await require_contact(
            ctx.session, from_global_id("Contact", contact_id), "contact_id"
        )
        done = await access.set_password_by_staff(
            ctx.session,
            ctx.identity,
            await load_portal_settings(ctx.session, ctx.settings),
            contact,
            password,
            generate=generate,
            may_replace_credentials=staff.can(StaffPermission.PORTAL_USERS_SET_CREDENTIALS),
            actor=await ctx.staff_actor(),
        )
        return AccessPayload(ok=True, generated_password=done.generated_password)

    @strawberry.mutation(
        description="Block the contact's portal login and end every session and open "
        "invitation; all data is kept.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def suspend_contact_access(self, info: Info, contact_id: ContactId) -> AccessPayload:
        user = await access.portal_user_of_contact(
            info.context.session, from_global_id("Contact", contact_id)
        )
        await suspend_portal_user(info.context.session, user, await info.context.staff_actor())
        return AccessPayload(ok=True)

    @strawberry.mutation(
        description="Allow the contact to log in again (old sessions stay ended).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def reactivate_contact_access(self, info: Info, contact_id: ContactId) -> AccessPayload:
        user = await access.portal_user_of_contact(
            info.context.session, from_global_id("Contact", contact_id)
        )
        await reactivate_portal_user(info.context.session, user, await info.context.staff_actor())
        return AccessPayload(ok=True)
