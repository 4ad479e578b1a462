"""Groups (named, with a description) and tags (free labels, some set centrally)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import read_rows
from portal.errors import FieldError, InvalidInput
from portal.models import Contact, ContactGroup, ContactGroupMember, ContactTag, Tag
from portal.models.base import PlainRow
from portal.normalization import clean_name, clean_text
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactErrorCode
from portal.services.contacts.history import add_history_entry

MAX_NAME = 60


def _check_name(name: str, limit: int) -> str:
    text = clean_name(name)
    if not text:
        raise InvalidInput.single(ContactErrorCode.REQUIRED, "name", "A name is required.")
    if len(text) > limit:
        raise InvalidInput.single(ContactErrorCode.TOO_LONG, "name", f"At most {limit} characters.")
    return text


async def save_group(
    session: AsyncSession,
    actor: Actor,
    name: str,
    description: str,
    group: ContactGroup | None = None,
) -> ContactGroup:
    """Create a group, or rename / re-describe one; names are unique."""
    text = _check_name(name, 100)
    # Case-folded in Python: SQLite's lower() folds ASCII only ("Ärger" vs "ÄRGER"). Groups are
    # a short, staff-kept list, so reading their names is cheap.
    wanted = text.casefold()
    names = await session.execute(select(ContactGroup.id, ContactGroup.name))
    clash = next((id_ for id_, other in names if other.casefold() == wanted), None)
    if clash is not None and (group is None or clash != group.id):
        raise InvalidInput.single(ContactErrorCode.NAME_TAKEN, "name", "A group has this name.")
    try:
        async with session.begin_nested():
            if group is None:
                group = ContactGroup(name=text, description=clean_text(description, multiline=True))
                session.add(group)
            else:
                group.name, group.description = text, clean_text(description, multiline=True)
    except IntegrityError:  # the same name saved concurrently
        raise InvalidInput.single(
            ContactErrorCode.NAME_TAKEN, "name", "A group has this name."
        ) from None
    await audit.record(
        session,
        actor,
        AuditAction.GROUP_SAVE,
        subject_type=AuditSubject.CONTACT_GROUP,
        subject_id=group.id,
        changes={"name": text},
    )
    return group


async def delete_group(session: AsyncSession, actor: Actor, group: ContactGroup) -> None:
    await session.delete(group)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.GROUP_DELETE,
        subject_type=AuditSubject.CONTACT_GROUP,
        subject_id=group.id,
    )


async def set_contact_groups(
    session: AsyncSession, actor: Actor, contact: Contact, group_ids: list[uuid.UUID]
) -> list[ContactGroup]:
    """Replace the contact's groups."""
    wanted = set(group_ids)
    groups = (
        list(await session.scalars(select(ContactGroup).where(ContactGroup.id.in_(wanted))))
        if wanted
        else []
    )
    if len(groups) != len(wanted):
        raise InvalidInput.single(ContactErrorCode.NOT_FOUND, "group_ids", "Unknown group.")
    before = set(
        await session.scalars(
            select(ContactGroupMember.group_id).where(ContactGroupMember.contact_id == contact.id)
        )
    )
    if before == wanted:
        return groups
    await session.execute(
        delete(ContactGroupMember).where(ContactGroupMember.contact_id == contact.id)
    )
    session.add_all(ContactGroupMember(contact_id=contact.id, group_id=g) for g in wanted)
    await session.flush()
    names = sorted(g.name for g in groups)
    await add_history_entry(
        session, contact.id, actor, source=actor.history_source,
        description="Groups: " + (", ".join(names) or "none"),
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_SET_GROUPS,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes={"groups": [sorted(map(str, before)), sorted(map(str, wanted))]},
    )
    return groups


async def find_or_create_tags(session: AsyncSession, names: list[str]) -> list[Tag]:
    """The tags with these names (case-insensitive), creating missing ones as non-central."""
    tags = []
    for index, raw in enumerate(names):
        text = clean_name(raw)
        if not text or len(text) > MAX_NAME:
            raise InvalidInput(
                [FieldError(ContactErrorCode.TOO_LONG if text else ContactErrorCode.REQUIRED,
                            f"tags.{index}", f"A tag has 1 to {MAX_NAME} characters.")]
            )  # fmt: skip
        tag = await session.scalar(select(Tag).where(Tag.name_normalized == text.lower()))
        if tag is None:
            tag = Tag(name=text, name_normalized=text.lower(), is_central=False)
            try:
                async with session.begin_nested():
                    session.add(tag)
            except IntegrityError:  # created concurrently
                tag = await session.scalar(select(Tag).where(Tag.name_normalized == text.lower()))
                assert tag is not None
        tags.append(tag)
    return tags


async def change_tags(
    session: AsyncSession, actor: Actor, contact: Contact, names: list[str], *, add: bool
) -> None:
    """Add (creating unknown tags) or remove tags by name."""
    if add:
        tags = await find_or_create_tags(session, names)
    else:
        folded = [clean_name(n).lower() for n in names]
        tags = list(await session.scalars(select(Tag).where(Tag.name_normalized.in_(folded))))
    current = set(
        await session.scalars(select(ContactTag.tag_id).where(ContactTag.contact_id == contact.id))
    )
    touched = [t for t in tags if (t.id not in current) == add]
    if not touched:
        return
    if add:
        session.add_all(ContactTag(contact_id=contact.id, tag_id=t.id) for t in touched)
    else:
        await session.execute(
            delete(ContactTag).where(
                ContactTag.contact_id == contact.id, ContactTag.tag_id.in_([t.id for t in touched])
            )
        )
    await session.flush()
    label = ", ".join(sorted(t.name for t in touched))
    await add_history_entry(
        session, contact.id, actor, source=actor.history_source,
        description=("Tags added: " if add else "Tags removed: ") + label,
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_ADD_TAGS if add else AuditAction.CONTACT_REMOVE_TAGS,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes={"tags": sorted(t.name for t in touched)},
    )


async def all_groups(session: AsyncSession) -> list[ContactGroup]:
    """Every contact group, by name."""
    return list(await session.scalars(select(ContactGroup).order_by(ContactGroup.name)))


async def all_tags(session: AsyncSession) -> list[Tag]:
    """Every tag, by name."""
    return list(await session.scalars(select(Tag).order_by(Tag.name_normalized)))


async def require_group(
    session: AsyncSession, group_id: uuid.UUID | None, field: str = "id"
) -> ContactGroup:
    """The group, or NOT_FOUND on ``field``."""
    group = await session.get(ContactGroup, group_id) if group_id else None
    if group is None:
        raise InvalidInput.single(ContactErrorCode.NOT_FOUND, field, "No such group.")
    return group


async def require_tag(session: AsyncSession, tag_id: uuid.UUID | None, field: str = "id") -> Tag:
    """The tag, or NOT_FOUND on ``field``."""
    tag = await session.get(Tag, tag_id) if tag_id else None
    if tag is None:
        raise InvalidInput.single(ContactErrorCode.NOT_FOUND, field, "No such tag.")
    return tag


def _require_central_right(central: bool, may_manage_central: bool) -> None:
    """Central tags (set for the whole organisation, e.g. by a franchise) are admins' to set,
    change and delete."""
    if central and not may_manage_central:
        raise InvalidInput.single(
            ContactErrorCode.CENTRAL_TAG, "is_central", "Central tags are set by admins."
        )


async def save_tag(
    session: AsyncSession,
    actor: Actor,
    name: str,
    is_central: bool,
    tag: Tag | None = None,
    *,
    may_manage_central: bool,
) -> Tag:
    """Create a tag, or rename one or change whether it is central."""
    _require_central_right(is_central or (tag is not None and tag.is_central), may_manage_central)
    text = _check_name(name, MAX_NAME)
    clash = await session.scalar(select(Tag.id).where(Tag.name_normalized == text.lower()))
    if clash is not None and (tag is None or clash != tag.id):
        raise InvalidInput.single(ContactErrorCode.NAME_TAKEN, "name", "A tag has this name.")
    if tag is None:
        tag = Tag(name=text, name_normalized=text.lower(), is_central=is_central)
        session.add(tag)
    else:
        tag.name, tag.name_normalized, tag.is_central = text, text.lower(), is_central
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.TAG_SAVE,
        subject_type=AuditSubject.TAG,
        subject_id=tag.id,
        changes={"name": text, "is_central": is_central},
    )
    return tag


async def delete_tag(
    session: AsyncSession, actor: Actor, tag: Tag, *, may_manage_central: bool
) -> None:
    """Delete a tag from every contact."""
    _require_central_right(tag.is_central, may_manage_central)
    await session.delete(tag)
    await session.flush()
    await audit.record(
        session, actor, AuditAction.TAG_DELETE, subject_type=AuditSubject.TAG, subject_id=tag.id
    )


async def groups_by_contact(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlainRow]]:
    """Each contact's groups by name, as plain rows (``id``, ``name``, ``description``): what
    a page of contacts shows needs no ORM objects."""
    result: dict[uuid.UUID, list[PlainRow]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return result
    rows = await read_rows(
        session,
        select(
            ContactGroupMember.contact_id,
            ContactGroup.id,
            ContactGroup.name,
            ContactGroup.description,
        )
        .join(ContactGroup, ContactGroup.id == ContactGroupMember.group_id)
        .where(ContactGroupMember.contact_id.in_(contact_ids))
        .order_by(ContactGroup.name),
    )
    for row in rows.all():
        result[row.contact_id].append(row)
    return result


async def tags_by_contact(
    session: AsyncSession, contact_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PlainRow]]:
    """Each contact's tags by name, as plain rows (``id``, ``name``, ``is_central``)."""
    result: dict[uuid.UUID, list[PlainRow]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return result
    rows = await read_rows(
        session,
        select(ContactTag.contact_id, Tag.id, Tag.name, Tag.is_central)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(contact_ids))
        .order_by(Tag.name_normalized),
    )
    for row in rows.all():
        result[row.contact_id].append(row)
    return result
    rows = await session.execute(
        select(ContactTag.contact_id, Tag)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(contact_ids))
        .order_by(Tag.name_normalized)
    )
    for contact_id, tag in rows.all():
        result[contact_id].append(tag)
    return result
