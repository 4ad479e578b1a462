"""Groups and tags in the staff API."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.services import contacts
from portal.services.contacts import groups_tags
from schema.admin.contacts.types import ContactNode, GroupNode, TagNode
from schema.common.contacts import ContactError
from schema.common.descriptions import PAYLOAD_ERRORS, ContactId
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]

GroupId = Annotated[
    strawberry.ID, strawberry.argument(description="Global id (`ContactGroup.id`) of the group.")
]
GroupName = Annotated[
    str,
    strawberry.argument(
        description="Name of the group: 1 to 100 characters, unique (case-insensitive)."
    ),
]
GroupDescription = Annotated[
    str,
    strawberry.argument(description="What the group is for; free text, may be empty."),
]
TagId = Annotated[
    strawberry.ID, strawberry.argument(description="Global id (`Tag.id`) of the tag.")
]
TagName = Annotated[
    str,
    strawberry.argument(
        description="Name of the tag: 1 to 60 characters, unique (case-insensitive)."
    ),
]
IsCentral = Annotated[
    bool,
    strawberry.argument(
        description="Whether the tag is central (set by admins, e.g. for a franchise); needs "
        "the settings:write permission."
    ),
]
TagNames = Annotated[
    list[str],
    strawberry.argument(description="Tag names (case-insensitive)."),
]


@strawberry.type(description="Result of a group mutation.")
class GroupPayload:
    group: GroupNode | None = strawberry.field(
        default=None,
        description="The group after the change; null after a deletion or when `errors` is not "
        "empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of a tag mutation.")
class TagPayload:
    tag: TagNode | None = strawberry.field(
        default=None,
        description="The tag after the change; null after a deletion or when `errors` is not "
        "empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of setContactGroups, addTags, removeTags.")
class ContactTaggingPayload:
    contact: ContactNode | None = strawberry.field(
        default=None,
        description="The contact with its groups and tags after the change; null when "
        "`errors` is not empty.",
    )
    errors: list[ContactError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


async def _may_manage_central_tags(info: Info) -> bool:
    return (await info.context.require_staff()).can(StaffPermission.SETTINGS_WRITE)


@strawberry.type
class TaggingMutation:
    @strawberry.mutation(
        description=("Create a contact group; names are unique (case-insensitive)."),
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def create_contact_group(
        self, info: Info, name: GroupName, description: GroupDescription = ""
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
        self, info: Info, id: GroupId, name: GroupName, description: GroupDescription = ""
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
    async def delete_contact_group(self, info: Info, id: GroupId) -> GroupPayload:
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
    async def create_tag(
        self, info: Info, name: TagName, is_central: IsCentral = False
    ) -> TagPayload:
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
        self, info: Info, id: TagId, name: TagName, is_central: IsCentral
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
    async def delete_tag(self, info: Info, id: TagId) -> TagPayload:
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
        contact_id: ContactId,
        group_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global ids (`ContactGroup.id`) of all groups the contact is to "
                "belong to; an empty list removes it from every group."
            ),
        ],
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
        self, info: Info, contact_id: ContactId, tags: TagNames
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
        self, info: Info, contact_id: ContactId, tags: TagNames
    ) -> ContactTaggingPayload:
        contact = await contacts.require_contact(
            info.context.session, from_global_id("Contact", contact_id), "contact_id"
        )
        await groups_tags.change_tags(
            info.context.session, await info.context.staff_actor(), contact, tags, add=False
        )
        return ContactTaggingPayload(contact=ContactNode.from_row(contact))
