"""Resources, what each contact may do with them, and the portal functions groups grant."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.db import read_rows
from portal.errors import FieldError, InvalidInput
from portal.models import Contact, ContactGroup, ContactGroupMember, Resource, ResourceAssignment
from portal.models.base import PlainRow
from portal.models.portal_status import refresh_portal_status
from portal.normalization import clean_text, fold_for_search
from portal.pagination import Page, check_page_size, count_up_to_bound, decode_cursor
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.history import add_history_entry


class ResourceErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    UNKNOWN_PERMISSION = "UNKNOWN_PERMISSION"
    PERMISSION_DEPENDENCY = "PERMISSION_DEPENDENCY"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"


_LIMITS = {"kind": 50, "name": 200, "alias": 200, "url": 300, "external_reference": 100}


async def require_resource(
    session: AsyncSession, resource_id: uuid.UUID | None, field: str = "resource_id"
) -> Resource:
    """The resource, or NOT_FOUND on ``field``."""
    resource = await session.get(Resource, resource_id) if resource_id else None
    if resource is None:
        raise InvalidInput.single(ResourceErrorCode.NOT_FOUND, field, "No such resource.")
    return resource


async def save_resource(
    session: AsyncSession, actor: Actor, fields: Mapping[str, str], resource: Resource | None = None
) -> Resource:
    """Create a resource, or change the given fields of one."""
    errors = []
    values = {k: clean_text(v or "") for k, v in fields.items() if k in _LIMITS}
    for name, value in values.items():
        if len(value) > _LIMITS[name]:
            errors.append(FieldError(ResourceErrorCode.TOO_LONG, name, f"At most {_LIMITS[name]}."))
    for required in ("kind", "name"):
        if (resource is None or required in values) and not values.get(
            required, getattr(resource, required, "")
        ):
            errors.append(FieldError(ResourceErrorCode.REQUIRED, required, "Required."))
    if errors:
        raise InvalidInput(errors)
    if resource is None:
        resource = Resource(**values)
        session.add(resource)
    else:
        for name, value in values.items():
            setattr(resource, name, value)
    resource.search_text = " ".join(
        fold_for_search(p) for p in (resource.name, resource.alias, resource.url) if p
    )
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.RESOURCE_SAVE,
        subject_type=AuditSubject.RESOURCE,
        subject_id=resource.id,
        changes=dict(values),
    )
    return resource


async def search_resources(
    session: AsyncSession, search: str | None, *, first: int | None, after: str | None
) -> Page[Resource]:
    """Resources by name (case-insensitive), matching name, alias, URL or domain."""
    limit = check_page_size(first)
    conditions = [
        Resource.search_text.like(f"%{fold_for_search(word).replace('%', '').replace('_', '')}%")
        for word in (search or "").split()[:8]
    ]
    key = (func.lower(Resource.name), Resource.id)
    query = select(Resource, key[0].label("sort_name")).where(*conditions)
    if after:
        name, last = decode_cursor(after, 2)
        try:
            last_id = uuid.UUID(str(last))
        except ValueError:
            raise InvalidInput.single(
                "INVALID_CURSOR", "after", "The cursor is not valid."
            ) from None
        query = query.where(tuple_(*key) > tuple_(str(name), last_id))
    rows = (await session.execute(query.order_by(*key).limit(limit + 1))).all()
    names = {row[0].id: row[1] for row in rows}

    async def count_total() -> int:
        return await count_up_to_bound(session, Resource, conditions)

    return Page.from_rows(
        [row[0] for row in rows], limit, lambda r: (names[r.id], str(r.id)),
        after_given=after is not None, count_total=count_total,
    )  # fmt: skip


def check_permissions(settings: Settings, permissions: list[str]) -> list[str]:
    """The permissions, deduplicated and validated against the vocabulary and its
    dependencies (e.g. PUBLISH needs EDIT); raises with the first inconsistency."""
    rules = settings.resource_permission_rules
    wanted = list(dict.fromkeys(p.strip().upper() for p in permissions))
    unknown = [p for p in wanted if p not in rules]
    if unknown:
        raise InvalidInput.single(
            ResourceErrorCode.UNKNOWN_PERMISSION,
            "permissions",
            f"Unknown permission {unknown[0]}; use {', '.join(sorted(rules))}.",
        )
    for permission in wanted:
        missing = sorted(rules[permission] - set(wanted))
        if missing:
            raise InvalidInput.single(
                ResourceErrorCode.PERMISSION_DEPENDENCY,
                "permissions",
                f"{permission} requires {', '.join(missing)}.",
            )
    return sorted(wanted)


async def get_assignment(
    session: AsyncSession, contact_id: uuid.UUID, resource_id: uuid.UUID
) -> ResourceAssignment | None:
    return await session.scalar(
        select(ResourceAssignment).where(
            ResourceAssignment.contact_id == contact_id,
            ResourceAssignment.resource_id == resource_id,
        )
    )


async def assign_resource(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    contact: Contact,
    resource: Resource,
    permissions: list[str],
    *,
    replace: bool = False,
) -> ResourceAssignment:
    """Give ``contact`` access to ``resource`` (``replace``: change an existing assignment)."""
    granted = check_permissions(settings, permissions)
    assignment = await get_assignment(session, contact.id, resource.id)
    if assignment is None and replace:
        raise InvalidInput.single(ResourceErrorCode.NOT_ASSIGNED, "resource_id", "Not assigned.")
    if assignment is not None and not replace:
        raise InvalidInput.single(
            ResourceErrorCode.ALREADY_ASSIGNED, "resource_id", "Already assigned; update it."
        )
    old = list(assignment.permissions) if assignment else None
    if assignment is None:
        assignment = ResourceAssignment(
            contact_id=contact.id, resource_id=resource.id, permissions=granted
        )
        session.add(assignment)
    else:
        assignment.permissions = granted
    await session.flush()
    await add_history_entry(
        session, contact.id, actor, source=actor.history_source,
        description=f"Resource {resource.name}: {', '.join(granted) or 'no permissions'}",
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        AuditAction.RESOURCE_ASSIGN if old is None else AuditAction.RESOURCE_UPDATE_PERMISSIONS,
        subject_type=AuditSubject.RESOURCE,
        subject_id=resource.id,
        contact_id=contact.id,
        changes={"permissions": [old, granted]},
    )
    return assignment


async def unassign_resource(
    session: AsyncSession, actor: Actor, contact: Contact, resource: Resource
) -> int:
    """Remove the assignment; returns how many resources the contact still has."""
    assignment = await get_assignment(session, contact.id, resource.id)
    if assignment is None:
        raise InvalidInput.single(ResourceErrorCode.NOT_ASSIGNED, "resource_id", "Not assigned.")
    await session.delete(assignment)
    await session.flush()
    await add_history_entry(
        session, contact.id, actor, source=actor.history_source,
        description=f"Resource {resource.name} removed",
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        AuditAction.RESOURCE_UNASSIGN,
        subject_type=AuditSubject.RESOURCE,
        subject_id=resource.id,
        contact_id=contact.id,
    )
    left = await session.scalar(
        select(func.count())
        .select_from(ResourceAssignment)
        .where(ResourceAssignment.contact_id == contact.id)
    )
    return int(left or 0)


async def assignments_by_contact(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlainRow]]:
    """Each contact's resources by name, as plain rows: the resource's columns (``id``,
    ``kind``, ``name``, ``alias``, ``url``, ``external_reference``, ``created_at``) and the
    contact's ``permissions`` on it. Contacts without resources are left out."""
    result: dict[uuid.UUID, list[PlainRow]] = {}
    if not contact_ids:
        return result
    rows = await read_rows(
        session,
        select(
            ResourceAssignment.contact_id,
            ResourceAssignment.permissions,
            Resource.id,
            Resource.kind,
            Resource.name,
            Resource.alias,
            Resource.url,
            Resource.external_reference,
            Resource.created_at,
        )
        .join(Resource, Resource.id == ResourceAssignment.resource_id)
        .where(ResourceAssignment.contact_id.in_(contact_ids))
        .order_by(Resource.name),
    )
    for row in rows.all():
        result.setdefault(row.contact_id, []).append(row)
    return result
    rows = await session.execute(
        select(ResourceAssignment, Resource)
        .join(Resource, Resource.id == ResourceAssignment.resource_id)
        .where(ResourceAssignment.contact_id.in_(contact_ids))
        .order_by(Resource.name)
    )
    for assignment, resource in rows.all():
        result.setdefault(assignment.contact_id, []).append((assignment, resource))
    return result


async def set_group_permissions(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    group: ContactGroup,
    permissions: list[str],
) -> None:
    """The portal functions a group grants its members (from the configured vocabulary)."""
    wanted = sorted({p.strip().upper() for p in permissions})
    unknown = [p for p in wanted if p not in settings.feature_permissions]
    if unknown:
        raise InvalidInput.single(
            ResourceErrorCode.UNKNOWN_PERMISSION,
            "permissions",
            f"Unknown portal permission {unknown[0]}; "
            f"use {', '.join(settings.feature_permissions)}.",
        )
    old = list(group.portal_permissions or [])
    group.portal_permissions = wanted
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.GROUP_SET_PERMISSIONS,
        subject_type=AuditSubject.CONTACT_GROUP,
        subject_id=group.id,
        changes={"portal_permissions": [old, wanted]},
    )


async def feature_permissions_of(session: AsyncSession, contact_id: uuid.UUID) -> frozenset[str]:
    """The union of the portal functions the contact's groups grant."""
    rows = await session.scalars(
        select(ContactGroup.portal_permissions)
        .join(ContactGroupMember, ContactGroupMember.group_id == ContactGroup.id)
        .where(ContactGroupMember.contact_id == contact_id)
    )
    return frozenset(p for permissions in rows for p in permissions or [])


async def delete_resource(session: AsyncSession, actor: Actor, resource: Resource) -> None:
    holders = await session.scalars(
        delete(ResourceAssignment)
        .where(ResourceAssignment.resource_id == resource.id)
        .returning(ResourceAssignment.contact_id)
    )
    # A bulk statement the flush does not see: the holders' stored status follows here.
    await refresh_portal_status(session, list(holders))
    await session.delete(resource)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.RESOURCE_DELETE,
        subject_type=AuditSubject.RESOURCE,
        subject_id=resource.id,
    )
