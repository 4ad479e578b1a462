"""The columns of the contacts CSV: one definition for export and import, so a file exported,
edited in Excel and imported again changes exactly what was edited."""

from __future__ import annotations

from dataclasses import dataclass

# Cells starting with these are formulas to Excel and LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    de: str
    # The contact field an import writes (None: read-only in imports).
    field: str | None = None


CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("uuid", "UUID", "UUID"),
    Column("customer_number", "Customer number", "Kundennummer"),
    Column("salutation", "Salutation", "Anrede", "salutation"),
    Column("title", "Title", "Titel", "title"),
    Column("first_name", "First name", "Vorname", "first_name"),
    Column("last_name", "Last name", "Nachname", "last_name"),
    Column("company_name", "Company", "Firma", "company_name"),
    Column("email", "Email", "E-Mail", "email"),
    Column("phone1", "Phone 1", "Telefon 1", "phone1"),
    Column("phone2", "Phone 2", "Telefon 2", "phone2"),
    Column("mobile", "Mobile", "Mobil", "mobile"),
    Column("street", "Street", "Straße", "street"),
    Column("postal_code", "Postal code", "PLZ", "postal_code"),
    Column("city", "City", "Ort", "city"),
    Column("country", "Country", "Land", "country"),
    Column("language", "Language", "Sprache", "language"),
    Column("notes", "Notes", "Notizen", "notes"),
    Column("active", "Active", "Aktiv"),
    Column("source", "Source", "Quelle", "source"),
    Column("registered_at", "Registered at", "Registriert am"),
    Column("newsletter_confirmed_at", "Newsletter opt-in confirmed at", "Newsletter bestätigt am"),
    Column("tags", "Tags", "Tags"),
    Column("groups", "Groups", "Gruppen"),
    Column("resource_ids", "Assigned resource IDs", "Zugewiesene Ressourcen-IDs"),
    Column("resource_count", "Number of assigned resources", "Anzahl zugewiesener Ressourcen"),
    Column("status", "Status", "Status"),
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


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Column by header text, in either language, case- and space-insensitive."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in (column.en, column.de, column.key):
            index[" ".join(name.lower().split())] = column
    return index


def neutralise(cell: str) -> str:
    """A cell that spreadsheets will not run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def unneutralise(cell: str) -> str:
    """Undo :func:`neutralise` when reading back a file portal wrote."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell
