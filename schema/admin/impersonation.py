"""Support impersonation in the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry.permission import BasePermission

from identity import impersonation as service
from identity.impersonation_list import list_impersonations
from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import Impersonation, PortalUser
from portal.models.base import session_now
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    IMPERSONATION_ERROR_CODES,
    PAYLOAD_ERRORS,
    After,
    ContactId,
    PageSize,
    PortalUserId,
    describe_values,
)
from schema.common.enums import ImpersonationModeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields, bad_user_input
from schema.common.ids import filter_id, from_global_id, to_global_id
from schema.common.info import Info
from schema.common.node import Node
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission, unauthenticated

ImpersonationStateEnum = strawberry.enum(
    service.ImpersonationState,
    name="ImpersonationState",
    description="Where an impersonation stands.",
)
describe_values(
    service.ImpersonationState,
    {
        "PENDING": "The login URL was issued and not used yet (it works for two minutes).",
        "ACTIVE": "Support is in the customer's portal now.",
        "ENDED": "Support ended the session.",
        "EXPIRED": "The login URL went unused, or the session reached its maximum length.",
        "REVOKED": "An administrator ended it (revokeImpersonation).",
    },
)
StaffImpersonationErrorCodeEnum = strawberry.enum(
    service.ImpersonationErrorCode,
    name="StaffImpersonationErrorCode",
    description="Why starting or revoking an impersonation was refused.",
)
describe_values(service.ImpersonationErrorCode, IMPERSONATION_ERROR_CODES)

Reason = Annotated[
    str,
    strawberry.argument(
        description="Why support needs to see the account (shown to the customer and audited): "
        "at least the configured number of letters or digits (10 by default), at most 500 "
        "characters."
    ),
]
TicketReference = Annotated[
    str,
    strawberry.argument(description="Support ticket this belongs to; at most 100 characters."),
]
Mode = Annotated[
    service.ImpersonationMode,
    strawberry.argument(description="READ_ONLY to look, FULL to act for the customer."),
]


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
    code: service.ImpersonationErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="ImpersonationSession", description="A support impersonation, audited.")
class ImpersonationNode(Node):
    staff_name: str = strawberry.field(description="Display name of the support agent at the time.")
    portal_user_id: strawberry.ID | None = strawberry.field(
        description="Global id of the portal user viewed; null once that user was deleted."
    )
    contact_id: strawberry.ID | None = strawberry.field(
        description="Global id of the customer's contact; null once it was deleted or erased."
    )
    reason: str = strawberry.field(description="Why support opened it, as the agent wrote it.")
    ticket_reference: str = strawberry.field(
        description="Support ticket it belongs to; empty when none was given."
    )
    mode: service.ImpersonationMode = strawberry.field(description="What support may do.")
    state: service.ImpersonationState = strawberry.field(description="Where it stands now.")
    created_at: datetime = strawberry.field(description="When the login URL was issued.")
    started_at: datetime | None = strawberry.field(
        description="When support opened the customer's portal; null until then."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the session ends at the latest; null until it started."
    )
    ended_at: datetime | None = strawberry.field(
        description="When it was ended or revoked; null while open or when it just expired."
    )

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
    impersonation: ImpersonationNode | None = strawberry.field(
        default=None,
        description=("The new impersonation (PENDING); null when `errors` is not empty."),
    )
    login_url: str | None = strawberry.field(default=None, description="One-time, 2 minutes.")
    token: str | None = strawberry.field(
        default=None,
        description="The one-time token inside `loginUrl`, for frontends that call the customer "
        "API's startImpersonatedSession themselves; null when `errors` is not empty.",
    )
    errors: list[StaffImpersonationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of revokeImpersonation.")
class RevokeImpersonationPayload:
    impersonation: ImpersonationNode | None = strawberry.field(
        default=None,
        description="The impersonation, now REVOKED; null when `errors` is not empty.",
    )
    errors: list[StaffImpersonationError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


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
        state: Annotated[
            service.ImpersonationState | None,
            strawberry.argument(description="Only impersonations in this state."),
        ] = None,
        portal_user_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only those of this portal user (`PortalUser.id`)."),
        ] = None,
        first: PageSize = 20,
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
        portal_user_id: PortalUserId,
        reason: Reason,
        ticket_reference: TicketReference = "",
        mode: Mode = service.ImpersonationMode.READ_ONLY,
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
        contact_id: ContactId,
        reason: Reason,
        ticket_reference: TicketReference = "",
        mode: Mode = service.ImpersonationMode.READ_ONLY,
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
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Global id (`ImpersonationSession.id`)."),
        ],
    ) -> RevokeImpersonationPayload:
        ctx = info.context
        row = await service.revoke_impersonation(
            ctx.session, from_global_id("ImpersonationSession", id), await ctx.staff_actor()
        )
        return RevokeImpersonationPayload(
            impersonation=ImpersonationNode.from_row(row, session_now(ctx.session))
        )
