"""Registration and activation (customer API)."""

from __future__ import annotations

import strawberry

from identity.registration import Registration, register_customer, resend_activation
from schema.common.errors import Atomic
from schema.common.info import Info
from schema.common.permissions import WritesAllowed
from schema.portal.types import AcceptedPayload


@strawberry.input(description="What a customer enters to register.")
class RegisterCustomerInput:
    email: str
    password: str = strawberry.field(description="At least 10 characters, not a common one.")
    first_name: str
    last_name: str
    existing_customer: bool = strawberry.field(
        description="Whether the customer says they are already a customer of the business."
    )
    accept_terms: bool
    language: str = "de"
    customer_number: str | None = strawberry.field(
        default=None, description="Optional second identifier, used when several contacts match."
    )
    phone: str | None = None
    postal_code: str | None = None
    date_of_birth: str | None = strawberry.field(default=None, description="ISO date.")

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
    async def register_customer(self, info: Info, input: RegisterCustomerInput) -> AcceptedPayload:
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
    async def resend_activation(self, info: Info, email: str) -> AcceptedPayload:
        ctx = info.context
        await resend_activation(ctx.session, ctx.identity, email, ctx.throttle, ctx.client_ip)
        return AcceptedPayload(accepted=True)
