"""The contact's portal status: stored on the contact (see :mod:`portal.models.portal_status`,
which keeps it in step with the facts), and the same rule in Python for rows already loaded.
"""

from __future__ import annotations

from portal.models.base import PlainRow
from portal.models.portal_status import (
    PortalStatus,
    derived_portal_status,
    refresh_portal_status,
)
from portal.models.portal_user import PortalUser

__all__ = ["PortalStatus", "derived_portal_status", "refresh_portal_status", "status_of"]


def status_of(user: PortalUser | PlainRow | None, has_resources: bool = False) -> PortalStatus:
    """The rule of :func:`~portal.models.portal_status.derived_portal_status` in Python, for a
    contact whose portal user is already loaded."""
    if user is None:
        return PortalStatus.RESOURCE_ASSIGNED if has_resources else PortalStatus.PROSPECT
    if user.suspended_at is not None:
        return PortalStatus.SUSPENDED
    if user.last_login_at is not None:
        return PortalStatus.ACTIVE
    return PortalStatus.INVITED
