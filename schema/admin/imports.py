"""CSV import in the staff API (GraphQL multipart upload)."""

from __future__ import annotations

import functools
from typing import Annotated, ClassVar

import strawberry
from strawberry.file_uploads import Upload

from identity.bulk_invitations import (
    BulkInvitationErrorCode,
    BulkInvitationOptions,
    BulkInvitationReport,
    BulkInvitationResult,
    invite_from_csv,
)
from identity.permissions import StaffPermission
from portal.services.csv_columns import MAX_IMPORT_BYTES
from portal.services.csv_import import (
    MAX_ROW_RESULTS,
    ColumnKey,
    ColumnUse,
    ImportErrorPolicy,
    ImportMatch,
    ImportOptions,
    ImportProblemCode,
    ImportReport,
    RowOutcome,
    import_contacts,
)
from portal.services.portal_settings import load_portal_settings
from schema.common.descriptions import (
    CONTACT_ERROR_CODES,
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields, graphql_name
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission
from schema.common.uploads import read_upload

ImportErrorPolicyEnum = strawberry.enum(
    ImportErrorPolicy,
    name="ImportErrorPolicy",
    description="What an import does when some rows fail.",
)
describe_values(
    ImportErrorPolicy,
    {
        "REJECT_EVERYTHING": "All rows or none: one failing row rejects the whole file.",
        "REJECT_FAILED_ROWS": "Apply the good rows (committed in batches of 500) and report "
        "the failing ones.",
    },
)
ImportMatchEnum = strawberry.enum(
    ImportMatch,
    name="ImportMatch",
    description="How an import finds the contact a row updates.",
)
ImportColumnUseEnum = strawberry.enum(
    ColumnUse, name="ImportColumnUse", description="What an import does with a file's column."
)
# The contact columns a file's column can feed, by the key the export and the mapping use.
ImportColumnEnum = strawberry.enum(
    ColumnKey,
    name="ImportColumn",
    description="A column of the contacts CSV (the export's columns, plus HOUSE_NUMBER, read "
    "into the street, and NEWSLETTER, recognised but never imported: consent comes from the "
    "customer's double opt-in).",
)
ImportRowOutcomeEnum = strawberry.enum(
    RowOutcome, name="ImportRowOutcome", description="What a row did to its contact."
)
describe_values(
    ImportMatch,
    {
        "AUTO": "Each row by the first key it holds: its UUID, else its customer number, else "
        "its primary email; a row without any creates a contact.",
        "UUID": "By the UUID column only.",
        "CUSTOMER_NUMBER": "By the customer number column only.",
        "EMAIL": "By the primary email only.",
    },
)
describe_values(
    ColumnUse,
    {
        "IMPORTED": "Its cells are written to the contact.",
        "MATCH_KEY": "Its cells find the contact (UUID, customer number).",
        "READ_ONLY": "Recognised and checked, never written (status, dates, groups, newsletter "
        "consent, resource columns).",
        "IGNORED": "Unknown or ignored by the mapping: its cells are not read.",
    },
)
describe_values(
    RowOutcome,
    {
        "CREATED": "The row created a contact (or would, in a dry run).",
        "UPDATED": "The row changed a contact.",
        "UNCHANGED": "The row matched a contact that held every value already.",
        "ACCEPTED": "For import tokens, which write but do not read: the row did not fail in "
        "itself and was applied or held for staff.",
    },
)
describe_values(
    ColumnKey,
    {
        "UUID": "The contact's UUID (match key).",
        "CUSTOMER_NUMBER": "The customer number (match key; never changed by an import).",
        "SALUTATION": "Salutation (Anrede).",
        "TITLE": "Academic title.",
        "FIRST_NAME": "Given name.",
        "LAST_NAME": "Family name.",
        "COMPANY_NAME": "Company name of a business customer.",
        "EMAIL": "Primary email (also a match key in AUTO and EMAIL matching).",
        "PHONE1": "Main phone number.",
        "PHONE2": "Second phone number.",
        "MOBILE": "Mobile number.",
        "FAX": "Fax number.",
        "STREET": "Street (with house number, or without when HOUSE_NUMBER is a column).",
        "HOUSE_NUMBER": "House number, appended to the street (not a contact field).",
        "POSTAL_CODE": "Postal code (five digits in DE).",
        "CITY": "City or town.",
        "COUNTRY": "ISO 3166-1 alpha-2 country code.",
        "LANGUAGE": "ISO 639-1 language code.",
        "FORMALITY": "Form of address: formal or informal.",
        "DATE_OF_BIRTH": "Date of birth, ISO date (YYYY-MM-DD).",
        "WEBSITE": "Web address.",
        "NOTES": "Staff notes.",
        "DIRECTORY_VISIBLE": "Listed in the customer directory: 1 or 0.",
        "ACTIVE": "Whether the contact is active: 1 or 0.",
        "SOURCE": "How the contact came in (a ContactSource name or a usual alias: Kasse, "
        "Webshop, Gutschein, ...).",
        "REGISTERED_AT": "When the contact was registered (read-only, ISO date-time).",
        "NEWSLETTER_INVITED_AT": "Newsletter invitation time (read-only).",
        "NEWSLETTER_CONFIRMED_AT": "Newsletter confirmation time (read-only).",
        "NEWSLETTER_REVOKED_AT": "Newsletter revocation time (read-only).",
        "NEWSLETTER": "Newsletter consent column of other systems: recognised, never imported "
        "(consent comes from the customer's double opt-in only).",
        "TAGS": "Tag names, comma-separated; missing tags are created.",
        "GROUPS": "Group names (read-only: an import never changes group membership).",
        "ADDITIONAL_EMAILS": "Further email addresses, comma-separated.",
        "REACHABILITY": "Call times as one cell: `Mon 09:00-12:00, Tue 14:00-18:00` (German day "
        "names read too).",
        "REFERENCES": "Ids in other systems as SYSTEM:ID, comma-separated (POS:4711).",
        "RESOURCE_IDS": "Ids of the resources assigned (read-only).",
        "RESOURCE_COUNT": "Number of resources assigned (read-only).",
        "STATUS": "The portal status (read-only).",
    },
)
# Rows between two commits of a REJECT_FAILED_ROWS import (see import_contacts below).
IMPORT_BATCH_ROWS = 500


@strawberry.input(description="Which contact column a column of the file feeds.")
class ImportColumnMappingInput:
    header: str = strawberry.field(
        description="The column's header as the file has it (case and spaces do not matter)."
    )
    column: ColumnKey | None = strawberry.field(
        description="The contact column it feeds; null to ignore the file's column."
    )


@strawberry.input(description="How to import.")
class ImportOptionsInput:
    dry_run: bool = strawberry.field(
        default=False,
        description="Check and report (with the mapping of every column), write nothing.",
    )
    error_policy: ImportErrorPolicy = strawberry.field(
        default=ImportErrorPolicy.REJECT_EVERYTHING,
        description="REJECT_EVERYTHING (default) applies all rows or none; REJECT_FAILED_ROWS "
        "applies the good rows and reports the others.",
    )
    match: ImportMatch = strawberry.field(
        default=ImportMatch.AUTO,
        description="Which column finds existing contacts. AUTO (default): each row by its "
        "UUID, else its customer number, else its primary email; a row without any of them "
        "creates a contact, so importing the same file twice creates no duplicates.",
    )
    columns: list[ImportColumnMappingInput] | None = strawberry.field(
        default=None,
        description="Explicit mapping of the file's columns; it overrides the recognised "
        "headers (German and English names and their usual variants: Telefon, Tel., Handy, "
        "PLZ, Straße, Hausnummer, E-Mail, Kundennummer, ...). Columns not named here keep "
        "their recognised meaning.",
    )


@strawberry.type(description="What the import did with one column of the file.")
class ImportColumnMapping:
    position: int = strawberry.field(description="1 for the file's first column.")
    header: str = strawberry.field(description="The header as the file has it.")
    column: ColumnKey | None = strawberry.field(
        description="The contact column it feeds; null when it is ignored."
    )
    use: ColumnUse = strawberry.field(
        description="IMPORTED (written to the contact), MATCH_KEY (finds the contact), "
        "READ_ONLY (recognised and checked, never written: status, dates, groups, newsletter "
        "consent) or IGNORED (not read)."
    )
    explicit: bool = strawberry.field(description="Mapped by the request's columns option.")


ImportProblemCodeEnum = strawberry.enum(
    ImportProblemCode, name="ImportProblemCode", description="Why an import reports a problem."
)
describe_values(
    ImportProblemCode,
    {
        "FILE_TOO_LARGE": "The file is larger than 50 MB.",
        "INVALID_ENCODING": "The file is neither UTF-8 nor Windows-1252.",
        "MALFORMED_CSV": "The file is no readable CSV (an unclosed quote, for instance).",
        "EMPTY_FILE": "The file has no header.",
        "INVALID_CHARACTER": "A cell or the header holds the NUL character (U+0000).",
        "UNKNOWN_COLUMNS": "No column of the file is a known contact column.",
        "UNKNOWN_MAPPED_HEADER": "The columns option names a header the file does not have.",
        "UNKNOWN_MAPPED_FIELD": "The columns option names no contact column.",
        "DUPLICATE_COLUMN": "Two columns of the file map to the same contact column.",
        "INVALID_UUID": "The UUID cell is no UUID.",
        "NOT_FOUND": "No contact has the row's UUID or customer number.",
        "AMBIGUOUS": "Several contacts have the row's email; add their UUID or customer number.",
        "INVALID_CUSTOMER_NUMBER": "A customer number has at most 10 digits.",
        "CUSTOMER_NUMBER_IMMUTABLE": "The row would change a contact's customer number.",
        "UNKNOWN_STATUS": "The status cell is no portal status.",
        "INVALID_ACTIVE": "The active cell is neither 1 nor 0.",
        "INVALID_DIRECTORY_VISIBLE": "The directory cell is neither 1 nor 0.",
        "INVALID_REFERENCE": "External references are written SYSTEM:ID, separated by commas.",
        "IDENTITY_CHANGE_NOT_ALLOWED": "This import may not change an existing contact's "
        "emails (an import token).",
        "GROUPS_READ_ONLY": "The row would change a contact's groups; change them in the console.",
        "UNSTORABLE_VALUE": "The database refused a value of the row.",
        "IMPORT_INTERRUPTED": "The import stopped after an unexpected error; the rows before "
        "it were applied.",
    },
    CONTACT_ERROR_CODES,
)


@strawberry.type(description="One problem in the file.")
class ImportProblem:
    row: int = strawberry.field(description="Line of the file (the header is line 1).")
    column: str | None = strawberry.field(
        description="Header of the column concerned, in the export's English naming; null "
        "when the problem concerns the row or the file."
    )
    code: ImportProblemCode = strawberry.field(
        description="Machine-readable reason; stable, translate by it."
    )
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="What one row of an import did to its contact.")
class ImportRowResult:
    row: int = strawberry.field(description="Line of the file the row starts on.")
    contact_id: strawberry.ID | None = strawberry.field(
        description="The contact's global id; null for a contact that a dry run or a rejected "
        "file would have created."
    )
    contact_uuid: strawberry.ID | None = strawberry.field(description="The contact's UUID.")
    outcome: RowOutcome = strawberry.field(description="What the row did to its contact.")
    matched_by: ImportMatch | None = strawberry.field(
        description="The key that found the contact (UUID, CUSTOMER_NUMBER, EMAIL); null when "
        "the row created one, and for import tokens."
    )
    changed_fields: list[str] = strawberry.field(
        description="Contact fields the row set (created) or changed (updated), by their "
        "GraphQL names (firstName, isActive, tags, ...)."
    )


@strawberry.type(description="What an import did (or, in a dry run, would do).")
class ImportContactsPayload:
    match: ImportMatch = strawberry.field(
        description="The match mode used (AUTO: per row, see results.matchedBy)."
    )
    columns: list[ImportColumnMapping] = strawberry.field(
        description="Every column of the file, in file order, with what the import did with "
        "it: a column it does not know is IGNORED and listed in ignoredColumns, never dropped "
        "without a word."
    )
    ignored_columns: list[str] = strawberry.field(
        description="Headers of the file's columns the import did not read (unknown, or "
        "ignored by the mapping): map them with options.columns to import them."
    )
    rows: int = strawberry.field(description="Rows of the file with at least one filled cell.")
    accepted: int = strawberry.field(
        description="Rows that did not fail in themselves (the rest are in failed)."
    )
    created: int | None = strawberry.field(
        description="Rows that created a contact; null for import tokens (see results)."
    )
    updated: int | None = strawberry.field(
        description="Rows that changed a contact; null for import tokens."
    )
    unchanged: int | None = strawberry.field(
        description="Rows that matched a contact holding every value already; null for import "
        "tokens."
    )
    failed: int = strawberry.field(description="Rows that failed; their problems are listed.")
    applied: bool = strawberry.field(description="False for dry runs and rejected files.")
    problems: list[ImportProblem] = strawberry.field(
        description="Every problem found, by row; a problem-free import has none."
    )
    results: list[ImportRowResult] = strawberry.field(
        description=f"The first {MAX_ROW_RESULTS:,} rows that did not fail, in file order "
        "(created, updated or unchanged); the counts above cover every row. An import token "
        "writes but does not read: it gets ACCEPTED for each such row, without contact ids or "
        "changed fields, whether the row was applied or held for staff (SECURITY.md)."
    )
    results_omitted: int = strawberry.field(
        description=f"Rows beyond the first {MAX_ROW_RESULTS:,} that did not fail, not listed "
        "in results."
    )

    @classmethod
    def from_report(cls, report: ImportReport, *, blind: bool = False) -> ImportContactsPayload:
        """The payload of ``report``; ``blind`` (an import token) leaves out everything that
        does not follow from the file alone."""
        return cls(
            match=report.match,
            columns=[
                ImportColumnMapping(
                    position=m.position + 1, header=m.header,
                    column=ColumnKey(m.column.key) if m.column else None,
                    use=m.use, explicit=m.explicit,
                )
                for m in report.columns
            ],
            ignored_columns=[m.header for m in report.columns if m.use is ColumnUse.IGNORED],
            rows=report.rows, accepted=report.accepted,
            created=None if blind else report.created,
            updated=None if blind else report.updated,
            unchanged=None if blind else report.unchanged,
            failed=report.failed, applied=report.applied,
            problems=[
                ImportProblem(
                    row=p.row, column=p.column, code=ImportProblemCode(p.code), message=p.message
                )
                for p in report.problems
            ],
            results=[
                ImportRowResult(row=r.row, contact_id=None, contact_uuid=None,
                                outcome=RowOutcome.ACCEPTED, matched_by=None, changed_fields=[])
                if blind else
                ImportRowResult(
                    row=r.row,
                    contact_id=to_global_id("Contact", r.contact_id) if r.contact_id else None,
                    contact_uuid=strawberry.ID(str(r.contact_id)) if r.contact_id else None,
                    outcome=r.outcome,
                    matched_by=r.matched_by,
                    changed_fields=[graphql_name(name) for name in r.changed],
                )
                for r in report.results
            ],
            results_omitted=report.results_omitted,
        )  # fmt: skip


BulkInvitationResultEnum = strawberry.enum(
    BulkInvitationResult,
    name="BulkInvitationResult",
    description="What happened to one row of a bulk invitation file.",
)
BulkInvitationErrorCodeEnum = strawberry.enum(
    BulkInvitationErrorCode,
    name="BulkInvitationErrorCode",
    description="Why a bulk invitation file was refused as a whole.",
)
describe_values(
    BulkInvitationResult,
    {
        "INVITED": "The contact was invited; the setup link was emailed.",
        "PRE_REGISTERED": "Portal user and invitation prepared, no email sent "
        "(importPortalUsers PRE_REGISTER).",
        "ALREADY_ACTIVE": "The contact's customer has set up access already; nothing sent.",
        "NO_SUCH_CONTACT": "No contact has this key.",
        "AMBIGUOUS": "Several contacts have this email; use the customer number or UUID.",
        "INVALID_CUSTOMER_NUMBER": "The customer number cell is not a customer number.",
        "INVALID_CHARACTER": "The key holds a character no contact can have (e.g. NUL).",
        "INVALID_UUID": "The UUID cell is not a UUID.",
        "MISSING_KEY": "The row has no UUID, customer number or email.",
        "FAILED": "The contact cannot be invited (see `message`: no email, inactive, "
        "suspended, ...).",
    },
)
describe_values(
    BulkInvitationErrorCode,
    {
        "FILE_TOO_LARGE": "The file is larger than 50 MiB (52,428,800 bytes).",
        "INVALID_ENCODING": "The file is neither UTF-8 nor Windows-1252.",
        "MALFORMED_CSV": "The file is not valid CSV (e.g. unbalanced quotes).",
        "EMPTY_FILE": "The file is empty (no header row).",
        "UNKNOWN_COLUMNS": "The file has no UUID, customer number or email column.",
    },
)


@strawberry.type(description="Why a bulk invitation file was refused as a whole.")
class BulkInvitationError(ErrorFields):
    codes: ClassVar = BulkInvitationErrorCode
    code: BulkInvitationErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="What happened to one row of a bulk invitation file.")
class BulkInvitationRowResult:
    row: int = strawberry.field(description="Line of the file (the header is line 1).")
    key: str = strawberry.field(
        description="The key the row was matched by (UUID, customer number or email); empty "
        "for MISSING_KEY."
    )
    result: BulkInvitationResult = strawberry.field(description="What happened to the row.")
    message: str = strawberry.field(
        description="English explanation of the result for staff; translate by `result`."
    )


@strawberry.type(description="Result of inviteContactsFromCsv and importPortalUsers.")
class BulkInvitationPayload:
    invited: int = strawberry.field(default=0, description="Rows whose invitation was emailed.")
    pre_registered: int = strawberry.field(
        default=0, description="Rows prepared without an email (importPortalUsers PRE_REGISTER)."
    )
    already_active: int = strawberry.field(
        default=0, description="Rows whose customer has set up access already."
    )
    rows: list[BulkInvitationRowResult] = strawberry.field(
        default_factory=list,
        description="One result per row with a filled cell, in file order.",
    )
    errors: list[BulkInvitationError] = strawberry.field(
        default_factory=list,
        description="Set when the file cannot be read (too large, not UTF-8 or Windows-1252, "
        "malformed quoting, no key column); then nobody is invited.",
    )

    @classmethod
    def from_report(cls, report: BulkInvitationReport) -> BulkInvitationPayload:
        return cls(
            invited=report.count(BulkInvitationResult.INVITED),
            pre_registered=report.count(BulkInvitationResult.PRE_REGISTERED),
            already_active=report.count(BulkInvitationResult.ALREADY_ACTIVE),
            rows=[
                BulkInvitationRowResult(row=r.row, key=r.key, result=r.result, message=r.message)
                for r in report.rows
            ],
        )


async def invite_from_upload(
    info: Info,
    file: Upload,
    *,
    dry_run: bool,
    send_email: bool = True,
    create_contacts: bool = False,
) -> BulkInvitationPayload:
    """The payload of a bulk invitation from an uploaded CSV (inviteContactsFromCsv and
    importPortalUsers): invitations and the events recorded for them name the staff member."""
    ctx = info.context
    # One byte over the limit is enough to refuse the file (FILE_TOO_LARGE); a file cut at
    # the limit could end in half a key and invite the wrong contact.
    data = await read_upload(file, MAX_IMPORT_BYTES + 1)
    staff = await ctx.require_staff()
    report = await invite_from_csv(
        ctx.session,
        ctx.identity,
        await load_portal_settings(ctx.session, ctx.settings),
        data,
        created_by=staff.user.display_name or staff.user.email,
        dry_run=dry_run,
        options=BulkInvitationOptions(
            send_email=send_email, create_contacts=create_contacts, actor=await ctx.staff_actor()
        ),
    )
    return BulkInvitationPayload.from_report(report)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import or update contacts from a CSV file (as exported; German Excel "
        "files with ';', BOM or Windows-1252 work too). Empty cells leave fields untouched; "
        "customer numbers never change. Upload with the GraphQL multipart request spec and a "
        "bearer token.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_IMPORT)],
    )
    async def import_contacts(
        self,
        info: Info,
        file: Annotated[
            Upload,
            strawberry.argument(
                description="The CSV file (multipart upload), at most 50 MiB; UTF-8 or "
                "Windows-1252, ',' or ';'."
            ),
        ],
        options: Annotated[
            ImportOptionsInput | None,
            strawberry.argument(description="How to import; null: all rows or none, AUTO match."),
        ] = None,
    ) -> ImportContactsPayload:
        ctx = info.context
        chosen = options or ImportOptionsInput()
        data = await read_upload(file, MAX_IMPORT_BYTES + 1)
        actor = await ctx.staff_actor()
        principal = await ctx.require_staff()
        blind = principal.api_key is not None  # an import token writes and does not read
        import_options = ImportOptions(
            dry_run=chosen.dry_run,
            error_policy=chosen.error_policy,
            match=chosen.match,
            columns={c.header: c.column for c in chosen.columns}
            if chosen.columns is not None
            else None,
            phone_region=ctx.settings.default_phone_region,
            identity_changes=principal.can(StaffPermission.CONTACTS_IMPORT_IDENTITY),
            blind=blind,
        )
        if chosen.dry_run or chosen.error_policy is ImportErrorPolicy.REJECT_EVERYTHING:
            # All rows or none: one transaction, the request's unit of work.
            report = await import_contacts(ctx.session, data, import_options, actor)
            return ImportContactsPayload.from_report(report, blind=blind)
        # REJECT_FAILED_ROWS keeps good rows, so it commits them every IMPORT_BATCH_ROWS rows in
        # a session of its own, as the CLI does: a 100,000-row upload then never holds
        # SQLite's write lock for the whole file, and a crash, timeout or cancelled request
        # keeps the committed batches (each row is a savepoint: no half row is ever
        # committed). The request's own transaction ends first: on SQLite it began with
        # BEGIN IMMEDIATE and holds the write lock the import session needs; what it holds is
        # what the request would commit at its end anyway (the authentication's bookkeeping).
        await ctx.session.commit()
        session = ctx.database.new_session()
        try:
            report = await import_contacts(
                session,
                data,
                import_options,
                actor,
                on_batch=functools.partial(ctx.database.commit_and_give_way, session),
                batch_size=IMPORT_BATCH_ROWS,
            )
            await session.commit()
        finally:
            await session.close()  # after a failure: rolls back the unfinished batch
        return ImportContactsPayload.from_report(report, blind=blind)

    @strawberry.mutation(
        description="Bulk invitations: a CSV with an Email column, a Customer number column or "
        "both (headers as importContacts recognises them); each row is matched by its UUID, "
        "else its customer number, else its email, and the contact is invited by email (30-day "
        "setup link). Every row with a filled cell gets a result.",
        permission_classes=[
            HasPermission(StaffPermission.PORTAL_USERS_WRITE),
            HasPermission(StaffPermission.CONTACTS_IMPORT),
        ],
        extensions=[Atomic()],
    )
    async def invite_contacts_from_csv(
        self,
        info: Info,
        file: Annotated[
            Upload,
            strawberry.argument(description="The CSV file (multipart upload), at most 50 MiB."),
        ],
        dry_run: Annotated[
            bool,
            strawberry.argument(description="Report what would happen; invite nobody."),
        ] = False,
    ) -> BulkInvitationPayload:
        return await invite_from_upload(info, file, dry_run=dry_run)
