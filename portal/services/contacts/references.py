"""External references: the contact's id in POS, ERP or shop systems, unique per system."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import FieldError, InvalidInput
from portal.models import Contact, ExternalReference
from portal.normalization import clean_name, clean_text
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactErrorCode


async def set_reference(
    session: AsyncSession, actor: Actor, contact: Contact, source_system: str, external_id: str
) -> ExternalReference:
    """Record (or change) the contact's id in ``source_system``."""
    system, ident = clean_name(source_system).upper(), clean_text(external_id)
    errors = []
    if not system or len(system) > 50:
        errors.append(FieldError(ContactErrorCode.REQUIRED, "source_system", "1 to 50 characters."))
    if not ident or len(ident) > 100:
        errors.append(FieldError(ContactErrorCode.REQUIRED, "external_id", "1 to 100 characters."))
    if errors:
        raise InvalidInput(errors)
    owner = await session.scalar(
        select(ExternalReference).where(
            ExternalReference.source_system == system, ExternalReference.external_id == ident
        )
    )
    if owner is not None and owner.contact_id != contact.id:
        raise InvalidInput.single(
            ContactErrorCode.DUPLICATE_REFERENCE,
            "external_id",
            "Another contact has this id in that system.",
        )
    reference = await session.scalar(
        select(ExternalReference).where(
            ExternalReference.contact_id == contact.id, ExternalReference.source_system == system
        )
    )
    old = reference.external_id if reference else None
    if reference is None:
        reference = ExternalReference(
            contact_id=contact.id, source_system=system, external_id=ident
        )
        session.add(reference)
    else:
        reference.external_id = ident
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_SET_REFERENCE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes={f"reference.{system}": [old, ident]},
    )
    return reference


async def remove_reference(
    session: AsyncSession, actor: Actor, contact: Contact, source_system: str
) -> bool:
    system = clean_name(source_system).upper()
    reference = await session.scalar(
        select(ExternalReference).where(
            ExternalReference.contact_id == contact.id, ExternalReference.source_system == system
        )
    )
    if reference is None:
        return False
    await session.delete(reference)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.CONTACT_REMOVE_REFERENCE,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
        changes={f"reference.{system}": [reference.external_id, None]},
    )
    return True
