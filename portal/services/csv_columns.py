"""The CSV format of contacts: one definition of the columns, the cells and the reading of a file
for export, import and bulk invitations, so a file exported, edited in Excel and imported again
changes exactly what was edited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from portal.normalization import clean_name

MAX_IMPORT_BYTES = 50 * 1024 * 1024
# Cells starting with these are formulas to Excel and LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What no database column can hold: PostgreSQL refuses NUL in text, and a value that holds one
# would read back differently on SQLite. Decoding never yields lone surrogates.
UNSTORABLE_CHARACTER = "\x00"
# Neutralised cells: the formula starts, and the apostrophe itself, so that reading back strips
# exactly one leading apostrophe from every cell that has one (an exact inverse).
NEUTRALISED_PREFIXES = (*FORMULA_PREFIXES, "'")


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    de: str
    # The contact field an import writes (None: read-only in imports).
    field: str | None = None
    # Further headers people give this column (German and English spreadsheets, other CRMs).
    synonyms: tuple[str, ...] = ()


CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("uuid", "UUID", "UUID", synonyms=("Contact UUID", "Kontakt-UUID")),
    Column("customer_number", "Customer number", "Kundennummer",
           synonyms=("Kundennr", "Kundennr.", "Kunden-Nr.", "Kd.-Nr.", "KdNr", "Customer no.",
                     "Customer no", "Customer #")),
    Column("salutation", "Salutation", "Anrede", "salutation"),
    Column("title", "Title", "Titel", "title", synonyms=("Akademischer Titel",)),
    Column("first_name", "First name", "Vorname", "first_name",
           synonyms=("Firstname", "Given name", "Forename")),
    Column("last_name", "Last name", "Nachname", "last_name",
           synonyms=("Lastname", "Surname", "Family name", "Familienname", "Zuname")),
    Column("company_name", "Company", "Firma", "company_name",
           synonyms=("Company name", "Firmenname", "Unternehmen", "Organisation",
                     "Organization")),
    Column("email", "Email", "E-Mail", "email",
           synonyms=("E-Mail-Adresse", "Email address", "E-mail address", "Mail", "EMail")),
    Column("phone1", "Phone 1", "Telefon 1", "phone1",
           synonyms=("Telefon", "Tel.", "Tel", "Telefonnummer", "Festnetz", "Phone",
                     "Telephone", "Phone number")),
    Column("phone2", "Phone 2", "Telefon 2", "phone2", synonyms=("Tel. 2", "Tel 2")),
    Column("mobile", "Mobile", "Mobil", "mobile",
           synonyms=("Handy", "Mobiltelefon", "Mobilnummer", "Handynummer", "Mobile phone",
                     "Cell phone", "Cell")),
    Column("fax", "Fax", "Fax", "fax", synonyms=("Telefax", "Faxnummer", "Fax number")),
    Column("street", "Street", "Straße", "street",
           synonyms=("Str.", "Strasse", "Straße und Hausnummer", "Address", "Street address")),
    # Not a contact field: read into the street (``Hauptstr. 5``) when a file splits them.
    Column("house_number", "House number", "Hausnummer",
           synonyms=("Hausnr.", "Hausnr", "Nr.", "House no.", "Street number")),
    Column("postal_code", "Postal code", "PLZ", "postal_code",
           synonyms=("Postleitzahl", "ZIP", "ZIP code", "Postcode", "Post code")),
    Column("city", "City", "Ort", "city", synonyms=("Stadt", "Wohnort", "Town")),
    Column("country", "Country", "Land", "country", synonyms=("Country code", "Ländercode")),
    Column("language", "Language", "Sprache", "language"),
    Column("formality", "Form of address", "Anredeform", "formality",
           synonyms=("Sie/Du", "Du/Sie", "Formality")),
    Column("date_of_birth", "Date of birth", "Geburtsdatum", "date_of_birth",
           synonyms=("Geburtstag", "Birthday", "Birth date", "DOB")),
    Column("website", "Website", "Webseite", "website",
           synonyms=("Homepage", "Internetseite", "Web", "URL")),
    Column("notes", "Notes", "Notizen", "notes", synonyms=("Bemerkung", "Bemerkungen", "Notiz")),
    Column("directory_visible", "Listed in directory", "Im Verzeichnis", "directory_visible"),
    Column("active", "Active", "Aktiv"),
    Column("source", "Source", "Quelle", "source"),
    Column("registered_at", "Registered at", "Registriert am"),
    Column("newsletter_invited_at", "Newsletter invitation sent at",
           "Newsletter-Einladung gesendet am"),
    Column("newsletter_confirmed_at", "Newsletter opt-in confirmed at", "Newsletter bestätigt am"),
    Column("newsletter_revoked_at", "Newsletter opt-in revoked at", "Newsletter widerrufen am"),
    # Recognised, never imported: consent comes from the customer's double opt-in only.
    Column("newsletter", "Newsletter", "Newsletter", synonyms=("Newsletter-Einwilligung",
                                                               "Newsletter consent")),
    Column("tags", "Tags", "Tags", synonyms=("Schlagworte", "Stichworte", "Labels")),
    Column("groups", "Groups", "Gruppen"),
    Column("additional_emails", "Further emails", "Weitere E-Mails", "additional_emails"),
    # Weekly call times: ``Mon 09:00-12:00, Tue 14:00-18:00`` (German day names read too).
    Column("reachability", "Reachability", "Erreichbarkeit", "reachability",
           synonyms=("Call times", "Anrufzeiten")),
    # Ids in other systems: ``POS:4711, SHOP:A-77`` (customer-card numbers, ERP numbers).
    Column("references", "External references", "Externe Referenzen",
           synonyms=("Kundenkarte", "Kundenkartennummer", "Customer card", "References")),
    Column("resource_ids", "Assigned resource IDs", "Zugewiesene Ressourcen-IDs"),
    Column("resource_count", "Number of assigned resources", "Anzahl zugewiesener Ressourcen"),
    Column("status", "Status", "Status"),
)  # fmt: skip
# Columns an export writes (an import also reads these, and the synonyms of each).
EXPORTED_CONTACT_COLUMNS = tuple(
    c for c in CONTACT_COLUMNS if c.key not in ("house_number", "newsletter")
)

PORTAL_USER_COLUMNS: tuple[Column, ...] = (
    Column("email", "Email", "E-Mail"),
    Column("registration_status", "Registration status", "Registrierungsstatus"),
    Column("mapping_status", "Mapping status", "Zuordnungsstatus"),
    Column("customer_number", "Customer number", "Kundennummer"),
    Column("contact_name", "Contact", "Kontakt"),
    Column("created_at", "Created at", "Erstellt am"),
    Column("last_login_at", "Last login", "Letzte Anmeldung"),
)


def header_key(header: str) -> str:
    """How headers are compared: case-, space- and BOM-insensitive (``" e-mail "`` is
    ``E-Mail``)."""
    return " ".join(header.replace("\ufeff", "").casefold().split())


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Column by header text, in either language or a synonym, case- and space-insensitive."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in (*column.synonyms, column.key, column.de, column.en):
            index[header_key(name)] = column
    return index


WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
}
_WEEKDAY_NUMBERS = {name.lower(): day for names in WEEKDAYS.values()
                    for day, name in enumerate(names)}  # fmt: skip


def format_reachability(windows: Iterable[dict[str, Any]], language: str) -> str:
    """Call times as one cell: ``Mon 09:00-12:00, Tue 14:00-18:00`` (``Mo``, ``Di`` in
    German)."""
    names = WEEKDAYS.get(language, WEEKDAYS["en"])
    return ", ".join(f"{names[w['weekday']]} {w['from']}-{w['to']}" for w in windows)


def parse_reachability_cell(cell: str) -> list[Any]:
    """The windows of a :func:`format_reachability` cell, in either language; a part that is
    not ``Day HH:MM-HH:MM`` is kept as text, which validation refuses with its reason."""
    windows: list[Any] = []
    for part in split_names(cell):
        day, _, times = part.partition(" ")
        start, dash, end = times.strip().partition("-")
        weekday = _WEEKDAY_NUMBERS.get(day.strip(".").lower())
        if weekday is None or not dash:
            windows.append(part)
        else:
            windows.append({"weekday": weekday, "from": start.strip(), "to": end.strip()})
    return windows


def neutralise(cell: str) -> str:
    """A cell that spreadsheets will not run as a formula (a leading apostrophe is doubled, so
    :func:`unneutralise` is its exact inverse)."""
    return "'" + cell if cell.startswith(NEUTRALISED_PREFIXES) else cell


def unneutralise(cell: str) -> str:
    """Undo :func:`neutralise`: one leading apostrophe goes."""
    return cell[1:] if cell.startswith("'") else cell


def join_names(names: Iterable[str]) -> str:
    """Tag or group names as one cell, ``a, b``; a name holding a comma or a double quote is
    quoted as CSV quotes a cell (``vip, "Smith, Jr."``), so :func:`split_names` gets it back."""
    return ", ".join(
        '"' + name.replace('"', '""') + '"' if "," in name or '"' in name else name
        for name in names
    )


def split_names(cell: str) -> list[str]:
    """The names of a :func:`join_names` cell, whitespace-normalised; unquoted lists (older
    exports, hand-typed cells) read as before: split at commas."""
    names = []
    for record in csv.reader(io.StringIO(cell, newline=""), skipinitialspace=True):
        for part in record:
            name = clean_name(part)
            if name and name not in names:
                names.append(name)
    return names


class CsvFileProblem(Exception):
    """The file cannot be read at all (``line`` 0 for the whole file)."""

    def __init__(self, line: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.code, self.message = line, code, message


@dataclass
class CsvFile:
    """A file's header and records, each record with the line it starts on (a quoted cell may
    span several lines, so records and lines differ)."""

    header: list[str]
    records: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    # Whether any cell holds UNSTORABLE_CHARACTER (rows are only searched for it when so).
    has_unstorable: bool = False


def unstorable_cells(record: list[str]) -> list[int]:
    """The positions of ``record``'s cells that hold a character no database can store."""
    return [i for i, cell in enumerate(record) if UNSTORABLE_CHARACTER in cell]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what German Excel writes); a byte that
    is neither (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in Windows-1252) is a problem."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise CsvFileProblem(
            line,
            "INVALID_ENCODING",
            f"Byte 0x{data[offset]:02X} on line {line} is neither UTF-8 nor Windows-1252; "
            "save the file as CSV UTF-8.",
        ) from None


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=header.count)


def read_csv(data: bytes) -> CsvFile:
    """The header and records of an uploaded file, or :class:`CsvFileProblem`: too large, not
    decodable, empty, or malformed (a quote never closed, a stray quote, a cell over 128 KB).
    Quotes are read strictly: a file that quotes wrongly is refused with the line, not guessed
    at (an unclosed quote would otherwise swallow every later row into one cell)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFileProblem(0, "FILE_TOO_LARGE", "At most 50 MB.")
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    header: list[str] | None = None
    result = CsvFile([])
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field limit" in str(exc):
                message = f"A cell starting on line {line} is longer than 128 KB (unclosed quote?)."
            elif "unexpected end of data" in str(exc):
                message = f"A quote opened on line {line} is never closed."
            else:
                message = f"Line {reader.line_num}: {exc} (check the quotes)."
            raise CsvFileProblem(line, "MALFORMED_CSV", message) from None
        if header is None:
            header = result.header = record
        else:
            result.records.append(record)
            result.lines.append(line)
    if header is None:
        raise CsvFileProblem(1, "EMPTY_FILE", "The file has no header.")
    if unstorable_cells(header):
        raise CsvFileProblem(
            1, "INVALID_CHARACTER", "The header holds the NUL character (U+0000); remove it."
        )
    result.has_unstorable = UNSTORABLE_CHARACTER in text
    return result
