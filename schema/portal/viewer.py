"""The logged-in customer's own data."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.common.context import RequestContext
from schema.common.permissions import IsCustomer
from schema.portal.types import Viewer


@strawberry.type
class ViewerQuery:
    @strawberry.field(
        description="The logged-in customer and their contact.", permission_classes=[IsCustomer]
    )
    async def viewer(self, info: Info[RequestContext, None]) -> Viewer:
        principal = await info.context.require_customer()
        return Viewer.from_row(principal.user)
