"""Staff queries."""

from __future__ import annotations

import strawberry

from schema.admin.staff.types import StaffUserNode
from schema.common.info import Info
from schema.common.permissions import IsStaffSession


@strawberry.type
class StaffQuery:
    @strawberry.field(description="The logged-in staff user.", permission_classes=[IsStaffSession])
    async def me(self, info: Info) -> StaffUserNode:
        principal = await info.context.require_staff()
        return StaffUserNode.from_row(principal.user)
