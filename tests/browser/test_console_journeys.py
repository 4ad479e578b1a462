"""The support console in a real browser: each test is one staff journey, end to end, through
the pages portal serves at /console and /staff/setup and the public staff API they call.

Codes of the authenticator app are computed with pyotp from the secret the enrolment shows, at
the injected clock's time (a code works once: the clock moves 30 seconds between two)."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from playwright.async_api import expect

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.services.contacts import ContactDraft, create_contact
from schema.common.ids import to_global_id
from tests.browser.conftest import Journey, LiveServer, Outbox
from tests.conftest import GraphQLClient
from tests.factories import STAFF_PASSWORD, log_in_staff, make_staff, reconfigure

NEW_PASSWORD = "Leuchtturm-Nordsee-2026"
INVITE_STAFF = """mutation Invite($input: InviteStaffUserInput!) {
  inviteStaffUser(input: $input) { staffUser { id } errors { code field message } } }"""


# [dark modules the page's QR image draws, dark modules the vendored encoder computes for the
# link]: both as sorted "row,col" lists. A missing image, or one of another text, differs.
QR_MODULES = """async (uri) => {
  const svg = document.querySelector("main svg[role=img]");
  if (!svg) return [[], ["no image"]];
  const quiet = 4;
  const d = svg.querySelector("path").getAttribute("d");
  const drawn = [...d.matchAll(/M(\\d+) (\\d+)h1v1h-1z/g)]
    .map(([, x, y]) => `${Number(y) - quiet},${Number(x) - quiet}`);
  const { default: qrcode } = await import("/assets/vendor/qrcode-generator@2.0.4/dist/qrcode.mjs");
  const code = qrcode(0, "M");
  code.addData(uri);
  code.make();
  const expected = [];
  for (let r = 0; r < code.getModuleCount(); r += 1)
    for (let c = 0; c < code.getModuleCount(); c += 1) if (code.isDark(r, c)) expected.push(`${r},${c}`);
  return [drawn.sort(), expected.sort()];
}"""


def label(text: str) -> re.Pattern[str]:
    """A label that starts with ``text`` (labels of required fields end in "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


async def console_log_in(
    journey: Journey, email: str, password: str, *, german: bool = True
) -> None:
    page = journey.page
    main = page.locator("main")
    await main.get_by_label(label("E-Mail-Adresse" if german else "Email address")).fill(email)
    await main.get_by_label(label("Passwort" if german else "Password")).fill(password)
    await main.get_by_role("button", name="Anmelden" if german else "Log in").click()


async def test_journey_staff_invitation_setup_enrol_second_factor_log_out_log_in_with_code(
    open_journey, outbox: Outbox, live_server: LiveServer, live_admin_api: GraphQLClient,
    runtime: Runtime, clock: FrozenClock,
) -> None:  # fmt: skip
    await log_in_staff(live_admin_api, runtime)
    invited = await live_admin_api.data(
        INVITE_STAFF, {"input": {"email": "neu@example.com", "role": "SUPPORT", "displayName": "Nele Neu"}}
    )  # fmt: skip
    assert invited["inviteStaffUser"]["errors"] == []
    setup_link = await outbox.link("neu@example.com", "/staff/setup")

    async def require_second_factor(server_runtime: Runtime) -> None:
        reconfigure(server_runtime, staff_require_2fa=True)

    await live_server.call(require_second_factor)
    journey = await open_journey(locale="de-DE", width=1280, height=800)  # a laptop
    page = journey.page
    main = page.locator("main")

    # The invitation link: choose a password (a mismatch is shown at its field first).
    await journey.goto(setup_link)
    await expect(
        page.get_by_role("heading", name="Ihr Mitarbeiterkonto einrichten")
    ).to_be_visible()
    await main.get_by_label(label("Neues Passwort")).first.fill(NEW_PASSWORD)
    await main.get_by_label(label("Neues Passwort wiederholen")).fill("etwas anderes")
    await main.get_by_role("button", name="Passwort festlegen").click()
    await expect(main.locator(".field-error:not([hidden])")).to_contain_text(
        "Die beiden Passwörter"
    )
    await journey.step("staff setup with a mismatch")
    await main.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await main.get_by_role("button", name="Passwort festlegen").click()
    await page.wait_for_url("**/console/login?done=staff-setup")
    await expect(main.get_by_role("status").first).to_contain_text("Ihr Passwort ist gesetzt")

    # The link works once.
    await journey.goto(setup_link)
    await main.get_by_label(label("Neues Passwort")).first.fill(NEW_PASSWORD)
    await main.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await main.get_by_role("button", name="Passwort festlegen").click()
    await expect(main.get_by_role("alert")).to_contain_text("schon verwendet")
    await journey.step("staff setup link used twice")

    # First login: the portal requires a second factor, so the enrolment comes first.
    await journey.goto("/console/login")
    await console_log_in(journey, "neu@example.com", NEW_PASSWORD)
    await page.wait_for_url("**/console/account?enrol=1")
    await expect(main).to_contain_text("verlangt die Zwei-Faktor-Anmeldung")
    await main.get_by_role("button", name="Zwei-Faktor-Anmeldung einrichten").click()
    secret = (await page.locator("#totp-secret").text_content() or "").strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    uri = (await page.locator("#totp-uri").text_content() or "").strip()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    # The QR code: an image with its name, encoding the link the page shows as text.
    qr = main.get_by_role("img", name="QR-Code für die Authenticator-App")
    await expect(qr).to_be_visible()
    drawn, expected = await page.evaluate(QR_MODULES, uri)
    assert len(expected) > 200 and drawn == expected
    await journey.step("enrolment shows a QR code and the secret")
    await main.get_by_label(label("Code")).fill("000000")
    await main.get_by_role("button", name="Bestätigen und einschalten").click()
    await expect(main.locator(".field-error:not([hidden])")).to_contain_text(
        "Der Code ist ungültig"
    )
    totp = pyotp.TOTP(secret)
    await main.get_by_label(label("Code")).fill(totp.at(clock()))
    await main.get_by_role("button", name="Bestätigen und einschalten").click()
    await expect(main.get_by_text("Die Zwei-Faktor-Anmeldung ist eingeschaltet.")).to_be_visible()
    recovery_codes = await main.locator(".code-list li").all_text_contents()
    assert len(recovery_codes) == 10
    await journey.step("recovery codes shown once")
    await main.get_by_role("link", name="Weiter zur Konsole").click()
    await page.wait_for_url("**/console")
    await expect(page.get_by_role("heading", name="Kontakte")).to_be_visible()

    # Log out, and in again: password, then a code (a new one: the clock moved on).
    await page.get_by_role("button", name="Abmelden").click()
    await page.wait_for_url("**/console/login?done=logged-out")
    await console_log_in(journey, "neu@example.com", NEW_PASSWORD)
    await expect(main.get_by_text("Geben Sie den Code aus Ihrer Authenticator-App")).to_be_visible()
    await journey.step("second factor asked")
    clock.advance(timedelta(seconds=30))
    await main.get_by_label(label("Code")).fill(totp.at(clock()))
    await main.get_by_role("button", name="Bestätigen").click()
    await page.wait_for_url("**/console")
    await expect(page.get_by_role("heading", name="Kontakte")).to_be_visible()

    # The own account: role and the second factor's state.
    await page.get_by_role("link", name="Mein Konto").click()
    await expect(page.locator("#overview")).to_contain_text("Support")
    await expect(page.locator("#overview")).to_contain_text("10 von 10 Wiederherstellungscodes")
    await expect(page.locator("#sessions tbody tr")).to_have_count(1)  # logging out ended the first
    await expect(page.locator("#sessions")).to_contain_text("Diese Sitzung")
    await journey.step("own account")


async def test_console_sends_anonymous_readers_to_the_login_and_back(
    open_journey, runtime: Runtime
) -> None:
    await make_staff(runtime)
    journey = await open_journey(locale="en-GB")
    page = journey.page
    await journey.goto("/console/account")
    await page.wait_for_url("**/console/login?next=*")
    await console_log_in(journey, "admin@example.com", "wrong password!", german=False)
    await expect(page.locator("main").get_by_role("alert")).to_contain_text(
        "Email address or password is wrong."
    )
    await console_log_in(journey, "admin@example.com", STAFF_PASSWORD, german=False)
    await page.wait_for_url("**/console/account")
    # Signed in, the console speaks the staff member's own language (German here).
    await expect(page.get_by_role("heading", name="Mein Konto")).to_be_visible()
    # The login page sends a signed-in reader on.
    await journey.goto("/console/login")
    await page.wait_for_url("**/console")
    await expect(page.get_by_role("heading", name="Kontakte")).to_be_visible()
    await journey.step("back where the reader wanted to go")


ADD_TAGS = """mutation Tag($contactId: ID!, $tags: [String!]!) {
  addTags(contactId: $contactId, tags: $tags) { errors { code } } }"""


async def seed_contacts(runtime: Runtime, count: int) -> list[str]:
    """``count`` contacts named Kunde 01..; every third lives in Köln. Their global ids."""
    ids = []
    async with runtime.database.transaction() as session:
        for number in range(1, count + 1):
            contact = await create_contact(
                session,
                ContactDraft(
                    f"Kim{number:02d}",
                    f"Kunde{number:02d}",
                    email=f"kunde{number:02d}@example.de",
                    extra={"city": "Köln" if number % 3 == 0 else "Bonn", "postal_code": "50667"},
                ),
            )
            ids.append(to_global_id("Contact", contact.id))
    return ids


async def test_journey_contacts_search_filter_page_columns_create_and_edit_with_a_field_error(
    open_journey, live_admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(live_admin_api, runtime)
    ids = await seed_contacts(runtime, 30)
    for contact_id in ids[:3]:
        tagged = await live_admin_api.data(ADD_TAGS, {"contactId": contact_id, "tags": ["VIP"]})
        assert tagged["addTags"]["errors"] == []
    journey = await open_journey(locale="de-DE", width=1280, height=800)
    page = journey.page
    main = page.locator("main")
    await journey.goto("/console/login")
    await console_log_in(journey, "admin@example.com", STAFF_PASSWORD)
    await page.wait_for_url("**/console")
    rows = main.locator(".paged-table tbody tr")
    await expect(rows).to_have_count(25)
    await expect(main.locator(".table-status")).to_contain_text("30 insgesamt")
    await journey.step("contacts first page")

    # Paging by cursor, forwards and back.
    await main.get_by_role("button", name="Nächste Seite").click()
    await expect(rows).to_have_count(5)
    await expect(rows.first).to_contain_text("Kunde26")
    await main.get_by_role("button", name="Vorherige Seite").click()
    await expect(rows).to_have_count(25)
    await expect(rows.first).to_contain_text("Kunde01")

    # Search as you type (debounced), then a tag filter on top; sorting descending.
    await main.get_by_label("Suche").fill("kunde0")
    await expect(rows).to_have_count(9)
    await main.get_by_label("Tag", exact=True).select_option("VIP")
    await expect(rows).to_have_count(3)
    await main.get_by_label("Absteigend", exact=True).check()
    await expect(rows.first).to_contain_text("Kunde03")
    await journey.step("searched, filtered by tag, sorted descending")
    await main.get_by_label("Suche").fill("niemand")
    await expect(main.get_by_text("Kein Kontakt passt.")).to_be_visible()

    # Columns are remembered for this staff member.
    await main.locator("summary", has_text="Spalten").click()
    await main.locator(".column-chooser").get_by_label("Quelle").check()
    await journey.goto("/console")
    await expect(main.locator("thead")).to_contain_text("Quelle")
    await expect(rows.first).to_contain_text("Manuell erfasst")

    # Create a contact in the dialog; the new contact opens.
    await main.get_by_role("button", name="Neuer Kontakt").click()
    dialog = page.get_by_role("dialog", name="Neuer Kontakt")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label(label("Vorname")).fill("Greta")
    await dialog.get_by_label(label("Nachname")).fill("Garten")
    await dialog.get_by_label(label("E-Mail-Adresse")).fill("greta@example.de")
    await journey.step("new contact dialog")
    await dialog.get_by_role("button", name="Kontakt anlegen").click()
    await page.wait_for_url("**/console/contact?id=*")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Greta Garten")
    await expect(main.get_by_text("Der Kontakt ist angelegt.")).to_be_visible()

    # Master data: a typed error at its field, then saved.
    form = page.locator("#master-data")
    await form.get_by_label(label("Postleitzahl")).fill("123")
    await form.get_by_label(label("Land")).fill("DE")
    await form.get_by_label("Du").check()
    await form.get_by_role("button", name="Speichern").click()
    postal = form.get_by_label(label("Postleitzahl"))
    await expect(postal).to_have_attribute("aria-invalid", "true")
    await expect(form.locator(".field-error:not([hidden])")).to_contain_text(
        "Das ist keine gültige Postleitzahl."
    )
    await expect(postal).to_be_focused()
    await journey.step("master data with a field error")
    await postal.fill("10115")
    await form.get_by_role("button", name="Speichern").click()
    await expect(form.get_by_role("status")).to_contain_text("Gespeichert.")
    await page.reload()
    await expect(page.locator("#master-data").get_by_label(label("Postleitzahl"))).to_have_value(
        "10115"
    )
    await expect(page.locator("#master-data").get_by_label("Du")).to_be_checked()

    # Reachability with the keyboard: one tab stop, arrows move, Space ticks.
    monday_eight = page.get_by_label("Montag 08:00\u201309:00")
    await monday_eight.focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Space")
    await expect(page.get_by_label("Montag 09:00\u201310:00")).to_be_focused()
    await (
        page.locator("#reachability").get_by_role("button", name="Erreichbarkeit speichern").click()
    )
    await expect(page.locator("#reachability")).to_contain_text(
        "Die Erreichbarkeit ist gespeichert."
    )
    # A note in the history.
    await page.locator("#history summary", has_text="Notiz hinzufügen").click()
    await page.locator("#history").get_by_label(label("Notiz")).fill("Rückruf erbeten")
    await page.locator("#history").get_by_role("button", name="Notiz hinzufügen").click()
    await expect(page.locator("#history tbody")).to_contain_text("Rückruf erbeten")
    await page.reload()
    await expect(page.locator("#reachability")).to_contain_text("Montag 08:00\u201310:00")
    await journey.step("contact page after edits")

    # The list's filters are in its URL: from a contact back to the same filtered list.
    await page.get_by_role("link", name="Zurück zu den Kontakten").click()
    await main.get_by_label("Suche").fill("greta")
    await main.get_by_label("Auch inaktive zeigen").check()
    await expect(rows).to_have_count(1)
    await page.wait_for_url("**/console?q=greta&inactive=1")
    await rows.first.get_by_role("link").click()
    await page.get_by_role("link", name="Zurück zu den Kontakten").click()
    await expect(main.get_by_label("Suche")).to_have_value("greta")
    await expect(main.get_by_label("Auch inaktive zeigen")).to_be_checked()
    await expect(rows).to_have_count(1)


CREATE_RESOURCE = """mutation R($input: ResourceInput!) {
  createResource(input: $input) { resource { id } errors { code } } }"""


async def test_journey_contact_resource_with_two_permissions_invite_accept_suspend_reactivate(
    open_journey, outbox: Outbox, live_admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(live_admin_api, runtime)
    async with runtime.database.transaction() as session:
        contact = await create_contact(
            session, ContactDraft("Paula", "Portal", email="paula@example.de")
        )
    contact_id = to_global_id("Contact", contact.id)
    for name in ("Onlineshop Paula", "Blog Paula"):
        made = await live_admin_api.data(
            CREATE_RESOURCE,
            {"input": {"kind": "website", "name": name, "url": "https://example.de"}},
        )
        assert made["createResource"]["errors"] == []
    staff = await open_journey(locale="de-DE", width=1280, height=800)
    page = staff.page
    await staff.goto("/console/login")
    await console_log_in(staff, "admin@example.com", STAFF_PASSWORD)
    await page.wait_for_url("**/console")
    await staff.goto(f"/console/contact?id={contact_id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Paula Portal")

    # A resource with two permissions; a permission without the one it needs is refused first.
    resources = page.locator("#resources")
    # The page's sections load side by side: give a loaded machine time for all of them.
    await expect(resources).to_contain_text("keine Ressource geteilt", timeout=20_000)
    await expect(page.locator("#portal-access")).to_contain_text("noch keinen", timeout=20_000)
    await resources.get_by_label("Ressource suchen").fill("shop")
    await expect(resources.get_by_label(label("Ressource"), exact=False).last).to_contain_text(
        "Onlineshop Paula"
    )
    select = resources.locator("select")
    await expect(select.locator("option")).to_have_count(2)
    await select.select_option(label="Onlineshop Paula · website")
    await resources.get_by_label("PUBLISH").check()
    await resources.get_by_role("button", name="Ressource zuordnen").click()
    await expect(resources.get_by_role("alert")).to_contain_text("braucht noch eine andere")
    await resources.get_by_label("PUBLISH").uncheck()
    await resources.get_by_label("VIEW", exact=True).check()
    await resources.get_by_label(label("EDIT")).check()
    await resources.get_by_role("button", name="Ressource zuordnen").click()
    grants = resources.locator("table.grants tbody tr")
    await expect(grants).to_have_count(1)
    await expect(grants.first).to_contain_text("Onlineshop Paula")
    await expect(grants.first.get_by_label("VIEW", exact=True)).to_be_checked()
    await expect(grants.first.get_by_label(label("EDIT"))).to_be_checked()
    await expect(grants.first.get_by_label("STATS")).not_to_be_checked()
    await staff.step("resource assigned with two permissions")

    # Invite: the preview shows the email, the link can be copied, the mail goes out.
    access = page.locator("#portal-access")
    await access.get_by_role("button", name="Zum Portal einladen").click()
    dialog = page.get_by_role("dialog", name="Zum Portal einladen")
    await expect(dialog.locator(".email-preview")).to_contain_text("paula@example.de")
    await expect(dialog.get_by_label(label("E-Mail-Adresse"))).to_be_focused()
    await staff.step("invitation preview")
    await dialog.get_by_role("button", name="Einladung senden").click()
    await expect(
        dialog.get_by_text("Die Einladung wurde an paula@example.de gesendet.")
    ).to_be_visible()
    setup_url = await dialog.get_by_label("Einrichtungslink").input_value()
    assert "/setup?token=" in setup_url
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(access.get_by_role("button", name="Zum Portal einladen")).to_be_focused()
    await expect(access.locator("table")).to_contain_text("Offen")
    link = await outbox.link("paula@example.de", "/setup")
    assert link == setup_url

    # The customer accepts in the customer portal.
    customer = await open_journey(locale="de-DE")
    await customer.goto(link)
    await customer.page.get_by_label(label("Neues Passwort")).first.fill(NEW_PASSWORD)
    await customer.page.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await customer.page.locator("main").get_by_role("button").first.click()
    await customer.page.wait_for_url("**/account?done=welcome")

    # Back in the console: active; suspend (asked first), then reactivate.
    await page.reload()
    await expect(access).to_contain_text("Aktiv")
    await expect(access.locator("table")).to_contain_text("Angenommen")
    await access.get_by_role("button", name="Zugang sperren").click()
    confirm = page.get_by_role("dialog", name="Zugang sperren")
    await expect(confirm).to_contain_text("Alle Daten bleiben erhalten")
    await confirm.get_by_role("button", name="Zugang sperren").click()
    await expect(access).to_contain_text("Gesperrt seit")
    await staff.step("access suspended")
    await customer.page.reload()
    await customer.page.wait_for_url("**/login?*")
    await access.get_by_role("button", name="Zugang wieder freigeben").click()
    await expect(
        page.locator("#portal-access").get_by_text("Der Zugang ist wieder freigegeben.")
    ).to_be_visible()
    await expect(access.get_by_role("button", name="Zugang sperren")).to_be_visible()

    # Log in as this customer: the support-session dialog (console/impersonation.js) opens the
    # customer portal in a new tab.
    await access.get_by_role("button", name="Als dieser Kunde anmelden").click()
    support = page.get_by_role("dialog", name="Als Paula Portal anmelden")
    await expect(support).to_be_visible()
    await support.get_by_label(label("Grund")).fill("Kundin fragt nach ihrem Onlineshop")
    async with page.context.expect_page() as opened:
        await support.get_by_role("button", name="Kundenportal öffnen").click()
    portal_tab = await opened.value
    await portal_tab.wait_for_url("**/account*")
    await expect(support).to_contain_text("Die Support-Sitzung läuft in einem neuen Tab.")
    await staff.step("support session started")
    await portal_tab.close()
