"""The customer API (``/graphql``): public registration and login, then self-service."""

from __future__ import annotations

import strawberry

from identity.matching import SecondIdentifier
from portal.services.portal_settings import load_portal_settings
from schema.common.caches import DocumentCaches
from schema.common.context import ReadOnlyQueries
from schema.common.enums import SecondIdentifierEnum  # noqa: F401  (registers the enum)
from schema.common.execution import FastPathExecutor
from schema.common.info import Info
from schema.common.limits import GraphQLLimits
from schema.common.refusals import Schema
from schema.common.scalars import SCALAR_OVERRIDES
from schema.common.text_input import RefuseNulCharacters
from schema.portal.account import AccountMutation
from schema.portal.activation import ActivationMutation
from schema.portal.auth import AuthMutation
from schema.portal.contacts import DirectoryQuery, NewsletterMutation
from schema.portal.impersonation import ImpersonationMutation
from schema.portal.invitations import InvitationMutation
from schema.portal.registration import RegistrationMutation
from schema.portal.viewer import MyDataQuery, ProfileMutation, ViewerQuery


@strawberry.type(description="Public facts about this portal, for the frontend's shell.")
class PortalInfo:
    name: str = strawberry.field(description="Display name of the portal (the business).")
    default_language: str = strawberry.field(
        description="ISO 639-1 code of the language used when none is known (de)."
    )
    supported_languages: list[str] = strawberry.field(
        description="ISO 639-1 codes of the languages pages and emails come in (de, en)."
    )
    public_url: str = strawberry.field(
        description="Absolute base URL of the portal frontend, as used in emailed links."
    )
    second_identifiers: list[SecondIdentifier] = strawberry.field(
        description="What the registration form may ask besides the email, in the order that "
        "decides between several contacts with the same email (staff change it at run time)."
    )


@strawberry.type
class PortalInfoQuery:
    @strawberry.field(description="Public facts about this portal; needs no login.")
    async def portal_info(self, info: Info) -> PortalInfo:
        settings = info.context.settings
        portal_settings = await load_portal_settings(info.context.session, settings)
        return PortalInfo(
            name=settings.portal_name,
            default_language=settings.default_language,
            supported_languages=["de", "en"],
            public_url=settings.public_url,
            second_identifiers=[SecondIdentifier(i) for i in portal_settings.second_identifiers],
        )


@strawberry.type(
    description="Reads of the customer API (`/graphql`). `portalInfo` needs no login; the rest "
    "needs a customer session (cookie or bearer token), else an UNAUTHENTICATED error."
)
class Query(PortalInfoQuery, ViewerQuery, DirectoryQuery, MyDataQuery):
    pass


@strawberry.type(
    description="Changes through the customer API: registration, activation, login and the "
    "customer's own account. Refused input comes back in each payload's `errors`; a missing "
    "login or permission is a top-level error with `extensions.code`."
)
class Mutation(
    RegistrationMutation,
    ActivationMutation,
    AuthMutation,
    AccountMutation,
    ProfileMutation,
    InvitationMutation,
    ImpersonationMutation,
    NewsletterMutation,
):
    pass


portal_schema = Schema(
    query=Query,
    mutation=Mutation,
    extensions=[GraphQLLimits, RefuseNulCharacters, DocumentCaches, ReadOnlyQueries],
    execution_context_class=FastPathExecutor,
    scalar_overrides=SCALAR_OVERRIDES,
)
