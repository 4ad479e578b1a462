"""Rendering messages from the Jinja2 templates in ``portal/email/templates``.

Two environments share the templates: one for the subject and text part (no escaping), one for
the HTML part (every variable escaped, so a ``<script>`` in a first name stays text). Staff
overrides of a template's subject and body are rendered in a sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from portal.config import Settings
from portal.email.catalog import LANGUAGES, MESSAGES, variant
from portal.email.greeting import greeting_from_context

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TemplateOverride:
    """Staff's own subject and body (Jinja, sandboxed) for one template and language."""

    subject: str
    body: str


class TemplateError(Exception):
    """An override that does not compile; the message says where."""


def _localdate(value: str, language: str) -> str:
    moment = datetime.fromisoformat(value)
    return moment.strftime("%d.%m.%Y") if language == "de" else moment.strftime("%d %B %Y")


class EmailRenderer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        zone = ZoneInfo(settings.time_zone)

        def localdatetime(value: str, language: str) -> str:
            moment = datetime.fromisoformat(value).astimezone(zone)
            if language == "de":
                return moment.strftime("%d.%m.%Y um %H:%M Uhr")
            return moment.strftime("%d %B %Y at %H:%M")

        def environment(cls: type[Environment], autoescape: bool) -> Environment:
            env = cls(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=autoescape,
                undefined=StrictUndefined,
                keep_trailing_newline=False,
                trim_blocks=False,
            )
            env.filters["localdate"] = _localdate
            env.filters["localdatetime"] = localdatetime
            return env

        self._text = environment(Environment, autoescape=False)
        self._html = environment(Environment, autoescape=True)
        self._sandbox_text = environment(SandboxedEnvironment, autoescape=False)
        self._sandbox_html = environment(SandboxedEnvironment, autoescape=True)

    def language(self, language: str) -> str:
        """The language an email to someone preferring ``language`` comes in: that language
        where templates exist, else English, else German (a contact may prefer any ISO 639-1
        language; the portal's own templates are German and English)."""
        if language in LANGUAGES:
            return language
        if not language:
            return self._settings.default_language
        return next(fallback for fallback in ("en", "de") if fallback in LANGUAGES)

    def variables(
        self, template: str, language: str, formality: str, context: Mapping[str, Any]
    ) -> dict[str, Any]:
        spec = MESSAGES[template]
        values: dict[str, Any] = {
            "first_name": "",
            "last_name": "",
            "salutation": "",
            "title": "",
            **context,
            "portal_name": self._settings.portal_name,
            "language": language,
            "greeting": greeting_from_context(language, formality, context),
        }
        if spec.action_key:
            link = context[spec.action_key]
            if not isinstance(link, str):
                # A sealed or removed link (portal.email.sealing) must never reach a recipient.
                raise ValueError(f"the link {spec.action_key!r} is not open for rendering")
            values["action_url"] = link
        return values

    def render(
        self,
        template: str,
        language: str,
        formality: str,
        context: Mapping[str, Any],
        override: TemplateOverride | None = None,
    ) -> RenderedEmail:
        """Subject, text and HTML of ``template`` for one recipient."""
        if template not in MESSAGES:
            raise KeyError(f"unknown email template {template!r}")
        language = self.language(language)
        values = self.variables(template, language, formality, context)
        name = f"{template}/{variant(language, formality)}.jinja"
        text_values, html_values = dict(values), dict(values)
        if override is not None:
            text_values["override_subject"] = self._sandbox_text.from_string(
                override.subject
            ).render(values)
            text_values["override_intro"] = self._sandbox_text.from_string(override.body).render(
                values
            )
            html_values["override_subject"] = Markup.escape(text_values["override_subject"])
            # The sandboxed HTML environment escaped every variable; the literal markup is
            # the staff author's own, like the shipped templates.
            html_values["override_intro"] = Markup(  # noqa: S704
                self._sandbox_html.from_string(override.body).render(values)
            )
        subject = self._text.get_template(name).render(part="subject", **text_values).strip()
        text = self._text.get_template(name).render(part="text", **text_values)
        html = self._html.get_template(name).render(part="html", **html_values)
        return RenderedEmail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)

    def check_override(self, override: TemplateOverride) -> None:
        """Raise :class:`TemplateError` when the override does not compile."""
        for source in (override.subject, override.body):
            try:
                self._sandbox_html.parse(source)
            except TemplateSyntaxError as exc:
                raise TemplateError(f"line {exc.lineno}: {exc.message}") from None
