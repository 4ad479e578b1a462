"""activateAccount and provideSecondIdentifier: proving the email, then finding the contact."""

from __future__ import annotations

from typing import Annotated

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
from schema.common.descriptions import PAYLOAD_ERRORS, describe_values
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
describe_values(
    LinkOutcome,
    {
        "LINKED": "The account is linked to its contact; the customer can log in now.",
        "NEEDS_SECOND_IDENTIFIER": "Several contacts share the email: answer "
        "provideSecondIdentifier with `flowToken` (`attemptsLeft` tries).",
        "PENDING_REVIEW": "No contact could be chosen: staff will assign one and the customer "
        "gets an email then.",
    },
)


@strawberry.type(description="Result of activateAccount and provideSecondIdentifier.")
class ActivationPayload:
    outcome: LinkOutcome | None = strawberry.field(
        default=None, description="What happens next; null when `errors` is not empty."
    )
    flow_token: str | None = strawberry.field(
        default=None, description="With NEEDS_SECOND_IDENTIFIER: pass to provideSecondIdentifier."
    )
    attempts_left: int | None = strawberry.field(
        default=None, description="With NEEDS_SECOND_IDENTIFIER: tries before staff review."
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
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
    customer_number: str | None = strawberry.field(
        default=None, description="The customer number from an invoice or letter."
    )
    phone: str | None = strawberry.field(
        default=None,
        description="A phone number stored on the contact; national numbers are read in the "
        "portal's default region.",
    )
    postal_code: str | None = strawberry.field(
        default=None, description="The postal code of the contact's address."
    )
    date_of_birth: str | None = strawberry.field(
        default=None, description="Date of birth as an ISO date (YYYY-MM-DD)."
    )


@strawberry.type
class ActivationMutation:
    @strawberry.mutation(
        description="Redeem the emailed activation link (single use, 48 hours by default), then "
        "find the customer's contact.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def activate_account(
        self,
        info: Info,
        token: Annotated[
            str, strawberry.argument(description="The token from the activation link.")
        ],
    ) -> ActivationPayload:
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
        self,
        info: Info,
        flow_token: Annotated[
            str,
            strawberry.argument(
                description="`flowToken` from activateAccount, logIn or a previous attempt."
            ),
        ],
        input: Annotated[
            SecondIdentifierInput,
            strawberry.argument(description="One or more identifiers; blank ones are ignored."),
        ],
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
