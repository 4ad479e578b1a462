"""One row of an import: checked, matched to a contact (by UUID, customer number or email),
then created, updated or left unchanged; a failing row raises :class:`RowFailed` with its
problems."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import FieldError, InvalidInput
from portal.models import Contact, ExternalReference
from portal.normalization import normalize_email
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactErrorCode, has_a_name, validate_fields
from portal.services.contacts.groups_tags import (
    MAX_NAME as MAX_TAG_NAME,
)
from portal.services.contacts.groups_tags import (
    change_tags,
    groups_by_contact,
    tags_by_contact,
)
from portal.services.contacts.reads import additional_emails
from portal.services.contacts.references import remove_reference, set_reference
from portal.services.contacts.status import PortalStatus
from portal.services.contacts.writes import (
    create_contact,
    create_contacts,
    set_active,
    update_contact,
    validate_new_contact,
)
from portal.services.csv_columns import (
    CONTACT_COLUMNS,
    Column,
    parse_reachability_cell,
    split_names,
)
from portal.services.csv_import.report import (
    ImportMatch,
    ImportOptions,
    ImportReport,
    RowFailed,
    RowOutcome,
    RowProblem,
    RowResult,
)
from portal.services.customer_numbers import parse_customer_number

NAME_REQUIRED = "A contact needs a first name, a last name or a company name."
NUL_MESSAGE = "The cell holds the NUL character (U+0000), which cannot be stored; remove it."


def refused_by_database(line: int, exc: DBAPIError) -> RowProblem:
    """A row the database refused although it passed validation (a value it cannot store, a
    constraint another transaction just claimed): a row problem, never an error of the whole
    import. Connection trouble is not the row's fault and goes on up."""
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        raise exc
    return RowProblem(
        line, None, "UNSTORABLE_VALUE", "The database refused a value of this row; check its cells."
    )


def _problems(line: int, exc: InvalidInput, by_field: dict[str, Column]) -> list[RowProblem]:
    result = []
    for error in exc.errors:
        column = by_field.get((error.field or "").split(".")[0])
        result.append(
            RowProblem(line, column.en if column else error.field, error.code, error.message)
        )
    return result


def _match_by(match: ImportMatch, cells: dict[str, str]) -> ImportMatch | None:
    """The key a row is matched by: the chosen one, or for AUTO the first the row holds
    (UUID, customer number, email); None when the row holds none (it creates a contact)."""
    if match is not ImportMatch.AUTO:
        return match if cells.get(_MATCH_KEYS[match]) else None
    for key in (ImportMatch.UUID, ImportMatch.CUSTOMER_NUMBER, ImportMatch.EMAIL):
        if cells.get(_MATCH_KEYS[key]):
            return key
    return None


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
                [RowProblem(line, "Email", "AMBIGUOUS",
                            "Several contacts have this email; add their UUID or customer number "
                            "to the row.")]
            )  # fmt: skip
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
        ("newsletter_invited_at", "Newsletter invitation sent at"),
        ("newsletter_confirmed_at", "Newsletter opt-in confirmed at"),
        ("newsletter_revoked_at", "Newsletter opt-in revoked at"),
    )
    for key, title in dates:
        if cells.get(key):
            try:
                datetime.fromisoformat(cells[key])
            except ValueError:
                problems.append(RowProblem(line, title, "INVALID_DATE", "Use an ISO date."))
    if cells.get("active") not in (None, "", "0", "1"):
        problems.append(RowProblem(line, "Active", "INVALID_ACTIVE", "Use 1 or 0."))
    if cells.get("directory_visible") not in (None, "", "0", "1"):
        problems.append(
            RowProblem(line, "Listed in directory", "INVALID_DIRECTORY_VISIBLE", "Use 1 or 0.")
        )
    for part in split_names(cells.get("references", "")):
        system, colon, ident = part.partition(":")
        if not colon or not system.strip() or not ident.strip():
            problems.append(
                RowProblem(line, "External references", "INVALID_REFERENCE",
                           "Write references as SYSTEM:ID, separated by commas (POS:4711).")
            )  # fmt: skip
            break
    if problems:
        raise RowFailed(problems)


_MATCH_KEYS = {
    ImportMatch.AUTO: "uuid",
    ImportMatch.UUID: "uuid",
    ImportMatch.CUSTOMER_NUMBER: "customer_number",
    ImportMatch.EMAIL: "email",
}


@dataclass(frozen=True)
class NewContact:
    line: int
    fields: tuple[str, ...]
    columns: dict[str, Any]


@dataclass
class StoredEmails:
    """The primary emails (normalised) of the file that contacts already had when the import
    began, and those its rows have created since: a row matched by an email in neither can
    only create a contact, so it is created in a batch like a row without a key."""

    stored: set[str]
    created: set[str]

    @classmethod
    async def of_file(cls, session: AsyncSession, emails: set[str]) -> StoredEmails:
        stored: set[str] = set()
        ordered = sorted(emails)
        for start in range(0, len(ordered), 500):
            stored.update(
                e
                for e in await session.scalars(
                    select(Contact.email_normalized).where(
                        Contact.email_normalized.in_(ordered[start : start + 500])
                    )
                )
                if e is not None
            )
        return cls(stored, set())

    def claim_new(self, email: str) -> bool:
        """Whether ``email`` is nobody's yet (then it is the row's from now on)."""
        normalized = normalize_email(email)
        if normalized in self.stored or normalized in self.created:
            return False
        self.created.add(normalized)
        return True


def new_contact_row(
    options: ImportOptions,
    cells: dict[str, str],
    line: int,
    by_field: dict[str, Column],
    known_phones: Mapping[str, str | None] | None = None,
    emails: StoredEmails | None = None,
) -> NewContact | None:
    """The validated columns of a row that only creates a contact (no key to match, or an email
    no contact has; no tags, groups or active flag, which need the contact's rows); None for any
    other row. Such rows are created in batches: validation needs no database, so no savepoint
    is needed either."""
    if any(cells.get(key) for key in ("tags", "groups", "active", "references")):
        return None
    by = _match_by(options.match, cells)
    if by is not None and not (
        by is ImportMatch.EMAIL and emails is not None and emails.claim_new(cells["email"])
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
    return NewContact(line, tuple(given), columns)


async def create_new(
    session: AsyncSession, actor: Actor, pending: list[NewContact], report: ImportReport
) -> None:
    """Create the pending contacts in one batch and record them; empties ``pending``. When the
    database refuses the batch, each row is tried on its own, so only the rows it refuses fail
    (as ``UNSTORABLE_VALUE`` problems)."""
    try:
        async with session.begin_nested():
            ids = await create_contacts(
                session, [p.columns for p in pending], actor=actor, audit_each=False
            )
    except DBAPIError as exc:
        refused_by_database(pending[0].line, exc)  # connection trouble goes on up
        for new in pending:
            try:
                async with session.begin_nested():
                    (contact_id,) = await create_contacts(
                        session, [new.columns], actor=actor, audit_each=False
                    )
            except DBAPIError as row_exc:
                report.failed += 1
                report.problems.append(refused_by_database(new.line, row_exc))
            else:
                report.record(RowResult(new.line, contact_id, RowOutcome.CREATED, new.fields))
    else:
        for new, contact_id in zip(pending, ids, strict=True):
            report.record(RowResult(new.line, contact_id, RowOutcome.CREATED, new.fields))
    pending.clear()


def _given(
    cells: dict[str, str], raw: dict[str, str] | None = None, contact: Contact | None = None
) -> dict[str, Any]:
    """The fields a row sets: its non-empty cells, stripped for validation. A cell that holds
    exactly the contact's stored value is no change: validation strips what it stores, and a
    value stored with surrounding whitespace must survive export -> import untouched."""
    given: dict[str, Any] = {
        c.field: cells[c.key]
        for c in CONTACT_COLUMNS
        if c.field
        and cells.get(c.key)
        and not (
            contact is not None
            and raw is not None
            and raw[c.key] == getattr(contact, c.field, None)
        )
    }
    # Cells of fields that are no plain text (the export writes them so).
    if "additional_emails" in given:
        given["additional_emails"] = split_names(given["additional_emails"])
    if "reachability" in given:
        given["reachability"] = parse_reachability_cell(given["reachability"])
    if "directory_visible" in given:
        given["directory_visible"] = given["directory_visible"] == "1"
    if "formality" in given:
        # What a German file says: Sie, Du (an export writes formal, informal).
        given["formality"] = _FORMALITY_WORDS.get(given["formality"].casefold(), given["formality"])
    return given


_FORMALITY_WORDS = {"sie": "formal", "du": "informal", "förmlich": "formal", "formell": "formal"}


async def record_held(session: AsyncSession, actor: Actor, held: list[RowProblem]) -> None:
    """Tell staff which rows a blind import held and why (line, column, code: no cell values,
    so the audit log holds no personal data of a row that was never applied)."""
    await audit.record(
        session,
        actor,
        AuditAction.IMPORT_ROWS_HELD,
        subject_type=AuditSubject.API_KEY,
        subject_id=actor.id,
        changes={"rows": [{"line": p.row, "column": p.column, "code": p.code} for p in held]},
    )


def check_row_alone(
    options: ImportOptions,
    cells: dict[str, str],
    line: int,
    by_field: dict[str, Column],
    known_phones: Mapping[str, str | None] | None = None,
) -> None:
    """Raise RowFailed with the problems a row has in itself: its cells as validation sees
    them, without reading anything stored. A blind import reports exactly these."""
    _check_cells(cells, line)
    given = _given(cells)
    _, errors = validate_fields(given, phone_region=options.phone_region, known_phones=known_phones)
    if _match_by(options.match, cells) is None and not has_a_name(given):
        # No key: the row can only create a contact, and a contact needs a name.
        errors.append(FieldError(ContactErrorCode.REQUIRED, "last_name", NAME_REQUIRED))
    if any(len(name) > MAX_TAG_NAME for name in split_names(cells.get("tags", ""))):
        errors.append(
            FieldError(
                ContactErrorCode.TOO_LONG, "tags", f"A tag has 1 to {MAX_TAG_NAME} characters."
            )
        )
    if errors:
        raise RowFailed(_problems(line, InvalidInput(errors), by_field))


async def _check_identity(
    session: AsyncSession,
    options: ImportOptions,
    contact: Contact,
    given: dict[str, Any],
    line: int,
) -> None:
    """Refuse a change of an existing contact's emails (the keys portal logins are matched by)
    unless the import may change identities."""
    if options.identity_changes:
        return
    email = given.get("email")
    if email is not None and normalize_email(email) != contact.email_normalized:
        raise RowFailed(
            [RowProblem(line, "Email", "IDENTITY_CHANGE_NOT_ALLOWED",
                        "This import may not change the email of an existing contact.")]
        )  # fmt: skip
    further = given.get("additional_emails")
    if further is not None and {normalize_email(e) for e in further} != {
        normalize_email(e) for e in await additional_emails(session, contact.id)
    }:
        raise RowFailed(
            [RowProblem(line, "Further emails", "IDENTITY_CHANGE_NOT_ALLOWED",
                        "This import may not change the emails of an existing contact.")]
        )  # fmt: skip


async def _apply_references(
    session: AsyncSession, actor: Actor, contact: Contact, cell: str, line: int
) -> bool:
    """Make the contact's external references exactly the cell's ``SYSTEM:ID`` pairs (as the
    tags cell does for tags); whether anything changed."""
    wanted: dict[str, str] = {}
    for part in split_names(cell):
        system, _, ident = part.partition(":")
        wanted[system.strip().upper()] = ident.strip()
    stored = {
        r.source_system: r.external_id
        for r in await session.scalars(
            select(ExternalReference).where(ExternalReference.contact_id == contact.id)
        )
    }
    try:
        for system, ident in wanted.items():
            if stored.get(system) != ident:
                await set_reference(session, actor, contact, system, ident)
        for system in stored.keys() - wanted.keys():
            await remove_reference(session, actor, contact, system)
    except InvalidInput as exc:
        raise RowFailed(
            [RowProblem(line, "External references", e.code, e.message) for e in exc.errors]
        ) from None
    return wanted != stored


async def apply_row(
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
    matched_by = _match_by(options.match, cells)
    contact = await _find(session, matched_by, cells, line) if matched_by else None
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
            await _check_identity(session, options, contact, given, line)
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
        if cells.get("references") and await _apply_references(
            session, actor, contact, cells["references"], line
        ):
            changed.append("external_references")
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
    return RowResult(
        line, contact.id, outcome, tuple(changed),
        matched_by if outcome is not RowOutcome.CREATED else None,
    )  # fmt: skip
