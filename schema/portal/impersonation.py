"""Opening and ending a support impersonation session (customer API)."""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry

from identity import impersonation as service
from schema.common.context import CUSTOMER_COOKIE
from schema.common.cookies import clear_session_cookie, set_session_cookie
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    IMPERSONATION_ERROR_CODES,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import IsCustomer, NotImpersonating
from schema.portal.viewer import ViewerWithContact, viewer_of

ImpersonationErrorCodeEnum = strawberry.enum(
    service.ImpersonationErrorCode,
    name="ImpersonationErrorCode",
    description="Why opening or ending a support session was refused.",
)
describe_values(service.ImpersonationErrorCode, IMPERSONATION_ERROR_CODES)


@strawberry.type(description="A problem with an impersonation mutation.")
class ImpersonationError(ErrorFields):
    codes: ClassVar = service.ImpersonationErrorCode
    code: service.ImpersonationErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="Result of startImpersonatedSession.")
class ImpersonatedSessionPayload:
    viewer: ViewerWithContact | None = strawberry.field(
        default=None,
        description="The customer as support now sees them (`impersonation` is set); null "
        "when `errors` is not empty.",
    )
    token: str | None = strawberry.field(
        default=None,
        description="Bearer token of the support session for non-browser clients (browsers "
        "get the HttpOnly cookie); null when `errors` is not empty.",
    )
    errors: list[ImpersonationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of endImpersonation.")
class EndImpersonationPayload:
    ok: bool = strawberry.field(
        default=False, description="True when the support session ended and its cookie was cleared."
    )
    errors: list[ImpersonationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class ImpersonationMutation:
    @strawberry.mutation(
        description="Support: redeem the one-time login token (2 minutes) and see the portal "
        "as the customer. The session is marked (viewer.impersonation), lasts at most 30 "
        "minutes and does not count as the customer's login.",
        permission_classes=[NotImpersonating],
        extensions=[Atomic()],
    )
    async def start_impersonated_session(
        self,
        info: Info,
        token: Annotated[
            str,
            strawberry.argument(
                description="The one-time login token from the staff API's startImpersonation."
            ),
        ],
    ) -> ImpersonatedSessionPayload:
        ctx = info.context
        ctx.response.headers["Cache-Control"] = "no-store"
        ctx.response.headers["Referrer-Policy"] = "no-referrer"
        row, user, started = await service.redeem(
            ctx.session, ctx.identity, token, ip_address=ctx.client_ip, user_agent=ctx.user_agent
        )
        assert row.expires_at is not None and row.started_at is not None
        set_session_cookie(
            ctx, CUSTOMER_COOKIE, started.token, row.expires_at - row.started_at, "/"
        )
        ctx.forget_customer()
        return ImpersonatedSessionPayload(viewer=viewer_of(user), token=started.token)

    @strawberry.mutation(
        description="Support: end the impersonation now (the session ends with it).",
        permission_classes=[IsCustomer],
        extensions=[Atomic()],
    )
    async def end_impersonation(self, info: Info) -> EndImpersonationPayload:
        ctx = info.context
        principal = await ctx.require_customer()
        if principal.impersonation is None:
            return EndImpersonationPayload(
                errors=[
                    ImpersonationError(
                        code=service.ImpersonationErrorCode.NOT_FOUND,
                        field=None,
                        message="This is not a support session.",
                    )
                ]
            )
        row = principal.impersonation
        await service.end(ctx.session, row, "ENDED", service.support_actor(row, ctx.client_ip))
        clear_session_cookie(ctx, CUSTOMER_COOKIE, "/")
        ctx.forget_customer()
        return EndImpersonationPayload(ok=True)
