"""Staff login and logout."""

from __future__ import annotations

import strawberry

from identity.errors import StaffAuthErrorCode
from identity.sessions import revoke_session, start_staff_session
from identity.staff import authenticate_staff
from portal.errors import InvalidInput
from portal.normalization import MAX_EMAIL_LENGTH
from schema.admin.staff.types import StaffAuthError, StaffUserNode
from schema.common.context import STAFF_COOKIE
from schema.common.cookies import clear_session_cookie, set_session_cookie
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import IsStaff


@strawberry.type(description="Result of staffLogIn.")
class StaffLogInPayload:
    staff_user: StaffUserNode | None = strawberry.field(
        default=None, description="The logged-in staff user."
    )
    token: str | None = strawberry.field(
        default=None,
        description="Bearer token for non-browser clients (`Authorization: Bearer <token>`); "
        "browsers use the HttpOnly cookie set with the response.",
    )
    errors: list[StaffAuthError] = strawberry.field(default_factory=list)
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of staffLogOut.")
class StaffLogOutPayload:
    ok: bool = False
    errors: list[StaffAuthError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        description="Log in with email and password. Sets the session cookie and returns a "
        "bearer token. Wrong password, unknown email and deactivated accounts give the same "
        "INVALID_CREDENTIALS error.",
        extensions=[Atomic()],
    )
    async def staff_log_in(self, info: Info, email: str, password: str) -> StaffLogInPayload:
        ctx = info.context
        if len(email.strip()) > MAX_EMAIL_LENGTH:
            raise InvalidInput.single(
                StaffAuthErrorCode.INVALID_EMAIL,
                "email",
                f"An email address has at most {MAX_EMAIL_LENGTH} characters.",
            )
        staff = await authenticate_staff(
            ctx.session, ctx.identity, email, password, ctx.throttle, ctx.client_ip
        )
        if staff is None:
            # The failure itself is state (the lockout counter): keep it.
            return StaffLogInPayload(
                errors=[
                    StaffAuthError(
                        code=StaffAuthErrorCode.INVALID_CREDENTIALS,
                        field=None,
                        message="Email or password is wrong.",
                    )
                ],
                keep_writes=True,
            )
        policy = ctx.identity.staff_sessions
        started = await start_staff_session(
            ctx.session, staff, policy, ip_address=ctx.client_ip, user_agent=ctx.user_agent
        )
        set_session_cookie(ctx, STAFF_COOKIE, started.token, policy.lifetime, "/admin")
        return StaffLogInPayload(
            staff_user=StaffUserNode.from_row(staff),
            token=started.token,
        )

    @strawberry.mutation(
        description="End the current staff session (server-side) and clear the cookie.",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def staff_log_out(self, info: Info) -> StaffLogOutPayload:
        principal = await info.context.require_staff()
        assert principal.session is not None  # IsStaff: a login session, not an import token
        await revoke_session(info.context.session, principal.session)
        clear_session_cookie(info.context, STAFF_COOKIE, "/admin")
        return StaffLogOutPayload(ok=True)
