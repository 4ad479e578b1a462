"""Staff permissions and the roles that grant them.

:data:`ROLE_PERMISSIONS` is the permission table; README's "Roles" table is checked against it
by a test, so the documentation cannot drift from what the permission classes enforce.
"""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    """What a staff member is there to do; each role grants a fixed set of permissions."""

    ADMIN = "admin"
    SUPPORT = "support"
    # Read-only: reviews contacts, portal users, the outbox and the audit log; changes nothing.
    AUDITOR = "auditor"


class StaffPermission(StrEnum):
    CONTACTS_READ = "contacts:read"
    CONTACTS_WRITE = "contacts:write"
    CONTACTS_DELETE = "contacts:delete"
    CONTACTS_IMPORT = "contacts:import"
    # Imports that may change an existing contact's emails (the keys portal logins match by).
    CONTACTS_IMPORT_IDENTITY = "contacts:import_identity"
    PORTAL_USERS_READ = "portal_users:read"
    PORTAL_USERS_WRITE = "portal_users:write"
    # Set a password for a contact who has or had a login of its own (administrators only).
    PORTAL_USERS_SET_CREDENTIALS = "portal_users:set_credentials"
    OUTBOX_READ = "outbox:read"
    OUTBOX_WRITE = "outbox:write"
    SETTINGS_WRITE = "settings:write"
    STAFF_MANAGE = "staff:manage"
    AUDIT_READ = "audit:read"
    # Webhook endpoints (their URLs receive events with personal data): administrators only.
    WEBHOOKS_MANAGE = "webhooks:manage"
    SUPPORT_IMPERSONATE = "support:impersonate"
    SUPPORT_IMPERSONATE_FULL = "support:impersonate_full"


ROLE_PERMISSIONS: dict[StaffRole, frozenset[StaffPermission]] = {
    StaffRole.ADMIN: frozenset(StaffPermission),
    StaffRole.SUPPORT: frozenset(
        {
            StaffPermission.CONTACTS_READ,
            StaffPermission.CONTACTS_WRITE,
            StaffPermission.PORTAL_USERS_READ,
            StaffPermission.PORTAL_USERS_WRITE,
            StaffPermission.OUTBOX_READ,
            StaffPermission.SUPPORT_IMPERSONATE,
        }
    ),
    StaffRole.AUDITOR: frozenset(
        {
            StaffPermission.CONTACTS_READ,
            StaffPermission.PORTAL_USERS_READ,
            StaffPermission.OUTBOX_READ,
            StaffPermission.AUDIT_READ,
        }
    ),
}


def permissions_for_role(role: str) -> frozenset[StaffPermission]:
    """The permissions of ``role``; an unknown role has none."""
    try:
        return ROLE_PERMISSIONS[StaffRole(role)]
    except ValueError:
        return frozenset()
