"""CSV import and update of contacts: reads exactly what the export writes.

Empty cells and missing columns leave fields untouched, so export -> edit -> import changes only
what was edited. Every row is checked and reported (file line, column, code, message); dry runs
write nothing. ``REJECT_EVERYTHING`` applies all rows or none; ``REJECT_FAILED_ROWS`` keeps the
good rows. Each row runs in its own savepoint, so a failing row never leaves half a contact.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import Contact
from portal.normalization import normalize_email
from portal.services.actors import Actor
from portal.services.contacts.crud import (
    create_contact,
    create_contacts,
    set_active,
    update_contact,
    validate_new_contact,
)
from portal.services.contacts.groups_tags import change_tags, groups_by_contact, tags_by_contact
from portal.services.contacts.status import PortalStatus
from portal.services.csv_columns import (
    CONTACT_COLUMNS,
    Column,
    CsvFileProblem,
    header_index,
    parse_customer_number,
    read_csv,
    split_names,
    unneutralise,
)
from portal.services.phone_lookahead import PARALLEL_ROWS, PhoneLookahead

PHONE_FIELDS = frozenset({"phone1", "phone2", "mobile", "fax"})


class ImportErrorPolicy(StrEnum):
    REJECT_EVERYTHING = "REJECT_EVERYTHING"
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"


class ImportMatch(StrEnum):
    UUID = "UUID"
    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
    EMAIL = "EMAIL"


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    error_policy: ImportErrorPolicy = ImportErrorPolicy.REJECT_EVERYTHING
    match: ImportMatch = ImportMatch.UUID
    phone_region: str = "DE"
    # Files with this many rows validate their phone numbers in a worker process, ahead.
    parallel_phone_rows: int = PARALLEL_ROWS


@dataclass(frozen=True)
class RowProblem:
    row: int  # line of the file (the header is line 1)
    column: str | None
    code: str
    message: str


class RowOutcome(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"


# A report lists at most this many row results (the counts cover every row), so that a
# 100,000-row import does not answer with 100,000 entries.
MAX_ROW_RESULTS = 1000


@dataclass(frozen=True)
class RowResult:
    """What one applied row did: its line, the contact (None for a contact that a dry run or
    a rejected file would have created) and the fields it set or changed."""

    row: int
    contact_id: uuid.UUID | None
    outcome: RowOutcome
    changed: tuple[str, ...] = ()  # contact field names, ``is_active``, ``tags``


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    applied: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    # The first MAX_ROW_RESULTS rows that did not fail, in file order; ``results_omitted``
    # counts the rest.
    results: list[RowResult] = field(default_factory=list)
    results_omitted: int = 0

    def record(self, result: RowResult) -> None:
        setattr(self, result.outcome.lower(), getattr(self, result.outcome.lower()) + 1)
        if len(self.results) < MAX_ROW_RESULTS:
            self.results.append(result)
        else:
            self.results_omitted += 1


class RowFailed(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("row failed")
        self.problems = problems


def _problems(line: int, exc: InvalidInput, by_field: dict[str, Column]) -> list[RowProblem]:
    result = []
    for error in exc.errors:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in (error.field or ""))
        column = by_field.get(snake.split(".")[0])
        result.append(
            RowProblem(line, column.en if column else error.field, error.code, error.message)
        )
    return result


async def _find(
    session: AsyncSession, match: ImportMatch, cells: dict[str, str], line: int
) -> Contact | None:
    if match is ImportMatch.UUID and cells.get("uuid"):
        try:
            key = uuid.UUID(cells["uuid"])
        except ValueError:
            raise RowFailed([RowProblem(line, "UUID", "INVALID_UUID", "Not a UUID.")]) from None
        found = await session.get(Contact, key, with_for_update=True)
        if found is None:
            raise RowFailed([RowProblem(line, "UUID", "NOT_FOUND", "No contact with this UUID.")])
        return found
    if match is ImportMatch.CUSTOMER_NUMBER and cells.get("customer_number"):
        number = parse_customer_number(cells["customer_number"])
        found = None
        if number is not None:  # else reported by _check_cells
            found = await session.scalar(
                select(Contact).where(Contact.customer_number == number).with_for_update()
            )
        if found is None:
            raise RowFailed(
                [RowProblem(line, "Customer number", "NOT_FOUND", "No contact with this number.")]
            )
        return found
    if match is ImportMatch.EMAIL and cells.get("email"):
        candidates = list(
            await session.scalars(
                select(Contact)
                .where(Contact.email_normalized == normalize_email(cells["email"]))
                .limit(2)
            )
        )
        if len(candidates) > 1:
            raise RowFailed(
                [RowProblem(line, "Email", "AMBIGUOUS", "Several contacts have this email.")]
            )
        return candidates[0] if candidates else None
    return None


def _check_cells(cells: dict[str, str], line: int) -> None:
    """Cells that are checked here, not by the contact fields' validation."""
    problems: list[RowProblem] = []
    if cells.get("customer_number") and parse_customer_number(cells["customer_number"]) is None:
        problems.append(
            RowProblem(line, "Customer number", "INVALID_CUSTOMER_NUMBER",
                       "A customer number has at most 10 digits (0-9).")
        )  # fmt: skip
    if cells.get("status") and cells["status"] not in PortalStatus.__members__:
        problems.append(RowProblem(line, "Status", "UNKNOWN_STATUS", "Unknown status."))
    dates = (
        ("registered_at", "Registered at"),
        ("newsletter_confirmed_at", "Newsletter opt-in confirmed at"),
    )
    for key, title in dates:
        if cells.get(key):
            try:
                datetime.fromisoformat(cells[key])
            except ValueError:
                problems.append(RowProblem(line, title, "INVALID_DATE", "Use an ISO date."))
    if cells.get("active") not in (None, "", "0", "1"):
        problems.append(RowProblem(line, "Active", "INVALID_ACTIVE", "Use 1 or 0."))
    if problems:
        raise RowFailed(problems)


_MATCH_KEYS = {
    ImportMatch.UUID: "uuid",
    ImportMatch.CUSTOMER_NUMBER: "customer_number",
    ImportMatch.EMAIL: "email",
}


@dataclass(frozen=True)
class _NewContact:
    line: int
    fields: tuple[str, ...]
    columns: dict[str, Any]


def _new_contact(
    options: ImportOptions,
    cells: dict[str, str],
    line: int,
    by_field: dict[str, Column],
    known_phones: Mapping[str, str | None] | None = None,
) -> _NewContact | None:
    """The validated columns of a row that only creates a contact (no key to match, no tags,
    groups or active flag, which need the contact's rows); None for any other row. Such rows
    are created in batches: validation needs no database, so no savepoint is needed either."""
    if cells.get(_MATCH_KEYS[options.match]) or any(
        cells.get(key) for key in ("tags", "groups", "active")
    ):
        return None
    _check_cells(cells, line)
    given = _given(cells)
    given.setdefault("source", "CSV_IMPORT")
    try:
        columns = validate_new_contact(
            given, phone_region=options.phone_region, known_phones=known_phones
        )
    except InvalidInput as exc:
        raise RowFailed(_problems(line, exc, by_field)) from None
    return _NewContact(line, tuple(given), columns)


async def _create(
    session: AsyncSession, actor: Actor, pending: list[_NewContact], report: ImportReport
) -> None:
    """Create the pending contacts in one batch and record them; empties ``pending``."""
    ids = await create_contacts(
        session, [p.columns for p in pending], actor=actor, audit_each=False
    )
    for new, contact_id in zip(pending, ids, strict=True):
        report.record(RowResult(new.line, contact_id, RowOutcome.CREATED, new.fields))
    pending.clear()


def _given(
    cells: dict[str, str], raw: dict[str, str] | None = None, contact: Contact | None = None
) -> dict[str, str]:
    """The fields a row sets: its non-empty cells, stripped for validation. A cell that holds
    exactly the contact's stored value is no change: validation strips what it stores, and a
    value stored with surrounding whitespace must survive export -> import untouched."""
    return {
        c.field: cells[c.key]
        for c in CONTACT_COLUMNS
        if c.field
        and cells.get(c.key)
        and not (
            contact is not None and raw is not None and raw[c.key] == getattr(contact, c.field)
        )
    }


async def _apply_row(
    session: AsyncSession,
    options: ImportOptions,
    actor: Actor,
    cells: dict[str, str],
    raw: dict[str, str],
    line: int,
    by_field: dict[str, Column],
) -> RowResult:
    """Apply one row (``cells`` stripped, ``raw`` as in the file), or raise RowFailed."""
    _check_cells(cells, line)
    active = cells.get("active")
    contact = await _find(session, options.match, cells, line)
    given = _given(cells, raw, contact)
    changed: list[str] = []
    outcome = RowOutcome.CREATED if contact is None else RowOutcome.UNCHANGED
    try:
        if contact is None:
            given.setdefault("source", "CSV_IMPORT")
            contact = await create_contact(
                session, given, actor=actor, phone_region=options.phone_region
            )
            changed.extend(given)
        else:
            if cells.get("customer_number") and (
                parse_customer_number(cells["customer_number"]) != contact.customer_number
            ):
                raise RowFailed(
                    [RowProblem(line, "Customer number", "CUSTOMER_NUMBER_IMMUTABLE",
                                "Customer numbers are never changed by import.")]
                )  # fmt: skip
            changes = await update_contact(
                session,
                contact,
                contact.version,
                given,
                actor=actor,
                phone_region=options.phone_region,
            )
            changed.extend(sorted(changes))
        if active in ("0", "1") and contact.is_active != (active == "1"):
            await set_active(session, contact, active == "1", actor)
            changed.append("is_active")
        if cells.get("tags"):
            current = {t.name for t in (await tags_by_contact(session, [contact.id]))[contact.id]}
            wanted = split_names(cells["tags"])
            lower_current = {n.lower() for n in current}
            added = [t for t in wanted if t.lower() not in lower_current]
            removed = [t for t in current if t.lower() not in {w.lower() for w in wanted}]
            if added:
                await change_tags(session, actor, contact, added, add=True)
            if removed:
                await change_tags(session, actor, contact, removed, add=False)
            if added or removed:
                changed.append("tags")
        if cells.get("groups"):
            groups = (await groups_by_contact(session, [contact.id]))[contact.id]
            if {" ".join(g.name.split()) for g in groups} != set(split_names(cells["groups"])):
                raise RowFailed(
                    [RowProblem(line, "Groups", "GROUPS_READ_ONLY",
                                "Groups are changed in the console (setContactGroups).")]
                )  # fmt: skip
    except InvalidInput as exc:
        raise RowFailed(_problems(line, exc, by_field)) from None
    if outcome is RowOutcome.UNCHANGED and changed:
        outcome = RowOutcome.UPDATED
    return RowResult(line, contact.id, outcome, tuple(changed))


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
    report = ImportReport()
    try:
        file = read_csv(data)
    except CsvFileProblem as problem:
        report.problems.append(RowProblem(problem.line, None, problem.code, problem.message))
        return report
    index = header_index(CONTACT_COLUMNS)
    by_field = {c.field: c for c in CONTACT_COLUMNS if c.field}
    columns = [index.get(" ".join(h.lower().split())) for h in file.header]
    if not any(columns):
        report.problems.append(RowProblem(1, None, "UNKNOWN_COLUMNS", "No known column."))
        return report
    new_contacts: list[_NewContact] = []
    records = file.records
    phone_columns = [i for i, c in enumerate(columns) if c is not None and c.field in PHONE_FIELDS]
    lookahead = await PhoneLookahead.start(
        records, phone_columns, options.phone_region, options.parallel_phone_rows
    )
    known_phones: Mapping[str, str | None] | None = None
    whole = await session.begin_nested()
    try:
        for position, record in enumerate(records):
            number = file.lines[position]
            if not any(cell.strip() for cell in record):
                continue
            if lookahead is not None:
                known_phones = await lookahead.known_through(position)
            report.rows += 1
            raw = {
                column.key: unneutralise(cell)
                for column, cell in zip(columns, record, strict=False)
                if column is not None
            }
            cells = {key: value.strip() for key, value in raw.items()}
            try:
                created = _new_contact(options, cells, number, by_field, known_phones)
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
                await _create(session, actor, new_contacts, report)
            if continue_with_row:
                row_savepoint = await session.begin_nested()
                try:
                    result = await _apply_row(session, options, actor, cells, raw, number, by_field)
                except RowFailed as failed:
                    await row_savepoint.rollback()
                    report.failed += 1
                    report.problems.extend(failed.problems)
                else:
                    await row_savepoint.commit()
                    report.record(result)
            if progress is not None:
                progress(report.rows)
            batch_done = on_batch is not None and report.rows % batch_size == 0
            if (
                batch_done
                and not options.dry_run
                and options.error_policy is ImportErrorPolicy.REJECT_FAILED_ROWS
            ):
                # Good rows so far are kept for good: a later crash cannot take them back.
                if new_contacts:
                    await _create(session, actor, new_contacts, report)
                await whole.commit()
                assert on_batch is not None
                await on_batch()
                whole = await session.begin_nested()
        if new_contacts:
            await _create(session, actor, new_contacts, report)
    except BaseException:
        await whole.rollback()
        raise
    finally:
        if lookahead is not None:
            await lookahead.close()
    reject_all = options.error_policy is ImportErrorPolicy.REJECT_EVERYTHING and report.failed
    if options.dry_run or reject_all:
        await whole.rollback()
        # The contacts these rows created are gone again (the rows' outcome stays the answer).
        report.results = [
            replace(r, contact_id=None) if r.outcome is RowOutcome.CREATED else r
            for r in report.results
        ]
    else:
        await whole.commit()
        report.applied = True
    return report
