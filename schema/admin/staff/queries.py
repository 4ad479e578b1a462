"""Staff queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.admin.staff.types import StaffUserNode
from schema.common.context import RequestContext
from schema.common.permissions import IsStaff


@strawberry.type
class StaffQuery:
    @strawberry.field(description="The logged-in staff user.", permission_classes=[IsStaff])
    async def me(self, info: Info[RequestContext, None]) -> StaffUserNode:
        principal = await info.context.require_staff()
        return StaffUserNode.from_row(principal.user, principal.permissions)
