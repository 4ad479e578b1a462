"""Resource mutations of the staff API: resources, their assignment to contacts, and the
portal functions groups grant."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.models import Resource
from portal.services import resources as service
from portal.services.contacts import require_contact
from portal.services.contacts.groups_tags import require_group
from schema.admin.contacts.types import GroupNode
from schema.admin.resources.types import ResourceError, ResourceGrant, ResourceNode
from schema.common.descriptions import PAYLOAD_ERRORS, ContactId, describe_values
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]

ResourceId = Annotated[
    strawberry.ID, strawberry.argument(description="Global id (`Resource.id`) of the resource.")
]
Permissions = Annotated[
    list[str],
    strawberry.argument(
        description="The permissions to grant, from the vocabulary (any case, duplicates "
        "ignored); every permission's requirements must be in the list too."
    ),
]


@strawberry.enum(name="ResourceGrantWarning", description="Something staff should look at.")
class GrantWarning(StrEnum):
    NO_RESOURCES_LEFT = "NO_RESOURCES_LEFT"


describe_values(
    GrantWarning,
    {"NO_RESOURCES_LEFT": "The contact's portal is now empty (consider suspending access)."},
)


@strawberry.input(description="Fields of a resource; in updates omitted fields stay.")
class ResourceInput:
    kind: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="What it is (website, contract, meter, ...); required, at most 50 characters.",
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name; required, at most 200 characters."
    )
    alias: str | None = strawberry.field(
        default=strawberry.UNSET, description="Shorter display name; at most 200 characters."
    )
    url: str | None = strawberry.field(
        default=strawberry.UNSET, description="URL or domain; at most 300 characters."
    )
    external_reference: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The resource's id in another system; at most 100 characters.",
    )

    def given(self) -> dict[str, str]:
        return {k: v or "" for k, v in vars(self).items() if v is not strawberry.UNSET}


@strawberry.type(description="Result of a resource mutation.")
class ResourcePayload:
    resource: ResourceNode | None = strawberry.field(
        default=None,
        description="The resource after the change; null after a deletion or when `errors` is "
        "not empty.",
    )
    errors: list[ResourceError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(
    description="Result of assignResource, updateResourcePermissions, unassignResource."
)
class ResourceGrantPayload:
    grant: ResourceGrant | None = strawberry.field(
        default=None,
        description="The assignment with its permissions now; null after unassignResource or "
        "when `errors` is not empty.",
    )
    warning: GrantWarning | None = strawberry.field(
        default=None, description="Something staff should look at; null when all is well."
    )
    errors: list[ResourceError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


@strawberry.type(description="Result of setGroupPortalPermissions.")
class GroupPermissionsPayload:
    group: GroupNode | None = strawberry.field(
        default=None, description="The group; null when `errors` is not empty."
    )
    portal_permissions: list[str] = strawberry.field(
        default_factory=list,
        description="The portal functions the group grants now (upper case, e.g. DIRECTORY).",
    )
    errors: list[ResourceError] = strawberry.field(default_factory=list, description=PAYLOAD_ERRORS)


async def _resource(info: Info, resource_id: strawberry.ID) -> Resource:
    return await service.require_resource(
        info.context.session, from_global_id("Resource", resource_id)
    )


@strawberry.type
class ResourceMutation:
    @strawberry.mutation(
        description=("Create a resource to share with contacts (see assignResource)."),
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def create_resource(
        self,
        info: Info,
        input: Annotated[ResourceInput, strawberry.argument(description="The new resource.")],
    ) -> ResourcePayload:
        row = await service.save_resource(
            info.context.session, await info.context.staff_actor(), input.given()
        )
        return ResourcePayload(resource=ResourceNode.from_row(row))

    @strawberry.mutation(
        description="Change a resource.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def update_resource(
        self,
        info: Info,
        id: ResourceId,
        input: Annotated[ResourceInput, strawberry.argument(description="The fields to change.")],
    ) -> ResourcePayload:
        row = await _resource(info, id)
        await service.save_resource(
            info.context.session, await info.context.staff_actor(), input.given(), row
        )
        return ResourcePayload(resource=ResourceNode.from_row(row))

    @strawberry.mutation(
        description="Delete a resource and every assignment of it.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def delete_resource(self, info: Info, id: ResourceId) -> ResourcePayload:
        row = await _resource(info, id)
        await service.delete_resource(info.context.session, await info.context.staff_actor(), row)
        return ResourcePayload()

    @strawberry.mutation(
        description="Share a resource with a contact, with permissions from the vocabulary "
        "(dependencies are checked, e.g. PUBLISH requires EDIT).",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def assign_resource(
        self,
        info: Info,
        contact_id: ContactId,
        resource_id: ResourceId,
        permissions: Permissions,
    ) -> ResourceGrantPayload:
        return await _grant(info, contact_id, resource_id, permissions, replace=False)

    @strawberry.mutation(
        description="Replace the permissions of an assignment.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def update_resource_permissions(
        self,
        info: Info,
        contact_id: ContactId,
        resource_id: ResourceId,
        permissions: Permissions,
    ) -> ResourceGrantPayload:
        return await _grant(info, contact_id, resource_id, permissions, replace=True)

    @strawberry.mutation(
        description="Stop sharing a resource with a contact. Warns when nothing is left.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def unassign_resource(
        self,
        info: Info,
        contact_id: ContactId,
        resource_id: ResourceId,
    ) -> ResourceGrantPayload:
        ctx = info.context
        contact = await require_contact(
            ctx.session, from_global_id("Contact", contact_id), "contact_id"
        )
        resource = await _resource(info, resource_id)
        left = await service.unassign_resource(
            ctx.session, await ctx.staff_actor(), contact, resource
        )
        return ResourceGrantPayload(warning=GrantWarning.NO_RESOURCES_LEFT if left == 0 else None)

    @strawberry.mutation(
        description="Set the portal functions a group grants its members.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def set_group_portal_permissions(
        self,
        info: Info,
        group_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Global id (`ContactGroup.id`) of the group."),
        ],
        permissions: Annotated[
            list[str],
            strawberry.argument(
                description="All portal functions the group is to grant (from "
                "`permissionVocabulary.portalPermissions`); an empty list grants none."
            ),
        ],
    ) -> GroupPermissionsPayload:
        ctx = info.context
        group = await require_group(
            ctx.session, from_global_id("ContactGroup", group_id), "group_id"
        )
        await service.set_group_permissions(
            ctx.session, ctx.settings, await ctx.staff_actor(), group, permissions
        )
        return GroupPermissionsPayload(
            group=GroupNode.from_row(group), portal_permissions=list(group.portal_permissions)
        )


async def _grant(
    info: Info,
    contact_id: strawberry.ID,
    resource_id: strawberry.ID,
    permissions: list[str],
    *,
    replace: bool,
) -> ResourceGrantPayload:
    ctx = info.context
    contact = await require_contact(
        ctx.session, from_global_id("Contact", contact_id), "contact_id"
    )
    resource = await _resource(info, resource_id)
    assignment = await service.assign_resource(
        ctx.session, ctx.settings, await ctx.staff_actor(), contact, resource, permissions,
        replace=replace,
    )  # fmt: skip
    return ResourceGrantPayload(
        grant=ResourceGrant(
            resource=ResourceNode.from_row(resource), permissions=assignment.permissions
        )
    )
