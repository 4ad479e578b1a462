"""CSV import and update of contacts: reads exactly what the export writes.

Empty cells and missing columns leave fields untouched, so export -> edit -> import changes only
what was edited. Every row is checked and reported (file line, column, code, message); dry runs
write nothing. ``REJECT_EVERYTHING`` applies all rows or none; ``REJECT_FAILED_ROWS`` keeps the
good rows. Each row runs in its own savepoint, so a failing row never leaves half a contact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.normalization import normalize_email
from portal.services.actors import Actor
from portal.services.csv_columns import (
    CONTACT_COLUMNS,
    UNSTORABLE_CHARACTER,
    CsvFileProblem,
    read_csv,
    unneutralise,
    unstorable_cells,
)
from portal.services.csv_import.mapping import ColumnKey, map_columns
from portal.services.csv_import.report import (
    MAX_ROW_RESULTS,
    PHONE_FIELDS,
    ColumnMapping,
    ColumnUse,
    ImportErrorPolicy,
    ImportMatch,
    ImportOptions,
    ImportProblemCode,
    ImportReport,
    RowFailed,
    RowOutcome,
    RowProblem,
    RowResult,
)
from portal.services.csv_import.rows import (
    NUL_MESSAGE,
    NewContact,
    StoredEmails,
    apply_row,
    check_row_alone,
    create_new,
    new_contact_row,
    record_held,
    refused_by_database,
)
from portal.services.phone_lookahead import PhoneLookahead

logger = logging.getLogger("portal.import")

__all__ = [
    "MAX_ROW_RESULTS",
    "ColumnKey",
    "ColumnMapping",
    "ColumnUse",
    "ImportErrorPolicy",
    "ImportMatch",
    "ImportOptions",
    "ImportProblemCode",
    "ImportReport",
    "RowOutcome",
    "RowProblem",
    "RowResult",
    "import_contacts",
]


async def import_contacts(
    session: AsyncSession,
    data: bytes,
    options: ImportOptions,
    actor: Actor,
    *,
    progress: Callable[[int], None] | None = None,
    on_batch: Callable[[], Any] | None = None,
    batch_size: int = 500,
) -> ImportReport:
    """Import ``data`` (a CSV file's bytes) and report every row's fate."""
    report = ImportReport(match=options.match)
    try:
        file = read_csv(data)
    except CsvFileProblem as problem:
        report.problems.append(RowProblem(problem.line, None, problem.code, problem.message))
        return report
    by_field = {c.field: c for c in CONTACT_COLUMNS if c.field}
    report.columns, mapping_problems = map_columns(file.header, options.columns)
    if mapping_problems:
        report.problems.extend(mapping_problems)
        return report
    columns = [m.column for m in report.columns]
    if not any(columns):
        report.problems.append(RowProblem(1, None, "UNKNOWN_COLUMNS", "No known column."))
        return report
    # Problems name columns as the file does (a German file's problems say "Kundennummer").
    file_names = {m.column.en: m.header for m in report.columns if m.column is not None}
    if "House number" in file_names:
        file_names.setdefault("Street", file_names["House number"])
    new_contacts: list[NewContact] = []
    emails = None
    email_position = next(
        (i for i, c in enumerate(columns) if c is not None and c.key == "email"), None
    )
    if (
        options.match in (ImportMatch.AUTO, ImportMatch.EMAIL)
        and email_position is not None
        and not options.blind  # a blind answer must not depend on whose address is stored
    ):
        # One query per 500 addresses, instead of one per row that has an email.
        emails = await StoredEmails.of_file(
            session,
            {
                normalize_email(unneutralise(r[email_position]).strip())
                for r in file.records
                if email_position < len(r)
                and r[email_position].strip()
                # A cell no database can hold is the row's problem, not the look-up's.
                and UNSTORABLE_CHARACTER not in r[email_position]
            },
        )
    records = file.records
    phone_columns = [i for i, c in enumerate(columns) if c is not None and c.field in PHONE_FIELDS]
    lookahead = await PhoneLookahead.start(
        records, phone_columns, options.phone_region, options.parallel_phone_rows
    )
    known_phones: Mapping[str, str | None] | None = None
    # REJECT_FAILED_ROWS keeps good rows for good every batch_size rows (the caller's on_batch
    # commits); otherwise all rows run in one savepoint, released at the end or, for a dry run
    # or REJECT_EVERYTHING with failed rows, rolled back.
    batched = (
        on_batch is not None
        and not options.dry_run
        and options.error_policy is ImportErrorPolicy.REJECT_FAILED_ROWS
    )
    pending = iter(enumerate(records))
    line = 0  # the line of the row being read
    held_recorded = 0  # held rows already in the audit log

    async def run_batch() -> bool:
        """Rows up to the next batch boundary (True: more rows follow) or the end (False)."""
        nonlocal known_phones, line, held_recorded
        for position, record in pending:
            number = line = file.lines[position]
            if not any(cell.strip() for cell in record):
                continue
            if lookahead is not None:
                known_phones = await lookahead.known_through(position)
            report.rows += 1
            unstorable = [
                RowProblem(number, file.header[i], "INVALID_CHARACTER", NUL_MESSAGE)
                for i in (unstorable_cells(record) if file.has_unstorable else ())
                if i < len(columns) and columns[i] is not None
            ]
            if unstorable:
                report.failed += 1
                report.problems.extend(unstorable)
                continue_with_row = False
                created = None
            else:
                raw = {
                    column.key: unneutralise(cell)
                    for column, cell in zip(columns, record, strict=False)
                    if column is not None
                }
                if "house_number" in raw:
                    number_cell = raw.pop("house_number").strip()
                    if number_cell:
                        raw["street"] = f"{raw.get('street', '').rstrip()} {number_cell}".lstrip()
                cells = {key: value.strip() for key, value in raw.items()}
                try:
                    created = new_contact_row(
                        options, cells, number, by_field, known_phones, emails
                    )
                except RowFailed as failed:
                    report.failed += 1
                    report.problems.extend(failed.problems)
                    continue_with_row = False
                else:
                    continue_with_row = created is None
                    if created is not None:
                        new_contacts.append(created)
            if new_contacts and (continue_with_row or len(new_contacts) >= batch_size):
                # Before any row that reads contacts, so matching sees every earlier row and
                # customer numbers follow the file.
                await create_new(session, actor, new_contacts, report)
            if continue_with_row and options.blind:
                # What the row has in itself is the caller's to know; what the stored data
                # says is not (below, such a row is held).
                try:
                    check_row_alone(options, cells, number, by_field, known_phones)
                except RowFailed as failed:
                    report.failed += 1
                    report.problems.extend(failed.problems)
                    continue_with_row = False
            if continue_with_row:
                try:
                    async with session.begin_nested():  # a failing row leaves nothing behind
                        try:
                            result = await apply_row(
                                session, options, actor, cells, raw, number, by_field
                            )
                        except DBAPIError as exc:
                            raise RowFailed([refused_by_database(number, exc)]) from exc
                except RowFailed as failed:
                    if options.blind:
                        report.hold(failed.problems)
                    else:
                        report.failed += 1
                        report.problems.extend(failed.problems)
                else:
                    report.record(result)
            if progress is not None:
                progress(report.rows)
            if batched and report.rows % batch_size == 0:
                more = True
                break
        else:
            more = False
        if new_contacts:
            await create_new(session, actor, new_contacts, report)
        if options.blind and len(report.held) > held_recorded:
            await record_held(session, actor, report.held[held_recorded:])
            held_recorded = len(report.held)
        return more

    discarded = False
    committed = report.checkpoint()  # what the caller's commits have kept so far
    batch_start = file.lines[0] if file.lines else 0
    try:
        more = True
        while more:
            async with session.begin_nested() as whole:
                more = await run_batch()
                failed_all = (
                    options.error_policy is ImportErrorPolicy.REJECT_EVERYTHING and report.failed
                )
                if not more and (options.dry_run or failed_all):
                    await whole.rollback()
                    discarded = True
            if more:
                # Good rows so far are kept for good: a later crash cannot take them back.
                assert on_batch is not None
                await on_batch()
                committed = report.checkpoint()
                batch_start = line + 1
    except Exception:
        if not batched:
            raise  # one transaction: the caller rolls it back, nothing was applied
        # The batches committed so far stay: report exactly them, and where the import stopped,
        # instead of an error that would leave the caller guessing what was applied.
        logger.exception("CSV import interrupted at line %d", line)
        await session.rollback()
        report.restore(committed)
        report.interrupted_at = batch_start
        report.problems.append(
            RowProblem(
                batch_start,
                None,
                "IMPORT_INTERRUPTED",
                f"The import stopped after an unexpected error at line {line}. Rows from line "
                f"{batch_start} on were not applied; the rows before it were (see the counts). "
                "Import the rest of the file again.",
            )
        )
        report.applied = report.rows > 0
        _name_columns(report, file_names)
        return report
    finally:
        if lookahead is not None:
            await lookahead.close()
    report.problems.sort(key=lambda problem: problem.row)  # batched rows report late
    if discarded:
        # The contacts these rows created are gone again (the rows' outcome stays the answer).
        report.results = [
            replace(r, contact_id=None) if r.outcome is RowOutcome.CREATED else r
            for r in report.results
        ]
    else:
        report.applied = True
    _name_columns(report, file_names)
    return report


def _name_columns(report: ImportReport, file_names: Mapping[str, str]) -> None:
    """Problems and held rows name columns by the file's headers, not the export's."""

    def named(problem: RowProblem) -> RowProblem:
        if problem.column is not None and problem.column in file_names:
            return replace(problem, column=file_names[problem.column])
        return problem

    report.problems = [named(p) for p in report.problems]
    report.held = [named(p) for p in report.held]
