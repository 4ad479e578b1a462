"""Import tokens: API keys for machines (a POS system pushing contacts) that hold only
``contacts:import`` (and, when created so explicitly, ``contacts:import_identity``) and act for
the staff user who created them.

A token writes and never reads: the import answers a token only what follows from the file it
sent (see ``ImportOptions.blind``), and without ``contacts:import_identity`` it never changes
the emails of an existing contact (the keys a portal login is matched by), so it cannot steer
someone else's contact to an address it controls.

A key is shown once at creation and stored as a SHA-256 hash; it never grants more than its
creator's role (checked on every request, so a demoted or deactivated creator takes the key's
power with them), can expire, and is revoked by staff. Every creation and revocation is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.permissions import StaffPermission, permissions_for_role
from portal.db import defer_write, is_read_only
from portal.errors import FieldError, InvalidInput
from portal.models import ApiKey, StaffUser
from portal.models.base import session_now
from portal.normalization import clean_text
from portal.opaque_tokens import hash_token, new_opaque_token
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject

IMPORT_TOKEN_PREFIX = "pik"
# What an import token may do; deliberately not configurable per key beyond the one explicit
# right to change identity-bearing fields.
IMPORT_TOKEN_PERMISSIONS = frozenset({StaffPermission.CONTACTS_IMPORT})
IDENTITY_PERMISSION = StaffPermission.CONTACTS_IMPORT_IDENTITY
MAX_TOKEN_LENGTH = 128
MAX_LIFETIME_DAYS = 3650
# Writing last_used_at on every request would turn each push into an extra UPDATE.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyErrorCode(StrEnum):
    INVALID_NAME = "INVALID_NAME"
    INVALID_LIFETIME = "INVALID_LIFETIME"
    NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    token: str  # shown once


async def create_import_token(
    session: AsyncSession,
    actor: Actor,
    creator: StaffUser,
    *,
    name: str,
    expires_in_days: int | None = None,
    identity_changes: bool = False,
) -> CreatedApiKey:
    """A new import token acting for ``creator``; with ``identity_changes`` it may also change
    the emails of existing contacts. Raises InvalidInput for a blank name or a lifetime outside
    1..3650 days."""
    name = clean_text(name)
    errors: list[tuple[str, str, str]] = []
    if not name or len(name) > 120:
        errors.append(
            (ApiKeyErrorCode.INVALID_NAME, "name", "Give the token a name of 1 to 120 characters.")
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        errors.append(
            (ApiKeyErrorCode.INVALID_LIFETIME, "expires_in_days", "Use 1 to 3650 days, or none.")
        )
    if errors:
        raise InvalidInput([FieldError(*e) for e in errors])
    token, digest = new_opaque_token(IMPORT_TOKEN_PREFIX)
    now = session_now(session)
    key = ApiKey(
        name=name,
        token_hash=digest,
        token_prefix=token[:10],
        permissions=sorted(
            p.value
            for p in IMPORT_TOKEN_PERMISSIONS
            | ({IDENTITY_PERMISSION} if identity_changes else set())
        ),
        created_by_id=creator.id,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.API_KEY_CREATE,
        subject_type=AuditSubject.API_KEY,
        subject_id=key.id,
        changes={"name": name, "permissions": key.permissions, "expires_at": key.expires_at},
    )
    return CreatedApiKey(key, token)


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID | None) -> ApiKey:
    """Revoke a key now (idempotent); raises InvalidInput for an unknown id."""
    key = await session.get(ApiKey, key_id) if key_id else None
    if key is None:
        raise InvalidInput.single(ApiKeyErrorCode.NOT_FOUND, "id", "No such import token.")
    if key.revoked_at is None:
        key.revoked_at = session_now(session)
        await audit.record(
            session,
            actor,
            AuditAction.API_KEY_REVOKE,
            subject_type=AuditSubject.API_KEY,
            subject_id=key.id,
            changes={"name": key.name},
        )
        await session.flush()
    return key


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    """All keys, newest first (revoked ones included, for the record)."""
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)))


def is_api_key(token: str) -> bool:
    """Whether a bearer token has the import token form (cheap; no database)."""
    return token.startswith(IMPORT_TOKEN_PREFIX + "_")


async def resolve_api_key(
    session: AsyncSession, token: str
) -> tuple[ApiKey, StaffUser, frozenset[StaffPermission]] | None:
    """The live key for ``token``, its active creator and the permissions it grants now (the
    key's own, limited by the creator's role), or None."""
    if not is_api_key(token) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (
        await session.execute(
            select(ApiKey, StaffUser)
            .join(StaffUser, StaffUser.id == ApiKey.created_by_id)
            .where(ApiKey.token_hash == hash_token(token))
        )
    ).one_or_none()
    if row is None:
        return None
    key, creator = row
    now = session_now(session)
    if (
        key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
        or not creator.is_active
    ):
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        if is_read_only(session):  # a query: recorded after it, without making it a write
            defer_write(
                session,
                update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now, updated_at=now),
            )
        else:
            key.last_used_at = now
    known = {p.value for p in StaffPermission}
    granted = frozenset(StaffPermission(p) for p in key.permissions if p in known)
    return key, creator, granted & permissions_for_role(creator.role)
