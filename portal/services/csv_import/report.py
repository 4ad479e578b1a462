"""What an import is told (options) and what it answers (the report: per-row problems and
results, counts)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from portal.services.csv_columns import Column
from portal.services.phone_lookahead import PARALLEL_ROWS

PHONE_FIELDS = frozenset({"phone1", "phone2", "mobile", "fax"})


class ImportErrorPolicy(StrEnum):
    REJECT_EVERYTHING = "REJECT_EVERYTHING"
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"


class ImportMatch(StrEnum):
    # Each row by the first key it holds: its UUID, else its customer number, else its email.
    AUTO = "AUTO"
    UUID = "UUID"
    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
    EMAIL = "EMAIL"


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    error_policy: ImportErrorPolicy = ImportErrorPolicy.REJECT_EVERYTHING
    match: ImportMatch = ImportMatch.AUTO
    # File header -> contact column key (None: ignore the column); overrides the recognised
    # headers (see csv_import.mapping).
    columns: Mapping[str, str | None] | None = None
    phone_region: str = "DE"
    # Files with this many rows validate their phone numbers in a worker process, ahead.
    parallel_phone_rows: int = PARALLEL_ROWS
    # Whether rows may change the identity-bearing fields of an existing contact (its primary
    # and further emails: the keys portal logins are matched by). A row that would is refused
    # with IDENTITY_CHANGE_NOT_ALLOWED.
    identity_changes: bool = True
    # The caller writes but must not read (an import token): the answer depends only on the
    # file. Problems found in the row itself are reported; a row that cannot be applied for a
    # reason in the stored data (no such contact, several, a stored value it may not change)
    # is held (not applied, counted as accepted, listed for staff in the audit log).
    blind: bool = False


class ColumnUse(StrEnum):
    """What an import does with a column of the file."""

    IMPORTED = "IMPORTED"  # its cells are written to the contact
    MATCH_KEY = "MATCH_KEY"  # its cells find the contact (UUID, customer number)
    READ_ONLY = "READ_ONLY"  # recognised, checked, never written (status, dates, groups, ...)
    IGNORED = "IGNORED"  # unknown, or ignored on request: its cells are not read at all


@dataclass(frozen=True)
class ColumnMapping:
    position: int  # 0-based
    header: str  # as the file names it
    column: Column | None  # None: ignored
    use: ColumnUse
    explicit: bool = False  # chosen by the caller's mapping


class ImportProblemCode(StrEnum):
    """Every code a CSV import reports a problem with (``RowProblem.code``): the file's, the
    column mapping's, a row's own checks, and the contact field checks rows go through
    (:class:`portal.services.contacts.fields.ContactErrorCode` values of the same name).
    ``tests/portal/test_csv_import.py`` reads the import's sources for codes missing here."""

    # The file
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    INVALID_ENCODING = "INVALID_ENCODING"
    MALFORMED_CSV = "MALFORMED_CSV"
    EMPTY_FILE = "EMPTY_FILE"
    INVALID_CHARACTER = "INVALID_CHARACTER"
    # The columns
    UNKNOWN_COLUMNS = "UNKNOWN_COLUMNS"
    UNKNOWN_MAPPED_HEADER = "UNKNOWN_MAPPED_HEADER"
    UNKNOWN_MAPPED_FIELD = "UNKNOWN_MAPPED_FIELD"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    # A row
    INVALID_UUID = "INVALID_UUID"
    NOT_FOUND = "NOT_FOUND"
    AMBIGUOUS = "AMBIGUOUS"
    INVALID_CUSTOMER_NUMBER = "INVALID_CUSTOMER_NUMBER"
    CUSTOMER_NUMBER_IMMUTABLE = "CUSTOMER_NUMBER_IMMUTABLE"
    UNKNOWN_STATUS = "UNKNOWN_STATUS"
    INVALID_ACTIVE = "INVALID_ACTIVE"
    INVALID_DIRECTORY_VISIBLE = "INVALID_DIRECTORY_VISIBLE"
    INVALID_REFERENCE = "INVALID_REFERENCE"
    IDENTITY_CHANGE_NOT_ALLOWED = "IDENTITY_CHANGE_NOT_ALLOWED"
    GROUPS_READ_ONLY = "GROUPS_READ_ONLY"
    UNSTORABLE_VALUE = "UNSTORABLE_VALUE"
    IMPORT_INTERRUPTED = "IMPORT_INTERRUPTED"
    # The contact field checks
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_POSTAL_CODE = "INVALID_POSTAL_CODE"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    INVALID_FORMALITY = "INVALID_FORMALITY"
    INVALID_DATE = "INVALID_DATE"
    INVALID_URL = "INVALID_URL"
    INVALID_REACHABILITY = "INVALID_REACHABILITY"
    INVALID_SOURCE = "INVALID_SOURCE"
    DUPLICATE_REFERENCE = "DUPLICATE_REFERENCE"


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
    # What a blind import answers for every row that did not fail in itself (applied or held).
    ACCEPTED = "ACCEPTED"


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
    # The key that found the contact (None: nothing matched, the row created one).
    matched_by: ImportMatch | None = None


@dataclass
class ImportReport:
    # The match mode used (AUTO: per row, see RowResult.matched_by).
    match: ImportMatch = ImportMatch.AUTO
    # Every column of the file and what the import did with it (csv_import.mapping).
    columns: list[ColumnMapping] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    applied: bool = False
    # A batched import that stopped on an unexpected error: the first line not applied.
    interrupted_at: int | None = None
    # Rows of a blind import not applied for a reason in the stored data (see ImportOptions).
    held: list[RowProblem] = field(default_factory=list)
    held_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # The first MAX_ROW_RESULTS rows that did not fail, in file order; ``results_omitted``
    # counts the rest.
    results: list[RowResult] = field(default_factory=list)
    results_omitted: int = 0

    def checkpoint(self) -> ImportReport:
        """A copy of the report as it stands (see :meth:`restore`)."""
        return replace(
            self, problems=list(self.problems), results=list(self.results), held=list(self.held)
        )

    def restore(self, checkpoint: ImportReport) -> None:
        """Go back to ``checkpoint``: the rows since then were not applied after all."""
        for name in (
            "rows",
            "created",
            "updated",
            "unchanged",
            "failed",
            "held_rows",
            "results_omitted",
        ):
            setattr(self, name, getattr(checkpoint, name))
        self.problems = list(checkpoint.problems)
        self.results = list(checkpoint.results)
        self.held = list(checkpoint.held)

    @property
    def accepted(self) -> int:
        """Rows that did not fail in themselves: created, updated, unchanged or held."""
        return self.created + self.updated + self.unchanged + self.held_rows

    def hold(self, problems: list[RowProblem]) -> None:
        """A blind import's row that the stored data keeps from being applied."""
        self.held.extend(problems)
        self.held_rows += 1
        self._list(RowResult(problems[0].row, None, RowOutcome.ACCEPTED))

    def record(self, result: RowResult) -> None:
        setattr(self, result.outcome.lower(), getattr(self, result.outcome.lower()) + 1)
        self._list(result)

    def _list(self, result: RowResult) -> None:
        if len(self.results) < MAX_ROW_RESULTS:
            self.results.append(result)
        else:
            self.results_omitted += 1


class RowFailed(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("row failed")
        self.problems = problems
