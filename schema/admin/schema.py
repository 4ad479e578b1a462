"""The staff API (``/admin/graphql``)."""

from __future__ import annotations

import strawberry

from schema.admin.api_keys import ApiKeyMutation, ApiKeyQuery
from schema.admin.contacts.mutations import ContactMutation
from schema.admin.contacts.newsletter import NewsletterMutation
from schema.admin.contacts.queries import ContactQuery
from schema.admin.contacts.tagging import TaggingMutation
from schema.admin.duplicates import DuplicateMutation, DuplicateQuery
from schema.admin.email import EmailMutation, EmailQuery
from schema.admin.events import EventQuery
from schema.admin.exports import ExportMutation
from schema.admin.gdpr import GdprMutation
from schema.admin.impersonation import ImpersonationMutation, ImpersonationQuery
from schema.admin.imports import ImportMutation
from schema.admin.invitations import InvitationMutation, InvitationQuery
from schema.admin.portal_settings import PortalSettingsMutation, PortalSettingsQuery
from schema.admin.portal_user_import import PortalUserImportMutation
from schema.admin.portal_users.mutations import PortalUserMutation
from schema.admin.portal_users.queries import PortalUserQuery
from schema.admin.resources.mutations import ResourceMutation
from schema.admin.resources.queries import ResourceQuery
from schema.admin.staff.account import StaffAccountMutation, StaffAccountQuery
from schema.admin.staff.administration import (
    StaffAdministrationMutation,
    StaffAdministrationQuery,
)
from schema.admin.staff.mutations import StaffMutation
from schema.admin.staff.queries import StaffQuery
from schema.admin.staff.second_factor import SecondFactorMutation
from schema.admin.webhooks.mutations import WebhookMutation
from schema.admin.webhooks.queries import WebhookQuery
from schema.common.caches import DocumentCaches
from schema.common.context import ReadOnlyQueries
from schema.common.execution import FastPathExecutor
from schema.common.limits import GraphQLLimits
from schema.common.node import Node
from schema.common.refusals import Schema
from schema.common.scalars import SCALAR_OVERRIDES
from schema.common.text_input import RefuseNulCharacters


@strawberry.type(
    description="Reads of the staff API (`/admin/graphql`). Every field needs a staff "
    "session (cookie or bearer token) or an API key, and the permission it names; without "
    "them the answer is a top-level UNAUTHENTICATED or FORBIDDEN error."
)
class Query(
    StaffQuery,
    StaffAdministrationQuery,
    StaffAccountQuery,
    ContactQuery,
    PortalUserQuery,
    PortalSettingsQuery,
    EmailQuery,
    ResourceQuery,
    InvitationQuery,
    ImpersonationQuery,
    DuplicateQuery,
    ApiKeyQuery,
    WebhookQuery,
    EventQuery,
):
    pass


@strawberry.type(
    description="Changes through the staff API. Refused input comes back in each payload's "
    "`errors`; a missing login or permission is a top-level error with `extensions.code`."
)
class Mutation(
    StaffMutation,
    StaffAdministrationMutation,
    StaffAccountMutation,
    SecondFactorMutation,
    ContactMutation,
    TaggingMutation,
    NewsletterMutation,
    PortalUserMutation,
    PortalSettingsMutation,
    EmailMutation,
    ResourceMutation,
    InvitationMutation,
    ImpersonationMutation,
    ExportMutation,
    ImportMutation,
    PortalUserImportMutation,
    GdprMutation,
    DuplicateMutation,
    ApiKeyMutation,
    WebhookMutation,
):
    pass


admin_schema = Schema(
    query=Query,
    mutation=Mutation,
    types=[Node],
    extensions=[GraphQLLimits, RefuseNulCharacters, DocumentCaches, ReadOnlyQueries],
    execution_context_class=FastPathExecutor,
    scalar_overrides=SCALAR_OVERRIDES,
)
