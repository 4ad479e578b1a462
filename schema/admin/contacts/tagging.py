"""Groups and tags in the staff API."""

from __future__ import annotations

import uuid
from typing import TypeVar

import strawberry

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.models import ContactGroup, Tag
from portal.services import contacts
from portal.services.contacts import groups_tags
from schema.admin.contacts.types import ContactNode, GroupNode, TagNode
from schema.common.contacts import ContactError
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

T = TypeVar("T", ContactGroup, Tag)

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]


@strawberry.type(description="Result of a group mutation.")
class GroupPayload:
    group: GroupNode | None = None
    errors: list[ContactError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a tag mutation.")
class TagPayload:
    tag: TagNode | None = None
    errors: list[ContactError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of setContactGroups, addTags, removeTags.")
class ContactTaggingPayload:
    contact: ContactNode | None = None
    errors: list[ContactError] = strawberry.field(default_factory=list)


async def _row(info: Info, model: type[T], kind: str, id: strawberry.ID) -> T:
    row_id = from_global_id(kind, id)
    row = await info.context.session.get(model, row_id) if row_id else None
    if row is None:
        raise InvalidInput.single(contacts.ContactErrorCode.NOT_FOUND, "id", f"No such {kind}.")
    return row


@strawberry.type
class TaggingMutation:
    @strawberry.mutation(
        description="Create a contact group.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def create_contact_group(
        self, info: Info, name: str, description: str = ""
    ) -> GroupPayload:
        group = await groups_tags.save_group(
            info.context.session, await info.context.staff_actor(), name, description
        )
        return GroupPayload(group=GroupNode.from_row(group))

    @strawberry.mutation(
        description="Rename or re-describe a group.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def update_contact_group(
        self, info: Info, id: strawberry.ID, name: str, description: str = ""
    ) -> GroupPayload:
        group = await _row(info, ContactGroup, "ContactGroup", id)
        await groups_tags.save_group(
            info.context.session, await info.context.staff_actor(), name, description, group
        )
        return GroupPayload(group=GroupNode.from_row(group))

    @strawberry.mutation(
        description="Delete a group (contacts stay).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def delete_contact_group(self, info: Info, id: strawberry.ID) -> GroupPayload:
        group = await _row(info, ContactGroup, "ContactGroup", id)
        await groups_tags.delete_group(
            info.context.session, await info.context.staff_actor(), group
        )
        return GroupPayload()

    @strawberry.mutation(
        description="Create a tag; central tags need the settings:write permission.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def create_tag(self, info: Info, name: str, is_central: bool = False) -> TagPayload:
        await _require_central_permission(info, is_central)
        tag = await groups_tags.save_tag(
            info.context.session, await info.context.staff_actor(), name, is_central
        )
        return TagPayload(tag=TagNode.from_row(tag))

    @strawberry.mutation(
        description="Rename a tag or change whether it is central.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def update_tag(
        self, info: Info, id: strawberry.ID, name: str, is_central: bool
    ) -> TagPayload:
        tag = await _row(info, Tag, "Tag", id)
        await _require_central_permission(info, is_central or tag.is_central)
        await groups_tags.save_tag(
            info.context.session, await info.context.staff_actor(), name, is_central, tag
        )
        return TagPayload(tag=TagNode.from_row(tag))

    @strawberry.mutation(
        description="Delete a tag from every contact.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def delete_tag(self, info: Info, id: strawberry.ID) -> TagPayload:
        tag = await _row(info, Tag, "Tag", id)
        await _require_central_permission(info, tag.is_central)
        await groups_tags.delete_tag(info.context.session, await info.context.staff_actor(), tag)
        return TagPayload()

    @strawberry.mutation(
        description="Replace the contact's groups.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def set_contact_groups(
        self,
        info: Info,
        contact_id: strawberry.ID,
        group_ids: list[strawberry.ID],
    ) -> ContactTaggingPayload:
        contact = await contacts.require_contact(
            info.context.session, from_global_id("Contact", contact_id), "contact_id"
        )
        ids = [from_global_id("ContactGroup", g) or uuid.UUID(int=0) for g in group_ids]
        await groups_tags.set_contact_groups(
            info.context.session, await info.context.staff_actor(), contact, ids
        )
        return ContactTaggingPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Add tags by name; unknown tags are created (not central).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def add_tags(
        self, info: Info, contact_id: strawberry.ID, tags: list[str]
    ) -> ContactTaggingPayload:
        contact = await contacts.require_contact(
            info.context.session, from_global_id("Contact", contact_id), "contact_id"
        )
        await groups_tags.change_tags(
            info.context.session, await info.context.staff_actor(), contact, tags, add=True
        )
        return ContactTaggingPayload(contact=ContactNode.from_row(contact))

    @strawberry.mutation(
        description="Remove tags by name.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def remove_tags(
        self, info: Info, contact_id: strawberry.ID, tags: list[str]
    ) -> ContactTaggingPayload:
        contact = await contacts.require_contact(
            info.context.session, from_global_id("Contact", contact_id), "contact_id"
        )
        await groups_tags.change_tags(
            info.context.session, await info.context.staff_actor(), contact, tags, add=False
        )
        return ContactTaggingPayload(contact=ContactNode.from_row(contact))


async def _require_central_permission(info: Info, central: bool) -> None:
    if central and not (await info.context.require_staff()).can(StaffPermission.SETTINGS_WRITE):
        raise InvalidInput.single(
            contacts.ContactErrorCode.CENTRAL_TAG, "is_central", "Central tags are set by admins."
        )
