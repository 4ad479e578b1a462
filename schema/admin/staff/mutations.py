"""Staff login and logout."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity.errors import StaffAuthErrorCode
from identity.sessions import revoke_session, start_staff_session
from identity.staff import authenticate_staff
from identity.staff_login import complete_challenge, open_challenge
from portal.errors import InvalidInput
from portal.models import StaffUser
from portal.normalization import MAX_EMAIL_LENGTH
from schema.admin.staff.types import StaffAuthError, StaffUserNode
from schema.common.context import STAFF_COOKIE
from schema.common.cookies import clear_session_cookie, set_session_cookie
from schema.common.descriptions import PAYLOAD_ERRORS, describe_values
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import IsStaffSession


class StaffLogInStep(Enum):
    """Where a login stands after a staffLogIn or staffLogInSecondFactor call."""

    LOGGED_IN = "LOGGED_IN"
    SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED"


StaffLogInStepEnum = strawberry.enum(
    StaffLogInStep,
    name="StaffLogInStep",
    description="LOGGED_IN: the session is open (cookie set, token returned). "
    "SECOND_FACTOR_REQUIRED: the password was right; send a code from the authenticator app "
    "or a recovery code with staffLogInSecondFactor(loginToken, code) within 5 minutes.",
)
describe_values(
    StaffLogInStep,
    {
        "LOGGED_IN": "The session is open: cookie set, `token` returned.",
        "SECOND_FACTOR_REQUIRED": "The password was right; finish with "
        "staffLogInSecondFactor and `loginToken` within 5 minutes.",
    },
)


@strawberry.type(description="Result of staffLogIn and staffLogInSecondFactor.")
class StaffLogInPayload:
    step: StaffLogInStep | None = strawberry.field(
        default=None, description="What happens next; null when the call was refused."
    )
    login_token: str | None = strawberry.field(
        default=None,
        description="With SECOND_FACTOR_REQUIRED: the token of this half-finished login, for "
        "staffLogInSecondFactor only (5 minutes, 5 codes). Not a session.",
    )
    login_token_expires_at: datetime | None = strawberry.field(
        default=None, description="When loginToken stops working."
    )
    staff_user: StaffUserNode | None = strawberry.field(
        default=None, description="The logged-in staff user (LOGGED_IN only)."
    )
    token: str | None = strawberry.field(
        default=None,
        description="Bearer token for non-browser clients (`Authorization: Bearer <token>`); "
        "browsers use the HttpOnly cookie set with the response.",
    )
    errors: list[StaffAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of staffLogOut.")
class StaffLogOutPayload:
    ok: bool = strawberry.field(
        default=False, description="True when the session ended and the cookie was cleared."
    )
    errors: list[StaffAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


async def _logged_in(info: Info, staff: StaffUser) -> StaffLogInPayload:
    ctx = info.context
    policy = ctx.identity.staff_sessions
    started = await start_staff_session(
        ctx.session, staff, policy, ip_address=ctx.client_ip, user_agent=ctx.user_agent
    )
    set_session_cookie(ctx, STAFF_COOKIE, started.token, policy.lifetime, "/admin")
    return StaffLogInPayload(
        step=StaffLogInStep.LOGGED_IN, staff_user=StaffUserNode.from_row(staff), token=started.token
    )


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        description="Log in with email and password. Sets the session cookie and returns a "
        "bearer token, or, for a staff member with a second factor, step SECOND_FACTOR_REQUIRED "
        "and a loginToken (no session yet). Wrong password, unknown email and deactivated "
        "accounts give the same INVALID_CREDENTIALS error.",
        extensions=[Atomic()],
    )
    async def staff_log_in(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Login email (any case).")],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> StaffLogInPayload:
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
        if staff.totp_enabled_at is not None:
            challenge = await open_challenge(
                ctx.session, staff, ip_address=ctx.client_ip, user_agent=ctx.user_agent
            )
            return StaffLogInPayload(
                step=StaffLogInStep.SECOND_FACTOR_REQUIRED,
                login_token=challenge.token,
                login_token_expires_at=challenge.expires_at,
            )
        return await _logged_in(info, staff)

    @strawberry.mutation(
        description="Finish a login that answered SECOND_FACTOR_REQUIRED: a current code from "
        "the authenticator app (each code works once) or an unused recovery code. "
        "INVALID_CODE counts against a lockout like passwords; LOGIN_EXPIRED: start again with "
        "staffLogIn (after 5 minutes, 5 wrong codes, or a password change meanwhile).",
        extensions=[Atomic()],
    )
    async def staff_log_in_second_factor(
        self,
        info: Info,
        login_token: Annotated[
            str, strawberry.argument(description="`loginToken` from staffLogIn.")
        ],
        code: Annotated[
            str,
            strawberry.argument(
                description="A current 6-digit authenticator code or an unused recovery code."
            ),
        ],
    ) -> StaffLogInPayload:
        ctx = info.context
        try:
            staff = await complete_challenge(
                ctx.session, ctx.identity, ctx.throttle, login_token, code
            )
        except InvalidInput as failed:
            # The attempt itself is state (challenge attempts, lockout counter): keep it.
            return StaffLogInPayload(
                errors=[StaffAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=True,
            )
        return await _logged_in(info, staff)

    @strawberry.mutation(
        description="End the current staff session (server-side) and clear the cookie.",
        permission_classes=[IsStaffSession],
        extensions=[Atomic()],
    )
    async def staff_log_out(self, info: Info) -> StaffLogOutPayload:
        principal = await info.context.require_staff()
        assert principal.session is not None  # IsStaffSession: a login session, not an import token
        await revoke_session(info.context.session, principal.session)
        clear_session_cookie(info.context, STAFF_COOKIE, "/admin")
        return StaffLogOutPayload(ok=True)
