"""Self-service on the customer's own account: email change, deletion."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity import self_service
from portal.errors import InvalidInput
from portal.services.portal_settings import load_portal_settings
from schema.common.context import CUSTOMER_COOKIE
from schema.common.cookies import clear_session_cookie
from schema.common.descriptions import PAYLOAD_ERRORS
from schema.common.errors import Atomic, counted_failure
from schema.common.info import Info
from schema.common.permissions import IsCustomer, NotImpersonating
from schema.portal.types import PortalAuthError, Viewer


@strawberry.type(description="Result of confirmEmailChange.")
class ConfirmEmailChangePayload:
    email: str | None = strawberry.field(default=None, description="The new login email.")
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of deleteMyAccount.")
class DeleteMyAccountPayload:
    deleted: bool = strawberry.field(
        default=False,
        description="True when the login was deleted and this session ended; the contact stays.",
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of requestEmailChange.")
class RequestEmailChangePayload:
    viewer: Viewer | None = strawberry.field(
        default=None,
        description="The customer, whose `registrationStatus` is EMAIL_UPDATE_IN_PROGRESS once "
        "a link was sent; null when `errors` is not empty.",
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Start changing the login email: a confirmation link goes to the new "
        "address, a notice to the current one. Needs the password, which counts against the "
        "account like a login (WRONG_PASSWORD while locked).",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def request_email_change(
        self,
        info: Info,
        new_email: Annotated[
            str,
            strawberry.argument(description="The new login email; at most 254 characters."),
        ],
        password: Annotated[
            str, strawberry.argument(description="The account's current password.")
        ],
    ) -> RequestEmailChangePayload:
        ctx = info.context
        principal = await ctx.require_customer()
        try:
            await self_service.request_email_change(
                ctx.session,
                ctx.identity,
                principal.user,
                new_email,
                password,
                throttle=ctx.throttle,
            )
        except InvalidInput as failed:
            return RequestEmailChangePayload(
                errors=[PortalAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=counted_failure(failed),
            )
        return RequestEmailChangePayload(viewer=Viewer.from_row(principal.user))

    @strawberry.mutation(
        description="Confirm the new email with the emailed link (single use). The contact's "
        "primary email follows.",
        permission_classes=[NotImpersonating],
        extensions=[Atomic()],
    )
    async def confirm_email_change(
        self,
        info: Info,
        token: Annotated[
            str, strawberry.argument(description="The token from the confirmation link.")
        ],
    ) -> ConfirmEmailChangePayload:
        ctx = info.context
        settings = await load_portal_settings(ctx.session, ctx.settings)
        user = await self_service.confirm_email_change(ctx.session, ctx.identity, settings, token)
        return ConfirmEmailChangePayload(email=user.email)

    @strawberry.mutation(
        description="Delete the portal account (the login). The business keeps the contact. "
        "The password counts against the account like a login (WRONG_PASSWORD while locked).",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def delete_my_account(
        self,
        info: Info,
        password: Annotated[
            str, strawberry.argument(description="The account's current password.")
        ],
    ) -> DeleteMyAccountPayload:
        ctx = info.context
        principal = await ctx.require_customer()
        try:
            await self_service.delete_my_account(
                ctx.session, ctx.identity, principal.user, password, throttle=ctx.throttle
            )
        except InvalidInput as failed:
            return DeleteMyAccountPayload(
                errors=[PortalAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=counted_failure(failed),
            )
        clear_session_cookie(ctx, CUSTOMER_COOKIE, "/")
        ctx.forget_customer()
        return DeleteMyAccountPayload(deleted=True)
