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
from schema.common.errors import ErrorFields
from schema.common.node import Node
from schema.common.records import column, global_id, record_of

ResourceErrorCodeEnum = strawberry.enum(service.ResourceErrorCode, name="ResourceErrorCode")


@strawberry.type(description="A problem with a resource mutation.")
class ResourceError(ErrorFields):
    codes: ClassVar = service.ResourceErrorCode
    code: service.ResourceErrorCode
    field: str | None
    message: str


@strawberry.type(name="Resource", description="Something shared with customers in the portal.")
class ResourceNode(Node):
    record: strawberry.Private[Mapping[Any, Any]]
    id = global_id("Resource")
    kind = column("kind", str, description="website, contract, meter, project, ...")
    name = column("name", str)
    alias = column("alias", str)
    url = column("url", str, description="URL or domain.")
    external_reference = column("external_reference", str)
    created_at = column("created_at", datetime)

    @classmethod
    def from_row(cls, row: Resource | PlainRow) -> ResourceNode:
        keys = ("id", "kind", "name", "alias", "url", "external_reference", "created_at")
        return cls(record=record_of(row, keys))  # type: ignore[call-arg]


@strawberry.type(description="A resource and what a contact may do with it.")
class ResourceGrant:
    resource: ResourceNode
    permissions: list[str]

    @classmethod
    def from_row(cls, row: Any) -> ResourceGrant:
        """From a row of ``assignments_by_contact`` (the resource's columns, permissions)."""
        return cls(resource=ResourceNode.from_row(row), permissions=list(row.permissions))


@strawberry.type(description="A resource permission and those it requires.")
class PermissionRule:
    name: str
    requires: list[str]


@strawberry.type(description="The configured permission vocabularies.")
class PermissionVocabulary:
    resource_permissions: list[PermissionRule]
    portal_permissions: list[str]
