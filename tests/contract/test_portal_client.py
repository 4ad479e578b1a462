"""The customer journey through the client ariadne-codegen generates from schema/portal.graphql:
register, activate by the emailed link, log in, read the viewer with the contact, change the
profile. Every answer is parsed into the generated pydantic models, so a field's type, an enum
value or a scalar's wire format that differs from the SDL fails here."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.services.contacts import ContactDraft, create_contact
from tests.schema.portal.test_activation import activation_token

EMAIL = "vertrag@example.de"
PASSWORD = "Kirschbaum-im-Mai"


async def test_register_activate_log_in_and_change_the_profile(
    generated: dict[str, ModuleType], portal_client: Any, runtime: Runtime, clock: FrozenClock
) -> None:
    portal = generated["portal"]
    async with runtime.database.transaction() as session:
        await create_contact(
            session, ContactDraft(first_name="Vera", last_name="Trag", email=EMAIL)
        )

    registered = await portal_client.register_customer(
        portal.RegisterCustomerInput(
            email=EMAIL, password=PASSWORD, firstName="Vera", lastName="Trag",
            existingCustomer=True, acceptTerms=True, language="de",
        )
    )  # fmt: skip
    assert (registered.register_customer.accepted, registered.register_customer.errors) == (
        True,
        [],
    )

    activated = await portal_client.activate_account(await activation_token(runtime, EMAIL))
    assert activated.activate_account.outcome is portal.ActivationOutcome.LINKED

    refused = await portal_client.log_in(EMAIL, "falsch-falsch-falsch")
    assert [e.code for e in refused.log_in.errors] == [
        portal.PortalAuthErrorCode.INVALID_CREDENTIALS
    ]
    logged_in = await portal_client.log_in(EMAIL, PASSWORD)
    assert logged_in.log_in.errors == [] and logged_in.log_in.token
    assert logged_in.log_in.viewer.registration_status is portal.RegistrationStatus.REGISTERED

    viewer = (await portal_client.viewer_with_contact()).viewer
    assert viewer.mapping_status is portal.MappingStatus.ASSIGNED
    assert viewer.last_login_at == clock() and viewer.last_login_at.tzinfo is not None
    assert viewer.contact.last_name == "Trag"
    assert viewer.contact.formality is portal.FormOfAddress.FORMAL
    assert int(viewer.contact.customer_number) > 0

    bad = await portal_client.update_my_profile(
        portal.UpdateMyProfileInput(phone1="nope", city="x" * 500)
    )
    assert {(e.code, e.field) for e in bad.update_my_profile.errors} == {
        (portal.ContactErrorCode.INVALID_PHONE, "phone1"),
        (portal.ContactErrorCode.TOO_LONG, "city"),
    }
    changed = await portal_client.update_my_profile(
        portal.UpdateMyProfileInput(city="Köln", formality=portal.FormOfAddress.INFORMAL)
    )
    assert changed.update_my_profile.errors == []
    assert changed.update_my_profile.contact.formality is portal.FormOfAddress.INFORMAL
    history = (await portal_client.viewer_with_contact()).viewer.contact.history
    assert history  # the first login is in the customer's history
    assert all(entry.occurred_at.utcoffset() is not None for entry in history)
