"""Portal user mutations of the staff API."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity import portal_users as service
from identity.permissions import StaffPermission
from portal.models import PortalUser
from schema.admin.contacts.inputs import CreateContactInput
from schema.admin.contacts.types import ContactNode
from schema.admin.portal_users.types import PortalUserError, PortalUserNode
from schema.common.descriptions import PAYLOAD_ERRORS, PortalUserId
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.PORTAL_USERS_WRITE)]


@strawberry.type(description="Result of a portal user mutation.")
class PortalUserPayload:
    portal_user: PortalUserNode | None = strawberry.field(
        default=None,
        description="The portal user after the change; null when `errors` is not empty.",
    )
    errors: list[PortalUserError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of createContactForPortalUser.")
class CreateContactForPortalUserPayload:
    portal_user: PortalUserNode | None = strawberry.field(
        default=None,
        description="The portal user, now linked; null when `errors` is not empty.",
    )
    contact: ContactNode | None = strawberry.field(
        default=None, description="The new contact; null when `errors` is not empty."
    )
    errors: list[PortalUserError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of deletePortalUser.")
class DeletePortalUserPayload:
    deleted_portal_user_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the deleted portal user; null when `errors` is not empty.",
    )
    errors: list[PortalUserError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


async def _user(info: Info, portal_user_id: strawberry.ID) -> PortalUser:
    return await service.get_portal_user(
        info.context.session, from_global_id("PortalUser", portal_user_id)
    )


def _payload(user: PortalUser) -> PortalUserPayload:
    return PortalUserPayload(portal_user=PortalUserNode.from_row(user))


@strawberry.type
class PortalUserMutation:
    @strawberry.mutation(
        description="Link a pending portal user to a contact (only when none is assigned). "
        "The customer is emailed that the account is ready.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def assign_portal_user(
        self,
        info: Info,
        portal_user_id: PortalUserId,
        contact_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Global id (`Contact.id`) of the contact to link; it must be "
                "active and have no portal user."
            ),
        ],
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.assign_portal_user(
            info.context.session, info.context.identity, user,
            from_global_id("Contact", contact_id), await info.context.staff_actor(),
        )  # fmt: skip
        return _payload(user)

    @strawberry.mutation(
        description="Create a contact from the input and link the pending portal user to it.",
        permission_classes=[*WRITE, HasPermission(StaffPermission.CONTACTS_WRITE)],
        extensions=[Atomic()],
    )
    async def create_contact_for_portal_user(
        self,
        info: Info,
        portal_user_id: PortalUserId,
        input: Annotated[
            CreateContactInput, strawberry.argument(description="The new contact's fields.")
        ],
    ) -> CreateContactForPortalUserPayload:
        ctx = info.context
        user = await _user(info, portal_user_id)
        contact = await service.assign_new_contact(
            ctx.session, ctx.identity, user, input.given(), await ctx.staff_actor()
        )
        return CreateContactForPortalUserPayload(
            portal_user=PortalUserNode.from_row(user), contact=ContactNode.from_row(contact)
        )

    @strawberry.mutation(
        description="Remove the contact link; the user is pending again and logged out.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def unassign_portal_user(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.unassign_portal_user(
            info.context.session, user, await info.context.staff_actor()
        )
        return _payload(user)

    @strawberry.mutation(
        description="Send a new activation email to a user who has not activated yet.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def resend_activation_email(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.resend_activation_email(
            info.context.session, info.context.identity, user, await info.context.staff_actor()
        )
        return _payload(user)

    @strawberry.mutation(
        description="Email the user a password-reset link (for active users too): the customer "
        "chooses the new password, staff never learn it. Any older reset link stops working. "
        "SUSPENDED for suspended users, NOT_ACTIVATED for users who never activated.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def send_password_reset_link(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.send_password_reset_link(
            info.context.session, info.context.identity, user, await info.context.staff_actor()
        )
        return _payload(user)

    @strawberry.mutation(
        description="Activate a user without the email link ('Freischalten'). The address "
        "stays unproven, so a user without a contact is not matched by it: it waits with "
        "EMAIL_NOT_PROVEN until staff assign a contact.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def activate_portal_user_manually(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        ctx = info.context
        user = await _user(info, portal_user_id)
        await service.activate_manually(ctx.session, user, await ctx.staff_actor())
        return _payload(user)

    @strawberry.mutation(
        description="Block login and end every session of the user at once. Data is kept.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def suspend_portal_user(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.suspend_portal_user(
            info.context.session, user, await info.context.staff_actor()
        )
        return _payload(user)

    @strawberry.mutation(
        description="Allow a suspended user to log in again (old sessions stay ended).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def reactivate_portal_user(
        self, info: Info, portal_user_id: PortalUserId
    ) -> PortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.reactivate_portal_user(
            info.context.session, user, await info.context.staff_actor()
        )
        return _payload(user)

    @strawberry.mutation(
        description="Delete the portal user (the login). The contact stays.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def delete_portal_user(
        self, info: Info, portal_user_id: PortalUserId
    ) -> DeletePortalUserPayload:
        user = await _user(info, portal_user_id)
        await service.delete_portal_user(
            info.context.session, user, await info.context.staff_actor()
        )
        return DeletePortalUserPayload(deleted_portal_user_id=portal_user_id)
