"""createContactForPortalUser needs nothing but the email ("hierfür reicht zunächst die Eingabe
der E-Mail-Adresse"), and the new contact always carries the registrant's proven email as its
primary email."""

from __future__ import annotations

from typing import Any

from portal.app.runtime import Runtime
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer

CREATE_FOR = """
mutation C($user: ID!, $input: CreateContactInput!) {
  createContactForPortalUser(portalUserId: $user, input: $input) {
    contact { firstName lastName companyName email additionalEmails }
    portalUser { mappingStatus contact { email } }
    errors { code field message }
  }
}
"""


async def create_for(api: GraphQLClient, user: Any, given: dict[str, Any]) -> dict[str, Any]:
    data = await api.data(
        CREATE_FOR, {"user": str(to_global_id("PortalUser", user.id)), "input": given}
    )
    result: dict[str, Any] = data["createContactForPortalUser"]
    return result


async def test_the_email_alone_creates_the_contact_with_the_registrants_name(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Failed before: an email-only input failed (a contact needs a name).
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime, "wartet@example.de", linked=False)
    answer = await create_for(admin_api, user, {"email": "wartet@example.de"})
    assert answer == {
        "contact": {"firstName": "Anna", "lastName": "Kunde", "companyName": "",
                    "email": "wartet@example.de", "additionalEmails": []},
        "portalUser": {"mappingStatus": "ASSIGNED", "contact": {"email": "wartet@example.de"}},
        "errors": [],
    }  # fmt: skip


async def test_the_contact_always_carries_the_proven_email(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Failed before: with a name and no email, the contact was created without the email.
    await log_in_staff(admin_api, runtime)
    named, _ = await make_customer(runtime, "named@example.de", linked=False)
    answer = await create_for(admin_api, named, {"companyName": "Kunde GmbH"})
    assert answer["errors"] == []
    assert (answer["contact"]["companyName"], answer["contact"]["email"]) == (
        "Kunde GmbH",
        "named@example.de",
    )
    assert answer["contact"]["lastName"] == ""  # staff gave a name: the registrant's is not added
    other, _ = await make_customer(runtime, "proven@example.de", linked=False)
    answer = await create_for(
        admin_api, other, {"lastName": "Anders", "email": "getippt@example.de"}
    )
    assert answer["contact"]["email"] == "proven@example.de"
    assert answer["contact"]["additionalEmails"] == ["getippt@example.de"]  # kept, not lost


async def test_a_refused_contact_field_is_a_typed_error_not_a_crash(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Failed before: the contact's codes (INVALID_EMAIL, TOO_LONG) are not PortalUserErrorCodes,
    # so the answer was a top-level "<ContactErrorCode.INVALID_EMAIL: ...> is not a valid
    # PortalUserErrorCode" instead of the payload's typed errors.
    await log_in_staff(admin_api, runtime)
    user, _ = await make_customer(runtime, "wartet@example.de", linked=False)
    answer = await create_for(admin_api, user, {"email": "keine-adresse", "city": "x" * 500})
    assert answer["contact"] is None and answer["portalUser"] is None
    assert {error["code"] for error in answer["errors"]} == {"INVALID_EMAIL", "TOO_LONG"}
    assert {error["field"] for error in answer["errors"]} >= {"city"}
