"""Portal settings in the staff API: registration policy, second identifiers, lifetimes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import strawberry

from identity.matching import SecondIdentifier
from identity.permissions import StaffPermission
from portal.services.portal_settings import (
    InvitationRequestPolicy,
    PortalSettings,
    PortalSettingsErrorCode,
    RegistrationPolicy,
    load_portal_settings,
    update_portal_settings,
)
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.enums import SecondIdentifierEnum  # noqa: F401  (registers the enum)
from schema.common.errors import Atomic, ErrorFields
from schema.common.info import Info
from schema.common.permissions import HasPermission

RegistrationPolicyEnum = strawberry.enum(
    RegistrationPolicy,
    name="RegistrationPolicy",
    description="What happens when a new customer's registration matches no contact.",
)
InvitationRequestPolicyEnum = strawberry.enum(
    InvitationRequestPolicy,
    name="InvitationRequestPolicy",
    description="What happens when a customer asks for a new invitation link.",
)
PortalSettingsErrorCodeEnum = strawberry.enum(
    PortalSettingsErrorCode,
    name="PortalSettingsErrorCode",
    description="Why a settings change was refused.",
)
describe_values(
    RegistrationPolicy,
    {
        "ALLOW_WITH_CONTACT_CREATION": "Create a contact from the registration and link it.",
        "ALLOW_PENDING": "Keep the account pending until staff assign a contact.",
        "DENY_NEW": "Refuse: the account is removed and the customer is emailed why "
        "(REGISTRATION_CLOSED).",
    },
)
describe_values(
    InvitationRequestPolicy,
    {
        "NOTIFY_STAFF": "Notify staff, who decide whether to send a new link.",
        "SEND_NEW_LINK": "Send a new link at once.",
    },
)
describe_values(
    PortalSettingsErrorCode,
    {
        "INVALID_VALUE": "Unknown policy, a second identifier named twice, or an invalid email "
        "address.",
        "OUT_OF_RANGE": "A number outside its allowed range (the message gives it).",
    },
)


@strawberry.type(description="A problem with updatePortalSettings.")
class PortalSettingsError(ErrorFields):
    codes: ClassVar = PortalSettingsErrorCode
    code: PortalSettingsErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(name="PortalSettings", description="Settings staff can change at run time.")
class PortalSettingsNode:
    registration_policy: RegistrationPolicy = strawberry.field(
        description="What happens when a registration matches no contact."
    )
    second_identifiers: list[SecondIdentifier] = strawberry.field(
        description="Tried in this order when several contacts share an email."
    )
    activation_token_hours: int = strawberry.field(
        description="Lifetime of activation links, in hours (1 to 336)."
    )
    password_reset_minutes: int = strawberry.field(
        description="Lifetime of password-reset links, in minutes (5 to 1440)."
    )
    email_change_hours: int = strawberry.field(
        description="Lifetime of email-change confirmation links, in hours (1 to 168)."
    )
    matching_flow_minutes: int = strawberry.field(
        description="How long a customer may answer a second identifier, in minutes (5 to 1440)."
    )
    max_second_identifier_attempts: int = strawberry.field(
        description="Wrong second-identifier answers before staff review (1 to 20)."
    )
    pending_review_notify: list[str] = strawberry.field(
        description="Staff addresses emailed when a user enters pending review."
    )
    invitation_days: int = strawberry.field(description="Lifetime of invitation setup links.")
    invitation_request_policy: InvitationRequestPolicy = strawberry.field(
        description="What requestNewInvitation does: notify staff or send a new link."
    )

    @classmethod
    def from_settings(cls, s: PortalSettings) -> PortalSettingsNode:
        return cls(
            registration_policy=s.registration_policy,
            second_identifiers=[SecondIdentifier(i) for i in s.second_identifiers],
            activation_token_hours=s.activation_token_hours,
            password_reset_minutes=s.password_reset_minutes,
            email_change_hours=s.email_change_hours,
            matching_flow_minutes=s.matching_flow_minutes,
            max_second_identifier_attempts=s.max_second_identifier_attempts,
            pending_review_notify=list(s.pending_review_notify),
            invitation_days=s.invitation_days,
            invitation_request_policy=s.invitation_request_policy,
        )


@strawberry.input(description="Settings to change; omitted fields stay as they are.")
class UpdatePortalSettingsInput:
    registration_policy: RegistrationPolicy | None = strawberry.field(
        default=strawberry.UNSET, description="What happens when a registration matches no contact."
    )
    second_identifiers: list[SecondIdentifier] | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Second identifiers customers may give, in the order tried; each at most once."
        ),
    )
    activation_token_hours: int | None = strawberry.field(
        default=strawberry.UNSET, description="Lifetime of activation links, in hours: 1 to 336."
    )
    password_reset_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=("Lifetime of password-reset links, in minutes: 5 to 1440."),
    )
    email_change_hours: int | None = strawberry.field(
        default=strawberry.UNSET, description="Lifetime of email-change links, in hours: 1 to 168."
    )
    matching_flow_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=("Time to answer a second identifier, in minutes: 5 to 1440."),
    )
    max_second_identifier_attempts: int | None = strawberry.field(
        default=strawberry.UNSET, description="Wrong answers before staff review: 1 to 20."
    )
    pending_review_notify: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description=("Staff email addresses notified of pending reviews (replaces the list)."),
    )
    invitation_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=("Lifetime of invitation setup links, in days: 1 to 365."),
    )
    invitation_request_policy: InvitationRequestPolicy | None = strawberry.field(
        default=strawberry.UNSET, description="What requestNewInvitation does."
    )

    def changes(self) -> dict[str, Any]:
        given = {
            name: value
            for name, value in vars(self).items()
            if value is not strawberry.UNSET and value is not None
        }
        if "second_identifiers" in given:
            given["second_identifiers"] = [str(i) for i in given["second_identifiers"]]
        for name in ("registration_policy", "invitation_request_policy"):
            if name in given:
                given[name] = str(given[name])
        return given


@strawberry.type(description="Result of updatePortalSettings.")
class UpdatePortalSettingsPayload:
    portal_settings: PortalSettingsNode | None = strawberry.field(
        default=None,
        description="The effective settings after the change; null when `errors` is not empty.",
    )
    errors: list[PortalSettingsError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class PortalSettingsQuery:
    @strawberry.field(
        description="The effective portal settings (stored values over configured defaults).",
        permission_classes=[HasPermission(StaffPermission.PORTAL_USERS_READ)],
    )
    async def portal_settings(self, info: Info) -> PortalSettingsNode:
        ctx = info.context
        return PortalSettingsNode.from_settings(
            await load_portal_settings(ctx.session, ctx.settings)
        )


@strawberry.type
class PortalSettingsMutation:
    @strawberry.mutation(
        description="Change portal settings; values are range-checked.",
        permission_classes=[HasPermission(StaffPermission.SETTINGS_WRITE)],
        extensions=[Atomic()],
    )
    async def update_portal_settings(
        self,
        info: Info,
        input: Annotated[
            UpdatePortalSettingsInput,
            strawberry.argument(description="The settings to change; null fields stay."),
        ],
    ) -> UpdatePortalSettingsPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        updated, _changed = await update_portal_settings(
            ctx.session, ctx.settings, input.changes(), principal.user.email
        )
        return UpdatePortalSettingsPayload(
            portal_settings=PortalSettingsNode.from_settings(updated)
        )
