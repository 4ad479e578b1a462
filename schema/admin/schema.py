"""The staff API (``/admin/graphql``)."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from schema.admin.contacts.mutations import ContactMutation
from schema.admin.contacts.queries import ContactQuery
from schema.admin.staff.mutations import StaffMutation
from schema.admin.staff.queries import StaffQuery
from schema.common.node import Node

Query = merge_types("Query", (StaffQuery, ContactQuery))
Mutation = merge_types("Mutation", (StaffMutation, ContactMutation))

admin_schema = strawberry.Schema(query=Query, mutation=Mutation, types=[Node])
