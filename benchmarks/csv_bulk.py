"""CSV bulk data: export of 40,000 contacts and import of new contacts.

Export. Product: ``portal.services.csv_export.export_contacts`` (all contacts, chunks consumed
and dropped as a download would). Reference: one plain cursor over the same columns and a
``csv.writer``. Goal: product < 1 s; the Python heap's peak growth during one export
(tracemalloc, separate untimed run) < 50 MB.

Import. Product: ``portal.services.csv_import.import_contacts`` (default options: every row
creates a contact; validation, customer numbers in file order, a history entry per contact, an
audit entry per batch). Reference: the raw driver writing the same rows (each contact and its
history entry; PostgreSQL ``copy_records_to_table``, SQLite ``executemany``), no validation.
Goal: product <= 5x and < 10 s for 100,000 rows. The import is timed at 10,000 and 100,000
rows (the per-row cost of both is printed, to show it is flat); the peak Python heap growth of
one more 100,000-row import is printed too. Last, the whole table (the seed plus every import,
several hundred thousand contacts) is exported once more under tracemalloc: the export's memory
stays flat in the number of rows.

    python -m benchmarks.csv_bulk [sqlite] [postgresql]
"""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from benchmarks.apps import RawConnection
from benchmarks.harness import command_line, interleaved, report, scratch_database
from benchmarks.seed import seed_contacts
from portal.app.asgi import freeze_startup_heap
from portal.db import Database
from portal.models import Contact
from portal.services.actors import Actor, ActorType
from portal.services.contacts.search import ContactFilter
from portal.services.csv_export import CsvDialect, export_contacts
from portal.services.csv_import import ImportOptions, import_contacts

EXPORT_ROWS = 40_000
EXPORT_ROUNDS = 5
EXPORT_GOAL_S = 1.0
MEMORY_GOAL = 50 * 1024 * 1024
IMPORT_SIZES = (10_000, 100_000)
IMPORT_TARGET = 100_000
IMPORT_RATIO_GOAL = 5.0
IMPORT_GOAL_S = 10.0
ACTOR = Actor(ActorType.IMPORT, name="benchmark import")
HEADER = ["First name", "Last name", "Email", "Phone 1", "Street", "Postal code", "City", "Country"]
EXPORT_SQL = (
    "SELECT id, customer_number, salutation, title, first_name, last_name, company_name, email, "
    "phone1, phone2, mobile, street, postal_code, city, country, language, notes, is_active, "
    "source, registered_at, newsletter_confirmed_at FROM contacts ORDER BY customer_number"
)


def import_rows(run_: int, count: int) -> list[list[str]]:
    return [
        [
            f"Vorname{i}",
            f"Nachname{run_}x{i}",
            f"import{run_}x{i}@example.com",
            f"030 {1_000_000 + i}",
            f"Hauptstraße {i % 200 + 1}",
            "10115",
            "Berlin",
            "DE",
        ]
        for i in range(count)
    ]


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def contact_defaults() -> dict[str, Any]:
    """Model defaults of the columns the CSV leaves out (what the ORM would fill in)."""
    values: dict[str, Any] = {}
    for column in Contact.__table__.columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            values[column.name] = default.arg  # type: ignore[attr-defined]
        elif default is not None and column.name == "reachability":
            values[column.name] = "[]"
    values["source"] = "CSV_IMPORT"
    return values


HISTORY_COLUMNS = [
    "id", "contact_id", "occurred_at", "source", "description", "actor_type", "actor_name",
    "visible_to_customer", "created_at", "updated_at",
]  # fmt: skip


def _native(value: Any, postgres: bool) -> Any:
    """A value as the raw driver takes it (SQLite: UUID hex, naive UTC text)."""
    if postgres:
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    return value


async def raw_insert(raw: RawConnection, rows: list[list[str]], first_number: int) -> None:
    """The same rows through the raw driver, in one transaction: each contact and its
    "Contact created" history entry (the product writes both; it also validates every row,
    numbers contacts in file order and adds one audit entry per 500 rows)."""
    now = datetime.now(UTC)
    fixed = contact_defaults()
    names = [
        "id", "customer_number", "first_name", "last_name", "email", "email_normalized",
        "phone1", "street", "postal_code", "city", "country", "registered_at", "created_at",
        "updated_at", *fixed,
    ]  # fmt: skip
    names = list(dict.fromkeys(names))
    records = []
    history = []
    for offset, (first, last, email, phone, street, postal, city, country) in enumerate(rows):
        contact_id = uuid.uuid4()
        row = {
            "id": contact_id,
            "customer_number": first_number + offset,
            "first_name": first,
            "last_name": last,
            "email": email,
            "email_normalized": email.lower(),
            "phone1": phone,
            "street": street,
            "postal_code": postal,
            "city": city,
            "country": country,
            "registered_at": now,
            "created_at": now,
            "updated_at": now,
            **fixed,
        }
        records.append(tuple(_native(row[n], raw.postgres) for n in names))
        entry = (
            uuid.uuid4(), contact_id, now, "CSV_IMPORT", "Contact created", "import",
            "benchmark import", False, now, now,
        )  # fmt: skip
        history.append(tuple(_native(v, raw.postgres) for v in entry))
    async with raw.transaction():
        if raw.postgres:
            await raw.driver.copy_records_to_table("contacts", records=records, columns=names)
            await raw.driver.copy_records_to_table(
                "contact_history", records=history, columns=HISTORY_COLUMNS
            )
        else:
            for table, columns, values in (
                ("contacts", names, records),
                ("contact_history", HISTORY_COLUMNS, history),
            ):
                placeholders = ", ".join("?" for _ in columns)
                await raw.driver.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                    values,
                )


async def product_export(database: Database) -> int:
    size = 0
    async with database.new_session() as session:
        async for chunk in export_contacts(
            session, ContactFilter(include_inactive=True), CsvDialect()
        ):
            size += len(chunk)
    return size


async def reference_export(raw: RawConnection) -> int:
    size = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = await raw.fetch(EXPORT_SQL)
    for start in range(0, len(rows), 1000):
        writer.writerows(list(row.values()) for row in rows[start : start + 1000])
        size += len(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    return size


async def measure_export(dialect: str, database: Database, raw: RawConnection) -> None:
    mine, theirs = await interleaved(
        lambda _i: product_export(database),
        lambda _i: reference_export(raw),
        rounds=EXPORT_ROUNDS,
        warmup=1,
    )
    report(f"csv export {dialect} {EXPORT_ROWS:,} contacts", mine, theirs)
    tracemalloc.start()
    await product_export(database)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  goal < {EXPORT_GOAL_S:.0f} s: {'met' if mine.p50 < EXPORT_GOAL_S else 'MISSED'}; "
        f"peak Python heap growth during one export {peak / 2**20:.1f} MiB "
        f"(goal < {MEMORY_GOAL / 2**20:.0f} MiB: {'met' if peak < MEMORY_GOAL else 'MISSED'})"
    )


async def measure_import(dialect: str, database: Database, raw: RawConnection) -> None:
    next_number = [10_000_000]
    per_row: list[float] = []
    for size in IMPORT_SIZES:
        files = [as_csv(import_rows(i, size)) for i in range(3)]
        rows = [import_rows(100 + i, size) for i in range(3)]

        async def product(i: int, files: list[bytes] = files, size: int = size) -> None:
            async with database.transaction() as session:
                result = await import_contacts(session, files[i], ImportOptions(), ACTOR)
            assert result.applied and result.created == size, result

        async def reference(i: int, rows: list[list[list[str]]] = rows, size: int = size) -> None:
            await raw_insert(raw, rows[i], next_number[0])
            next_number[0] += size

        mine, theirs = await interleaved(product, reference, rounds=2, warmup=1)
        report(f"csv import {dialect} {size:,} rows", mine, theirs)
        per_row.append(mine.p50 / size)
    ratio = per_row[-1] / per_row[0]
    projected = per_row[-1] * IMPORT_TARGET
    reference_projection = theirs.p50 / IMPORT_SIZES[-1] * IMPORT_TARGET
    print(
        f"  per-row cost {per_row[0] * 1e3:.2f} ms at {IMPORT_SIZES[0]:,} rows, "
        f"{per_row[-1] * 1e3:.2f} ms at {IMPORT_SIZES[-1]:,} (x{ratio:.2f}); "
        f"{IMPORT_TARGET:,} rows: product {projected:.1f} s, reference "
        f"{reference_projection:.1f} s [goals < {IMPORT_GOAL_S:.0f} s: "
        f"{'met' if projected < IMPORT_GOAL_S else 'MISSED'}, <= {IMPORT_RATIO_GOAL:.0f}x: "
        f"{'met' if mine.p50 / theirs.p50 <= IMPORT_RATIO_GOAL else 'MISSED'}]"
    )
    # Peak memory of one more import of the largest file (separate, untimed: tracemalloc
    # slows the import down): the file, its decoded text and a batch of rows, not the rows.
    data = as_csv(import_rows(900, IMPORT_SIZES[-1]))
    tracemalloc.start()
    async with database.transaction() as session:
        await import_contacts(session, data, ImportOptions(), ACTOR)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  peak Python heap growth during one import of {IMPORT_SIZES[-1]:,} rows "
        f"({len(data) / 2**20:.1f} MiB file): {peak / 2**20:.1f} MiB"
    )


async def measure_large_export(dialect: str, database: Database) -> None:
    """The export's memory stays flat in the number of rows: the table now holds several
    hundred thousand contacts (the seed plus every import)."""
    async with database.new_session() as session:
        count = int(await session.scalar(select(func.count()).select_from(Contact)) or 0)
    started = time.perf_counter()
    tracemalloc.start()
    size = await product_export(database)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"csv export {dialect} {count:,} contacts (under tracemalloc, not a timing: "
        f"{time.perf_counter() - started:.1f} s): {size / 2**20:.0f} MiB of CSV, peak Python "
        f"heap growth {peak / 2**20:.1f} MiB (goal < {MEMORY_GOAL / 2**20:.0f} MiB: "
        f"{'met' if peak < MEMORY_GOAL else 'MISSED'})"
    )


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            database = Database.from_url(url)
            raw = RawConnection(url)
            await raw.open()
            try:
                started = time.perf_counter()
                await seed_contacts(database.engine, 1, EXPORT_ROWS + 1)
                freeze_startup_heap()  # what the server (and the import CLI) do at start-up
                print(f"  seeded {EXPORT_ROWS:,} contacts in {time.perf_counter() - started:.1f} s")
                await measure_export(dialect, database, raw)
                await measure_import(dialect, database, raw)
                await measure_large_export(dialect, database)
            finally:
                await raw.close()
                await database.dispose()


if __name__ == "__main__":
    command_line(main)
