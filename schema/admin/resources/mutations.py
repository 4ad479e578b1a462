"""Resource mutations of the staff API: resources, their assignment to contacts, and the
portal functions groups grant."""

from __future__ import annotations

import strawberry

from identity.permissions import StaffPermission
from portal.models import Resource
from portal.services import resources as service
from portal.services.contacts import require_contact
from portal.services.contacts.groups_tags import require_group
from schema.admin.contacts.types import GroupNode
from schema.admin.resources.types import ResourceError, ResourceGrant, ResourceNode
from schema.common.errors import Atomic
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

WRITE = [HasPermission(StaffPermission.CONTACTS_WRITE)]


@strawberry.input(description="Fields of a resource; in updates omitted fields stay.")
class ResourceInput:
    kind: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    alias: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    external_reference: str | None = strawberry.UNSET

    def given(self) -> dict[str, str]:
        return {k: v or "" for k, v in vars(self).items() if v is not strawberry.UNSET}


@strawberry.type(description="Result of a resource mutation.")
class ResourcePayload:
    resource: ResourceNode | None = None
    errors: list[ResourceError] = strawberry.field(default_factory=list)


@strawberry.type(
    description="Result of assignResource, updateResourcePermissions, unassignResource."
)
class ResourceGrantPayload:
    grant: ResourceGrant | None = None
    warning: str | None = strawberry.field(
        default=None,
        description="NO_RESOURCES_LEFT when the contact's portal is now empty (consider "
        "suspending access).",
    )
    errors: list[ResourceError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of setGroupPortalPermissions.")
class GroupPermissionsPayload:
    group: GroupNode | None = None
    portal_permissions: list[str] = strawberry.field(default_factory=list)
    errors: list[ResourceError] = strawberry.field(default_factory=list)


async def _resource(info: Info, resource_id: strawberry.ID) -> Resource:
    return await service.require_resource(
        info.context.session, from_global_id("Resource", resource_id)
    )


@strawberry.type
class ResourceMutation:
    @strawberry.mutation(
        description="Create a resource.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def create_resource(self, info: Info, input: ResourceInput) -> ResourcePayload:
        row = await service.save_resource(
            info.context.session, await info.context.staff_actor(), input.given()
        )
        return ResourcePayload(resource=ResourceNode.from_row(row))

    @strawberry.mutation(
        description="Change a resource.", permission_classes=WRITE, extensions=[Atomic()]
    )
    async def update_resource(
        self, info: Info, id: strawberry.ID, input: ResourceInput
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
    async def delete_resource(self, info: Info, id: strawberry.ID) -> ResourcePayload:
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
        contact_id: strawberry.ID,
        resource_id: strawberry.ID,
        permissions: list[str],
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
        contact_id: strawberry.ID,
        resource_id: strawberry.ID,
        permissions: list[str],
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
        contact_id: strawberry.ID,
        resource_id: strawberry.ID,
    ) -> ResourceGrantPayload:
        ctx = info.context
        contact = await require_contact(
            ctx.session, from_global_id("Contact", contact_id), "contact_id"
        )
        resource = await _resource(info, resource_id)
        left = await service.unassign_resource(
            ctx.session, await ctx.staff_actor(), contact, resource
        )
        return ResourceGrantPayload(warning="NO_RESOURCES_LEFT" if left == 0 else None)

    @strawberry.mutation(
        description="Set the portal functions a group grants its members.",
        permission_classes=WRITE,
        extensions=[Atomic()],
    )
    async def set_group_portal_permissions(
        self, info: Info, group_id: strawberry.ID, permissions: list[str]
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
