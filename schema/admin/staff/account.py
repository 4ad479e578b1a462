"""A staff member's own account: password and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity import staff_account
from portal.errors import InvalidInput
from portal.models import StaffSession
from schema.admin.staff.types import StaffAuthError
from schema.common.descriptions import (
    PAYLOAD_ERRORS,
    After,
    CurrentPassword,
    NewPassword,
    PageSize,
)
from schema.common.errors import Atomic, bad_user_input, counted_failure
from schema.common.ids import from_global_id, to_global_id
from schema.common.info import Info
from schema.common.pagination import Connection
from schema.common.permissions import IsStaff


@strawberry.type(description="One of your own staff sessions (a browser or a client).")
class StaffSessionNode:
    id: strawberry.ID = strawberry.field(
        description="Opaque id of the session, for endMyStaffSession (not a Node id)."
    )
    created_at: datetime = strawberry.field(description="When the login happened.")
    last_seen_at: datetime = strawberry.field(description="The last request (to the minute).")
    expires_at: datetime = strawberry.field(description="Its absolute end.")
    ip_address: str | None = strawberry.field(description="Client address at login.")
    user_agent: str | None = strawberry.field(description="Browser or client at login.")
    current: bool = strawberry.field(description="The session of this request.")

    @classmethod
    def from_row(cls, row: StaffSession, current_id: object) -> StaffSessionNode:
        return cls(
            id=to_global_id("StaffSession", row.id),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
            current=row.id == current_id,
        )


@strawberry.type(description="Result of changeMyStaffPassword.")
class ChangeMyStaffPasswordPayload:
    ok: bool = strawberry.field(default=False, description="True when the password changed.")
    other_sessions_ended: int = strawberry.field(
        default=0, description="How many of your other sessions were ended."
    )
    errors: list[StaffAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
    keep_writes: strawberry.Private[bool] = False


@strawberry.type(description="Result of endMyStaffSession and endMyOtherStaffSessions.")
class EndMyStaffSessionsPayload:
    ended: int = strawberry.field(default=0, description="How many sessions ended.")
    errors: list[StaffAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class StaffAccountQuery:
    @strawberry.field(
        description="Your own live sessions, newest first; `current` marks this one.",
        permission_classes=[IsStaff],
    )
    async def my_staff_sessions(
        self, info: Info, first: PageSize = 20, after: After = None
    ) -> Connection[StaffSessionNode]:
        principal = await info.context.require_staff()
        try:
            page = await staff_account.list_own_sessions(
                info.context.session, principal.user, first=first, after=after
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        current = principal.session.id if principal.session else None
        return Connection.from_page(page, lambda row: StaffSessionNode.from_row(row, current))


@strawberry.type
class StaffAccountMutation:
    @strawberry.mutation(
        description="Change your password. The current password is required and counts "
        "against the login lockout (WRONG_PASSWORD, also while locked); your other sessions "
        "and half-finished logins end.",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def change_my_staff_password(
        self,
        info: Info,
        current_password: CurrentPassword,
        new_password: NewPassword,
    ) -> ChangeMyStaffPasswordPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        assert principal.session is not None  # IsStaff: a login session
        try:
            ended = await staff_account.change_own_password(
                ctx.session, ctx.identity, ctx.throttle, principal.user, principal.session,
                current_password, new_password, await ctx.staff_actor(),
            )  # fmt: skip
        except InvalidInput as failed:
            return ChangeMyStaffPasswordPayload(
                errors=[StaffAuthError.from_field_error(e) for e in failed.errors],
                keep_writes=counted_failure(failed),
            )
        return ChangeMyStaffPasswordPayload(ok=True, other_sessions_ended=ended)

    @strawberry.mutation(
        description="End one of your own sessions (NOT_FOUND for anyone else's).",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def end_my_staff_session(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="`StaffSessionNode.id` of the session.")
        ],
    ) -> EndMyStaffSessionsPayload:
        principal = await info.context.require_staff()
        await staff_account.end_own_session(
            info.context.session, principal.user, from_global_id("StaffSession", id)
        )
        return EndMyStaffSessionsPayload(ended=1)

    @strawberry.mutation(
        description="End every one of your sessions except this one.",
        permission_classes=[IsStaff],
        extensions=[Atomic()],
    )
    async def end_my_other_staff_sessions(self, info: Info) -> EndMyStaffSessionsPayload:
        principal = await info.context.require_staff()
        assert principal.session is not None  # IsStaff: a login session
        ended = await staff_account.end_other_sessions(
            info.context.session, principal.user, principal.session
        )
        return EndMyStaffSessionsPayload(ended=ended)
