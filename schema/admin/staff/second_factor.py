"""Two-factor login (TOTP) in the staff API: enrol, confirm, recovery codes, disable, and an
admin's reset of a colleague's second factor."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, ClassVar, TypeVar

import strawberry

from identity import second_factor
from identity.errors import SecondFactorErrorCode
from identity.permissions import StaffPermission
from identity.staff_admin import get_staff
from portal.errors import InvalidInput
from portal.models import StaffUser
from schema.admin.staff.types import StaffUserNode
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission, IsStaff, IsStaffSession

SecondFactorErrorCodeEnum = strawberry.enum(
    SecondFactorErrorCode,
    name="SecondFactorErrorCode",
    description="Why a second-factor request was refused.",
)
describe_values(
    SecondFactorErrorCode,
    {
        "INVALID_CODE": "The code is not valid (counts against a lockout).",
        "ALREADY_ENABLED": "Two-factor login is already set up.",
        "NOT_ENABLED": "Two-factor login is not set up.",
        "NO_ENROLMENT": "Confirm needs a started enrolment: call beginStaffTotpEnrolment first.",
        "LOGIN_EXPIRED": "The half-finished login expired; log in with the password again.",
        "NOT_FOUND": "No staff member with this id.",
        "NOT_ALLOWED_ON_SELF": "Remove your own second factor with disableStaffTotp and a code.",
    },
)


@strawberry.type(description="A problem with a second-factor request.")
class SecondFactorError(ErrorFields):
    codes: ClassVar = SecondFactorErrorCode
    code: SecondFactorErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


def _counted(failed: InvalidInput) -> bool:
    """A wrong code counted against the lockout: that write stays although the rest rolls
    back (the code check runs before anything else is written)."""
    return any(e.code == SecondFactorErrorCode.INVALID_CODE for e in failed.errors)


Payload = TypeVar("Payload", "StaffRecoveryCodesPayload", "StaffSecondFactorPayload")


def _refused(payload: type[Payload], failed: InvalidInput) -> Payload:
    return payload(
        errors=[SecondFactorError.from_field_error(e) for e in failed.errors],
        keep_writes=_counted(failed),
    )


TotpOrRecoveryCode = Annotated[
    str,
    strawberry.argument(
        description="A current 6-digit code from the authenticator app, or an unused recovery code."
    ),
]


@strawberry.type(description="Result of beginStaffTotpEnrolment.")
class BeginStaffTotpEnrolmentPayload:
    secret: str | None = strawberry.field(
        default=None,
        description="The base32 secret, shown this once (for typing into an app by hand).",
    )
    otpauth_uri: str | None = strawberry.field(
        default=None, description="otpauth://totp/... URI for the authenticator app (QR code)."
    )
    errors: list[SecondFactorError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of a mutation that hands out new recovery codes.")
class StaffRecoveryCodesPayload:
    recovery_codes: list[str] | None = strawberry.field(
        default=None,
        description="Ten single-use recovery codes, shown this once (only hashes are stored).",
    )
    staff_user: StaffUserNode | None = strawberry.field(
        default=None,
        description="The staff member with the second factor as it is now; null when `errors` "
        "is not empty.",
    )
    errors: list[SecondFactorError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of disableStaffTotp and resetStaffSecondFactor.")
class StaffSecondFactorPayload:
    staff_user: StaffUserNode | None = strawberry.field(
        default=None,
        description="The staff member with the second factor as it is now; null when `errors` "
        "is not empty.",
    )
    errors: list[SecondFactorError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


async def _handed_out(
    staff: StaffUser, recovery_codes: Awaitable[list[str]]
) -> StaffRecoveryCodesPayload:
    """The payload of a mutation that checks a code and hands out new recovery codes."""
    try:
        codes = await recovery_codes
    except InvalidInput as failed:
        return _refused(StaffRecoveryCodesPayload, failed)
    return StaffRecoveryCodesPayload(recovery_codes=codes, staff_user=StaffUserNode.from_row(staff))


@strawberry.type
class SecondFactorMutation:
    @strawberry.mutation(
        description="Start setting up two-factor login: a new secret for the authenticator "
        "app, shown once. It takes effect only with confirmStaffTotpEnrolment; calling this "
        "again replaces an unconfirmed secret. ALREADY_ENABLED when one is set up.",
        permission_classes=[IsStaffSession],
        extensions=[Atomic()],
    )
    async def begin_staff_totp_enrolment(self, info: Info) -> BeginStaffTotpEnrolmentPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        enrolment = await second_factor.begin_enrolment(ctx.session, ctx.identity, principal.user)
        return BeginStaffTotpEnrolmentPayload(
            secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri
        )

    @strawberry.mutation(
        description="Turn two-factor login on with a code from the app; returns ten recovery "
        "codes (shown once). Your other sessions end. INVALID_CODE counts against a lockout.",
        permission_classes=[IsStaffSession],
        extensions=[Atomic()],
    )
    async def confirm_staff_totp_enrolment(
        self, info: Info, code: TotpOrRecoveryCode
    ) -> StaffRecoveryCodesPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        assert principal.session is not None  # IsStaffSession: a login session
        return await _handed_out(
            principal.user,
            second_factor.confirm_enrolment(
                ctx.session, ctx.identity, ctx.throttle, principal.user, principal.session, code
            ),
        )

    @strawberry.mutation(
        description="Ten new recovery codes (the old ones stop working); needs a current code "
        "from the app.",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def regenerate_staff_recovery_codes(
        self, info: Info, code: TotpOrRecoveryCode
    ) -> StaffRecoveryCodesPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        return await _handed_out(
            principal.user,
            second_factor.regenerate_recovery_codes(
                ctx.session, ctx.identity, ctx.throttle, principal.user, code
            ),
        )

    @strawberry.mutation(
        description="Turn two-factor login off with a current code or a recovery code. Where "
        "PORTAL_STAFF_REQUIRE_2FA holds, you can then only enrol again.",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def disable_staff_totp(
        self, info: Info, code: TotpOrRecoveryCode
    ) -> StaffSecondFactorPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        try:
            await second_factor.disable(
                ctx.session, ctx.identity, ctx.throttle, principal.user, code,
                await ctx.staff_actor(),
            )  # fmt: skip
        except InvalidInput as failed:
            return _refused(StaffSecondFactorPayload, failed)
        return StaffSecondFactorPayload(staff_user=StaffUserNode.from_row(principal.user))

    @strawberry.mutation(
        description="Remove a colleague's second factor (a lost phone): their sessions end and "
        "they are emailed; they enrol again after their next login. Audited. Not for yourself "
        "(use disableStaffTotp).",
        permission_classes=[HasPermission(StaffPermission.STAFF_MANAGE)],
        extensions=[Atomic()],
    )
    async def reset_staff_second_factor(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Global id (`StaffUser.id`) of the colleague."),
        ],
    ) -> StaffSecondFactorPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        staff = await get_staff(ctx.session, from_global_id("StaffUser", id))
        await second_factor.reset(ctx.session, staff, principal.user, await ctx.staff_actor())
        return StaffSecondFactorPayload(staff_user=StaffUserNode.from_row(staff))
