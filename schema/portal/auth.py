"""Customer login, logout and passwords."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity import customer_auth
from identity.errors import PortalAuthErrorCode
from identity.flows import flow_token_for_pending
from identity.passwords import reader_before_locking
from identity.sessions import CUSTOMER_SESSIONS, revoke_all_sessions
from portal.errors import InvalidInput
from portal.services.portal_settings import load_portal_settings
from schema.common.context import CUSTOMER_COOKIE, RequestContext
from schema.common.cookies import clear_session_cookie, set_session_cookie
from schema.common.descriptions import PAYLOAD_ERRORS, CurrentPassword, NewPassword
from schema.common.errors import Atomic, counted_failure
from schema.common.info import Info
from schema.common.permissions import IsCustomer, NotImpersonating, WritesAllowed
from schema.portal.types import AcceptedPayload, PortalAuthError, Viewer


@strawberry.type(description="Result of logIn.")
class LogInPayload:
    viewer: Viewer | None = strawberry.field(
        default=None, description="The customer now logged in; null when `errors` is not empty."
    )
    token: str | None = strawberry.field(
        default=None,
        description="Bearer token for non-browser clients; browsers use the HttpOnly cookie.",
    )
    flow_token: str | None = strawberry.field(
        default=None,
        description="With PENDING_CONTACT_ASSIGNMENT: a token for provideSecondIdentifier "
        "when a second identifier could still find the contact.",
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of logOut, logOutEverywhere.")
class LogOutPayload:
    ok: bool = strawberry.field(
        default=False, description="True when the session(s) ended and the cookie was cleared."
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of changePassword and resetPassword.")
class PasswordPayload:
    ok: bool = strawberry.field(default=False, description="True when the password changed.")
    token: str | None = strawberry.field(
        default=None, description="changePassword: the new session's bearer token."
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


def _start_cookie(ctx: RequestContext, token: str) -> None:
    set_session_cookie(ctx, CUSTOMER_COOKIE, token, ctx.identity.customer_sessions.lifetime, "/")


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Log in. Wrong password, unknown email, suspended or not activated accounts "
        "all give INVALID_CREDENTIALS. A right password without an assigned contact gives "
        "PENDING_CONTACT_ASSIGNMENT.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def log_in(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The login email (any case).")],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> LogInPayload:
        ctx = info.context
        try:
            logged_in = await customer_auth.log_in(
                ctx.session,
                ctx.identity,
                email,
                password,
                throttle=ctx.throttle,
                ip_address=ctx.client_ip,
                user_agent=ctx.user_agent,
            )
        except InvalidInput as failed:
            # The failure itself is state (the lockout counter): keep it.
            return LogInPayload(
                errors=[PortalAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=True,
            )
        except customer_auth.PendingContactAssignment as pending:
            flow_token = await flow_token_for_pending(
                ctx.session,
                ctx.identity,
                await load_portal_settings(ctx.session, ctx.settings),
                pending.user,
            )
            return LogInPayload(
                flow_token=flow_token,
                errors=[
                    PortalAuthError(
                        code=PortalAuthErrorCode.PENDING_CONTACT_ASSIGNMENT,
                        field=None,
                        message="Your account waits for a contact assignment.",
                    )
                ],
                keep_writes=True,
            )
        _start_cookie(ctx, logged_in.started.token)
        ctx.forget_customer()
        return LogInPayload(viewer=Viewer.from_row(logged_in.user), token=logged_in.started.token)

    @strawberry.mutation(
        description="End this session (server-side) and clear the cookie.",
        permission_classes=[IsCustomer],
        extensions=[Atomic()],
    )
    async def log_out(self, info: Info) -> LogOutPayload:
        principal = await info.context.require_customer()
        await customer_auth.log_out(
            info.context.session, principal, await info.context.customer_actor()
        )
        clear_session_cookie(info.context, CUSTOMER_COOKIE, "/")
        info.context.forget_customer()
        return LogOutPayload(ok=True)

    @strawberry.mutation(
        description="End every session of this account, on every device.",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def log_out_everywhere(self, info: Info) -> LogOutPayload:
        principal = await info.context.require_customer()
        await revoke_all_sessions(info.context.session, CUSTOMER_SESSIONS, principal.user.id)
        clear_session_cookie(info.context, CUSTOMER_COOKIE, "/")
        info.context.forget_customer()
        return LogOutPayload(ok=True)

    @strawberry.mutation(
        description="Email a password-reset link (valid 1 hour by default). The answer is the "
        "same whether or not the address has an account.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def request_password_reset(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The login email to reset.")],
    ) -> AcceptedPayload:
        ctx = info.context
        await customer_auth.request_password_reset(
            ctx.session, ctx.identity, email, ctx.throttle, ctx.client_ip
        )
        return AcceptedPayload(accepted=True)

    @strawberry.mutation(
        description="Set a new password with the emailed token. Ends every session; log in "
        "afterwards.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def reset_password(
        self,
        info: Info,
        token: Annotated[
            str, strawberry.argument(description="The token from the password-reset link.")
        ],
        new_password: NewPassword,
    ) -> PasswordPayload:
        ctx = info.context
        # Read without keeping a connection: the request hashes the new password next.
        async with reader_before_locking(ctx.session, ctx.database) as reader:
            portal_settings = await load_portal_settings(reader, ctx.settings)
        await customer_auth.reset_password(
            ctx.session, ctx.identity, portal_settings, token, new_password
        )
        return PasswordPayload(ok=True)

    @strawberry.mutation(
        description="Change the password. Every other session ends and this one is replaced "
        "by a new one (new cookie and token). A wrong current password counts against the "
        "account like a failed login; while the account is locked the answer is WRONG_PASSWORD.",
        permission_classes=[IsCustomer, NotImpersonating],
        extensions=[Atomic()],
    )
    async def change_password(
        self,
        info: Info,
        current_password: CurrentPassword,
        new_password: NewPassword,
    ) -> PasswordPayload:
        ctx = info.context
        principal = await ctx.require_customer()
        try:
            started = await customer_auth.change_password(
                ctx.session,
                ctx.identity,
                principal.user,
                current_password,
                new_password,
                throttle=ctx.throttle,
                ip_address=ctx.client_ip,
                user_agent=ctx.user_agent,
            )
        except InvalidInput as failed:
            return PasswordPayload(
                errors=[PortalAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=counted_failure(failed),
            )
        _start_cookie(ctx, started.token)
        ctx.forget_customer()
        return PasswordPayload(ok=True, token=started.token)
