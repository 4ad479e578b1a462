"""Bulk invitations: a CSV of emails and/or customer numbers (or contact UUIDs), one invitation
per listed contact. Columns are recognised as the contact import recognises them (Email,
E-Mail, Kundennummer, Kundennr., ...); each row is matched as the import's AUTO mode matches it:
by its UUID, else its customer number, else its email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.invitations import InvitationErrorCode, invite_contact
from portal.errors import InvalidInput
from portal.models import Contact
from portal.normalization import normalize_email
from portal.services.actors import SYSTEM, Actor
from portal.services.contacts.fields import has_a_name
from portal.services.contacts.writes import create_contact
from portal.services.csv_columns import (
    CONTACT_COLUMNS,
    UNSTORABLE_CHARACTER,
    CsvFileProblem,
    header_index,
    header_key,
    read_csv,
)
from portal.services.customer_numbers import parse_customer_number
from portal.services.portal_settings import PortalSettings

_KEY_COLUMNS = ("uuid", "customer_number", "email")  # in the order rows are matched by
_NAME_COLUMNS = ("salutation", "first_name", "last_name", "company_name", "language")
_COLUMNS = header_index(CONTACT_COLUMNS)


class BulkInvitationErrorCode(StrEnum):
    """Why a whole file is refused (nobody is invited)."""

    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    INVALID_ENCODING = "INVALID_ENCODING"
    MALFORMED_CSV = "MALFORMED_CSV"
    EMPTY_FILE = "EMPTY_FILE"
    UNKNOWN_COLUMNS = "UNKNOWN_COLUMNS"


class BulkInvitationResult(StrEnum):
    INVITED = "INVITED"
    PRE_REGISTERED = "PRE_REGISTERED"  # portal user and invitation ready, nothing sent yet
    ALREADY_ACTIVE = "ALREADY_ACTIVE"
    NO_SUCH_CONTACT = "NO_SUCH_CONTACT"
    AMBIGUOUS = "AMBIGUOUS"
    INVALID_CUSTOMER_NUMBER = "INVALID_CUSTOMER_NUMBER"
    INVALID_CHARACTER = "INVALID_CHARACTER"
    INVALID_UUID = "INVALID_UUID"
    MISSING_KEY = "MISSING_KEY"
    FAILED = "FAILED"


@dataclass(frozen=True)
class BulkInvitationRow:
    row: int
    key: str
    result: BulkInvitationResult
    message: str = ""


@dataclass(frozen=True)
class BulkInvitationOptions:
    # False: pre-register (portal user and invitation made, no email; staff send it later).
    send_email: bool = True
    # Rows whose email belongs to no contact, with a name, create the contact (the actor's).
    create_contacts: bool = False
    actor: Actor = SYSTEM


@dataclass
class BulkInvitationReport:
    rows: list[BulkInvitationRow] = field(default_factory=list)

    def count(self, result: BulkInvitationResult) -> int:
        return sum(1 for r in self.rows if r.result is result)


async def _contacts_for(session: AsyncSession, by: str, key: str) -> list[Contact]:
    if by == "email":
        query = select(Contact).where(Contact.email_normalized == normalize_email(key))
    elif by == "uuid":
        query = select(Contact).where(Contact.id == uuid.UUID(key))
    else:
        number = parse_customer_number(key)
        assert number is not None  # checked by the caller
        query = select(Contact).where(Contact.customer_number == number)
    return list(await session.scalars(query.where(Contact.is_active.is_(True)).limit(2)))


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


async def _invite_row(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    created_by: str,
    by: str,
    line: int,
    key: str,
    options: BulkInvitationOptions,
    names: dict[str, str],
) -> BulkInvitationRow:
    """One row's invitation, in a savepoint of its own: a refused one leaves nothing behind."""
    if UNSTORABLE_CHARACTER in key:
        return BulkInvitationRow(line, key, BulkInvitationResult.INVALID_CHARACTER,
                                 "The key holds the NUL character (U+0000).")  # fmt: skip
    if by == "customer_number" and parse_customer_number(key) is None:
        return BulkInvitationRow(line, key, BulkInvitationResult.INVALID_CUSTOMER_NUMBER,
                                 "A customer number has at most 10 digits (0-9).")  # fmt: skip
    if by == "uuid" and not _is_uuid(key):
        return BulkInvitationRow(line, key, BulkInvitationResult.INVALID_UUID, "Not a UUID.")
    contacts = await _contacts_for(session, by, key)
    created = False
    if not contacts and options.create_contacts and by == "email" and has_a_name(names):
        try:
            async with session.begin_nested():
                contacts = [
                    await create_contact(
                        session, {**names, "email": key, "source": "CSV_IMPORT"},
                        actor=options.actor, phone_region=env.settings.default_phone_region,
                    )
                ]  # fmt: skip
        except InvalidInput as exc:
            return BulkInvitationRow(line, key, BulkInvitationResult.FAILED,
                                     exc.errors[0].message)  # fmt: skip
        created = True
    if not contacts:
        return BulkInvitationRow(line, key, BulkInvitationResult.NO_SUCH_CONTACT)
    if len(contacts) > 1:
        return BulkInvitationRow(line, key, BulkInvitationResult.AMBIGUOUS)
    try:
        async with session.begin_nested():
            await invite_contact(
                session, env, portal_settings, contacts[0], send_email=options.send_email,
                created_by=created_by, actor=options.actor,
            )  # fmt: skip
    except InvalidInput as exc:
        error = exc.errors[0]
        result = (
            BulkInvitationResult.ALREADY_ACTIVE
            if error.code == InvitationErrorCode.ALREADY_ACTIVE
            else BulkInvitationResult.FAILED
        )
        return BulkInvitationRow(line, key, result, error.message)
    done = (
        BulkInvitationResult.INVITED if options.send_email else BulkInvitationResult.PRE_REGISTERED
    )
    return BulkInvitationRow(line, key, done, "Contact created." if created else "")


async def invite_from_csv(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    data: bytes,
    *,
    created_by: str,
    dry_run: bool = False,
    options: BulkInvitationOptions | None = None,
) -> BulkInvitationReport:
    """Invite (or pre-register) every listed contact; each row gets its own result. A file
    that cannot be read (too large, not UTF-8 or Windows-1252, malformed quoting, no key
    column) raises :class:`InvalidInput` on the ``file`` field and invites nobody."""
    try:
        file = read_csv(data)
    except CsvFileProblem as problem:
        raise InvalidInput.single(problem.code, "file", problem.message) from None
    options = options or BulkInvitationOptions()
    keys: dict[str, int] = {}  # key and name column -> position, the first of each
    for position, header in enumerate(file.header):
        column = _COLUMNS.get(header_key(header))
        if column is not None and column.key in (*_KEY_COLUMNS, *_NAME_COLUMNS):
            keys.setdefault(column.key, position)
    if not keys.keys() & set(_KEY_COLUMNS):
        raise InvalidInput.single(
            BulkInvitationErrorCode.UNKNOWN_COLUMNS,
            "file",
            "The file needs an Email or a Customer number column.",
        )
    report = BulkInvitationReport()
    # One savepoint around the file: a dry run rolls it back and leaves nothing behind.
    async with session.begin_nested() as outer:
        for line, record in zip(file.lines, file.records, strict=True):
            if not any(cell.strip() for cell in record):
                continue
            cells = {
                name: record[position].strip() if position < len(record) else ""
                for name, position in keys.items()
            }
            by = next((name for name in _KEY_COLUMNS if cells.get(name)), None)
            if by is None:
                report.rows.append(
                    BulkInvitationRow(line, "", BulkInvitationResult.MISSING_KEY,
                                      "The row has no email and no customer number.")
                )  # fmt: skip
                continue
            names = {name: cells[name] for name in _NAME_COLUMNS if cells.get(name)}
            report.rows.append(
                await _invite_row(session, env, portal_settings, created_by, by, line,
                                  cells[by], options, names)
            )  # fmt: skip
        if dry_run:
            await outer.rollback()
    return report
