"""Reading and saving staff overrides of email templates."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from portal.email.catalog import LANGUAGES, OVERRIDABLE
from portal.email.rendering import EmailRenderer, TemplateError, TemplateOverride
from portal.errors import FieldError, InvalidInput
from portal.models.email_template import EmailTemplateOverride


class EmailErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    NOT_OVERRIDABLE = "NOT_OVERRIDABLE"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    TOO_LONG = "TOO_LONG"
    REQUIRED = "REQUIRED"
    NOT_RESENDABLE = "NOT_RESENDABLE"


async def load_override(
    session: AsyncSession, template: str, language: str
) -> TemplateOverride | None:
    if template not in OVERRIDABLE:
        return None
    row = await session.get(EmailTemplateOverride, (template, language))
    return TemplateOverride(row.subject, row.body) if row else None


async def save_override(
    session: AsyncSession,
    renderer: EmailRenderer,
    *,
    template: str,
    language: str,
    subject: str,
    body: str,
    actor: str,
) -> EmailTemplateOverride:
    """Store (or replace) an override after checking that it compiles."""
    errors: list[FieldError] = []
    if template not in OVERRIDABLE:
        errors.append(
            FieldError(EmailErrorCode.NOT_OVERRIDABLE, "template", "This template is fixed.")
        )
    if language not in LANGUAGES:
        errors.append(FieldError(EmailErrorCode.INVALID_LANGUAGE, "language", "Use de or en."))
    if not subject.strip():
        errors.append(FieldError(EmailErrorCode.REQUIRED, "subject", "Required."))
    elif len(subject) > 300:
        errors.append(FieldError(EmailErrorCode.TOO_LONG, "subject", "At most 300 characters."))
    if not body.strip():
        errors.append(FieldError(EmailErrorCode.REQUIRED, "body", "Required."))
    elif len(body) > 20_000:
        errors.append(FieldError(EmailErrorCode.TOO_LONG, "body", "At most 20000 characters."))
    if not errors:
        try:
            renderer.check_override(TemplateOverride(subject, body))
        except TemplateError as exc:
            errors.append(FieldError(EmailErrorCode.INVALID_TEMPLATE, "body", str(exc)))
    if errors:
        raise InvalidInput(errors)
    row = await session.get(EmailTemplateOverride, (template, language))
    if row is None:
        row = EmailTemplateOverride(template=template, language=language, subject="", body="")
        session.add(row)
    row.subject, row.body, row.updated_by = subject, body, actor
    await session.flush()
    return row


async def delete_override(session: AsyncSession, template: str, language: str) -> bool:
    row = await session.get(EmailTemplateOverride, (template, language))
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True
