"""The support console's operational screens in a real browser: each test is one staff journey
through /console/portal-users, /console/support-sessions, /console/transfers,
/console/duplicates, /console/staff and /console/settings and the public staff API they call.

Staff start logged in: the session cookie a real staffLogIn set is put into the browser (the
login page itself has its own journeys in test_console_journeys.py)."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.models import Contact
from portal.services.contacts import ContactDraft, create_contact
from schema.common.context import STAFF_COOKIE
from schema.common.ids import to_global_id
from tests.browser.conftest import Journey, LiveServer, Outbox
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_PASSWORD,
    log_in_staff,
    make_customer,
    make_staff,
    relog_in_staff,
)

REGISTER = """mutation R($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code } } }"""
ACTIVATE = (
    """mutation A($token: String!) { activateAccount(token: $token) { outcome errors { code } } }"""
)
SETTINGS = "{ portalSettings { registrationPolicy secondIdentifiers } }"


def label(text: str) -> re.Pattern[str]:
    """A label that starts with ``text`` (labels of required fields end in "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


async def staff_journey(
    open_journey: Any, live_admin_api: GraphQLClient, live_server: LiveServer
) -> Journey:
    """A browser (German, a laptop screen) holding the session of ``live_admin_api``."""
    assert live_admin_api.token
    journey: Journey = await open_journey(locale="de-DE", width=1280, height=800)
    await journey.page.context.add_cookies(
        [{"name": STAFF_COOKIE, "value": live_admin_api.token, "url": live_server.url + "/admin"}]
    )
    return journey


async def contacts_named(runtime: Runtime, last_name: str) -> list[Contact]:
    async with runtime.database.transaction() as session:
        return list(
            (await session.scalars(select(Contact).where(Contact.last_name == last_name))).all()
        )


async def test_journey_pending_registration_assigned_from_the_queue_then_read_only_support_login(
    open_journey, outbox: Outbox, live_server: LiveServer, live_admin_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    async with runtime.database.transaction() as session:
        await create_contact(session, ContactDraft("Nina", "Neu", email="nina.neu@firma.example"))
    customer_api = GraphQLClient(live_admin_api.http, "/graphql")
    registered = await customer_api.data(REGISTER, {"input": {
        "email": "nina@example.com", "password": CUSTOMER_PASSWORD, "firstName": "Nina",
        "lastName": "Neu", "existingCustomer": False, "acceptTerms": True,
    }})  # fmt: skip
    assert registered["registerCustomer"]["errors"] == []
    token = (await outbox.link("nina@example.com", "/activate")).split("token=", 1)[1]
    activated = await customer_api.data(ACTIVATE, {"token": token})
    assert activated["activateAccount"]["outcome"] == "PENDING_REVIEW", activated
    await log_in_staff(live_admin_api, runtime)
    journey = await staff_journey(open_journey, live_admin_api, live_server)
    page = journey.page

    await journey.goto("/console/portal-users?view=pending")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Zu prüfen")
    row = page.get_by_role("row").filter(has_text="nina@example.com")
    await expect(row).to_contain_text("Offen (kein Kontakt mit dieser E-Mail)")
    await journey.step("pending review queue")
    await row.get_by_role("button", name="nina@example.com prüfen").click()
    dialog = page.get_by_role("dialog")
    candidates = dialog.get_by_role("table", name="Passende Kontakte")
    await expect(candidates).to_contain_text("Nina Neu")
    await journey.step("matching candidates")
    await candidates.get_by_role("button", name="Zuordnen").click()
    await expect(dialog.get_by_role("status").first).to_contain_text("Zugeordnet.")
    await expect(dialog.get_by_role("button", name="Zuordnen")).to_have_count(
        0
    )  # only while unassigned
    await journey.step("assigned")

    # Log in as the customer, read-only: the customer portal opens in a new tab.
    await dialog.get_by_role("button", name="Als Kunde anmelden").click()
    support = page.get_by_role("dialog", name="Als nina@example.com anmelden")
    await support.get_by_label(label("Grund")).fill("Rechnung fehlt im Portal")
    await support.get_by_label(label("Ticketnummer")).fill("T-4711")
    await expect(support.get_by_label("Nur lesen")).to_be_checked()
    await journey.step("log in as customer")
    async with page.context.expect_page() as opened:
        await support.get_by_role("button", name="Kundenportal öffnen").click()
    customer = await opened.value
    await customer.wait_for_url("**/account")
    banner = customer.get_by_role("region", name="Support-Sitzung")
    await expect(banner).to_contain_text("(nur lesen)")
    await expect(banner).to_contain_text("Rechnung fehlt im Portal")
    profile = customer.locator("#profile")
    await profile.get_by_label(label("Ort")).fill("Bonn")
    await profile.get_by_role("button", name="Änderungen speichern").click()
    await expect(profile.get_by_role("alert")).to_contain_text("nur lesend")
    await customer.close()

    # The list of all portal users: the columns chosen are remembered, and the export has them.
    await journey.goto("/console/portal-users")
    await expect(page.get_by_role("columnheader", name="Letzte Anmeldung")).to_be_visible()
    await page.locator("summary", has_text="Spalten").click()
    await page.get_by_label("Letzte Anmeldung").uncheck()
    await expect(page.get_by_role("columnheader", name="Letzte Anmeldung")).to_have_count(0)
    await page.reload()
    await expect(page.get_by_role("row").filter(has_text="nina@example.com")).to_contain_text(
        "Nina Neu"
    )
    await expect(page.get_by_role("columnheader", name="Letzte Anmeldung")).to_have_count(0)
    await page.get_by_role("button", name="Portal-Benutzer exportieren").click()
    exporting = page.get_by_role("dialog", name="Portal-Benutzer exportieren")
    await exporting.get_by_label("Zustellung").select_option("DOWNLOAD")
    await exporting.get_by_role("button", name="Exportieren").click()
    async with page.expect_download() as download_info:
        await exporting.get_by_role("link", name="Datei herunterladen").click()
    exported = (await (await download_info.value).path()).read_bytes().decode("utf-8-sig")
    header, first = exported.splitlines()[:2]
    assert len(header.split(";")) == 6 and "nina@example.com" in first  # no last login
    await journey.step("portal users exported with the chosen columns")

    await journey.goto("/console/support-sessions")
    session_row = page.get_by_role("row").filter(has_text="T-4711")
    await expect(session_row).to_contain_text("Läuft")
    await expect(session_row).to_contain_text("Nur lesen")
    await journey.step("support sessions")
    await session_row.get_by_role("button", name="Sitzung beenden").click()
    await page.get_by_role("dialog").get_by_role("button", name="Sitzung beenden").click()
    await expect(page.get_by_text("Die Support-Sitzung ist beendet.")).to_be_visible()
    await expect(session_row).to_contain_text("Von einem Administrator beendet")
    await journey.step("support session ended")


GERMAN_EXCEL = (
    "Vorname;Nachname;E-Mail;PLZ;Ort\r\n"
    "Jürgen;Müller;juergen@example.de;50667;Köln\r\n"
    "Grete;Groß;keine-adresse;10115;Berlin\r\n"
).encode("cp1252")
INVITATIONS = "\ufeffE-Mail\r\njuergen@example.de\r\nunbekannt@example.de\r\n".encode()


async def test_journey_german_excel_import_dry_run_then_apply_invitations_opt_in_and_export(
    open_journey, outbox: Outbox, live_server: LiveServer, live_admin_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    await log_in_staff(live_admin_api, runtime)
    journey = await staff_journey(open_journey, live_admin_api, live_server)
    page = journey.page
    await journey.goto("/console/transfers")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Import und Export")

    # A German Excel file (semicolons, Windows-1252) with a broken row: the dry run reports it.
    importing = page.locator("#import")
    await importing.get_by_label("CSV-Datei").set_input_files(
        {"name": "kontakte.csv", "mimeType": "text/csv", "buffer": GERMAN_EXCEL}
    )
    await importing.get_by_role("button", name="Prüfen (Probelauf)").click()
    problems = importing.get_by_role("table", name="Zeilen mit Fehlern")
    await expect(problems).to_contain_text("Das ist keine gültige E-Mail-Adresse.")
    await expect(importing.get_by_text("So lässt sich die Datei nicht übernehmen")).to_be_visible()
    await expect(importing.get_by_role("button", name="Übernehmen")).to_be_disabled()
    await journey.step("dry run refuses the file")
    await importing.get_by_label("Wenn Zeilen Fehler haben").select_option("REJECT_FAILED_ROWS")
    await importing.get_by_role("button", name="Prüfen (Probelauf)").click()
    await expect(importing.get_by_text("Noch wurde nichts gespeichert")).to_be_visible()
    assert await contacts_named(runtime, "Müller") == []
    await journey.step("dry run with the good rows")
    await importing.get_by_role("button", name="Übernehmen").click()
    await expect(importing.get_by_text("Erledigt.")).to_be_visible()
    await expect(importing.get_by_role("table", name="Zeilen", exact=True)).to_contain_text("Neu")
    await journey.step("import applied")
    [imported] = await contacts_named(runtime, "Müller")
    assert (imported.first_name, imported.city) == ("Jürgen", "Köln")
    assert await contacts_named(runtime, "Groß") == []

    # Bulk invitations the same way (UTF-8 with BOM this time).
    inviting = page.locator("#invitations")
    await inviting.get_by_label("CSV-Datei").set_input_files(
        {"name": "einladungen.csv", "mimeType": "text/csv", "buffer": INVITATIONS}
    )
    await inviting.get_by_role("button", name="Prüfen (Probelauf)").click()
    report = inviting.get_by_role("table", name="Zeilen", exact=True)
    await expect(report.get_by_role("row").filter(has_text="unbekannt@example.de")).to_contain_text(
        "Kein solcher Kontakt"
    )
    assert [m for m in await outbox.deliver() if m["To"] == "juergen@example.de"] == []
    await inviting.get_by_role("button", name="Übernehmen").click()
    await expect(inviting.get_by_text("Erledigt.")).to_be_visible()
    await outbox.link("juergen@example.de", "/setup")
    await journey.step("invitations sent")

    # Deactivate every contact without a confirmed opt-in: counted, confirmed, done.
    opt_in = page.locator("#opt-in")
    await opt_in.get_by_role("button", name="Zählen").click()
    confirm = page.get_by_role("dialog")
    await expect(confirm).to_contain_text("1 aktive Kontakte haben keine bestätigte Einwilligung")
    await journey.step("deactivation counted")
    await confirm.get_by_role("button", name="1 Kontakte deaktivieren").click()
    await expect(opt_in.get_by_text("1 Kontakte sind deaktiviert.")).to_be_visible()
    [deactivated] = await contacts_named(runtime, "Müller")
    assert not deactivated.is_active

    # The export (inactive contacts included) arrives as a download.
    exporting = page.locator("#export")
    await exporting.get_by_label("Zustellung").select_option("DOWNLOAD")
    await exporting.get_by_role("button", name="Exportieren").click()
    async with page.expect_download() as download_info:
        await exporting.get_by_role("link", name="Datei herunterladen").click()
    download = await download_info.value
    path = await download.path()
    assert "Müller" in path.read_bytes().decode("utf-8-sig")
    await journey.step("export ready")


async def test_journey_dismiss_a_pair_then_merge_two_duplicates_choosing_the_values(
    open_journey, live_server: LiveServer, live_admin_api: GraphQLClient, runtime: Runtime
) -> None:
    async with runtime.database.transaction() as session:
        kept = await create_contact(
            session,
            ContactDraft("Max", "Mustermann", email="max@example.de", extra={"city": "Bonn"}),
        )
        await create_contact(
            session,
            ContactDraft(
                "Max", "Mustermann", email="max@example.de",
                extra={"city": "Köln", "postal_code": "50667"},
            ),
        )  # fmt: skip
        for city in ("Bonn", "Berlin"):  # two people of one family address
            await create_contact(
                session,
                ContactDraft("Erika", "Beispiel", email="familie@example.de", extra={"city": city}),
            )
    await log_in_staff(live_admin_api, runtime)
    journey = await staff_journey(open_journey, live_admin_api, live_server)
    page = journey.page
    await journey.goto("/console/duplicates")
    family = page.get_by_role("row").filter(has_text="Erika Beispiel")
    await family.get_by_role("button", name="Keine Dublette").click()
    await expect(page.get_by_text("Das Paar wird nicht mehr vorgeschlagen.")).to_be_visible()
    await expect(family).to_have_count(0)
    pair = page.get_by_role("row").filter(has_text="gleiche E-Mail")
    await expect(pair).to_contain_text("Max Mustermann")
    await journey.step("duplicates")
    await pair.get_by_role("button", name="Zusammenführen").click()
    dialog = page.get_by_role("dialog", name="Zwei Kontakte zusammenführen")
    await expect(dialog.get_by_label(f"Max Mustermann ({kept.customer_number})")).to_be_checked()
    await dialog.get_by_label("Ort: Köln").check()
    await journey.step("merge: choose the values")
    await dialog.get_by_role("button", name="Zusammenführen").click()
    await expect(
        page.get_by_text(f"Zusammengeführt in Max Mustermann ({kept.customer_number})")
    ).to_be_visible()
    await expect(page.get_by_text("Keine möglichen Dubletten.")).to_be_visible()
    await journey.step("merged")
    [merged] = await contacts_named(runtime, "Mustermann")
    assert (merged.id, merged.city, merged.postal_code) == (kept.id, "Köln", "50667")


async def test_journey_admin_invites_staff_and_changes_settings_support_sees_neither(
    open_journey, outbox: Outbox, live_server: LiveServer, live_admin_api: GraphQLClient,
    runtime: Runtime,
) -> None:  # fmt: skip
    async with runtime.database.transaction() as session:
        contact = await create_contact(
            session, ContactDraft("Olga", "Vorschau", email="olga@example.de")
        )
    await log_in_staff(live_admin_api, runtime)
    journey = await staff_journey(open_journey, live_admin_api, live_server)
    page = journey.page

    await journey.goto("/console/staff")
    invite = page.locator("#invite")
    await invite.get_by_role("button", name="Einladung senden").click()
    await expect(invite.locator(".field-error:visible")).to_contain_text("ausfüllen")
    await invite.get_by_label(label("E-Mail-Adresse")).fill("sam@example.com")
    await invite.get_by_label("Name").fill("Sam Support")
    await invite.get_by_role("button", name="Einladung senden").click()
    await expect(
        invite.get_by_text("Die Einladung an sam@example.com ist unterwegs.")
    ).to_be_visible()
    await outbox.link("sam@example.com", "/staff/setup")
    row = page.get_by_role("row").filter(has_text="sam@example.com")
    await expect(row).to_contain_text("Eingeladen")
    await invite.get_by_label(label("E-Mail-Adresse")).fill("sam@example.com")
    await invite.get_by_role("button", name="Einladung senden").click()
    await expect(invite.locator(".field-error:visible")).to_contain_text("schon verwendet")
    await journey.step("colleague invited, the same address refused at its field")
    await row.get_by_role("button", name="Rolle von Sam Support ändern").click()
    await page.get_by_role("dialog").get_by_label("Rolle").select_option("AUDITOR")
    await page.get_by_role("dialog").get_by_role("button", name="Rolle speichern").click()
    await expect(page.get_by_text("Sam Support hat jetzt die Rolle Prüfung.")).to_be_visible()
    await expect(row).to_contain_text("Prüfung")
    await journey.step("role changed")
    await row.get_by_role("button", name="Deaktivieren").click()
    await page.get_by_role("dialog").get_by_role("button", name="Deaktivieren").click()
    await expect(page.get_by_text("Sam Support ist deaktiviert.")).to_be_visible()
    await expect(row).to_contain_text("Deaktiviert")
    await row.get_by_role("button", name="Reaktivieren").click()
    await expect(page.get_by_text("Sam Support kann sich wieder anmelden.")).to_be_visible()
    await row.get_by_role("button", name="Löschen").click()
    await page.get_by_role("dialog").get_by_role("button", name="Löschen").click()
    await expect(page.get_by_text("Das Konto von Sam Support ist gelöscht.")).to_be_visible()
    await expect(row).to_have_count(0)
    await journey.step("deactivated, reactivated, deleted")

    await journey.goto("/console/settings")
    await page.get_by_label("Ablehnen (nur bestehende Kunden)").check()
    await page.get_by_label("Nach der Postleitzahl fragen", exact=False).check()
    await page.get_by_label(label("Versuche für das zweite Merkmal")).fill("0")
    await page.get_by_role("button", name="Einstellungen speichern").click()
    field_error = page.locator("#registration .field-error:visible")
    await expect(field_error).to_contain_text("außerhalb des erlaubten Bereichs")
    await journey.step("settings: a number out of range")
    await page.get_by_label(label("Versuche für das zweite Merkmal")).fill("3")
    await page.get_by_role("button", name="Einstellungen speichern").click()
    await expect(page.get_by_text("Die Einstellungen sind gespeichert.")).to_be_visible()
    settings = (await live_admin_api.data(SETTINGS))["portalSettings"]
    assert settings["registrationPolicy"] == "DENY_NEW"
    assert "POSTAL_CODE" in settings["secondIdentifiers"]

    templates = page.locator("#templates")
    await templates.get_by_label(label("Betreff")).fill("Willkommen im Portal, {{ first_name }}")
    await templates.get_by_label(label("Text"), exact=False).first.fill("Schön, dass Sie da sind.")
    await templates.get_by_role("button", name="Text speichern").click()
    await expect(templates.get_by_text("Der Text ist gespeichert.")).to_be_visible()
    await templates.get_by_label(label("Kundennummer eines Kontakts")).fill(
        str(contact.customer_number)
    )
    await templates.get_by_role("button", name="Vorschau").click()
    preview = templates.get_by_role("article", name="Vorschau")
    await expect(preview).to_contain_text("Willkommen im Portal, Olga")
    await expect(preview).to_contain_text("olga@example.de")
    await journey.step("settings saved, invitation preview")

    # Support staff see neither screen in the navigation, and the pages refuse them.
    await make_staff(runtime, "support@example.com", "support")
    await relog_in_staff(live_admin_api, "support@example.com")
    support = await staff_journey(open_journey, live_admin_api, live_server)
    await support.goto("/console/portal-users")
    nav = support.page.get_by_role("navigation", name="Hauptnavigation")
    await expect(nav.get_by_role("link", name="Portal-Benutzer")).to_be_visible()
    await expect(nav.get_by_role("link", name="Mitarbeiter")).to_have_count(0)
    await expect(nav.get_by_role("link", name="Einstellungen")).to_have_count(0)
    await support.goto("/console/settings")
    await expect(support.page.get_by_role("alert")).to_contain_text("nicht")
    await support.step("support staff are refused the settings")


async def test_journey_log_in_as_customer_with_full_access_from_the_contact_screen(
    open_journey, live_server: LiveServer, live_admin_api: GraphQLClient, runtime: Runtime
) -> None:
    _, contact = await make_customer(runtime, "kunde@example.de")
    assert contact is not None
    await log_in_staff(live_admin_api, runtime)
    journey = await staff_journey(open_journey, live_admin_api, live_server)
    page = journey.page
    await journey.goto(f"/console/contact?id={to_global_id('Contact', contact.id)}")
    await page.get_by_role("button", name="Als dieser Kunde anmelden").click()
    # The dialog brings its own texts to a page that lacks them.
    dialog = page.get_by_role("dialog", name="Als Anna Kunde anmelden")
    await dialog.get_by_label(label("Grund")).fill("Adresse ändern (Anruf)")
    await dialog.get_by_label("Voller Zugriff", exact=False).check()  # an admin may
    await journey.step("log in as customer from the contact")
    async with page.context.expect_page() as opened:
        await dialog.get_by_role("button", name="Kundenportal öffnen").click()
    customer = await opened.value
    await customer.wait_for_url("**/account")
    banner = customer.get_by_role("region", name="Support-Sitzung")
    await expect(banner).to_contain_text("voller Zugriff")
    await expect(
        dialog.get_by_text("Die Support-Sitzung läuft in einem neuen Tab.")
    ).to_be_visible()
    await customer.close()
