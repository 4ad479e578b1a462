"""The customer portal in a real browser: each test is one user journey, end to end, through
the pages portal serves and the public customer API they call."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import Contact
from portal.services.contacts import ContactDraft, create_contact
from schema.common.ids import to_global_id
from tests.browser.conftest import Journey, Outbox
from tests.conftest import GraphQLClient
from tests.factories import CUSTOMER_PASSWORD, log_in_staff, make_customer

NEW_PASSWORD = "Gartenzwerg-Sommer-77"


def label(text: str) -> re.Pattern[str]:
    """A label that starts with ``text`` (labels of required fields end in "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


async def log_in(journey: Journey, email: str, password: str, *, button: str = "Anmelden") -> None:
    page = journey.page
    await journey.goto("/login")
    await (
        page.locator("main")
        .get_by_label(label("E-Mail-Adresse" if button == "Anmelden" else "Email address"))
        .fill(email)
    )
    await (
        page.locator("main")
        .get_by_label(label("Passwort" if button == "Anmelden" else "Password"))
        .fill(password)
    )
    await page.locator("main").get_by_role("button", name=button).click()
    await page.wait_for_url("**/account")
    await expect(page.locator("#overview")).to_be_visible()


async def test_journey_register_activate_with_second_identifier_edit_change_password_log_out(
    open_journey, outbox: Outbox, runtime: Runtime
) -> None:
    # Two contacts share the address: activation must ask which customer this is.
    async with runtime.database.transaction() as session:
        mine = await create_contact(
            session,
            ContactDraft(
                "Anna",
                "Kunde",
                email="anna@example.de",
                extra={"postal_code": "50667", "city": "Köln"},
            ),
        )
        await create_contact(
            session,
            ContactDraft("Anna", "Kundin", email="anna@example.de", extra={"postal_code": "10115"}),
        )
        number = str(mine.customer_number)
    journey = await open_journey(locale="de-DE", width=390, height=844)  # a phone
    page = journey.page

    await journey.goto("/register")
    await expect(page.get_by_role("heading", name="Registrieren")).to_be_visible()
    await page.get_by_label(label("Vorname")).fill("Anna")
    await page.get_by_label(label("Nachname")).fill("Kunde")
    await page.get_by_label(label("E-Mail-Adresse")).fill("anna@example.de")
    await page.get_by_label(label("Passwort")).fill(CUSTOMER_PASSWORD)
    await page.get_by_label("Ja, ich bin bereits Kunde").check()
    await expect(page.get_by_label(label("Kundennummer"))).to_be_visible()  # configured identifiers
    await journey.step("register form")
    await page.get_by_role("button", name="Registrieren").last.click()
    # The terms were not accepted: shown at the checkbox, nothing sent.
    await expect(page.locator(".field-error:visible").filter(has_text="Häkchen")).to_be_visible()
    await page.get_by_label(label("Ich akzeptiere")).check()
    await page.get_by_role("button", name="Registrieren").last.click()
    await expect(page.get_by_text("Bitte sehen Sie in Ihr Postfach")).to_be_visible()
    await journey.step("check your inbox")

    await journey.goto(await outbox.link("anna@example.de", "/activate"))
    await page.get_by_role("button", name="Mein Konto aktivieren").click()
    await expect(page.get_by_role("heading", name="Welcher Kunde sind Sie?")).to_be_visible()
    await expect(page.get_by_text("Verbleibende Versuche: 5")).to_be_visible()
    await page.get_by_label(label("Kundennummer")).fill("999999")
    await page.get_by_role("button", name="Weiter").click()
    await expect(page.get_by_role("alert")).to_contain_text("Das passt nicht zu unseren Daten")
    await expect(page.get_by_text("Verbleibende Versuche: 4")).to_be_visible()
    await journey.step("second identifier did not match")
    await page.get_by_label(label("Kundennummer")).fill(number)
    await page.get_by_role("button", name="Weiter").click()
    await page.wait_for_url("**/login?done=activated")
    await expect(page.get_by_text("Ihr Konto bereit")).to_be_visible()
    await journey.step("activated, log in")

    await log_in(journey, "anna@example.de", CUSTOMER_PASSWORD)
    await expect(page.locator("#overview")).to_contain_text(number)
    await expect(page.get_by_text("Guten Tag, Anna!")).to_be_visible()  # Sie: the contact is formal
    await journey.step("account")

    profile = page.locator("#profile")
    await profile.get_by_label(label("Ort")).fill("Bonn")
    await profile.get_by_label(label("Telefon"), exact=False).first.fill("0228 123456")
    await profile.get_by_role("button", name="Änderungen speichern").click()
    await expect(profile.get_by_text("Ihre Änderungen sind gespeichert.")).to_be_visible()
    await profile.get_by_label(label("Postleitzahl")).fill("1")
    await profile.get_by_role("button", name="Änderungen speichern").click()
    await expect(profile.locator(".field-error:visible")).to_contain_text(
        "keine gültige Postleitzahl"
    )
    await journey.step("profile saved, then a bad postal code")
    async with runtime.database.transaction() as session:
        stored = await session.scalar(select(Contact).where(Contact.id == mine.id))
        assert stored is not None and (stored.city, stored.postal_code) == ("Bonn", "50667")

    # Du instead of Sie: the page speaks the new form of address at once.
    await page.reload()
    await profile.get_by_label(label("Anrede in Nachrichten")).select_option("INFORMAL")
    await profile.get_by_role("button", name="Änderungen speichern").click()
    await expect(page.get_by_text("Hallo Anna!")).to_be_visible()

    password = page.locator("#password")
    await password.get_by_label(label("Aktuelles Passwort")).fill("not-my-password-1")
    await password.get_by_label(label("Neues Passwort"), exact=False).first.fill(NEW_PASSWORD)
    await password.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await password.get_by_role("button", name="Passwort ändern").click()
    await expect(password.locator(".field-error:visible")).to_contain_text(
        "Das Passwort ist falsch"
    )
    await password.get_by_label(label("Aktuelles Passwort")).fill(CUSTOMER_PASSWORD)
    await password.get_by_label(label("Neues Passwort"), exact=False).first.fill(NEW_PASSWORD)
    await password.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await password.get_by_role("button", name="Passwort ändern").click()
    await expect(password.get_by_text("Dein Passwort ist geändert.")).to_be_visible()
    await journey.step("password changed")

    await page.get_by_role("button", name="Abmelden", exact=True).click()
    await page.wait_for_url("**/login?done=logged-out")
    await expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()
    await journey.step("logged out")
    await log_in(journey, "anna@example.de", NEW_PASSWORD)


async def test_journey_invitation_setup_in_english(
    open_journey, outbox: Outbox, runtime: Runtime, admin_api: GraphQLClient
) -> None:
    async with runtime.database.transaction() as session:
        contact = await create_contact(
            session, ContactDraft("Oliver", "Brown", email="oliver@example.co.uk", language="en")
        )
    await log_in_staff(admin_api, runtime)
    invited = await admin_api.data(
        "mutation I($c: ID!) { inviteContact(contactId: $c, sendEmail: true) { errors { code } } }",
        {"c": to_global_id("Contact", contact.id)},
    )
    assert invited["inviteContact"]["errors"] == []
    link = await outbox.link("oliver@example.co.uk", "/setup")
    journey = await open_journey(locale="en-GB")
    page = journey.page

    await journey.goto(link)
    await expect(page.get_by_role("heading", name="Set up your account")).to_be_visible()
    await page.get_by_label(label("New password")).fill(NEW_PASSWORD)
    await page.get_by_label(label("Repeat the new password")).fill(NEW_PASSWORD + "x")
    await page.get_by_role("button", name="Set password and log in").click()
    await expect(page.locator(".field-error:visible")).to_contain_text(
        "The two passwords are not the same."
    )
    await page.get_by_label(label("New password")).fill("short")
    await page.get_by_label(label("Repeat the new password")).fill("short")
    await page.get_by_role("button", name="Set password and log in").click()
    await expect(page.locator(".field-error:visible")).to_contain_text("at least 10 characters")
    await journey.step("setup refused a short password")
    await page.get_by_label(label("New password")).fill(NEW_PASSWORD)
    await page.get_by_label(label("Repeat the new password")).fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set password and log in").click()
    await page.wait_for_url("**/account?done=welcome")
    await expect(page.get_by_text("Welcome! Your password is set")).to_be_visible()
    await expect(page.locator("#overview")).to_contain_text("oliver@example.co.uk")
    await journey.step("account after setup")

    again = await open_journey(locale="en-GB")
    await again.goto(link)
    await again.page.get_by_label(label("New password")).fill(NEW_PASSWORD)
    await again.page.get_by_label(label("Repeat the new password")).fill(NEW_PASSWORD)
    await again.page.get_by_role("button", name="Set password and log in").click()
    await expect(again.page.get_by_role("alert")).to_contain_text("already used")
    await again.step("used invitation link")


async def test_journey_password_reset_and_an_expired_link(
    open_journey, outbox: Outbox, runtime: Runtime, clock: FrozenClock
) -> None:
    await make_customer(runtime, "kunde@example.de")
    journey = await open_journey()
    page = journey.page

    await journey.goto("/login")
    await page.get_by_role("link", name="Passwort vergessen?").click()
    await page.get_by_label(label("E-Mail-Adresse")).fill("kunde@example.de")
    await page.get_by_role("button", name="Link senden").click()
    await expect(
        page.get_by_text("ist ein Link zum Zurücksetzen des Passworts unterwegs")
    ).to_be_visible()
    await journey.step("reset requested")

    await journey.goto(await outbox.link("kunde@example.de", "/password/reset"))
    await page.get_by_label(label("Neues Passwort"), exact=False).first.fill(NEW_PASSWORD)
    await page.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD)
    await journey.step("new password")
    await page.get_by_role("button", name="Neues Passwort speichern").click()
    await page.wait_for_url("**/login?done=password-reset")
    await expect(page.get_by_text("Ihr neues Passwort ist gesetzt.")).to_be_visible()
    await log_in(journey, "kunde@example.de", NEW_PASSWORD)

    # A second link, opened after its hour: refused, and a new one can be asked for right there.
    await page.get_by_role("button", name="Abmelden", exact=True).click()
    await page.wait_for_url("**/login?done=logged-out")
    await page.get_by_role("link", name="Passwort vergessen?").click()
    await page.get_by_label(label("E-Mail-Adresse")).fill("kunde@example.de")
    await page.get_by_role("button", name="Link senden").click()
    await expect(page.get_by_role("status").last).to_contain_text("unterwegs")
    link = await outbox.link("kunde@example.de", "/password/reset")
    clock.advance(timedelta(hours=2))
    await journey.goto(link)
    await page.get_by_label(label("Neues Passwort"), exact=False).first.fill(NEW_PASSWORD + "2")
    await page.get_by_label(label("Neues Passwort wiederholen")).fill(NEW_PASSWORD + "2")
    await page.get_by_role("button", name="Neues Passwort speichern").click()
    await expect(page.get_by_role("alert")).to_contain_text("Dieser Link ist abgelaufen.")
    await expect(page.get_by_role("button", name="Link senden")).to_be_visible()
    await journey.step("expired link offers a new one")


async def test_journey_expired_activation_link_then_pending_review(
    open_journey, outbox: Outbox, clock: FrozenClock
) -> None:
    journey = await open_journey(locale="en-US")
    page = journey.page
    await journey.goto("/register")
    await page.get_by_label(label("First name")).fill("Nina")
    await page.get_by_label(label("Last name")).fill("Neu")
    await page.get_by_label(label("Email address")).fill("nina@example.com")
    await page.get_by_label(label("Password")).fill(CUSTOMER_PASSWORD)
    await page.get_by_label("No, I am new").check()
    await expect(page.get_by_label(label("Customer number"))).to_be_hidden()
    await page.get_by_label(label("I accept")).check()
    await page.get_by_role("button", name="Register").last.click()
    await expect(page.get_by_text("Please check your inbox")).to_be_visible()
    link = await outbox.link("nina@example.com", "/activate")

    clock.advance(timedelta(hours=49))  # activation links live 48 hours
    await journey.goto(link)
    await page.get_by_role("button", name="Activate my account").click()
    await expect(page.get_by_role("alert")).to_contain_text("This activation link has expired.")
    await journey.step("expired activation link")
    await page.get_by_label(label("Email address")).fill("nina@example.com")
    await page.get_by_role("button", name="Send new link").click()
    await expect(page.get_by_text("a new activation link is on its way")).to_be_visible()

    await journey.goto(await outbox.link("nina@example.com", "/activate"))
    await page.get_by_role("button", name="Activate my account").click()
    # No contact has this address and new registrations wait for staff (ALLOW_PENDING).
    await expect(page.get_by_text("Your account waits for a check")).to_be_visible()
    await journey.step("pending review")


async def test_journey_email_change_and_newsletter_opt_in(
    open_journey, outbox: Outbox, runtime: Runtime
) -> None:
    await make_customer(runtime, "kunde@example.de")
    journey = await open_journey()
    page = journey.page
    await log_in(journey, "kunde@example.de", CUSTOMER_PASSWORD)

    email = page.locator("#email")
    await email.get_by_label(label("Neue E-Mail-Adresse")).fill("neu@example.de")
    await email.get_by_label(label("Aktuelles Passwort")).fill("wrong-password-123")
    await email.get_by_role("button", name="E-Mail-Adresse ändern").click()
    await expect(email.locator(".field-error:visible")).to_contain_text("Das Passwort ist falsch")
    await email.get_by_label(label("Aktuelles Passwort")).fill(CUSTOMER_PASSWORD)
    await email.get_by_role("button", name="E-Mail-Adresse ändern").click()
    await expect(
        email.get_by_text("Wir haben einen Bestätigungslink an neu@example.de gesendet.")
    ).to_be_visible()
    await journey.step("email change requested")

    await journey.goto(await outbox.link("neu@example.de", "/email/confirm"))
    await page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    await expect(page.get_by_text("Sie melden sich jetzt mit neu@example.de an.")).to_be_visible()
    await journey.step("email confirmed")

    await journey.goto("/account")
    await expect(page.locator("#overview")).to_contain_text("neu@example.de")
    newsletter = page.locator("#newsletter")
    await expect(newsletter.get_by_text("Sie erhalten den Newsletter nicht.")).to_be_visible()
    await newsletter.get_by_role("button", name="Abonnieren").click()
    await expect(newsletter.get_by_text("Fast geschafft")).to_be_visible()
    await journey.goto(await outbox.link("neu@example.de", "/newsletter/confirm"))
    await page.get_by_role("button", name="Ja, Newsletter abonnieren").click()
    await expect(page.get_by_text("Ihr Newsletter-Abonnement ist bestätigt.")).to_be_visible()
    await journey.goto("/account")
    await expect(newsletter.get_by_text("Sie erhalten den Newsletter.")).to_be_visible()
    await expect(page.locator("#history")).to_contain_text("Newsletter-Abonnement bestätigt")
    await journey.step("newsletter confirmed")


async def test_journey_support_login_banner_read_only_refusal_and_end(
    open_journey, runtime: Runtime, admin_api: GraphQLClient, clock: FrozenClock
) -> None:
    user, _ = await make_customer(runtime, "kunde@example.de")
    await log_in_staff(admin_api, runtime)
    started = await admin_api.data(
        """mutation S($u: ID!) { startImpersonation(portalUserId: $u, reason: "Rechnung nicht gefunden (Anruf)",
           mode: READ_ONLY) { loginUrl impersonation { id } errors { code } } }""",
        {"u": to_global_id("PortalUser", user.id)},
    )
    login_url = started["startImpersonation"]["loginUrl"]
    assert login_url.startswith(runtime.settings.public_url + "/support-login?token=")
    journey = await open_journey()
    page = journey.page

    await journey.goto(login_url)
    await page.wait_for_url("**/account")
    banner = page.get_by_role("region", name="Support-Sitzung")
    ends = (clock() + timedelta(minutes=30)).astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    await expect(banner).to_contain_text("Der Support sieht dieses Konto ein (nur lesen)")
    await expect(banner).to_contain_text("Rechnung nicht gefunden (Anruf)")
    await expect(banner).to_contain_text(f"Endet um {ends} Uhr")
    await journey.step("support banner")

    profile = page.locator("#profile")
    await profile.get_by_label(label("Ort")).fill("Bonn")
    await profile.get_by_role("button", name="Änderungen speichern").click()
    await expect(profile.get_by_role("alert")).to_contain_text(
        "Abgelehnt: Der Support sieht dieses Konto nur lesend ein."
    )
    export = page.locator("#export")
    await export.get_by_role("button", name="Meine Daten herunterladen").click()
    await expect(export.get_by_role("alert")).to_contain_text(
        "Abgelehnt: Das kann nur die Kundin oder der Kunde selbst"
    )
    await journey.step("read-only refusals")
    await expect(banner).to_be_in_viewport()  # the banner stays on screen while scrolled down

    await banner.get_by_role("button", name="Support-Sitzung beenden").click()
    await expect(page.get_by_text("Die Support-Sitzung ist beendet.")).to_be_visible()
    await expect(banner).to_have_count(0)
    await journey.step("support session ended")
    await journey.goto("/account")
    await page.wait_for_url("**/login?next=%2Faccount")

    # The customer sees the visit in their history.
    customer = await open_journey()
    await log_in(customer, "kunde@example.de", CUSTOMER_PASSWORD)
    await expect(customer.page.locator("#history .badge")).to_have_text(["Support"])
    await expect(customer.page.locator("#history")).to_contain_text("Vom Support eingesehen")
    await customer.step("history shows the support visit")


async def test_journey_support_session_ends_by_itself_after_its_time(
    open_journey, runtime: Runtime, admin_api: GraphQLClient, clock: FrozenClock
) -> None:
    user, _ = await make_customer(runtime, "kunde@example.de")
    await log_in_staff(admin_api, runtime)
    started = await admin_api.data(
        """mutation S($u: ID!) { startImpersonation(portalUserId: $u, reason: "Adresse pruefen (Ticket)",
           mode: FULL) { loginUrl errors { code } } }""",
        {"u": to_global_id("PortalUser", user.id)},
    )
    journey = await open_journey(locale="en-GB")
    await journey.goto(started["startImpersonation"]["loginUrl"])
    await journey.page.wait_for_url("**/account")
    # Support sees the account in the customer's language (German), not the browser's.
    await expect(journey.page.get_by_role("region", name="Support-Sitzung")).to_contain_text(
        "voller Zugriff"
    )
    clock.advance(timedelta(minutes=31))
    await journey.page.reload()
    await journey.page.wait_for_url("**/login?next=%2Faccount")
    await journey.step("support session over")


async def test_graphiql_loads_offline_and_runs_portal_info(open_journey) -> None:
    journey = await open_journey(locale="en-GB", width=1280)
    page = journey.page
    await journey.goto("/graphql?q=" + "%7B%20portalInfo%20%7B%20name%20%7D%20%7D")
    await expect(page.locator(".graphiql-container")).to_be_visible()
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("portalInfo")
    await page.get_by_role("button", name=re.compile("Execute query")).click()
    await expect(page.locator(".result-window")).to_contain_text('"name": "Customer Portal"')
    await journey.step("customer graphiql", our_page=False)

    await journey.goto("/admin/graphql")
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("staffLogIn")
    await page.get_by_role("button", name=re.compile("Execute query")).click()
    await expect(page.locator(".result-window")).to_contain_text("UNAUTHENTICATED")
    await journey.step("staff graphiql", our_page=False)


async def test_every_page_answers_in_the_browser_language_before_login(open_journey) -> None:
    journey = await open_journey(locale="en-GB")
    page = journey.page
    for path, heading in (
        ("/login", "Log in"),
        ("/register", "Register"),
        ("/activate", "Activate account"),
        ("/password/reset", "Forgot your password?"),
        ("/setup", "Set up your account"),
        ("/email/confirm?token=x", "Confirm new email address"),
        ("/newsletter/confirm?token=x", "Confirm newsletter"),
        ("/support-login?token=x", "Support login"),
    ):
        await journey.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert await page.evaluate("document.documentElement.lang") == "en"
    await expect(page.get_by_role("alert")).to_contain_text("This link is not valid.")
    # The switcher changes the language on this device.
    await journey.goto("/login")
    await page.get_by_role("button", name="Deutsch").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    await journey.goto("/register")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Registrieren")
    await journey.step("language chosen")
    await journey.goto("/")
    await page.wait_for_url("**/login")
