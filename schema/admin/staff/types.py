"""Staff user types and the staff auth error."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from identity.errors import StaffAuthErrorCode
from portal.models import StaffUser as StaffUserRow
from schema.common.errors import ErrorFields
from schema.common.ids import to_global_id
from schema.common.node import Node

StaffAuthErrorCodeEnum = strawberry.enum(
    StaffAuthErrorCode, name="StaffAuthErrorCode", description="Why a staff auth call failed."
)


@strawberry.type(description="A problem with a staff authentication request.")
class StaffAuthError(ErrorFields):
    codes: ClassVar = StaffAuthErrorCode
    code: StaffAuthErrorCode
    field: str | None
    message: str


@strawberry.type(name="StaffUser", description="A member of the business's staff.")
class StaffUserNode(Node):
    email: str = strawberry.field(description="Login email as entered.")
    display_name: str = strawberry.field(description="Name shown in the console and audit log.")
    role: str = strawberry.field(description="Role: admin or support.")
    permissions: list[str] = strawberry.field(description="Permissions the role grants.")
    last_login_at: datetime | None = strawberry.field(description="Previous successful login.")

    @classmethod
    def from_row(cls, row: StaffUserRow, permissions: frozenset[str]) -> StaffUserNode:
        return cls(
            id=to_global_id("StaffUser", row.id),
            email=row.email,
            display_name=row.display_name,
            role=row.role,
            permissions=sorted(permissions),
            last_login_at=row.last_login_at,
        )
