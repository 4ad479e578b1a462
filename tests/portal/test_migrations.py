"""Migrations build exactly the schema the models describe, and run both ways."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, delete, insert, select

from portal.db import create_engine
from portal.migrate import (
    current_revision,
    head_revision,
    schema_differences,
    upgrade_database_async,
)
from portal.models import AuditEntry, Contact, PortalUser, Resource, ResourceAssignment
from portal.models.base import full_row, table_of
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
