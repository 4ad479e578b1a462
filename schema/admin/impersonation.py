"""Support impersonation in the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import strawberry
from strawberry.permission import BasePermission

from identity import impersonation as service
from identity.impersonation_list import list_impersonations
from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import Impersonation, PortalUser
from portal.models.base import session_now
from schema.common.descriptions import After, PageSize
from schema.common.enums import ImpersonationModeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields, bad_user_input
from schema.common.ids import filter_id, from_global_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission, unauthenticated

ImpersonationStateEnum = strawberry.enum(service.ImpersonationState, name="ImpersonationState")
StaffImpersonationErrorCodeEnum = strawberry.enum(
    service.ImpersonationErrorCode, name="StaffImpersonationErrorCode"
)


class CanImpersonateInMode(BasePermission):
    """support:impersonate, and support:impersonate_full for mode FULL."""

    message = "You do not have permission to do this."
    error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = await info.context.staff()
        if principal is None:
            raise unauthenticated()
        mode = kwargs.get("mode", service.ImpersonationMode.READ_ONLY)
        return service.permissions_to_impersonate(mode) <= principal.permissions


@strawberry.type(description="A problem with startImpersonation or revokeImpersonation.")
class StaffImpersonationError(ErrorFields):
    codes: ClassVar = service.ImpersonationErrorCode
    code: service.ImpersonationErrorCode
    field: str | None
    message: str


@strawberry.type(name="ImpersonationSession", description="A support impersonation, audited.")
class ImpersonationNode(Node):
    staff_name: str
    portal_user_id: strawberry.ID | None
    contact_id: strawberry.ID | None
    reason: str
    ticket_reference: str
    mode: service.ImpersonationMode
    state: service.ImpersonationState
    created_at: datetime
    started_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_row(cls, row: Impersonation, now: datetime) -> ImpersonationNode:
        return cls(
            id=to_global_id("ImpersonationSession", row.id),
            staff_name=row.staff_name,
            portal_user_id=to_global_id("PortalUser", row.portal_user_id)
            if row.portal_user_id
            else None,
            contact_id=to_global_id("Contact", row.contact_id) if row.contact_id else None,
            reason=row.reason,
            ticket_reference=row.ticket_reference,
            mode=service.ImpersonationMode(row.mode),
            state=service.state_of(row, now),
            created_at=row.created_at,
            started_at=row.started_at,
            expires_at=row.expires_at,
            ended_at=row.ended_at,
        )


@strawberry.type(description="Result of startImpersonation: open loginUrl in the portal frontend.")
class StartImpersonationPayload:
    impersonation: ImpersonationNode | None = None
    login_url: str | None = strawberry.field(default=None, description="One-time, 2 minutes.")
    token: str | None = None
    errors: list[StaffImpersonationError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of revokeImpersonation.")
class RevokeImpersonationPayload:
    impersonation: ImpersonationNode | None = None
    errors: list[StaffImpersonationError] = strawberry.field(default_factory=list)


async def _start(
    info: Info, user: PortalUser | None, reason: str, ticket: str,
    mode: service.ImpersonationMode,
) -> StartImpersonationPayload:  # fmt: skip
    ctx = info.context
    staff = await ctx.require_staff()
    row, token, url = await service.start_impersonation(
        ctx.session, ctx.identity, staff.user, user, reason=reason, ticket_reference=ticket,
        mode=mode, ip_address=ctx.client_ip,
    )  # fmt: skip
    return StartImpersonationPayload(
        impersonation=ImpersonationNode.from_row(row, session_now(ctx.session)),
        login_url=url,
        token=token,
    )


@strawberry.type
class ImpersonationQuery:
    @strawberry.field(
        description="Impersonations, newest first; filter by state or portal user.",
        permission_classes=[HasPermission(StaffPermission.SUPPORT_IMPERSONATE)],
    )
    async def impersonation_sessions(
        self,
        info: Info,
        state: service.ImpersonationState | None = None,
        portal_user_id: strawberry.ID | None = None,
        first: PageSize = 50,
        after: After = None,
    ) -> Connection[ImpersonationNode]:
        ctx = info.context
        try:
            page = await list_impersonations(
                ctx.session,
                state=state,
                portal_user_id=filter_id("PortalUser", portal_user_id),
                first=first,
                after=after,
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        now = session_now(ctx.session)
        return Connection.from_page(page, lambda row: ImpersonationNode.from_row(row, now))


@strawberry.type
class ImpersonationMutation:
    @strawberry.mutation(
        description="Start seeing the portal as a customer: needs support:impersonate (FULL "
        "mode also support:impersonate_full) and a reason. Returns a one-time login URL.",
        permission_classes=[CanImpersonateInMode],
        extensions=[Atomic()],
    )
    async def start_impersonation(
        self,
        info: Info,
        portal_user_id: strawberry.ID,
        reason: str,
        ticket_reference: str = "",
        mode: service.ImpersonationMode = service.ImpersonationMode.READ_ONLY,
    ) -> StartImpersonationPayload:
        uuid_ = from_global_id("PortalUser", portal_user_id)
        user = await info.context.session.get(PortalUser, uuid_) if uuid_ else None
        return await _start(info, user, reason, ticket_reference, mode)

    @strawberry.mutation(
        description="startImpersonation for the portal user of a contact.",
        permission_classes=[CanImpersonateInMode],
        extensions=[Atomic()],
    )
    async def start_impersonation_for_contact(
        self,
        info: Info,
        contact_id: strawberry.ID,
        reason: str,
        ticket_reference: str = "",
        mode: service.ImpersonationMode = service.ImpersonationMode.READ_ONLY,
    ) -> StartImpersonationPayload:
        user = await service.portal_user_of_contact(
            info.context.session, from_global_id("Contact", contact_id)
        )
        return await _start(info, user, reason, ticket_reference, mode)

    @strawberry.mutation(
        description="Admins: end an impersonation at once (its session ends with it).",
        permission_classes=[HasPermission(StaffPermission.STAFF_MANAGE)],
        extensions=[Atomic()],
    )
    async def revoke_impersonation(
        self, info: Info, id: strawberry.ID
    ) -> RevokeImpersonationPayload:
        ctx = info.context
        row = await service.revoke_impersonation(
            ctx.session, from_global_id("ImpersonationSession", id), await ctx.staff_actor()
        )
        return RevokeImpersonationPayload(
            impersonation=ImpersonationNode.from_row(row, session_now(ctx.session))
        )
