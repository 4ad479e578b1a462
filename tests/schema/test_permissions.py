"""Permission classes answer UNAUTHENTICATED and FORBIDDEN as top-level errors."""

from __future__ import annotations

from identity.permissions import StaffPermission, StaffRole, permissions_for_role
from schema.common.permissions import HasPermission


def test_roles_map_to_permission_sets() -> None:
    assert permissions_for_role(StaffRole.ADMIN) == frozenset(StaffPermission)
    support = permissions_for_role(StaffRole.SUPPORT)
    assert StaffPermission.CONTACTS_READ in support
    assert StaffPermission.CONTACTS_DELETE not in support
    assert StaffPermission.SUPPORT_IMPERSONATE_FULL not in support
    assert permissions_for_role("intern") == frozenset()


def test_has_permission_classes_are_shared_per_permission() -> None:
    assert HasPermission("contacts:read") is HasPermission(StaffPermission.CONTACTS_READ)
    assert HasPermission("contacts:read").error_extensions == {"code": "FORBIDDEN"}
