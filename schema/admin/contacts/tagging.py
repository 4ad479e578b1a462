"""Groups and tags in the staff API."""

from __future__ import annotations

import uuid

import strawberry

from identity.permissions import StaffPermission
from portal.services import contacts
from portal.services.contacts import groups_tags
from schema.admin.contacts.types import ContactNode, GroupNode, TagNode
from schema.common.contacts import ContactError
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

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


async def _may_manage_central_tags(info: Info) -> bool:
    return (await info.context.require_staff()).can(StaffPermission.SETTINGS_WRITE)


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
        group = await groups_tags.require_group(
            info.context.session, from_global_id("ContactGroup", id)
        )
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
        group = await groups_tags.require_group(
            info.context.session, from_global_id("ContactGroup", id)
        )
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
        tag = await groups_tags.save_tag(
            info.context.session, await info.context.staff_actor(), name, is_central,
            may_manage_central=await _may_manage_central_tags(info),
        )  # fmt: skip
        return TagPayload(tag=TagNode.from_row(tag))

    @strawberry.mutation(
        description="Rename a tag or change whether it is central.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def update_tag(
        self, info: Info, id: strawberry.ID, name: str, is_central: bool
    ) -> TagPayload:
        tag = await groups_tags.require_tag(info.context.session, from_global_id("Tag", id))
        await groups_tags.save_tag(
            info.context.session, await info.context.staff_actor(), name, is_central, tag,
            may_manage_central=await _may_manage_central_tags(info),
        )  # fmt: skip
        return TagPayload(tag=TagNode.from_row(tag))

    @strawberry.mutation(
        description="Delete a tag from every contact.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def delete_tag(self, info: Info, id: strawberry.ID) -> TagPayload:
        tag = await groups_tags.require_tag(info.context.session, from_global_id("Tag", id))
        await groups_tags.delete_tag(
            info.context.session, await info.context.staff_actor(), tag,
            may_manage_central=await _may_manage_central_tags(info),
        )  # fmt: skip
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
