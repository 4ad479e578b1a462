"""Migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, delete, insert, select, text

from portal.db import create_engine
from portal.migrate import (
    current_revision,
    head_revision,
    schema_differences,
    upgrade_database_async,
)
from portal.models import (
    AuditEntry,
    Contact,
    ContactTag,
    PortalUser,
    Resource,
    ResourceAssignment,
    Tag,
)
from portal.models.base import full_row, table_of
from portal.models.list_indexes import POSTGRES_INDEX_NAMES
from portal.services.audit_actions import AuditSubject


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    # The fixture's database was built by `alembic upgrade head` (never create_all).
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []


async def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    await upgrade_database_async(database_url, "base", downgrade=True)
    assert await current_revision(database_url) is None
    await upgrade_database_async(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []


async def test_portal_status_is_backfilled_on_a_populated_database(database_url: str) -> None:
    # 0022 adds contacts.portal_status to a database that already holds contacts in every
    # state; the backfill must agree with the facts, and the index build must not fail.
    await upgrade_database_async(database_url, "0021", downgrade=True)
    engine = create_engine(database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    states = ("PROSPECT", "RESOURCE_ASSIGNED", "INVITED", "ACTIVE", "SUSPENDED")
    resource = full_row(Resource, now, {"kind": "website", "name": "R"})
    contacts, users, assignments, expected = [], [], [], {}
    for index in range(500):
        contact = full_row(Contact, now, {"customer_number": 900_000 + index})
        del contact["portal_status"]  # not there before 0022
        contacts.append(contact)
        state = expected[contact["id"]] = states[index % len(states)]
        if state in ("RESOURCE_ASSIGNED", "ACTIVE"):
            assignments.append(
                full_row(
                    ResourceAssignment,
                    now,
                    {"contact_id": contact["id"], "resource_id": resource["id"]},
                )
            )
        if state in ("INVITED", "ACTIVE", "SUSPENDED"):
            users.append(
                full_row(
                    PortalUser,
                    now,
                    {
                        "email": f"u{index}@example.de",
                        "email_normalized": f"u{index}@example.de",
                        "registration_status": "REGISTERED",
                        "mapping_status": "ASSIGNED",
                        "contact_id": contact["id"],
                        "last_login_at": None if state == "INVITED" else now,
                        "suspended_at": now if state == "SUSPENDED" else None,
                    },
                )
            )
    # The contacts table as 0021 left it.
    contacts_before = Table(
        "contacts",
        MetaData(),
        *(c._copy() for c in table_of(Contact).c if c.key != "portal_status"),
    )
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(contacts_before), contacts)
            await connection.execute(insert(table_of(Resource)), [resource])
            await connection.execute(insert(table_of(ResourceAssignment)), assignments)
            await connection.execute(insert(table_of(PortalUser)), users)
        await upgrade_database_async(database_url, "head")
        async with engine.connect() as connection:
            stored = dict(
                (await connection.execute(select(Contact.id, Contact.portal_status))).all()
            )
        assert stored == expected
        assert await schema_differences(database_url) == []
    finally:
        async with engine.begin() as connection:
            for model in (PortalUser, Resource, Contact):
                await connection.execute(delete(model))
        await engine.dispose()


async def test_audit_subject_kinds_are_rewritten_on_a_populated_database(
    database_url: str,
) -> None:
    # 0027 rewrites the subject kinds recorded before AuditSubject (staff_user) to its values,
    # and leaves every other entry as it was.
    await upgrade_database_async(database_url, "0026", downgrade=True)
    engine = create_engine(database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    before = ["staff_user", "Contact", "PortalUser", "ContactGroup", "Tag", "Resource",
              "ApiKey", "ExportJob", "WebhookEndpoint"]  # fmt: skip
    rows = [
        full_row(AuditEntry, now, {"occurred_at": now, "actor_type": "staff", "action": "staff.deactivate",
                                   "subject_type": kind, "changes": {}})
        for kind in before * 50
    ]  # fmt: skip
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(table_of(AuditEntry)), rows)
        await upgrade_database_async(database_url, "head")
        async with engine.connect() as connection:
            stored = dict(
                (await connection.execute(select(AuditEntry.id, AuditEntry.subject_type))).all()
            )
        assert {
            row["id"]: row["subject_type"] for row in rows if row["subject_type"] != "staff_user"
        }.items() <= stored.items()
        assert sorted(set(stored.values())) == sorted(s.value for s in AuditSubject)
        assert list(stored.values()).count("StaffUser") == 50
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(AuditEntry))
        await engine.dispose()


async def test_count_indexes_are_built_on_a_populated_database(database_url: str) -> None:
    # 0028 replaces the link tables' single-column indexes by (tag_id, contact_id) and
    # (group_id, contact_id), and on PostgreSQL adds the partial indexes of active contacts'
    # ids, on a database that holds contacts and links already; the links stay as they were.
    await upgrade_database_async(database_url, "0027", downgrade=True)
    engine = create_engine(database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    contacts = [
        full_row(Contact, now, {"customer_number": 50_000 + n, "first_name": "Ada",
                                "last_name": f"Müller {n}", "is_active": n % 3 != 0})
        for n in range(30)
    ]  # fmt: skip
    tag = full_row(Tag, now, {"name": "Segment A", "name_normalized": "segment a"})
    links = [{"contact_id": c["id"], "tag_id": tag["id"]} for c in contacts[::2]]
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(table_of(Contact)), contacts)
            await connection.execute(insert(table_of(Tag)), [tag])
            await connection.execute(insert(table_of(ContactTag)), links)
        await upgrade_database_async(database_url, "head")
        postgres = database_url.startswith("postgresql")
        catalogue = (
            "SELECT indexname FROM pg_indexes WHERE tablename = :t"
            if postgres
            else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
        )
        async with engine.connect() as connection:

            async def index_names(table: str) -> set[str]:
                return set((await connection.execute(text(catalogue), {"t": table})).scalars())

            tag_indexes = await index_names("contact_tags")
            group_indexes = await index_names("contact_group_members")
            contact_indexes = await index_names("contacts")
            stored = (await connection.execute(select(ContactTag.contact_id))).scalars().all()
        assert "ix_contact_tags_tag_contact" in tag_indexes
        assert "ix_contact_tags_tag_id" not in tag_indexes
        assert "ix_contact_group_members_group_contact" in group_indexes
        assert "ix_contact_group_members_group_id" not in group_indexes
        assert (contact_indexes >= POSTGRES_INDEX_NAMES) is postgres
        assert sorted(stored) == sorted(link["contact_id"] for link in links)
        assert await schema_differences(database_url) == []
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(ContactTag))
            await connection.execute(delete(Tag))
            await connection.execute(delete(Contact))
        await engine.dispose()
