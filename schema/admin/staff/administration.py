"""Staff administration in the staff API: admins (``staff:manage``) list, invite, re-role,
deactivate, reactivate and delete staff; invited members accept with their setup link."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity import staff_admin as service
from identity import staff_invitations as invitations
from identity.permissions import StaffPermission, StaffRole
from identity.staff_invitations import StaffInvitationRequest
from identity.states import StaffState
from portal.email.outbox import Formality
from portal.errors import InvalidInput
from portal.models import StaffUser
from schema.admin.staff.types import StaffAdminError, StaffUserNode
from schema.common.cookies import no_store
from schema.common.descriptions import PAYLOAD_ERRORS, After, NewPassword, PageSize, SetupToken
from schema.common.errors import Atomic, bad_user_input
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

MANAGE = [HasPermission(StaffPermission.STAFF_MANAGE)]

StaffUserId = Annotated[
    strawberry.ID,
    strawberry.argument(description="Global id (`StaffUser.id`) of the staff member."),
]


@strawberry.input(description="Who to invite to the staff console, and in which role.")
class InviteStaffUserInput:
    email: str = strawberry.field(description="Their login email; the setup link goes there.")
    role: StaffRole = strawberry.field(description="The role they get.")
    display_name: str = strawberry.field(
        default="",
        description="Name shown in the console and audit log, at most 200 characters "
        "(default: from the email).",
    )
    language: str = strawberry.field(
        default="de", description=("Language of their emails: de or en.")
    )
    formality: Formality = strawberry.field(
        default=Formality.FORMAL, description="Form of address in German emails."
    )


@strawberry.type(description="Result of a staff administration mutation.")
class StaffUserPayload:
    staff_user: StaffUserNode | None = strawberry.field(
        default=None,
        description="The staff member after the change; null when `errors` is not empty.",
    )
    errors: list[StaffAdminError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of deleteStaffUser.")
class DeleteStaffUserPayload:
    deleted_staff_user_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the deleted staff member; null when `errors` is not empty.",
    )
    errors: list[StaffAdminError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of acceptStaffInvitation.")
class AcceptStaffInvitationPayload:
    staff_user: StaffUserNode | None = strawberry.field(
        default=None, description="The account, ready to log in with the new password."
    )
    errors: list[StaffAdminError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


async def _target(info: Info, id: strawberry.ID) -> StaffUser:
    return await service.get_staff(info.context.session, from_global_id("StaffUser", id))


@strawberry.type
class StaffAdministrationQuery:
    @strawberry.field(
        description="Staff accounts ordered by email, filtered by role and state.",
        permission_classes=MANAGE,
    )
    async def staff_users(
        self,
        info: Info,
        role: Annotated[
            StaffRole | None, strawberry.argument(description="Only staff with this role.")
        ] = None,
        state: Annotated[
            StaffState | None, strawberry.argument(description="Only staff in this state.")
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[StaffUserNode]:
        try:
            page = await service.list_staff(
                info.context.session, role=role, state=state, first=first, after=after
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, StaffUserNode.from_row)

    @strawberry.field(
        description="A staff account by global id; null when there is none.",
        permission_classes=MANAGE,
    )
    async def staff_user(self, info: Info, id: StaffUserId) -> StaffUserNode | None:
        staff_id = from_global_id("StaffUser", id)
        row = await info.context.session.get(StaffUser, staff_id) if staff_id else None
        return StaffUserNode.from_row(row) if row is not None else None


@strawberry.type
class StaffAdministrationMutation:
    @strawberry.mutation(
        description="Create a staff account without a password and email its owner a "
        "single-use setup link valid 7 days; they choose their own password. Audited.",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def invite_staff_user(
        self,
        info: Info,
        input: Annotated[
            InviteStaffUserInput, strawberry.argument(description="Who to invite, and how.")
        ],
    ) -> StaffUserPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        request = StaffInvitationRequest(
            email=input.email,
            role=input.role,
            display_name=input.display_name,
            language=input.language,
            formality=input.formality,
        )
        staff = await invitations.invite_staff(
            ctx.session, ctx.identity, principal.user, request, await ctx.staff_actor()
        )
        return StaffUserPayload(staff_user=StaffUserNode.from_row(staff))

    @strawberry.mutation(
        description="Send an invited member a new setup link (earlier links stop working). "
        "NOT_INVITED once they have set up the account.",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def resend_staff_invitation(self, info: Info, id: StaffUserId) -> StaffUserPayload:
        ctx = info.context
        staff = await _target(info, id)
        principal = await ctx.require_staff()
        await invitations.resend_staff_invitation(
            ctx.session, ctx.identity, principal.user, staff, await ctx.staff_actor()
        )
        return StaffUserPayload(staff_user=StaffUserNode.from_row(staff))

    @strawberry.mutation(
        description="Give a staff member another role; they are emailed. LAST_ADMIN when it "
        "would leave no active admin (also for yourself). Audited.",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def change_staff_user_role(
        self,
        info: Info,
        id: StaffUserId,
        role: Annotated[StaffRole, strawberry.argument(description="The new role.")],
    ) -> StaffUserPayload:
        staff = await _target(info, id)
        await service.change_staff_role(
            info.context.session, staff, role, await info.context.staff_actor()
        )
        return StaffUserPayload(staff_user=StaffUserNode.from_row(staff))

    @strawberry.mutation(
        description="Block a staff member at once: their sessions, impersonations and setup "
        "links end, and they are emailed. Not yourself (NOT_ALLOWED_ON_SELF), never the last "
        "active admin (LAST_ADMIN). Audited.",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def deactivate_staff_user(self, info: Info, id: StaffUserId) -> StaffUserPayload:
        ctx = info.context
        staff = await _target(info, id)
        principal = await ctx.require_staff()
        await service.deactivate_staff(ctx.session, staff, principal.user, await ctx.staff_actor())
        return StaffUserPayload(staff_user=StaffUserNode.from_row(staff))

    @strawberry.mutation(
        description="Let a deactivated staff member log in again (old sessions stay ended).",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def reactivate_staff_user(self, info: Info, id: StaffUserId) -> StaffUserPayload:
        staff = await _target(info, id)
        await service.reactivate_staff(
            info.context.session, staff, await info.context.staff_actor()
        )
        return StaffUserPayload(staff_user=StaffUserNode.from_row(staff))

    @strawberry.mutation(
        description="Delete a staff account. Audit entries keep the actor's name; their "
        "import tokens are revoked with it. Not yourself, never the last active admin.",
        permission_classes=MANAGE,
        extensions=[Atomic()],
    )
    async def delete_staff_user(self, info: Info, id: StaffUserId) -> DeleteStaffUserPayload:
        ctx = info.context
        staff = await _target(info, id)
        principal = await ctx.require_staff()
        await service.delete_staff(ctx.session, staff, principal.user, await ctx.staff_actor())
        return DeleteStaffUserPayload(deleted_staff_user_id=id)

    @strawberry.mutation(
        description="Set your password with the setup link from your invitation (single use, "
        "7 days). Then log in with staffLogIn. INVALID_TOKEN also when the admin who invited "
        "you has been deactivated since.",
        extensions=[Atomic()],
    )
    async def accept_staff_invitation(
        self,
        info: Info,
        token: SetupToken,
        password: NewPassword,
    ) -> AcceptStaffInvitationPayload:
        ctx = info.context
        no_store(ctx)
        staff = await invitations.accept_staff_invitation(
            ctx.session, ctx.identity, token, password
        )
        return AcceptStaffInvitationPayload(staff_user=StaffUserNode.from_row(staff))
