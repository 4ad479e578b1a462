"""What recording events costs a CSV import: the import of new contacts with its
``contact.created`` events against the same import with event recording switched off.

Product: ``portal.services.csv_import.import_contacts`` as shipped (one event per new contact,
written in the same bulk insert path as the contacts: PostgreSQL ``COPY``, SQLite
``executemany``). Reference: the same import with ``record_events`` replaced by a no-op, so
the ratio is the events' share alone. Goal: <= 1.25x (events may add at most a quarter).
Files of 10,000 and 50,000 rows, interleaved rounds.

    python -m benchmarks.events_import [sqlite] [postgresql]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.csv_bulk import ACTOR, as_csv, import_rows
from benchmarks.harness import command_line, interleaved, report, scratch_database
from portal.db import Database
from portal.services.contacts import writes
from portal.services.csv_import import ImportOptions, import_contacts

SIZES = (10_000, 50_000)
RATIO_GOAL = 1.25


async def _no_events(_session: Any, _rows: Any) -> None:
    return None


async def measure(dialect: str, database: Database) -> None:
    recording = writes.record_events
    for size in SIZES:
        files = [as_csv(import_rows(run, size)) for run in range(8)]

        async def product(i: int, files: list[bytes] = files) -> None:
            async with database.transaction() as session:
                result = await import_contacts(session, files[2 * i], ImportOptions(), ACTOR)
            assert result.applied, result

        async def reference(i: int, files: list[bytes] = files) -> None:
            writes.record_events = _no_events  # type: ignore[assignment]
            try:
                async with database.transaction() as session:
                    result = await import_contacts(
                        session, files[2 * i + 1], ImportOptions(), ACTOR
                    )
                assert result.applied, result
            finally:
                writes.record_events = recording

        mine, theirs = await interleaved(product, reference, rounds=3, warmup=1)
        ratio = report(f"events on csv import {dialect} {size:,} rows", mine, theirs)
        extra = (mine.p50 - theirs.p50) / size * 1e6
        print(
            f"  events add {extra:.0f} us per imported contact "
            f"(goal <= {RATIO_GOAL:.2f}x: {'met' if ratio <= RATIO_GOAL else 'MISSED'})"
        )


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            database = Database.from_url(url)
            try:
                await measure(dialect, database)
            finally:
                await database.dispose()


if __name__ == "__main__":
    command_line(main)
