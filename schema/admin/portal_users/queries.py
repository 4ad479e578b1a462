"""Portal user queries of the staff API."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.contact_linking import matching_candidates
from identity.permissions import StaffPermission
from identity.portal_users import list_portal_users
from portal.errors import InvalidInput
from portal.models import PortalUser
from portal.services.contacts.search import RECORD_KEYS as CONTACT_RECORD_KEYS
from schema.admin.contacts.types import ContactNode
from schema.admin.portal_users.types import PortalUserFilterInput, PortalUserNode
from schema.common.descriptions import After, PageSize, PortalUserId
from schema.common.errors import bad_user_input
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.pagination import (
    Connection,
    flatten_selections,
    node_selections,
)
from schema.common.permissions import HasPermission
from schema.common.records import columns_for, preload


@strawberry.type
class PortalUserQuery:
    @strawberry.field(
        description="Portal users, newest first, filtered by status, reason, contact or email.",
        permission_classes=[HasPermission(StaffPermission.PORTAL_USERS_READ)],
    )
    async def portal_users(
        self,
        info: Info,
        filter: Annotated[
            PortalUserFilterInput | None,
            strawberry.argument(description="Which users; null lists all."),
        ] = None,
        first: PageSize = 20,
        after: After = None,
    ) -> Connection[PortalUserNode]:
        criteria = (filter or PortalUserFilterInput()).to_filter()
        contact_fields = [
            child
            for field in node_selections(info)
            if field.name == "contact"
            for child in flatten_selections(field.selections)
        ]
        contact_columns = (
            columns_for(info, "Contact", contact_fields, CONTACT_RECORD_KEYS)
            if contact_fields
            else ()
        )
        try:
            page = await list_portal_users(
                info.context.session, criteria, first=first, after=after,
                contact_columns=contact_columns,
            )  # fmt: skip
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        info.context.loaders.prime_portal_users(page.items)
        contact_ids = [user.contact_id for user in page.items if user.contact_id is not None]
        await preload(info, "Contact", contact_fields, contact_ids)
        related = page.related
        return Connection.from_page(
            page, lambda row: PortalUserNode.from_record(row._mapping, related.get(row.id))
        )

    @strawberry.field(
        description="A portal user by global id; null when there is none.",
        permission_classes=[HasPermission(StaffPermission.PORTAL_USERS_READ)],
    )
    async def portal_user(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id (`PortalUser.id`).")
        ],
    ) -> PortalUserNode | None:
        user_id = from_global_id("PortalUser", id)
        row = await info.context.session.get(PortalUser, user_id) if user_id else None
        if row is None:
            return None
        info.context.loaders.prime_portal_users([row])
        return PortalUserNode.from_row(row)

    @strawberry.field(
        description="Contacts that could belong to a pending portal user: those with its "
        "primary email first, then near matches (same name). For the staff decision.",
        permission_classes=[
            HasPermission(StaffPermission.PORTAL_USERS_READ),
            HasPermission(StaffPermission.CONTACTS_READ),
        ],
    )
    async def matching_candidates(
        self, info: Info, portal_user_id: PortalUserId
    ) -> list[ContactNode]:
        user_id = from_global_id("PortalUser", portal_user_id)
        user = await info.context.session.get(PortalUser, user_id) if user_id else None
        if user is None:
            return []
        return [
            ContactNode.from_row(c) for c in await matching_candidates(info.context.session, user)
        ]
