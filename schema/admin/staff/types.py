"""Staff user types, their enums and the errors of staff mutations."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from identity.errors import StaffAdminErrorCode, StaffAuthErrorCode
from identity.impersonation import ImpersonationErrorCode
from identity.permissions import StaffPermission, StaffRole, permissions_for_role
from identity.states import StaffState, staff_state_of
from portal.email.outbox import Formality
from portal.models import StaffUser as StaffUserRow
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    IMPERSONATION_ERROR_CODES,
    describe_values,
)
from schema.common.enums import FormOfAddressEnum  # noqa: F401  (registers the enum)
from schema.common.errors import ErrorFields, error_codes
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.node import Node

StaffPermissionEnum = strawberry.enum(
    StaffPermission,
    name="StaffPermission",
    description="What a staff role (or an import token) may do; field descriptions name them "
    "in their stored form (contacts:write is CONTACTS_WRITE).",
)
describe_values(
    StaffPermission,
    {
        "CONTACTS_READ": "Read contacts and what belongs to them.",
        "CONTACTS_WRITE": "Create and change contacts and what belongs to them.",
        "CONTACTS_DELETE": "Delete and erase contacts.",
        "CONTACTS_IMPORT": "Import contacts from CSV.",
        "CONTACTS_IMPORT_IDENTITY": "Imports that may change an existing contact's emails (the "
        "keys portal logins match by).",
        "PORTAL_USERS_READ": "Read portal users and the pending review queue.",
        "PORTAL_USERS_WRITE": "Change portal users (assign, invite, suspend, ...).",
        "PORTAL_USERS_SET_CREDENTIALS": "Set a password for a contact who has or had a login "
        "of its own.",
        "OUTBOX_READ": "Read the email outbox.",
        "OUTBOX_WRITE": "Send outbox messages again.",
        "SETTINGS_WRITE": "Change the portal settings and email template overrides.",
        "STAFF_MANAGE": "Invite and manage staff members.",
        "AUDIT_READ": "Read the audit log.",
        "WEBHOOKS_MANAGE": "Manage webhook endpoints.",
        "SUPPORT_IMPERSONATE": "See the portal as a customer, read-only.",
        "SUPPORT_IMPERSONATE_FULL": "See the portal as a customer and act for them.",
    },
)
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
StaffAuthErrorCodeEnum = strawberry.enum(
    StaffAuthErrorCode, name="StaffAuthErrorCode", description="Why a staff auth call failed."
)
# Deactivating or deleting a staff member ends the impersonations they run.
StaffAdminErrorCodeEnum = error_codes(
    "StaffAdminErrorCode",
    StaffAdminErrorCode,
    ImpersonationErrorCode.ALREADY_ENDED,
    description="Why a staff administration request was refused.",
)
describe_values(
    StaffRole,
    {
        "ADMIN": "Everything, including staff accounts, settings and API keys.",
        "SUPPORT": "Contacts, portal users, invitations and impersonation.",
        "AUDITOR": "Read-only review, including the audit log.",
    },
)
describe_values(
    StaffState,
    {
        "INVITED": "Invited; has not set a password yet.",
        "ACTIVE": "Can log in.",
        "DEACTIVATED": "Blocked by an administrator; cannot log in.",
    },
)
describe_values(
    StaffAuthErrorCode,
    {
        "INVALID_CREDENTIALS": "Email or password is wrong, the account is deactivated or "
        "locked; deliberately one answer.",
        "INVALID_EMAIL": "Not a valid email address (at most 254 characters).",
        "PASSWORD_TOO_SHORT": "The new password has fewer than 10 characters.",
        "PASSWORD_TOO_LONG": "The new password has more than 1024 characters.",
        "EMAIL_TAKEN": "A staff account with this email exists.",
        "INVALID_ROLE": "Not one of the roles ADMIN, SUPPORT, AUDITOR.",
        "PASSWORD_TOO_COMMON": "The new password is a commonly used one or the email itself.",
        "WRONG_PASSWORD": "The current password is wrong, or the account is locked after too "
        "many wrong attempts.",
        "NOT_FOUND": "No such staff member or session.",
        "INVALID_CODE": "The authenticator or recovery code is not valid (counts against a "
        "lockout).",
        "LOGIN_EXPIRED": "The half-finished login expired (5 minutes, 5 wrong codes, or a "
        "password change meanwhile); log in with the password again.",
    },
)
describe_values(
    StaffAdminErrorCodeEnum,
    {
        "NOT_FOUND": "No staff member with this id.",
        "INVALID_EMAIL": "Not a valid email address (at most 254 characters).",
        "EMAIL_TAKEN": "A staff account with this email exists.",
        "INVALID_LANGUAGE": "Not a supported language (de, en).",
        "TOO_LONG": "The display name has more than 200 characters.",
        "LAST_ADMIN": "The last active administrator cannot lose the role or be deactivated "
        "or deleted.",
        "NOT_ALLOWED_ON_SELF": "Staff cannot deactivate or delete their own account.",
        "NOT_INVITED": "The staff member has already set up the account; nothing to resend.",
        "INVALID_TOKEN": "The invitation link is not valid (altered or superseded).",
        "TOKEN_EXPIRED": "The invitation link has expired; ask an administrator to resend it.",
        "TOKEN_USED": "The invitation link was used already.",
        "PASSWORD_TOO_SHORT": "The password has fewer than 10 characters.",
        "PASSWORD_TOO_LONG": "The password has more than 1024 characters.",
        "PASSWORD_TOO_COMMON": "The password is a commonly used one or the email itself.",
    },
    IMPERSONATION_ERROR_CODES,
)


@strawberry.type(description="A problem with a staff authentication request.")
class StaffAuthError(ErrorFields):
    codes: ClassVar = StaffAuthErrorCode
    code: StaffAuthErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="A problem with a staff administration request.")
class StaffAdminError(ErrorFields):
    codes: ClassVar = StaffAdminErrorCodeEnum
    code: StaffAdminErrorCodeEnum = strawberry.field(description=ERROR_CODE)  # type: ignore[valid-type]
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="A staff member's second factor (TOTP) at a glance.")
class StaffSecondFactor:
    enabled: bool = strawberry.field(description="Logins need a code after the password.")
    enabled_at: datetime | None = strawberry.field(description="When it was confirmed.")
    recovery_codes_left: int = strawberry.field(description="Unused recovery codes (of 10).")
    required: bool = strawberry.field(
        description="Whether this portal requires it (PORTAL_STAFF_REQUIRE_2FA): without it, "
        "a staff member can only enrol."
    )


@strawberry.type(name="StaffUser", description="A member of the business's staff.")
class StaffUserNode(Node):
    email: str = strawberry.field(description="Login email as entered.")
    display_name: str = strawberry.field(description="Name shown in the console and audit log.")
    role: StaffRole = strawberry.field(description="The staff member's role.")
    state: StaffState = strawberry.field(description="Invited, active or deactivated.")
    permissions: list[StaffPermission] = strawberry.field(
        description="Permissions the role grants, sorted."
    )
    language: str = strawberry.field(description="Language of the emails they get (de, en).")
    formality: Formality = strawberry.field(description="Form of address in German emails.")
    last_login_at: datetime | None = strawberry.field(description="Previous successful login.")
    deactivated_at: datetime | None = strawberry.field(description="When they were deactivated.")
    created_at: datetime = strawberry.field(description="When the account was created.")
    _second_factor: strawberry.Private[tuple[datetime | None, int]]

    @strawberry.field(description="Whether logins need a second factor, and its recovery codes.")
    def second_factor(self, info: Info) -> StaffSecondFactor:
        enabled_at, codes_left = self._second_factor
        return StaffSecondFactor(
            enabled=enabled_at is not None,
            enabled_at=enabled_at,
            recovery_codes_left=codes_left,
            required=info.context.settings.staff_second_factor_required,
        )

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
            formality=Formality(row.formality),
            last_login_at=row.last_login_at,
            deactivated_at=row.deactivated_at,
            created_at=row.created_at,
            _second_factor=(row.totp_enabled_at, row.recovery_codes_left),
        )
