"""GDPR access and erasure."""

from __future__ import annotations

from sqlalchemy import text

from portal.models import Base
from portal.runtime import Runtime
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer

EXPORT = "mutation E($c: ID!) { exportPersonalData(contactId: $c) { data errors { code } } }"
ERASE = "mutation X($c: ID!) { eraseContact(contactId: $c) { erasedContactId errors { code } } }"
SECRETS = ("erika.mustermann@example.de", "Mustermann", "Erika", "0221 5550123", "Geheimnotiz")


async def _whole_database(runtime: Runtime) -> str:
    dump = []
    async with runtime.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            dump.append(f"{table.name}: {rows!r}")
    return "\n".join(dump)


async def test_export_is_complete_and_erasure_is_thorough(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime, "erika.mustermann@example.de")
    assert contact is not None
    cid = to_global_id("Contact", contact.id)
    await log_in_staff(admin_api, runtime)
    await admin_api.data(
        'mutation U($c: ID!) { updateContact(input: {id: $c, version: 1, firstName: "Erika", lastName: "Mustermann", phone1: "0221 5550123", notes: "Geheimnotiz"}) { errors { code } } }',
        {"c": cid},
    )
    await admin_api.data(
        'mutation T($c: ID!) { addTags(contactId: $c, tags: ["VIP"]) { errors { code } } }',
        {"c": cid},
    )
    await admin_api.data(
        "mutation N($c: ID!) { sendNewsletterInvitation(contactId: $c) { errors { code } } }",
        {"c": cid},
    )
    await admin_api.data(
        'mutation C($c: ID!) { addContactNote(contactId: $c, text: "Mustermann rief an") { errors { code } } }',
        {"c": cid},
    )
    await log_in_customer(portal_api, "erika.mustermann@example.de")
    await portal_api.data('mutation { updateMyProfile(input: {city: "Köln"}) { errors { code } } }')

    document = (await admin_api.data(EXPORT, {"c": cid}))["exportPersonalData"]["data"]
    assert document["contact"]["last_name"] == "Mustermann"
    assert document["tags"] == ["VIP"]
    assert document["portal_user"]["email"] == "erika.mustermann@example.de"
    assert "password_hash" not in document["portal_user"]
    assert {e["kind"] for e in document["consent_events"]} == {"invited"}
    assert any(h["description"] == "Mustermann rief an" for h in document["history"])
    assert len(document["sessions"]) == 1
    assert document["emails_sent"][0]["template"] == "newsletter_opt_in"
    assert any(a["action"] == "contact.update" for a in document["audit_entries"])
    mine = (await portal_api.data("{ exportMyData }"))["exportMyData"]
    assert mine["contact"]["id"] == document["contact"]["id"]

    before = await _whole_database(runtime)
    assert all(secret in before for secret in SECRETS)
    erased = await admin_api.data(ERASE, {"c": cid})
    assert erased["eraseContact"] == {"erasedContactId": cid, "errors": []}
    everything = await _whole_database(runtime)
    for secret in SECRETS:
        assert secret not in everything, secret
    assert (await portal_api("{ viewer { email } }"))["errors"][0]["extensions"][
        "code"
    ] == "UNAUTHENTICATED"
    assert user.id
