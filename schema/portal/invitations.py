"""Accepting an invitation and asking for a new one (customer API)."""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry

from identity import invitations
from portal.services.portal_settings import load_portal_settings
from schema.common.context import CUSTOMER_COOKIE
from schema.common.cookies import no_store, set_session_cookie
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    INVITATION_ERROR_CODES,
    PAYLOAD_ERRORS,
    NewPassword,
    SetupToken,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import WritesAllowed
from schema.portal.types import AcceptedPayload
from schema.portal.viewer import ViewerWithContact, viewer_of

InvitationErrorCodeEnum = strawberry.enum(
    invitations.InvitationErrorCode,
    name="InvitationErrorCode",
    description="Why accepting an invitation was refused.",
)
describe_values(invitations.InvitationErrorCode, INVITATION_ERROR_CODES)


@strawberry.type(description="A problem with acceptInvitation.")
class AcceptInvitationError(ErrorFields):
    codes: ClassVar = invitations.InvitationErrorCode
    code: invitations.InvitationErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="Result of acceptInvitation: the customer is logged in.")
class AcceptInvitationPayload:
    viewer: ViewerWithContact | None = strawberry.field(
        default=None,
        description="The customer, now logged in; null when `errors` is not empty.",
    )
    token: str | None = strawberry.field(
        default=None, description="Bearer token of the new session."
    )
    errors: list[AcceptInvitationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class InvitationMutation:
    @strawberry.mutation(
        description="Set the password with the setup link (single use, 30 days), activate the "
        "account and log in. The email address cannot be changed here.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def accept_invitation(
        self,
        info: Info,
        token: SetupToken,
        password: NewPassword,
    ) -> AcceptInvitationPayload:
        ctx = info.context
        no_store(ctx)
        logged_in = await invitations.accept_invitation(
            ctx.session, ctx.identity, token, password,
            ip_address=ctx.client_ip, user_agent=ctx.user_agent,
        )  # fmt: skip
        set_session_cookie(
            ctx, CUSTOMER_COOKIE, logged_in.started.token,
            ctx.identity.customer_sessions.lifetime, "/",
        )  # fmt: skip
        ctx.forget_customer()
        return AcceptInvitationPayload(
            viewer=viewer_of(logged_in.user), token=logged_in.started.token
        )

    @strawberry.mutation(
        description="Ask for a new setup link when the old one expired. Same answer for every "
        "address; staff are notified or a new link is sent, per portal settings.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def request_new_invitation(
        self,
        info: Info,
        email: Annotated[
            str, strawberry.argument(description="The email the invitation was sent to.")
        ],
    ) -> AcceptedPayload:
        ctx = info.context
        no_store(ctx)
        settings = await load_portal_settings(ctx.session, ctx.settings)
        await invitations.request_new_invitation(
            ctx.session, ctx.identity, settings, email, ctx.throttle, ctx.client_ip
        )
        return AcceptedPayload(accepted=True)
