"""Staff user types, their enums and the errors of staff mutations."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from identity.errors import StaffAdminErrorCode, StaffAuthErrorCode
from identity.permissions import StaffRole, permissions_for_role
from identity.states import StaffState, staff_state_of
from portal.email.outbox import Formality
from portal.models import StaffUser as StaffUserRow
from schema.common.errors import ErrorFields
from schema.common.ids import to_global_id
from schema.common.node import Node

StaffRoleEnum = strawberry.enum(
    StaffRole,
    name="StaffRole",
    description="What a staff member is there to do; each role grants a fixed set of permissions "
    "(README, Roles): ADMIN everything, SUPPORT contacts, portal users and impersonation, "
    "AUDITOR read-only review including the audit log.",
)
StaffStateEnum = strawberry.enum(
    StaffState,
    name="StaffState",
    description="INVITED: has not set a password yet; ACTIVE: can log in; DEACTIVATED: blocked.",
)
FormOfAddressEnum = strawberry.enum(
    Formality,
    name="FormOfAddress",
    description="How German emails address the recipient: FORMAL (Sie) or INFORMAL (Du).",
)
StaffAuthErrorCodeEnum = strawberry.enum(
    StaffAuthErrorCode, name="StaffAuthErrorCode", description="Why a staff auth call failed."
)
StaffAdminErrorCodeEnum = strawberry.enum(
    StaffAdminErrorCode,
    name="StaffAdminErrorCode",
    description="Why a staff administration request was refused.",
)


@strawberry.type(description="A problem with a staff authentication request.")
class StaffAuthError(ErrorFields):
    codes: ClassVar = StaffAuthErrorCode
    code: StaffAuthErrorCode
    field: str | None
    message: str


@strawberry.type(description="A problem with a staff administration request.")
class StaffAdminError(ErrorFields):
    codes: ClassVar = StaffAdminErrorCode
    code: StaffAdminErrorCode
    field: str | None
    message: str


@strawberry.type(name="StaffUser", description="A member of the business's staff.")
class StaffUserNode(Node):
    email: str = strawberry.field(description="Login email as entered.")
    display_name: str = strawberry.field(description="Name shown in the console and audit log.")
    role: StaffRole = strawberry.field(description="The staff member's role.")
    state: StaffState = strawberry.field(description="Invited, active or deactivated.")
    permissions: list[str] = strawberry.field(description="Permissions the role grants.")
    language: str = strawberry.field(description="Language of the emails they get (de, en).")
    form_of_address: Formality = strawberry.field(description="Form of address in German emails.")
    last_login_at: datetime | None = strawberry.field(description="Previous successful login.")
    deactivated_at: datetime | None = strawberry.field(description="When they were deactivated.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_row(cls, row: StaffUserRow) -> StaffUserNode:
        return cls(
            id=to_global_id("StaffUser", row.id),
            email=row.email,
            display_name=row.display_name,
            role=StaffRole(row.role),
            state=staff_state_of(row),
            permissions=sorted(permissions_for_role(row.role)),
            language=row.language,
            form_of_address=Formality(row.formality),
            last_login_at=row.last_login_at,
            deactivated_at=row.deactivated_at,
            created_at=row.created_at,
        )
