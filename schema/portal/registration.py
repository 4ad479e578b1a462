"""Registration and activation (customer API)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.registration import Registration, register_customer, resend_activation
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import WritesAllowed
from schema.portal.types import AcceptedPayload


@strawberry.input(description="What a customer enters to register.")
class RegisterCustomerInput:
    email: str = strawberry.field(
        description="Login email, also the address matched against contacts' primary email; at "
        "most 254 characters."
    )
    password: str = strawberry.field(description="At least 10 characters, not a common one.")
    first_name: str = strawberry.field(description="Given name; 1 to 100 characters.")
    last_name: str = strawberry.field(description="Family name; 1 to 100 characters.")
    existing_customer: bool = strawberry.field(
        description="Whether the customer says they are already a customer of the business."
    )
    accept_terms: bool = strawberry.field(
        description="Must be true: the customer accepts the portal's terms."
    )
    language: str = strawberry.field(
        default="de",
        description="Language of the customer's emails: lower-case ISO 639-1 code (de, en).",
    )
    customer_number: str | None = strawberry.field(
        default=None,
        description="Optional second identifier (at most 64 characters), used when several "
        "contacts share the email.",
    )
    phone: str | None = strawberry.field(
        default=None,
        description="Optional second identifier: a phone number of the contact (at most 64 "
        "characters; national numbers are read in the portal's default region).",
    )
    postal_code: str | None = strawberry.field(
        default=None,
        description="Optional second identifier: the postal code of the contact's address (at "
        "most 64 characters).",
    )
    date_of_birth: str | None = strawberry.field(
        default=None,
        description="Optional second identifier: date of birth as an ISO date (YYYY-MM-DD).",
    )

    def to_form(self) -> Registration:
        return Registration(
            email=self.email,
            password=self.password,
            first_name=self.first_name,
            last_name=self.last_name,
            existing_customer=self.existing_customer,
            accept_terms=self.accept_terms,
            language=self.language,
            customer_number=self.customer_number,
            phone=self.phone,
            postal_code=self.postal_code,
            date_of_birth=self.date_of_birth,
        )


@strawberry.type
class RegistrationMutation:
    @strawberry.mutation(
        description="Register. The answer is the same whether or not the address is known: a "
        "new address gets an activation email, a known one an 'already registered' email. "
        "Errors only report malformed input.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def register_customer(
        self,
        info: Info,
        input: Annotated[
            RegisterCustomerInput, strawberry.argument(description="The registration form.")
        ],
    ) -> AcceptedPayload:
        ctx = info.context
        await register_customer(
            ctx.session, ctx.identity, input.to_form(), ctx.throttle, ctx.client_ip
        )
        return AcceptedPayload(accepted=True)

    @strawberry.mutation(
        description="Send a new activation link to an address that registered but is not "
        "activated. Same answer for unknown addresses.",
        permission_classes=[WritesAllowed],
        extensions=[Atomic()],
    )
    async def resend_activation(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The email registered with.")],
    ) -> AcceptedPayload:
        ctx = info.context
        await resend_activation(ctx.session, ctx.identity, email, ctx.throttle, ctx.client_ip)
        return AcceptedPayload(accepted=True)
