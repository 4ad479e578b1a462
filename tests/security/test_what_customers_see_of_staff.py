"""What the customer side shows of staff work (issue 16, "also"): the customer's own export
says that support viewed the account, not who did; the quick info counts and sums only the
history entries the customer may see."""

from __future__ import annotations

import json
from datetime import timedelta

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer
from tests.schema.test_impersonation import enter, start

STAFF_EMAIL = "hanna.helfer@example.com"
EXPORT = "mutation E($c: ID!) { exportPersonalData(contactId: $c) { data errors { code } } }"
HISTORY = """mutation H($c: ID!, $d: String!, $a: String, $v: Boolean!) {
  addHistoryEntry(contactId: $c, source: "POS", description: $d, revenueAmount: $a,
  visibleToCustomer: $v) { errors { code } } }"""
NOTE = """mutation N($c: ID!) { addContactNote(contactId: $c, text: "Kunde war ungehalten")
  { errors { code } } }"""
QUICK_INFO = """{ viewer { contact {
  quickInfo { historyCount lastRevenue { amount currency } totalRevenue { amount currency } }
  history(first: 100) { description revenue { amount } } } } }"""


async def test_my_export_says_support_looked_but_not_who(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    user, contact = await make_customer(runtime)
    assert contact is not None
    await log_in_staff(admin_api, runtime, STAFF_EMAIL)
    started = await start(admin_api, user)
    assert started["errors"] == [] and started["impersonation"]["staffName"]
    staff_name = started["impersonation"]["staffName"]
    assert (await enter(portal_api, started["token"]))["errors"] == []
    portal_api.token = None
    portal_api.http.cookies.clear()
    await log_in_customer(portal_api)
    mine = (await portal_api.data("{ exportMyData }"))["exportMyData"]
    assert [sorted(s) for s in mine["support_sessions"]] == [
        ["ended_at", "mode", "reason", "started_at"]
    ]
    text = json.dumps(mine, ensure_ascii=False)
    assert staff_name not in text and STAFF_EMAIL not in text
    # Staff keep the name in their copy.
    staff_copy = await admin_api.data(EXPORT, {"c": to_global_id("Contact", contact.id)})
    sessions = staff_copy["exportPersonalData"]["data"]["support_sessions"]
    assert [s["staff_name"] for s in sessions] == [staff_name]


async def test_my_quick_info_counts_and_sums_only_what_i_may_see(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, contact = await make_customer(runtime)
    assert contact is not None
    cid = to_global_id("Contact", contact.id)
    await log_in_staff(admin_api, runtime)
    assert (await admin_api.data(NOTE, {"c": cid}))["addContactNote"]["errors"] == []
    for description, amount, visible in (
        ("Einkauf Filiale Köln", "19.90", True),
        ("Rabatt intern verbucht", "500.00", False),  # the newest revenue, but internal
        ("Rückruf vereinbart", None, False),
    ):
        clock.advance(timedelta(minutes=1))
        added = await admin_api.data(
            HISTORY, {"c": cid, "d": description, "a": amount, "v": visible}
        )
        assert added["addHistoryEntry"]["errors"] == []
    await log_in_customer(portal_api)
    mine = (await portal_api.data(QUICK_INFO))["viewer"]["contact"]
    # Newest first: the login itself is a visible portal event (issue 22); the internal revenue
    # and the internal call-back are not.
    assert [h["description"] for h in mine["history"]] == [
        "First portal login",
        "Einkauf Filiale Köln",
    ]
    assert mine["quickInfo"] == {
        "historyCount": len(mine["history"]),
        "lastRevenue": {"amount": "19.90", "currency": "EUR"},
        "totalRevenue": [{"amount": "19.90", "currency": "EUR"}],
    }
