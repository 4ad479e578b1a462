"""activateAccount and provideSecondIdentifier: proving the email, then finding the contact."""

from __future__ import annotations

import strawberry

from identity.contact_linking import (
    LinkOutcome,
    LinkResult,
    RegistrationClosed,
    provide_second_identifier,
    run_matching,
)
from identity.errors import PortalAuthErrorCode
from identity.registration import redeem_activation
from portal.services.portal_settings import load_portal_settings
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import WritesAllowed
from schema.portal.types import PortalAuthError

LinkOutcomeEnum = strawberry.enum(
    LinkOutcome,
    name="ActivationOutcome",
    description="LINKED: log in now. NEEDS_SECOND_IDENTIFIER: answer provideSecondIdentifier "
    "with the flow token. PENDING_REVIEW: staff will assign a contact; the customer is emailed.",
)


@strawberry.type(description="Result of activateAccount and provideSecondIdentifier.")
class ActivationPayload:
    outcome: LinkOutcome | None = None
    flow_token: str | None = strawberry.field(
        default=None, description="With NEEDS_SECOND_IDENTIFIER: pass to provideSecondIdentifier."
    )
    attempts_left: int | None = strawberry.field(
        default=None, description="With NEEDS_SECOND_IDENTIFIER: tries before staff review."
    )
    errors: list[PortalAuthError] = strawberry.field(default_factory=list)
    keep_writes: strawberry.Private[bool] = False

    @classmethod
    def from_result(cls, result: LinkResult) -> ActivationPayload:
        return cls(
            outcome=result.outcome,
            flow_token=result.flow_token,
            attempts_left=result.attempts_left,
        )


def _closed() -> ActivationPayload:
    return ActivationPayload(
        errors=[
            PortalAuthError(
                code=PortalAuthErrorCode.REGISTRATION_CLOSED,
                field=None,
                message="New customers cannot register; an email explains why.",
            )
        ],
        # The account removal and the explaining email must be kept.
        keep_writes=True,
    )


@strawberry.input(description="A second identifier; give one or more.")
class SecondIdentifierInput:
    customer_number: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    date_of_birth: str | None = strawberry.field(default=None, description="ISO date.")


@strawberry.type
class ActivationMutation:
    @strawberry.mutation(
        description="Redeem the emailed activation link (single use, 48 hours by default), then "
        "find the customer's contact.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def activate_account(self, info: Info, token: str) -> ActivationPayload:
        ctx = info.context
        settings = await load_portal_settings(ctx.session, ctx.settings)
        user = await redeem_activation(ctx.session, ctx.identity, settings, token)
        try:
            result = await run_matching(ctx.session, ctx.identity, settings, user)
        except RegistrationClosed:
            return _closed()
        return ActivationPayload.from_result(result)

    @strawberry.mutation(
        description="Answer which contact you are, after NEEDS_SECOND_IDENTIFIER. At most 5 "
        "attempts per flow; then staff review the account.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def provide_second_identifier(
        self, info: Info, flow_token: str, input: SecondIdentifierInput
    ) -> ActivationPayload:
        ctx = info.context
        settings = await load_portal_settings(ctx.session, ctx.settings)
        result = await provide_second_identifier(
            ctx.session,
            ctx.identity,
            settings,
            flow_token,
            {
                "CUSTOMER_NUMBER": input.customer_number,
                "PHONE": input.phone,
                "POSTAL_CODE": input.postal_code,
                "DATE_OF_BIRTH": input.date_of_birth,
            },
            ctx.throttle,
            ctx.client_ip,
        )
        return ActivationPayload.from_result(result)
