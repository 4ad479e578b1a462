"""The contact's portal status, derived from facts and never edited by hand.

prospect (nothing yet) -> resource assigned (something shared, no portal user) ->
invited (a portal user exists, never logged in) -> active (logged in) -> suspended.
One SQL expression serves both the field and the ``contacts`` filter, so they always agree.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, case, exists, select

from portal.models import Contact, PortalUser, ResourceAssignment
from portal.models.base import PlainRow


class PortalStatus(StrEnum):
    PROSPECT = "PROSPECT"
    RESOURCE_ASSIGNED = "RESOURCE_ASSIGNED"
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


def portal_status_expression() -> ColumnElement[str]:
    """``CASE`` over the contact's portal user and resources, correlated to ``contacts``."""
    user = select(PortalUser.id).where(PortalUser.contact_id == Contact.id)
    assigned = select(ResourceAssignment.id).where(ResourceAssignment.contact_id == Contact.id)
    return case(
        (exists(user.where(PortalUser.suspended_at.is_not(None))), PortalStatus.SUSPENDED.value),
        (exists(user.where(PortalUser.last_login_at.is_not(None))), PortalStatus.ACTIVE.value),
        (exists(user), PortalStatus.INVITED.value),
        (exists(assigned), PortalStatus.RESOURCE_ASSIGNED.value),
        else_=PortalStatus.PROSPECT.value,
    )


def status_of(user: PortalUser | PlainRow | None, has_resources: bool = False) -> PortalStatus:
    """The same rule in Python, for a contact whose portal user is already loaded."""
    if user is None:
        return PortalStatus.RESOURCE_ASSIGNED if has_resources else PortalStatus.PROSPECT
    if user.suspended_at is not None:
        return PortalStatus.SUSPENDED
    if user.last_login_at is not None:
        return PortalStatus.ACTIVE
    return PortalStatus.INVITED
