"""Groups, tags, history and quick info, newsletter consent, reachability, references, and the
constant query count of a contacts page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import event, select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import ConsentEvent, OutboxMessage
from tests.conftest import GraphQLClient
from tests.factories import link_in, log_in_staff
from tests.schema.admin.contact_documents import CONTACT, LIST, create, names


async def mutate(api: GraphQLClient, document: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(document, variables)
    (payload,) = data.values()
    result: dict[str, Any] = payload
    return result


async def test_groups_and_tags(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Gruppe")
    other = await create(admin_api, lastName="Andere")
    vip = (
        await mutate(
            admin_api,
            'mutation { createContactGroup(name: "VIP", description: "Beste Kunden") { group { id name } errors { code } } }',
        )
    )["group"]
    taken = await mutate(
        admin_api, 'mutation { createContactGroup(name: "vip") { errors { code field } } }'
    )
    assert taken["errors"] == [{"code": "NAME_TAKEN", "field": "name"}]
    set_groups = "mutation S($c: ID!, $g: [ID!]!) { setContactGroups(contactId: $c, groupIds: $g) { contact { groups { name } } errors { code } } }"
    result = await mutate(admin_api, set_groups, c=contact["id"], g=[vip["id"]])
    assert result["contact"]["groups"] == [{"name": "VIP"}]
    unknown = await mutate(admin_api, set_groups, c=contact["id"], g=["bm9wZQ"])
    assert unknown["errors"] == [{"code": "NOT_FOUND"}]

    add = "mutation A($c: ID!, $t: [String!]!) { addTags(contactId: $c, tags: $t) { contact { tags { name isCentral } } errors { code } } }"
    result = await mutate(admin_api, add, c=contact["id"], t=["Sommer 2026", "gutschein"])
    assert [t["name"] for t in result["contact"]["tags"]] == ["gutschein", "Sommer 2026"]
    await mutate(admin_api, add, c=other["id"], t=["GUTSCHEIN"])
    assert len((await admin_api.data("{ tags { name } }"))["tags"]) == 2
    assert await names(admin_api, filter={"tags": ["gutschein"]}) == ["Andere", "Gruppe"]
    assert await names(admin_api, filter={"tags": ["gutschein", "sommer 2026"]}) == ["Gruppe"]
    assert await names(admin_api, filter={"groupIds": [vip["id"]]}) == ["Gruppe"]
    remove = "mutation R($c: ID!, $t: [String!]!) { removeTags(contactId: $c, tags: $t) { contact { tags { name } } } }"
    result = await mutate(admin_api, remove, c=contact["id"], t=["gutschein"])
    assert result["contact"]["tags"] == [{"name": "Sommer 2026"}]


CREATE_GROUP = "mutation G($n: String!) { createContactGroup(name: $n) { group { name } errors { code field } } }"
RENAME_GROUP = "mutation U($id: ID!, $n: String!) { updateContactGroup(id: $id, name: $n) { group { name } errors { code field } } }"


async def test_group_names_clash_case_insensitively_beyond_ascii(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    # Found by the fuzzer: SQLite's lower() folds ASCII only, so "ìóÒ" twice reached the unique
    # constraint and answered INTERNAL_SERVER_ERROR.
    await log_in_staff(admin_api, runtime)
    first = await mutate(admin_api, CREATE_GROUP, n="ìóÒ")
    assert first["errors"] == []
    for name in ["ìóÒ", "ÌÓò", "Ärger", "ärger"]:
        result = await mutate(admin_api, CREATE_GROUP, n=name)
        if name == "Ärger":
            assert result["errors"] == []
            continue
        assert result["errors"] == [{"code": "NAME_TAKEN", "field": "name"}], name
    group = await mutate(admin_api, CREATE_GROUP, n="Straße")
    assert group["errors"] == []
    groups = (await admin_api.data("{ contactGroups { id name } }"))["contactGroups"]
    straße = next(g for g in groups if g["name"] == "Straße")
    renamed = await mutate(admin_api, RENAME_GROUP, id=straße["id"], n="ÄRGER")
    assert renamed["errors"] == [{"code": "NAME_TAKEN", "field": "name"}]
    kept = await mutate(admin_api, RENAME_GROUP, id=straße["id"], n="STRASSE")
    assert kept["errors"] == []  # its own name, case-folded


async def test_central_tags_need_settings_permission(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime, "support@example.com", role="support")
    refused = await mutate(
        admin_api, 'mutation { createTag(name: "Franchise", isCentral: true) { errors { code } } }'
    )
    assert refused["errors"] == [{"code": "CENTRAL_TAG"}]
    local = await mutate(
        admin_api, 'mutation { createTag(name: "Filiale") { tag { isCentral } errors { code } } }'
    )
    assert local == {"tag": {"isCentral": False}, "errors": []}


async def test_history_and_quick_info_stay_consistent(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Umsatz")
    book = """mutation B($c: ID!, $a: String, $cur: String) {
      addHistoryEntry(contactId: $c, source: "POS", description: "Einkauf", revenueAmount: $a, revenueCurrency: $cur) {
        entry { revenue { amount currency } } errors { code field } } }"""
    for amount in ("19.90", "5,10", "100"):
        clock.advance(timedelta(minutes=5))
        assert (await mutate(admin_api, book, c=contact["id"], a=amount, cur="EUR"))["errors"] == []
    clock.advance(timedelta(minutes=5))
    await mutate(admin_api, book, c=contact["id"], a="7.00", cur="CHF")
    bad = await mutate(admin_api, book, c=contact["id"], a="1.234", cur="XYZ")
    assert {e["code"] for e in bad["errors"]} == {"INVALID_AMOUNT", "INVALID_CURRENCY"}
    clock.advance(timedelta(minutes=5))
    await mutate(
        admin_api,
        'mutation N($c: ID!) { addContactNote(contactId: $c, text: "Rückruf erbeten") { errors { code } } }',
        c=contact["id"],
    )
    info = (await admin_api.data(CONTACT, {"id": contact["id"]}))["contact"]["quickInfo"]
    assert info["historyCount"] == 6  # created, four bookings, one note
    assert info["lastRevenue"] == {"amount": "7.00", "currency": "CHF"}
    assert info["totalRevenue"] == [
        {"amount": "7.00", "currency": "CHF"},
        {"amount": "125.00", "currency": "EUR"},
    ]
    history = await admin_api.data(
        "query H($c: ID!) { contactHistory(contactId: $c, first: 3) { totalCount edges { node { description source } } } }",
        {"c": contact["id"]},
    )
    assert history["contactHistory"]["totalCount"] == 6
    assert history["contactHistory"]["edges"][0]["node"] == {
        "description": "Rückruf erbeten",
        "source": "note",
    }


async def test_newsletter_double_opt_in(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(
        admin_api, firstName="Nora", lastName="News", email="nora@example.de", formality="INFORMAL"
    )
    no_mail = await create(admin_api, lastName="Ohne Mail")
    invite = "mutation I($c: ID!) { sendNewsletterInvitation(contactId: $c) { contact { optInState newsletterInvitedAt } errors { code } } }"
    assert (await mutate(admin_api, invite, c=no_mail["id"]))["errors"] == [{"code": "NO_EMAIL"}]
    sent = await mutate(admin_api, invite, c=contact["id"])
    assert sent["contact"]["optInState"] == "INVITED"
    async with runtime.database.transaction() as session:
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "newsletter_opt_in")
        )
    assert message is not None
    assert (message.to_address, message.formality) == ("nora@example.de", "informal")
    token = parse_qs(urlparse(link_in(runtime, message, "confirm_url")).query)["token"][0]
    assert link_in(runtime, message, "confirm_url").startswith(
        "https://portal.example.test/newsletter/confirm"
    )
    assert await names(admin_api, filter={"optIn": "INVITED"}) == ["News"]

    confirm = "mutation C($t: String!) { confirmNewsletterSubscription(token: $t) { confirmed errors { code } } }"
    done = await mutate(portal_api, confirm, t=token)
    assert done == {"confirmed": True, "errors": []}
    again = await mutate(portal_api, confirm, t=token)
    assert again["errors"] == [{"code": "INVALID_TOKEN"}]
    assert await names(admin_api, filter={"optIn": "CONFIRMED"}) == ["News"]

    revoke = "mutation R($c: ID!) { revokeNewsletterOptIn(contactId: $c) { contact { optInState newsletterInvitedAt newsletterConfirmedAt newsletterRevokedAt } errors { code } } }"
    clock.advance(timedelta(minutes=1))
    revoked = await mutate(admin_api, revoke, c=contact["id"])
    assert revoked["contact"]["optInState"] == "REVOKED"
    # All three dates stay (before: revoking cleared the confirmation date).
    dates = [
        revoked["contact"][f"newsletter{step}At"] for step in ("Invited", "Confirmed", "Revoked")
    ]
    assert None not in dates and dates == sorted(dates) and dates[1] < dates[2], dates
    assert await names(admin_api, filter={"optIn": "REVOKED"}) == ["News"]
    assert await names(admin_api, filter={"optIn": "CONFIRMED"}) == []
    assert (await mutate(admin_api, revoke, c=contact["id"]))["errors"] == [
        {"code": "NOT_CONFIRMED"}
    ]
    async with runtime.database.transaction() as session:
        kinds = [
            e.kind
            for e in await session.scalars(
                select(ConsentEvent).order_by(ConsentEvent.occurred_at, ConsentEvent.created_at)
            )
        ]
        events = list(
            await session.scalars(select(ConsentEvent).where(ConsentEvent.kind == "confirmed"))
        )
    assert sorted(kinds) == ["confirmed", "invited", "revoked"]
    assert events[0].source == "email link"
    assert events[0].ip_address == "127.0.0.1"

    # A fresh invitation expires after seven days.
    clock.advance(timedelta(minutes=1))
    await mutate(admin_api, invite, c=contact["id"])
    async with runtime.database.transaction() as session:
        newest = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.template == "newsletter_opt_in")
            .order_by(OutboxMessage.created_at.desc())
        )
    assert newest is not None
    late = parse_qs(urlparse(link_in(runtime, newest, "confirm_url")).query)["token"][0]
    clock.advance(timedelta(days=7, seconds=1))
    assert (await mutate(portal_api, confirm, t=late))["errors"] == [{"code": "TOKEN_EXPIRED"}]


async def test_deactivate_contacts_without_opt_in(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    keeper = await create(admin_api, lastName="Bleibt", email="b@example.de")
    await create(admin_api, lastName="Geht 1")
    await create(admin_api, lastName="Geht 2")
    await mutate(
        admin_api,
        "mutation C($c: ID!) { confirmNewsletterOptIn(contactId: $c) { errors { code } } }",
        c=keeper["id"],
    )
    bulk = "mutation D($dry: Boolean!) { deactivateContactsWithoutOptIn(dryRun: $dry) { count dryRun } }"
    assert await mutate(admin_api, bulk, dry=True) == {"count": 2, "dryRun": True}
    assert len(await names(admin_api)) == 3
    assert await mutate(admin_api, bulk, dry=False) == {"count": 2, "dryRun": False}
    assert await names(admin_api) == ["Bleibt"]
    assert await names(admin_api, filter={"active": False}) == ["Geht 1", "Geht 2"]


async def test_reachable_now_follows_the_clock(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 6, 59, tzinfo=UTC))  # Monday 07:59 in Berlin
    await log_in_staff(admin_api, runtime)
    contact = await create(
        admin_api,
        lastName="Erreichbar",
        reachability=[{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(5)],
    )
    query = "query R($id: ID!) { contact(id: $id) { reachableNow } }"
    assert (await admin_api.data(query, {"id": contact["id"]}))["contact"]["reachableNow"] is False
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday 08:00
    assert (await admin_api.data(query, {"id": contact["id"]}))["contact"]["reachableNow"] is True
    clock.set(datetime(2026, 11, 23, 7, 50, tzinfo=UTC))
    assert (await admin_api.data(query, {"id": contact["id"]}))["contact"]["reachableNow"] is True
    windows_end = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 18:00 in Berlin
    from portal.services.contacts.reachability import is_reachable as reachable

    assert (
        reachable([{"weekday": 0, "from": "08:00", "to": "18:00"}], windows_end, "Europe/Berlin")
        is False
    )
    from portal.services.contacts.reachability import is_reachable

    windows = [{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(5)]
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert is_reachable(windows, saturday, "Europe/Berlin") is False


async def test_external_references_are_unique_per_system(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    first = await create(admin_api, lastName="Erster")
    second = await create(admin_api, lastName="Zweiter")
    set_ref = "mutation S($c: ID!, $s: String!, $e: String!) { setExternalReference(contactId: $c, sourceSystem: $s, externalId: $e) { contact { externalReferences { sourceSystem externalId } } errors { code } } }"
    done = await mutate(admin_api, set_ref, c=first["id"], s="pos", e="K-1")
    assert done["contact"]["externalReferences"] == [{"sourceSystem": "POS", "externalId": "K-1"}]
    clash = await mutate(admin_api, set_ref, c=second["id"], s="POS", e="K-1")
    assert clash["errors"] == [{"code": "DUPLICATE_REFERENCE"}]
    other_system = await mutate(admin_api, set_ref, c=second["id"], s="ERP", e="K-1")
    assert other_system["errors"] == []


async def test_a_page_costs_the_same_number_of_queries_at_any_size(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    for index in range(50):
        contact = await create(admin_api, lastName=f"Kunde {index:02}")
        await mutate(
            admin_api,
            'mutation A($c: ID!) { addTags(contactId: $c, tags: ["a", "b"]) { errors { code } } }',
            c=contact["id"],
        )
    document = LIST.replace(
        "node { customerNumber firstName lastName isActive }",
        "node { lastName tags { name } groups { name } additionalEmails portalStatus quickInfo { historyCount } externalReferences { sourceSystem } }",
    )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for size in (5, 50):
            statements.clear()
            data = await admin_api.data(document, {"first": size})
            assert len(data["contacts"]["edges"]) == size
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[0] == counts[1], counts


async def test_a_revoked_consent_counts_as_none_and_a_new_confirmation_starts_over(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    contact = await create(admin_api, lastName="Wechsel", email="w@example.de")
    confirm = "mutation C($c: ID!) { confirmNewsletterOptIn(contactId: $c) { contact { optInState newsletterConfirmedAt newsletterRevokedAt } errors { code } } }"
    revoke = "mutation R($c: ID!) { revokeNewsletterOptIn(contactId: $c) { errors { code } } }"
    first = await mutate(admin_api, confirm, c=contact["id"])
    assert (await mutate(admin_api, revoke, c=contact["id"]))["errors"] == []
    bulk = "mutation D { deactivateContactsWithoutOptIn(dryRun: true) { count } }"
    assert await mutate(admin_api, bulk) == {"count": 1}  # revoked: no consent
    again = await mutate(admin_api, confirm, c=contact["id"])
    assert again["errors"] == []
    assert again["contact"]["optInState"] == "CONFIRMED"
    assert again["contact"]["newsletterRevokedAt"] is None
    assert again["contact"]["newsletterConfirmedAt"] >= first["contact"]["newsletterConfirmedAt"]
    assert await mutate(admin_api, bulk) == {"count": 0}
