"""Staff administration: admins list staff, change roles, deactivate, reactivate and delete
(invitations: :mod:`identity.staff_invitations`).

The last active admin can never be demoted, deactivated or deleted: the guard locks every active
admin row (PostgreSQL, in id order) before counting, so two admins demoting each other at the
same moment cannot both succeed; on SQLite the writer lock serialises them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.errors import StaffAdminErrorCode as Code
from identity.impersonation import end as end_impersonation
from identity.permissions import StaffRole
from identity.sessions import STAFF_SESSIONS, revoke_all_sessions
from identity.staff_invitations import email_staff, revoke_staff_invitations
from identity.states import StaffState, staff_state_of
from portal.errors import InvalidInput
from portal.models import Impersonation, StaffUser
from portal.models.base import session_now
from portal.pagination import Page, check_page_size, decode_cursor
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject


def _state_condition(state: StaffState) -> ColumnElement[bool]:
    if state is StaffState.DEACTIVATED:
        return StaffUser.is_active.is_(False)
    has_password = StaffUser.password_hash.is_not(None)
    if state is StaffState.ACTIVE:
        return and_(StaffUser.is_active.is_(True), has_password)
    return and_(StaffUser.is_active.is_(True), StaffUser.password_hash.is_(None))


async def list_staff(
    session: AsyncSession,
    *,
    role: StaffRole | None = None,
    state: StaffState | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[StaffUser]:
    """Staff accounts ordered by normalised email (keyset; the unique index serves the order,
    ``ix_staff_users_role_email_normalized`` a role filter)."""
    limit = check_page_size(first)
    conditions: list[ColumnElement[bool]] = []
    if role is not None:
        conditions.append(StaffUser.role == role.value)
    if state is not None:
        conditions.append(_state_condition(state))
    query = select(StaffUser).where(*conditions)
    if after:
        (last_email,) = decode_cursor(after, 1)
        query = query.where(StaffUser.email_normalized > str(last_email))
    rows = (
        await session.scalars(query.order_by(StaffUser.email_normalized).limit(limit + 1))
    ).all()

    async def count() -> int:
        total = await session.scalar(select(func.count()).select_from(StaffUser).where(*conditions))
        return int(total or 0)

    return Page.from_rows(
        rows,
        limit,
        lambda row: (row.email_normalized,),
        after_given=after is not None,
        count_total=count,
    )


async def get_staff(session: AsyncSession, staff_id: uuid.UUID | None) -> StaffUser:
    """The staff account, or NOT_FOUND. Not row-locked here: the last-admin guard locks every
    active admin in one statement, in id order, so two changes never wait on each other."""
    staff = await session.get(StaffUser, staff_id, populate_existing=True) if staff_id else None
    if staff is None:
        raise InvalidInput.single(Code.NOT_FOUND, "id", "No such staff member.")
    return staff


async def _ensure_not_last_admin(session: AsyncSession, staff: StaffUser, field: str) -> None:
    """Refuse when ``staff`` is the only active admin who can log in."""
    if staff.role != StaffRole.ADMIN or staff_state_of(staff) is not StaffState.ACTIVE:
        return
    admins = (
        await session.scalars(
            select(StaffUser.id)
            .where(
                StaffUser.role == StaffRole.ADMIN.value,
                _state_condition(StaffState.ACTIVE),
            )
            .order_by(StaffUser.id)
            .with_for_update()
        )
    ).all()
    # Re-read after the lock: a concurrent change committed meanwhile may have moved this row.
    await session.refresh(staff)
    if staff.role != StaffRole.ADMIN or len([a for a in admins if a != staff.id]) == 0:
        raise InvalidInput.single(
            Code.LAST_ADMIN, field, "The last active admin cannot lose the admin role."
        )


async def change_staff_role(
    session: AsyncSession, staff: StaffUser, role: StaffRole, actor: Actor
) -> None:
    """Give ``staff`` another role (emailed to them); the last active admin keeps theirs."""
    if staff.role == role.value:
        return
    if role is not StaffRole.ADMIN:
        await _ensure_not_last_admin(session, staff, "role")
    old = staff.role
    staff.role = role.value
    await email_staff(
        session,
        staff,
        "staff_role_changed",
        {
            "old_role": old,
            "new_role": role.value,
            "changed_by": actor.name,
        },
    )
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_ROLE_CHANGE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
        changes={"role": [old, role.value]},
    )


async def _end_impersonations(session: AsyncSession, staff: StaffUser, actor: Actor) -> None:
    """End every impersonation ``staff`` runs, with the customer session it opened."""
    rows = await session.scalars(
        select(Impersonation)
        .where(Impersonation.staff_user_id == staff.id, Impersonation.ended_at.is_(None))
        .with_for_update()
    )
    for row in rows.all():
        await end_impersonation(session, row, "REVOKED", actor)


async def deactivate_staff(
    session: AsyncSession, staff: StaffUser, by: StaffUser, actor: Actor
) -> None:
    """Block ``staff`` at once: every session and impersonation they run ends, open setup
    links die, and they are emailed. Not oneself, and never the last active admin."""
    if staff.id == by.id:
        raise InvalidInput.single(
            Code.NOT_ALLOWED_ON_SELF, "id", "You cannot deactivate your own account."
        )
    if not staff.is_active:
        return
    await _ensure_not_last_admin(session, staff, "id")
    staff.is_active = False
    staff.deactivated_at = session_now(session)
    await revoke_all_sessions(session, STAFF_SESSIONS, staff.id)
    await revoke_staff_invitations(session, staff.id)
    await _end_impersonations(session, staff, actor)
    await email_staff(
        session,
        staff,
        "staff_deactivated",
        {"deactivated_by": actor.name},
    )
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_DEACTIVATE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )


async def reactivate_staff(session: AsyncSession, staff: StaffUser, actor: Actor) -> None:
    """Let a deactivated member log in again (their old sessions stay ended)."""
    if staff.is_active:
        return
    staff.is_active = True
    staff.deactivated_at = None
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_REACTIVATE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
    )


async def delete_staff(
    session: AsyncSession, staff: StaffUser, by: StaffUser, actor: Actor
) -> None:
    """Remove the account; audit entries keep the actor's name, impersonations the staff
    name, and the member's import tokens die with it. Not oneself, never the last admin."""
    if staff.id == by.id:
        raise InvalidInput.single(
            Code.NOT_ALLOWED_ON_SELF, "id", "You cannot delete your own account."
        )
    await _ensure_not_last_admin(session, staff, "id")
    await _end_impersonations(session, staff, actor)
    await audit.record(
        session,
        actor,
        AuditAction.STAFF_DELETE,
        subject_type=AuditSubject.STAFF_USER,
        subject_id=staff.id,
        changes={"email": staff.email, "role": staff.role, "display_name": staff.display_name},
    )
    await session.delete(staff)
    await session.flush()
