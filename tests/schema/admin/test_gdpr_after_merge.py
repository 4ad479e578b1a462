"""GDPR access and erasure of a person whose duplicates were merged into one contact."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact, PortalUser
from portal.services import audit
from portal.services.actors import SYSTEM
from portal.services.audit_actions import AuditAction, AuditSubject
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import create
from tests.schema.admin.database_search import leftovers, whole_database
from tests.schema.admin.test_gdpr import ERASE, EXPORT

MERGE = """mutation M($t: ID!, $s: [ID!]!) {
  mergeContacts(targetId: $t, sourceIds: $s) { errors { code } } }"""
UPDATE = """mutation U($input: UpdateContactInput!) { updateContact(input: $input) {
  errors { code } } }"""
IMPERSONATE = """mutation S($c: ID!) { startImpersonationForContact(contactId: $c,
  reason: "Quellenberg fragt nach dem Umzug", ticketReference: "T-Quellenberg") {
  errors { code } } }"""
# What only the source ever held; after the merge it is the target's person all the same.
SOURCE_SECRETS = ("Quellenberg", "quelle@example.de", "Quellstadt")


async def _source_and_target(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A target and a source with its own audit trail and a support session on its login."""
    await log_in_staff(admin_api, runtime)
    target = await create(admin_api, firstName="Jürgen", lastName="Groß", email="j@example.de")
    source = await create(
        admin_api, firstName="Hans", lastName="Quellenberg", email="quelle@example.de"
    )
    changed = await admin_api.data(
        UPDATE, {"input": {"id": source["id"], "version": 1, "city": "Quellstadt"}}
    )
    assert changed["updateContact"]["errors"] == []
    async with runtime.database.transaction() as session:
        session.add(PortalUser(email="quelle@example.de", email_normalized="quelle@example.de",
                               registration_status="REGISTERED", mapping_status="ASSIGNED",
                               contact_id=uuid.UUID(source["uuid"]), activated_at=clock()))  # fmt: skip
    started = await admin_api.data(IMPERSONATE, {"c": source["id"]})
    assert started["startImpersonationForContact"]["errors"] == []
    return target, source


async def test_merged_sources_are_exported_and_erased_with_the_target(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    target, source = await _source_and_target(admin_api, runtime, clock)
    merged = await admin_api.data(MERGE, {"t": target["id"], "s": [source["id"]]})
    assert merged["mergeContacts"]["errors"] == []

    document = (await admin_api.data(EXPORT, {"c": target["id"]}))["exportPersonalData"]["data"]
    entries = {(a["action"], a["subject_id"]): a for a in document["audit_entries"]}
    # The source's own trail, now under the target; the merge itself is still on record.
    created = [a for a in document["audit_entries"] if a["action"] == "contact.create"]
    assert {a["changes"]["last_name"][1] for a in created} == {"Groß", "Quellenberg"}
    assert entries[("contact.update", target["uuid"])]["changes"]["city"] == ["", "Quellstadt"]
    assert entries[("contacts.merged_into", source["uuid"])]["changes"] == {
        "target": target["uuid"]
    }
    assert entries[("contacts.merge", target["uuid"])]["changes"]["sources"] == [source["uuid"]]
    assert [s["reason"] for s in document["support_sessions"]] == [
        "Quellenberg fragt nach dem Umzug"
    ]

    assert leftovers(await whole_database(runtime), SOURCE_SECRETS) == list(SOURCE_SECRETS)
    erased = await admin_api.data(ERASE, {"c": target["id"]})
    assert erased["eraseContact"]["errors"] == []
    everything = await whole_database(runtime)
    assert leftovers(everything, (*SOURCE_SECRETS, "Groß", "j@example.de")) == []
    # The merge stays on record, by id only (SQLite keeps UUIDs without dashes).
    assert uuid.UUID(source["uuid"]).hex in everything.replace("-", "")


async def test_merges_from_before_re_pointing_are_found_by_the_merge_record(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    target, source = await _source_and_target(admin_api, runtime, clock)
    target_id, source_id = uuid.UUID(target["uuid"]), uuid.UUID(source["uuid"])
    async with runtime.database.transaction() as session:
        # What a merge did before it re-pointed audit entries and support sessions: move the
        # login, delete the source and leave its trail under its id, with a record naming it.
        user = await session.scalar(select(PortalUser).where(PortalUser.contact_id == source_id))
        assert user is not None
        user.contact_id = target_id
        await session.flush()
        await session.delete(await session.get(Contact, source_id))
        await audit.record(
            session, SYSTEM, AuditAction.CONTACTS_MERGE, subject_type=AuditSubject.CONTACT,
            subject_id=target_id,
            contact_id=target_id, changes={"sources": [str(source_id)], "filled": []},
        )  # fmt: skip

    document = (await admin_api.data(EXPORT, {"c": target["id"]}))["exportPersonalData"]["data"]
    assert "Quellstadt" in json.dumps(document["audit_entries"])
    assert len(document["support_sessions"]) == 1

    erased = await admin_api.data(ERASE, {"c": target["id"]})
    assert erased["eraseContact"]["errors"] == []
    assert leftovers(await whole_database(runtime), SOURCE_SECRETS) == []
