"""Portal settings in the staff API: registration policy, second identifiers, lifetimes."""

from __future__ import annotations

from typing import Any, ClassVar

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
    InvitationRequestPolicy, name="InvitationRequestPolicy"
)
PortalSettingsErrorCodeEnum = strawberry.enum(
    PortalSettingsErrorCode, name="PortalSettingsErrorCode"
)


@strawberry.type(description="A problem with updatePortalSettings.")
class PortalSettingsError(ErrorFields):
    codes: ClassVar = PortalSettingsErrorCode
    code: PortalSettingsErrorCode
    field: str | None
    message: str


@strawberry.type(name="PortalSettings", description="Settings staff can change at run time.")
class PortalSettingsNode:
    registration_policy: RegistrationPolicy
    second_identifiers: list[SecondIdentifier] = strawberry.field(
        description="Tried in this order when several contacts share an email."
    )
    activation_token_hours: int
    password_reset_minutes: int
    email_change_hours: int
    matching_flow_minutes: int
    max_second_identifier_attempts: int
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
    registration_policy: RegistrationPolicy | None = strawberry.UNSET
    second_identifiers: list[SecondIdentifier] | None = strawberry.UNSET
    activation_token_hours: int | None = strawberry.UNSET
    password_reset_minutes: int | None = strawberry.UNSET
    email_change_hours: int | None = strawberry.UNSET
    matching_flow_minutes: int | None = strawberry.UNSET
    max_second_identifier_attempts: int | None = strawberry.UNSET
    pending_review_notify: list[str] | None = strawberry.UNSET
    invitation_days: int | None = strawberry.UNSET
    invitation_request_policy: InvitationRequestPolicy | None = strawberry.UNSET

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
    portal_settings: PortalSettingsNode | None = None
    errors: list[PortalSettingsError] = strawberry.field(default_factory=list)


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
        self, info: Info, input: UpdatePortalSettingsInput
    ) -> UpdatePortalSettingsPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        updated, _changed = await update_portal_settings(
            ctx.session, ctx.settings, input.changes(), principal.user.email
        )
        return UpdatePortalSettingsPayload(
            portal_settings=PortalSettingsNode.from_settings(updated)
        )
