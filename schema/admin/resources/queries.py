"""Resource queries of the staff API."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.services import resources as service
from schema.admin.resources.types import (
    PermissionRule,
    PermissionVocabulary,
    ResourceGrant,
    ResourceNode,
)
from schema.common.descriptions import After, ContactId, PageSize
from schema.common.errors import bad_user_input
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

READ = [HasPermission(StaffPermission.CONTACTS_READ)]


@strawberry.type
class ResourceQuery:
    @strawberry.field(
        description="Resources by name; search matches name, alias, URL or domain.",
        permission_classes=READ,
    )
    async def resources(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Text found in the name, alias, URL or domain (case-insensitive); "
                "null lists all."
            ),
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[ResourceNode]:
        try:
            page = await service.search_resources(
                info.context.session, search, first=first, after=after
            )
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, ResourceNode.from_row)

    @strawberry.field(description="The resources assigned to a contact.", permission_classes=READ)
    async def contact_resources(self, info: Info, contact_id: ContactId) -> list[ResourceGrant]:
        uuid_ = from_global_id("Contact", contact_id)
        if uuid_ is None:
            return []
        rows = await info.context.loaders.assignments_by_contact.load(uuid_)
        return [ResourceGrant.from_row(r) for r in rows]

    @strawberry.field(
        description="Permission vocabulary for resources and portal functions: the "
        "business's configuration, so it needs a staff session like every other read.",
        permission_classes=READ,
    )
    def permission_vocabulary(self, info: Info) -> PermissionVocabulary:
        settings = info.context.settings
        return PermissionVocabulary(
            resource_permissions=[
                PermissionRule(name=name, requires=sorted(needs))
                for name, needs in settings.resource_permission_rules.items()
            ],
            portal_permissions=list(settings.feature_permissions),
        )
