"""Resource types of the staff API: a resource, what a contact may do with it, the
permission vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import strawberry

from portal.models import Resource
from portal.models.base import PlainRow
from portal.services import resources as service
from schema.common.descriptions import ERROR_CODE, ERROR_FIELD, ERROR_MESSAGE, describe_values
from schema.common.errors import ErrorFields
from schema.common.node import Node
from schema.common.records import column, global_id, record_of

ResourceErrorCodeEnum = strawberry.enum(
    service.ResourceErrorCode,
    name="ResourceErrorCode",
    description="Why a resource or permission change was refused.",
)
describe_values(
    service.ResourceErrorCode,
    {
        "NOT_FOUND": "No resource (or group) with this id.",
        "CONTACT_NOT_FOUND": "No contact with this id.",
        "REQUIRED": "A resource needs a kind and a name.",
        "TOO_LONG": "Text longer than allowed (kind 50, name and alias 200, url 300, external "
        "reference 100 characters).",
        "UNKNOWN_PERMISSION": "A permission is not in the configured vocabulary "
        "(permissionVocabulary).",
        "PERMISSION_DEPENDENCY": "A permission lacks one it requires (PUBLISH requires EDIT).",
        "ALREADY_ASSIGNED": "The resource is already shared with the contact; use "
        "updateResourcePermissions.",
        "NOT_ASSIGNED": "The resource is not shared with the contact.",
        "INVALID_CURSOR": "Reported as a BAD_USER_INPUT top-level error of the resources list: "
        "the cursor is unreadable.",
        "INVALID_PAGE_SIZE": "Reported as a BAD_USER_INPUT top-level error of the resources "
        "list: `first` is outside 0 to 100.",
    },
)


@strawberry.type(description="A problem with a resource mutation.")
class ResourceError(ErrorFields):
    codes: ClassVar = service.ResourceErrorCode
    code: service.ResourceErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="Resource", description="Something shared with customers in the portal.")
class ResourceNode(Node):
    record: strawberry.Private[Mapping[Any, Any]]
    id = global_id("Resource")
    kind = column(
        "kind",
        str,
        description="What it is, free text of at most 50 characters: website, contract, meter, "
        "project, ...",
    )
    name = column(
        "name", str, description=("Name shown to staff and customers; 1 to 200 characters.")
    )
    alias = column(
        "alias", str, description="Shorter display name; at most 200 characters; empty when none."
    )
    url = column("url", str, description="URL or domain; at most 300 characters; empty when none.")
    external_reference = column(
        "external_reference",
        str,
        description="The resource's id in another system; at most 100 characters; empty when none.",
    )
    created_at = column("created_at", datetime, description="When the resource was created.")

    @classmethod
    def from_row(cls, row: Resource | PlainRow) -> ResourceNode:
        keys = ("id", "kind", "name", "alias", "url", "external_reference", "created_at")
        return cls(record=record_of(row, keys))  # type: ignore[call-arg]


@strawberry.type(description="A resource and what a contact may do with it.")
class ResourceGrant:
    resource: ResourceNode = strawberry.field(description="The shared resource.")
    permissions: list[str] = strawberry.field(
        description="What the contact may do with it: names from the resource permission "
        "vocabulary (upper case), sorted; may be empty."
    )

    @classmethod
    def from_row(cls, row: Any) -> ResourceGrant:
        """From a row of ``assignments_by_contact`` (the resource's columns, permissions)."""
        return cls(resource=ResourceNode.from_row(row), permissions=list(row.permissions))


@strawberry.type(description="A resource permission and those it requires.")
class PermissionRule:
    name: str = strawberry.field(description="The permission's name, upper case (EDIT).")
    requires: list[str] = strawberry.field(
        description="Permissions that must be granted with it, sorted; empty when none."
    )


@strawberry.type(description="The configured permission vocabularies.")
class PermissionVocabulary:
    resource_permissions: list[PermissionRule] = strawberry.field(
        description="Permissions a contact can hold on a resource, with their dependencies "
        "(PORTAL_RESOURCE_PERMISSION_RULES)."
    )
    portal_permissions: list[str] = strawberry.field(
        description="Portal functions a group can grant its members (NEWSLETTER, DOCUMENTS, "
        "DIRECTORY, SUPPORT_TICKETS by default)."
    )
