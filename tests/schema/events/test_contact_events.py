"""Contact lifecycle events through the staff API: one per state-changing mutation, none for
a no-op or a refused change, values only at the changed-fields payload level."""

from __future__ import annotations

import json

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.services.events import PayloadLevel, event_payload
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import UPDATE, create
from tests.schema.events.recorded import EventLog

DEACTIVATE = "mutation D($id: ID!) { deactivateContact(contactId: $id) { errors { code } } }"
REACTIVATE = "mutation R($id: ID!) { reactivateContact(contactId: $id) { errors { code } } }"
DELETE = "mutation X($id: ID!) { deleteContact(contactId: $id) { errors { code } } }"


async def test_contact_lifecycle_events_and_payload_levels(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    staff = await log_in_staff(admin_api, runtime)
    log = EventLog(runtime)
    await log.new()
    contact = await create(admin_api, firstName="Anna", lastName="Weber", email="a@example.de")
    (created,) = await log.new()
    assert created.type == "contact.created"
    assert created.occurred_at == clock()
    assert created.actor_type == "staff" and created.actor_id is not None
    assert created.changed_fields == ["email", "first_name", "last_name"]
    ids = event_payload(created, PayloadLevel.IDS)
    assert ids["type"] == "contact.created"
    assert ids["timestamp"] == clock().isoformat().replace("+00:00", "Z")
    assert ids["data"]["contact"] == {"id": contact["id"], "uuid": contact["uuid"]}
    assert ids["data"]["customerNumber"] == contact["customerNumber"]
    assert ids["data"]["changedFields"] == ["email", "firstName", "lastName"]
    assert ids["data"]["actor"]["type"] == "staff"
    assert "changes" not in ids["data"]
    assert "Anna" not in json.dumps(ids) and "a@example.de" not in json.dumps(ids)
    full = event_payload(created, PayloadLevel.CHANGED_FIELDS)
    assert full["data"]["changes"]["firstName"] == "Anna"
    assert staff.email not in json.dumps(full)

    version = contact["version"]
    same = {"id": contact["id"], "version": version, "firstName": "Anna"}
    assert (await admin_api.data(UPDATE, {"input": same}))["updateContact"]["errors"] == []
    assert await log.types() == [], "an update that changes nothing emits nothing"

    change = {"id": contact["id"], "version": version, "firstName": "Anne", "city": "Köln"}
    assert (await admin_api.data(UPDATE, {"input": change}))["updateContact"]["errors"] == []
    (updated,) = await log.new()
    assert updated.type == "contact.updated"
    assert updated.changed_fields == ["city", "first_name"]
    rendered = event_payload(updated, PayloadLevel.CHANGED_FIELDS)["data"]
    assert rendered["changes"] == {"city": "Köln", "firstName": "Anne"}

    stale = await admin_api.data(UPDATE, {"input": {**change, "firstName": "Anja"}})
    assert stale["updateContact"]["errors"][0]["code"] == "STALE_VERSION"
    assert await log.types() == [], "a refused change records nothing"

    for document, expected in (
        (DEACTIVATE, ["contact.deactivated"]),
        (DEACTIVATE, []),  # already inactive: refused
        (REACTIVATE, ["contact.reactivated"]),
        (DELETE, ["contact.deleted"]),
    ):
        await admin_api.data(document, {"id": contact["id"]})
        assert await log.types() == expected, document

    events = {e.sequence: e for e in await _all(runtime)}
    assert all(e.changes == {} for e in events.values()), "a deleted contact's values are gone"
    assert [e.type for e in events.values()][:2] == ["contact.created", "contact.updated"]
    assert len({e.id for e in events.values()}) == len(events)
    assert to_global_id("Contact", contact["uuid"]) == contact["id"]


async def _all(runtime: Runtime) -> list:  # type: ignore[type-arg]
    log = EventLog(runtime)
    return await log.new()


MERGE = """mutation M($t: ID!, $s: [ID!]!) {
  mergeContacts(targetId: $t, sourceIds: $s) { filledFields errors { code } } }"""
ERASE = "mutation E($id: ID!) { eraseContact(contactId: $id) { errors { code } } }"
BULK_DEACTIVATE = """mutation B($dry: Boolean!) {
  deactivateContactsWithoutOptIn(dryRun: $dry) { count } }"""


async def test_merge_erase_and_bulk_deactivation_events(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    log = EventLog(runtime)
    target = await create(admin_api, lastName="Ziel")
    source = await create(admin_api, lastName="Quelle", city="Bonn", email="q@example.de")
    await log.new()

    merged = await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]]})
    assert merged["mergeContacts"]["errors"] == []
    (event,) = await log.new()
    assert event.type == "contact.merged"
    data = event_payload(event, PayloadLevel.IDS)["data"]
    assert data["contact"]["id"] == target["id"]
    assert data["mergedContacts"] == [{"id": source["id"], "uuid": source["uuid"]}]
    assert data["changedFields"] == ["city", "email"]
    assert "changes" not in data
    assert event_payload(event, PayloadLevel.CHANGED_FIELDS)["data"]["changes"] == {
        "city": "Bonn",
        "email": "q@example.de",
    }

    dry = await admin_api.data(BULK_DEACTIVATE, {"dry": True})
    assert dry["deactivateContactsWithoutOptIn"]["count"] == 1
    assert await log.types() == [], "a dry run changes nothing"
    await admin_api.data(BULK_DEACTIVATE, {"dry": False})
    (deactivated,) = await log.new()
    assert deactivated.type == "contact.deactivated"
    assert str(deactivated.contact_id) == target["uuid"]
    assert event_payload(deactivated, PayloadLevel.IDS)["data"]["reason"] == (
        "no_newsletter_opt_in"
    )

    erased = await admin_api.data(ERASE, {"id": target["id"]})
    assert erased["eraseContact"]["errors"] == []
    assert await log.types() == ["contact.erased"]
    everything = await _all(runtime)
    assert all(e.changes == {} for e in everything if str(e.contact_id) == target["uuid"])
    assert "Bonn" not in json.dumps([e.changes for e in everything])
