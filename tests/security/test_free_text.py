"""Free text that staff read holds no control or invisible formatting characters, whichever way
it arrived (issue 16, item 11): one function, ``portal.normalization.clean_text``, applied in
the domain layer; and an impersonation reason needs letters or digits, not invisible padding."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from sqlalchemy import select, text

from portal.app.runtime import Runtime
from portal.models import Base, Impersonation
from portal.normalization import clean_name, clean_text
from schema.common.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer
from tests.schema.portal.test_registration import REGISTER, registration
from tests.schema.test_impersonation import START

RLO, PDF, LRI, PDI, ZWSP, BOM, TAG_A = (
    "\u202e",
    "\u202c",
    "\u2066",
    "\u2069",
    "\u200b",
    "\ufeff",
    "\U000e0041",
)
# A name that reads "Maier" and is stored as something else: reversed, isolated, padded.
DIRTY = f"Ma{RLO}ie{PDF}r{ZWSP}\x07{LRI}{PDI}{BOM}{TAG_A}\x1b[31m"
CLEAN = "Maier[31m"
# Joiners people need: an emoji sequence, and "mi-khaham" written with a non-joiner.
PERSIAN = "\U0001f469\u200d\U0001f4bb \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
DIRTY_LINES = f"Zeile 1\r\nZeile{RLO} 2\u2028Ende\x01\x7f\x9b"


def forbidden(value: str) -> list[str]:
    """The control and format characters in ``value`` (line breaks, ZWJ and ZWNJ allowed)."""
    return [
        f"U+{ord(ch):04X}"
        for ch in value
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\u200c\u200d"
    ]


@pytest.mark.parametrize(
    ("given", "multiline", "expected"),
    [
        ("Müller", False, "Müller"),
        ("  Anna  ", False, "Anna"),
        (DIRTY, False, CLEAN),
        (ZWSP * 12, False, ""),
        ("a\tb\r\nc\u2029d", False, "a b c d"),
        ("a\tb\r\nc\rd\u2028e", True, "a b\nc\nd\ne"),
        (DIRTY_LINES, True, "Zeile 1\nZeile 2\nEnde"),
        (PERSIAN, False, PERSIAN),
        ("Straße\u00a0Nr. 5", False, "Straße\u00a0Nr. 5"),
    ],
)
def test_clean_text(given: str, multiline: bool, expected: str) -> None:
    assert clean_text(given, multiline=multiline) == expected
    assert forbidden(clean_text(given, multiline=multiline)) == []


def test_clean_text_leaves_nul_to_its_typed_refusals() -> None:
    """NUL is refused with a typed error, not dropped (tests/security/test_unstorable_values.py)."""
    assert clean_text(f"K\x00{RLO}ln") == "K\x00ln"


def test_clean_name_makes_one_line() -> None:
    assert clean_name(f" VIP\u00a0\u00a0{RLO}Kunde \n neu ") == "VIP Kunde neu"


REASON_TOO_SHORT = [{"code": "REASON_TOO_SHORT", "field": "reason"}]


async def test_an_impersonation_reason_needs_visible_letters_or_digits(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    """Twelve zero-width spaces were a 12-character reason. Failed before the fix."""
    await log_in_staff(admin_api, runtime, role="support")
    user, _ = await make_customer(runtime)
    padded = ["\u200b" * 12, "." * 12, "\u202e" * 20 + "abc", "a " * 9 + "\u2066" * 5]
    for reason in padded:
        variables = {
            "u": to_global_id("PortalUser", user.id),
            "reason": reason,
            "mode": "READ_ONLY",
        }
        answer = (await admin_api.data(START, variables))["startImpersonation"]
        assert answer["errors"] == REASON_TOO_SHORT, repr(reason)
    reason = f"Rechnung{RLO} fehlt{ZWSP}, Anruf 4711"
    variables = {"u": to_global_id("PortalUser", user.id), "reason": reason, "mode": "READ_ONLY"}
    assert (await admin_api.data(START, variables))["startImpersonation"]["errors"] == []
    async with runtime.database.transaction() as session:
        stored = await session.scalar(select(Impersonation.reason))
    assert stored == "Rechnung fehlt, Anruf 4711"


def _staff_writes() -> list[tuple[str, dict[str, Any]]]:
    """Documents that store free text through the staff API (``$c`` is the contact's id)."""
    names = ("salutation", "title", "firstName", "lastName", "companyName", "street", "city")
    every_field = dict.fromkeys(names, DIRTY)
    every_field |= {"notes": DIRTY_LINES, "website": f"example.com/{RLO}"}
    return [
        (
            "mutation ($i: CreateContactInput!) { createContact(input: $i) { errors { code } } }",
            {"i": every_field},
        ),
        (
            "mutation ($c: ID!, $t: String!) { addContactNote(contactId: $c, text: $t)"
            " { errors { code } } }",
            {"t": DIRTY_LINES},
        ),
        (
            "mutation ($c: ID!, $s: String!, $d: String!) {"
            " addHistoryEntry(contactId: $c, source: $s, description: $d) { errors { code } } }",
            {"s": DIRTY, "d": DIRTY_LINES},
        ),
        (
            "mutation ($n: String!, $d: String!) { createContactGroup(name: $n, description: $d)"
            " { errors { code } } }",
            {"n": DIRTY, "d": DIRTY_LINES},
        ),
        ("mutation ($n: String!) { createTag(name: $n) { errors { code } } }", {"n": f"T{DIRTY}"}),
        (
            "mutation ($c: ID!, $t: [String!]!) { addTags(contactId: $c, tags: $t)"
            " { errors { code } } }",
            {"t": [f"Neu{DIRTY}"]},
        ),
        (
            "mutation ($c: ID!, $s: String!, $e: String!) {"
            " setExternalReference(contactId: $c, sourceSystem: $s, externalId: $e)"
            " { errors { code } } }",
            {"s": DIRTY, "e": DIRTY},
        ),
        (
            "mutation ($i: ResourceInput!) { createResource(input: $i) { errors { code } } }",
            {"i": {"kind": DIRTY, "name": DIRTY, "alias": DIRTY, "externalReference": DIRTY}},
        ),
        (
            "mutation ($i: CreateImportTokenInput!) { createImportToken(input: $i)"
            " { errors { code } } }",
            {"i": {"name": DIRTY}},
        ),
    ]


IMPORT = """
mutation I($file: Upload!) { importContacts(file: $file) { rows failed } }
"""


async def test_no_control_or_format_character_reaches_the_database(
    admin_api: GraphQLClient, portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """Every staff and customer way in, then every text cell of every table. Failed before
    the fix (the values were stored as sent)."""
    await log_in_staff(admin_api, runtime)
    _, contact = await make_customer(runtime)
    assert contact is not None
    for document, variables in _staff_writes():
        data = await admin_api.data(
            document,
            {**variables, "c": to_global_id("Contact", contact.id)}
            if "$c" in document
            else variables,
        )
        assert next(iter(data.values()))["errors"] == [], (document, data)
    # Imported values, a row with tags (applied alone) and one without (created in a batch).
    row = f'{DIRTY};{DIRTY};{DIRTY};"{DIRTY_LINES}"'
    csv = f"Nachname;Vorname;Ort;Notizen;Tags\n{row};Import{DIRTY}\n{row};\n"
    operations = {"query": IMPORT, "variables": {"file": None}}
    response = await admin_api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("kontakte.csv", csv.encode(), "text/csv")},
        headers={"authorization": f"Bearer {admin_api.token}"},
    )
    assert response.json()["data"]["importContacts"] == {"rows": 2, "failed": 0}, response.text
    # A customer registers (names and identifiers are read by staff reviewing it) ...
    form = registration(
        firstName=DIRTY, lastName=DIRTY, existingCustomer=True, customerNumber=f"4711{RLO}",
        postalCode=f"53111{ZWSP}",
    )  # fmt: skip
    assert (await portal_api.data(REGISTER, form))["registerCustomer"]["errors"] == []
    # ... and a support agent says why they log in as one.
    user, _ = await make_customer(runtime, "zweite@example.de")
    start = {
        "u": to_global_id("PortalUser", user.id),
        "reason": f"Anruf {DIRTY}",
        "mode": "READ_ONLY",
    }
    assert (await admin_api.data(START, start))["startImpersonation"]["errors"] == []

    found = await _dirty_cells(runtime)
    assert found == [], found
    assert CLEAN in await _all_text(runtime)  # the values arrived, cleaned


def _strings(value: Any) -> list[str]:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            value = json.loads(value)  # JSON columns (audit changes) as a reader sees them
        except ValueError:
            return [value]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


async def _cells(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text found in the database."""
    cells = []
    async with runtime.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(text(f'SELECT * FROM "{table.name}"'))
            columns = list(result.keys())
            for row in result.all():
                for column, value in zip(columns, row, strict=True):
                    cells.extend((table.name, column, s) for s in _strings(value))
    return cells


async def _dirty_cells(runtime: Runtime) -> list[tuple[str, str, str, list[str]]]:
    return [
        (table, column, value, bad)
        for table, column, value in await _cells(runtime)
        if (bad := forbidden(value))
    ]


async def _all_text(runtime: Runtime) -> str:
    return "\n".join(value for _, _, value in await _cells(runtime))
