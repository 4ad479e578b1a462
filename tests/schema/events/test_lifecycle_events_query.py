"""lifecycleEvents: administrators read the recorded events newest first, filtered and paged
through the indexes, with the payload each subscriber level receives; support may not."""

from __future__ import annotations

from portal.app.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import UPDATE, create

EVENTS = """
query E($type: EventType, $contact: ID, $first: Int, $after: String) {
  lifecycleEvents(type: $type, contactId: $contact, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      type actorType contactId portalUserId changedFields eventId
      ids: payload changes: payload(level: CHANGED_FIELDS)
    }
  }
}
"""


async def test_admins_page_and_filter_events(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    anna = await create(admin_api, lastName="Anna", city="Bonn")
    await create(admin_api, lastName="Bert")
    change = {"id": anna["id"], "version": anna["version"], "city": "Köln"}
    assert (await admin_api.data(UPDATE, {"input": change}))["updateContact"]["errors"] == []

    first = (await admin_api.data(EVENTS, {"first": 2}))["lifecycleEvents"]
    assert first["totalCount"] == 3
    assert [n["type"] for n in first["nodes"]] == ["CONTACT_UPDATED", "CONTACT_CREATED"]
    updated = first["nodes"][0]
    assert (updated["actorType"], updated["contactId"]) == ("STAFF", anna["id"])
    assert updated["changedFields"] == ["city"]
    assert updated["ids"]["type"] == "contact.updated"
    assert updated["ids"]["data"]["eventId"] == updated["eventId"]
    assert "changes" not in updated["ids"]["data"]
    assert updated["changes"]["data"]["changes"] == {"city": "Köln"}
    rest = await admin_api.data(EVENTS, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    assert [n["contactId"] for n in rest["lifecycleEvents"]["nodes"]] == [anna["id"]]
    assert rest["lifecycleEvents"]["pageInfo"]["hasNextPage"] is False

    anna_only = await admin_api.data(EVENTS, {"contact": anna["id"]})
    assert [n["type"] for n in anna_only["lifecycleEvents"]["nodes"]] == [
        "CONTACT_UPDATED",
        "CONTACT_CREATED",
    ]
    created = await admin_api.data(EVENTS, {"type": "CONTACT_CREATED"})
    assert created["lifecycleEvents"]["totalCount"] == 2
    foreign = await admin_api.data(EVENTS, {"contact": "not-an-id"})
    assert foreign["lifecycleEvents"]["nodes"] == []
    bad = await admin_api(EVENTS, {"after": "garbage"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_support_staff_cannot_read_events(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    body = await admin_api(EVENTS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
