"""The contact's stored portal status (``contacts.portal_status``), kept in step with the facts
it is derived from: the contact's portal user and its resource assignments.

prospect (nothing yet) -> resource assigned (something shared, no portal user) ->
invited (a portal user exists, never logged in) -> active (logged in) -> suspended.

The status is stored so that ``contacts(filter: {status})`` reads an index instead of deriving
the status of every contact by joins (1.5-2 s at 1,000,000 contacts). It is never written by
hand: every flush that creates, deletes or changes a portal user's link, login or suspension,
or a resource assignment, recomputes the status of the contacts concerned in the same
transaction (:func:`_refresh_after_flush`). Statements that bypass the ORM (``delete(...)``
of many assignments) call :func:`refresh_portal_status` themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, event, exists, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, attributes

from portal.models.contact import Contact
from portal.models.portal_user import PortalUser
from portal.models.resource import ResourceAssignment


class PortalStatus(StrEnum):
    PROSPECT = "PROSPECT"
    RESOURCE_ASSIGNED = "RESOURCE_ASSIGNED"
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


def derived_portal_status() -> ColumnElement[str]:
    """The status as the facts say it, a ``CASE`` correlated to ``contacts``: what the stored
    column is set from (and what tests compare it with)."""
    user = select(PortalUser.id).where(PortalUser.contact_id == Contact.id)
    assigned = select(ResourceAssignment.id).where(ResourceAssignment.contact_id == Contact.id)
    return case(
        (exists(user.where(PortalUser.suspended_at.is_not(None))), PortalStatus.SUSPENDED.value),
        (exists(user.where(PortalUser.last_login_at.is_not(None))), PortalStatus.ACTIVE.value),
        (exists(user), PortalStatus.INVITED.value),
        (exists(assigned), PortalStatus.RESOURCE_ASSIGNED.value),
        else_=PortalStatus.PROSPECT.value,
    )


def _refresh(session: Session, connection: Connection, contact_ids: Iterable[uuid.UUID]) -> None:
    ids = sorted(set(contact_ids))
    if not ids:
        return
    if connection.dialect.name == "postgresql":
        # Lock first, compute in a second statement: under READ COMMITTED the UPDATE's
        # subqueries read the snapshot its statement started with, so a transaction that
        # waited for another one's lock on the contact would compute from facts that no
        # longer hold. After the lock, the next statement sees every committed change.
        connection.execute(
            select(Contact.id).where(Contact.id.in_(ids)).order_by(Contact.id).with_for_update()
        )
    # A Core statement: the status is no edit of the contact (no new version, no updated_at).
    rows = connection.execute(
        update(Contact)
        .where(Contact.id.in_(ids))
        .values(portal_status=derived_portal_status())
        .returning(Contact.id, Contact.portal_status)
        .execution_options(synchronize_session=False)
    ).all()
    for contact_id, status in rows:
        # Contacts already loaded in this session show the new status too.
        loaded = session.identity_map.get(session.identity_key(Contact, contact_id))
        if loaded is not None:
            attributes.set_committed_value(loaded, "portal_status", status)


async def refresh_portal_status(session: AsyncSession, contact_ids: Iterable[uuid.UUID]) -> None:
    """Recompute the stored status of ``contact_ids`` (after a bulk statement the ORM's flush
    does not see, such as ``delete(ResourceAssignment).where(...)``)."""
    ids = [contact_id for contact_id in contact_ids if contact_id is not None]
    if not ids:
        return
    await session.flush()
    connection = await session.connection()
    await connection.run_sync(lambda sync: _refresh(session.sync_session, sync, ids))


_USER_FACTS = ("contact_id", "suspended_at", "last_login_at")


def _contacts_touched(session: Session) -> set[uuid.UUID]:
    touched: set[Any] = set()
    for obj in session.new:
        if isinstance(obj, PortalUser | ResourceAssignment):
            touched.add(obj.contact_id)
    for obj in session.deleted:
        if isinstance(obj, PortalUser | ResourceAssignment):
            touched.add(attributes.instance_state(obj).committed_state.get("contact_id"))
            touched.add(obj.contact_id)
    for obj in session.dirty:
        if isinstance(obj, PortalUser):
            names: tuple[str, ...] = _USER_FACTS
        elif isinstance(obj, ResourceAssignment):
            names = ("contact_id",)
        else:
            continue
        for name in names:
            history = attributes.get_history(obj, name)
            if not history.has_changes():
                continue
            before = [v for v in history.deleted if v is not None]
            after = [v for v in history.added if v is not None]
            if name != "contact_id" and bool(before) == bool(after):
                continue  # a new login time, not a first login: the status stays
            touched.add(obj.contact_id)
            if name == "contact_id":
                touched.update(before)
    touched.discard(None)
    return touched


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context: Any) -> None:
    touched = _contacts_touched(session)
    if touched:
        _refresh(session, session.connection(), touched)
