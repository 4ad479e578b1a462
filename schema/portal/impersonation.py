"""Opening and ending a support impersonation session (customer API)."""

from __future__ import annotations

from typing import ClassVar

import strawberry

from identity import impersonation as service
from schema.common.context import CUSTOMER_COOKIE
from schema.common.cookies import clear_session_cookie, set_session_cookie
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import IsCustomer, NotImpersonating
from schema.portal.viewer import ViewerWithContact, viewer_of

ImpersonationErrorCodeEnum = strawberry.enum(
    service.ImpersonationErrorCode, name="ImpersonationErrorCode"
)


@strawberry.type(description="A problem with an impersonation mutation.")
class ImpersonationError(ErrorFields):
    codes: ClassVar = service.ImpersonationErrorCode
    code: service.ImpersonationErrorCode
    field: str | None
    message: str


@strawberry.type(description="Result of startImpersonatedSession.")
class ImpersonatedSessionPayload:
    viewer: ViewerWithContact | None = None
    token: str | None = None
    errors: list[ImpersonationError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of endImpersonation.")
class EndImpersonationPayload:
    ok: bool = False
    errors: list[ImpersonationError] = strawberry.field(default_factory=list)


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
        self, info: Info, token: str
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
