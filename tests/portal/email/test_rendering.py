"""Every template in de-Sie, de-Du and en, with the right greeting and escaping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from portal.config import Settings
from portal.email import catalog
from portal.email.catalog import MESSAGES, EmailTemplate
from portal.email.greeting import greeting
from portal.email.rendering import EmailRenderer, TemplateError, TemplateOverride

SAMPLE_VALUES: dict[str, Any] = {
    "activation_url": "https://portal.example.test/activate?token=abc",
    "activation_hours": 48,
    "password_reset_url": "https://portal.example.test/password/reset?token=abc",
    "reset_url": "https://portal.example.test/password/reset?token=def",
    "confirm_url": "https://portal.example.test/confirm?token=ghi",
    "new_email": "neu@example.de",
    "setup_url": "https://portal.example.test/setup?token=jkl",
    "username": "anna@example.de",
    "expires_at": "2026-12-24T09:00:00+00:00",
    "staff_name": "Sabine Support",
    "started_at": "2026-11-23T08:30:00+00:00",
    "set_at": "2026-12-03T05:10:00+00:00",
    "login_url": "https://portal.example.test/login",
    "portal_user_email": "wartet@example.de",
    "reason": "NO_MATCH",
    "export_job_id": "0b6c5a52-7d1e-4f43-9a55-0f7b0e9f2c11",
    "export_kind": "Kontakte",
    "role": "auditor",
    "old_role": "support",
    "new_role": "admin",
    "inviter_name": "Ada Admin",
    "changed_by": "Ada Admin",
    "deactivated_by": "Ada Admin",
    "reset_by": "Ada Admin",
    "endpoint_url": "https://hooks.example.com/portal",
    "failures": 20,
    "last_error": "HTTP 503",
}
# Shown as the role's name in the message's language (checked below).
ROLE_KEYS = {"role", "old_role", "new_role"}
RECIPIENT = {"first_name": "Anna", "last_name": "Müller", "salutation": "Frau", "title": "Dr."}
VARIANTS = [
    ("de", "formal", "Sehr geehrte Frau Dr. Müller,"),
    ("de", "informal", "Hallo Anna,"),
    ("en", "formal", "Dear Dr Müller,"),
]


@pytest.fixture(scope="module")
def renderer() -> EmailRenderer:
    return EmailRenderer(Settings(portal_name="Stadtwerke Portal"))


@pytest.mark.parametrize("template", sorted(MESSAGES))
@pytest.mark.parametrize(("language", "formality", "expected_greeting"), VARIANTS)
def test_every_template_renders_in_every_variant(
    renderer: EmailRenderer, template: str, language: str, formality: str, expected_greeting: str
) -> None:
    context = {key: SAMPLE_VALUES[key] for key in MESSAGES[template].required} | RECIPIENT
    mail = renderer.render(template, language, formality, context)
    assert mail.subject
    assert "\n" not in mail.subject
    assert mail.text.startswith(expected_greeting + "\n")
    assert f"<p>{expected_greeting}</p>" in mail.html
    assert "Stadtwerke Portal" in mail.text
    assert f'<html lang="{language}">' in mail.html
    for key in MESSAGES[template].required:
        if key.endswith("_at") or key == "activation_hours" or key in ROLE_KEYS:
            continue  # shown localised, checked below
        value = str(SAMPLE_VALUES[key])
        assert value in mail.text.replace("\n", " "), (template, key)
        assert value in mail.html, (template, key)
    # The informal German variant never uses the formal pronoun and vice versa.
    if language == "de":
        words = set(re.findall(r"\b\w+\b", mail.text))
        assert ("Sie" in words or "Ihr" in words or "Ihre" in words) == (formality == "formal") or (
            template == "staff_pending_review"
        )


def test_dates_are_localised(renderer: EmailRenderer) -> None:
    context = {
        "setup_url": "https://x/s",
        "username": "u",
        "expires_at": "2026-12-24T09:00:00+00:00",
    }
    assert "24.12.2026" in renderer.render("invitation", "de", "formal", context).text
    assert "24 December 2026" in renderer.render("invitation", "en", "formal", context).text
    notice = {"staff_name": "S", "started_at": "2026-11-23T08:30:00+00:00"}
    # 08:30 UTC is 09:30 in Berlin (the configured time zone).
    assert (
        "23.11.2026 um 09:30 Uhr" in renderer.render("impersonation_notice", "de", "x", notice).text
    )


def test_html_escapes_user_supplied_names(renderer: EmailRenderer) -> None:
    context = {
        "first_name": "<script>alert(1)</script>",
        "last_name": 'O"Brien & <b>Co</b>',
        "login_url": "https://portal.example.test/login",
    }
    mail = renderer.render("account_ready", "en", "formal", context)
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "&lt;b&gt;Co&lt;/b&gt;" in mail.html
    assert "<script>alert(1)</script>" in mail.text


def test_a_language_without_templates_falls_back_to_english(renderer: EmailRenderer) -> None:
    # Before: to the portal's default language (German), whatever the contact spoke.
    for formality in ("formal", "informal"):  # Sie/Du is German only
        mail = renderer.render("password_changed", "fr", formality, {"first_name": "Anna"})
        assert mail.text.startswith("Hello Anna,")
        assert mail.subject == "Your password was changed"
    assert renderer.language("tr") == "en"
    assert renderer.language("") == "de"  # none known: the portal's default language


def test_override_replaces_subject_and_body_and_stays_escaped(renderer: EmailRenderer) -> None:
    context = {
        "setup_url": "https://x/setup",
        "username": "anna@example.de",
        "expires_at": "2026-12-24T09:00:00+00:00",
        "first_name": "<i>Anna</i>",
    }
    override = TemplateOverride(
        "Willkommen, {{ first_name }}!", "Schön, dass Sie da sind, {{ first_name }}."
    )
    mail = renderer.render("invitation", "de", "formal", context, override)
    assert mail.subject == "Willkommen, <i>Anna</i>!"
    assert "Schön, dass Sie da sind, &lt;i&gt;Anna&lt;/i&gt;." in mail.html
    assert "https://x/setup" in mail.text
    with pytest.raises(TemplateError, match="line 1"):
        renderer.check_override(TemplateOverride("ok", "{% if %}"))


def test_override_sandbox_blocks_attribute_escapes(renderer: EmailRenderer) -> None:
    context = {
        "setup_url": "https://x/s",
        "username": "u",
        "expires_at": "2026-12-24T09:00:00+00:00",
    }
    override = TemplateOverride("x", "{{ username.__class__.__mro__ }}")
    with pytest.raises(Exception, match=r"unsafe|not safely"):
        renderer.render("invitation", "en", "formal", context, override)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("de", "formal", "Anna", "Müller", "Frau", ""), "Sehr geehrte Frau Müller,"),
        (("de", "formal", "Jürgen", "Groß", "Herr", "Prof."), "Sehr geehrter Herr Prof. Groß,"),
        (("de", "formal", "Kim", "Lee", "", ""), "Guten Tag Kim Lee,"),
        (("de", "formal", "", "", "", ""), "Guten Tag,"),
        (("de", "informal", "Anna", "Müller", "Frau", ""), "Hallo Anna,"),
        (("de", "informal", "", "Müller", "", ""), "Hallo Müller,"),
        (("en", "formal", "Emily", "Smith", "Ms", ""), "Dear Ms Smith,"),
        (("en", "informal", "Emily", "Smith", "", ""), "Hello Emily Smith,"),
        (("en", "formal", "", "", "", ""), "Hello,"),
    ],
)
def test_greeting(args: tuple[str, ...], expected: str) -> None:
    language, formality, first, last, salutation, title = args
    assert (
        greeting(
            language,
            formality,
            first_name=first,
            last_name=last,
            salutation=salutation,
            title=title,
        )
        == expected
    )


@pytest.mark.parametrize(
    "link", [{"sealed": "gAAAAA-not-opened"}, {"removed": "after delivery"}], ids=str
)
def test_a_link_that_is_not_open_is_never_rendered(renderer: EmailRenderer, link: Any) -> None:
    context = {"reset_url": link, **RECIPIENT}
    with pytest.raises(ValueError, match="not open for rendering"):
        renderer.render("password_reset", "de", "formal", context)


@pytest.mark.parametrize(
    ("language", "formality", "expected"),
    [
        ("de", "formal", "von Support zu Administrator"),
        ("de", "informal", "von Support zu Administrator"),
        ("en", "formal", "from support to administrator"),
    ],
)
def test_staff_roles_are_named_in_the_message_language(
    renderer: EmailRenderer, language: str, formality: str, expected: str
) -> None:
    context = {key: SAMPLE_VALUES[key] for key in MESSAGES["staff_role_changed"].required}
    text = renderer.render("staff_role_changed", language, formality, context).text
    assert expected in text.replace("\n", " ")
    invitation = {key: SAMPLE_VALUES[key] for key in MESSAGES["staff_invitation"].required}
    text = renderer.render("staff_invitation", language, formality, invitation).text
    assert ("Prüfer" if language == "de" else "auditor") in text.replace("\n", " ")


def test_every_shipped_template_is_in_the_enum_and_the_catalogue() -> None:
    # The staff API's EmailTemplate enum is the Python enum (issue 17, item 7): each value has
    # its catalogue entry and its folder of templates, and no folder is left out.
    folders = {
        p.name for p in (Path(catalog.__file__).parent / "templates").iterdir() if p.is_dir()
    }
    assert set(MESSAGES) == set(EmailTemplate) == {t.value for t in EmailTemplate}
    assert folders == {t.value for t in EmailTemplate}
