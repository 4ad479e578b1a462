"""Migration 0019 gives every existing contact its own directory id and directory search text."""

from __future__ import annotations

import uuid

from sqlalchemy import Uuid, bindparam, select, text

from portal.app.runtime import Runtime
from portal.migrate import current_revision, head_revision, upgrade_database_async
from portal.models import Contact
from portal.models.base import UTCDateTime


async def test_existing_contacts_get_a_directory_id_and_search_text(
    runtime: Runtime, database_url: str
) -> None:
    await upgrade_database_async(database_url, "0018", downgrade=True)
    try:
        # Rows as written before the revision (the model has columns the table lacks yet).
        async with runtime.database.transaction() as session:
            for number, (first, last, city) in enumerate(
                (("Jörg", "Müller", "Köln"), ("Anna", "Schmidt", ""), ("", "Groß GmbH", "Bonn")),
                start=10001,
            ):
                await session.execute(
                    text(
                        "INSERT INTO contacts (id, customer_number, first_name, last_name, city, "
                        "directory_visible, is_active, search_text, version, created_at, updated_at, "
                        "salutation, title, company_name, street, postal_code, country, email, "
                        "phone1, phone2, mobile, fax, website, notes, language, formality, "
                        "reachability, source, phone1_e164, phone2_e164, mobile_e164, fax_e164) "
                        "VALUES (:id, :n, :f, :l, :c, true, true, '', 1, :now, :now, '', '', "
                        "'', '', '', '', NULL, '', '', '', '', '', '', 'de', 'formal', '[]', "
                        "'MANUAL', NULL, NULL, NULL, NULL)"
                    ).bindparams(bindparam("id", type_=Uuid()), bindparam("now", type_=UTCDateTime())),
                    {"id": uuid.uuid4(), "n": number, "f": first, "l": last, "c": city,
                     "now": runtime.settings.clock()},
                )  # fmt: skip
    finally:
        await upgrade_database_async(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    async with runtime.database.transaction() as session:
        rows = (
            await session.execute(
                select(Contact.id, Contact.directory_id, Contact.directory_text).order_by(
                    Contact.customer_number
                )
            )
        ).all()
    assert [r.directory_text for r in rows] == [
        "jorg muller koln",
        "anna schmidt",
        "gross gmbh bonn",
    ]
    ids = {r.directory_id for r in rows}
    assert len(ids) == 3 and not ids & {r.id for r in rows}
