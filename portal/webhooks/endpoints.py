"""Webhook endpoints: created, changed, rotated and deleted by administrators, every change
audited. The signing secret is returned once (creation, rotation) and stored sealed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.errors import FieldError, InvalidInput
from portal.models import WebhookEndpoint
from portal.models.base import session_now
from portal.normalization import clean_text
from portal.pagination import Page
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.events import EventType, PayloadLevel
from portal.services.timeline import newest_first
from portal.webhooks.addresses import AddressRefused, host_and_port, resolve_checked, url_problem
from portal.webhooks.signing import SecretSealer, new_secret, secret_hint

MAX_DESCRIPTION = 200
MAX_OVERLAP_HOURS = 168


class WebhookErrorCode(StrEnum):
    INVALID_URL = "INVALID_URL"
    HTTPS_REQUIRED = "HTTPS_REQUIRED"
    ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"
    INVALID_EVENT_TYPES = "INVALID_EVENT_TYPES"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    INVALID_OVERLAP = "INVALID_OVERLAP"
    NOT_FOUND = "NOT_FOUND"
    ENDPOINT_INACTIVE = "ENDPOINT_INACTIVE"
    NOT_REDELIVERABLE = "NOT_REDELIVERABLE"


class DisabledReason(StrEnum):
    MANUAL = "manual"  # staff switched it off
    FAILING = "failing"  # the worker, after too many consecutive failed attempts


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once


async def check_url(settings: Settings, url: str) -> list[FieldError]:
    """The problems of ``url`` as an endpoint: its form (https in production) and, where
    private addresses are not allowed, every address its host resolves to now."""
    problem = url_problem(url, require_https=settings.is_production)
    if problem is not None:
        return [FieldError(problem.code, "url", problem.message)]
    if settings.webhook_private_addresses_allowed:
        return []
    host, port = host_and_port(url)
    try:
        await resolve_checked(host, port, allow_private=False)
    except AddressRefused as exc:
        return [FieldError(WebhookErrorCode.ADDRESS_NOT_ALLOWED, "url", f"Refused: {exc}.")]
    return []


def _check_event_types(event_types: Sequence[str]) -> list[FieldError]:
    known = {t.value for t in EventType}
    if not event_types or not set(event_types) <= known:
        return [
            FieldError(
                WebhookErrorCode.INVALID_EVENT_TYPES,
                "event_types",
                "Choose at least one event type.",
            )
        ]
    return []


def _check_description(description: str) -> list[FieldError]:
    if len(description) > MAX_DESCRIPTION:
        return [
            FieldError(
                WebhookErrorCode.INVALID_DESCRIPTION,
                "description",
                f"Use at most {MAX_DESCRIPTION} characters.",
            )
        ]
    return []


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID | None) -> WebhookEndpoint:
    """The endpoint, or InvalidInput NOT_FOUND."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
    if endpoint is None:
        raise InvalidInput.single(WebhookErrorCode.NOT_FOUND, "id", "No such webhook endpoint.")
    return endpoint


async def create_endpoint(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    *,
    url: str,
    event_types: Sequence[str],
    payload_level: PayloadLevel,
    description: str = "",
    is_active: bool = True,
) -> EndpointWithSecret:
    """A new endpoint with a fresh signing secret (returned once)."""
    url, description = url.strip(), clean_text(description)
    errors = [
        *await check_url(settings, url),
        *_check_event_types(event_types),
        *_check_description(description),
    ]
    if errors:
        raise InvalidInput(errors)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        description=description,
        event_types=sorted(set(event_types)),
        payload_level=str(payload_level),
        is_active=is_active,
        disabled_reason=None if is_active else DisabledReason.MANUAL,
        disabled_at=None if is_active else session_now(session),
        secret_sealed=SecretSealer.from_settings(settings).seal(secret),
        secret_hint=secret_hint(secret),
        created_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(endpoint)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_ENDPOINT_CREATE,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={
            "url": url,
            "event_types": endpoint.event_types,
            "is_active": is_active,
            "payload_level": endpoint.payload_level,
        },
    )
    return EndpointWithSecret(endpoint, secret)


async def update_endpoint(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    endpoint_id: uuid.UUID | None,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    payload_level: PayloadLevel | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Switching an endpoint on again clears its failure count, so a
    repaired receiver gets a fresh budget; switching it off keeps its queued deliveries for
    when it is back."""
    endpoint = await get_endpoint(session, endpoint_id)
    errors: list[FieldError] = []
    if url is not None:
        url = url.strip()
        errors += await check_url(settings, url)
    if event_types is not None:
        errors += _check_event_types(event_types)
    if description is not None:
        description = clean_text(description)
        errors += _check_description(description)
    if errors:
        raise InvalidInput(errors)
    changes: dict[str, list[object]] = {}

    def change(name: str, new: object) -> None:
        old = getattr(endpoint, name)
        if new is not None and new != old:
            changes[name] = [old, new]
            setattr(endpoint, name, new)

    change("url", url)
    change("event_types", sorted(set(event_types)) if event_types is not None else None)
    change("payload_level", str(payload_level) if payload_level is not None else None)
    change("description", description)
    if is_active is not None and is_active != endpoint.is_active:
        changes["is_active"] = [endpoint.is_active, is_active]
        endpoint.is_active = is_active
        endpoint.disabled_reason = None if is_active else DisabledReason.MANUAL
        endpoint.disabled_at = None if is_active else session_now(session)
        endpoint.consecutive_failures = 0
    if changes:
        await session.flush()
        await audit.record(
            session,
            actor,
            AuditAction.WEBHOOK_ENDPOINT_UPDATE,
            subject_type=AuditSubject.WEBHOOK_ENDPOINT,
            subject_id=endpoint.id,
            changes=changes,
        )
    return endpoint


async def rotate_secret(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    endpoint_id: uuid.UUID | None,
    overlap_hours: int | None = None,
) -> EndpointWithSecret:
    """A new signing secret (returned once). The current one keeps signing beside it for
    ``overlap_hours`` (default ``PORTAL_WEBHOOK_SECRET_OVERLAP_HOURS``; 0 ends it now), so
    the receiver can switch at any time within it. A secret still in its overlap from an
    earlier rotation ends now: at most two secrets sign."""
    overlap = settings.webhook_secret_overlap_hours if overlap_hours is None else overlap_hours
    if not 0 <= overlap <= MAX_OVERLAP_HOURS:
        raise InvalidInput.single(
            WebhookErrorCode.INVALID_OVERLAP, "overlap_hours", "Use 0 to 168 hours."
        )
    endpoint = await get_endpoint(session, endpoint_id)
    secret = new_secret()
    now = session_now(session)
    endpoint.previous_secret_sealed = endpoint.secret_sealed if overlap else None
    endpoint.previous_secret_expires_at = now + timedelta(hours=overlap) if overlap else None
    endpoint.secret_sealed = SecretSealer.from_settings(settings).seal(secret)
    endpoint.secret_hint = secret_hint(secret)
    await session.flush()
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_ENDPOINT_ROTATE_SECRET,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={"overlap_hours": overlap},
    )
    return EndpointWithSecret(endpoint, secret)


async def delete_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID | None
) -> uuid.UUID:
    """Remove the endpoint with its deliveries and their log."""
    endpoint = await get_endpoint(session, endpoint_id)
    await audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_ENDPOINT_DELETE,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={"url": endpoint.url},
    )
    await session.delete(endpoint)
    await session.flush()
    return endpoint.id


async def list_endpoints(
    session: AsyncSession, *, first: int | None, after: str | None
) -> Page[WebhookEndpoint]:
    """Endpoints, newest first (keyset on created_at, id)."""
    return await newest_first(
        session, WebhookEndpoint, [], first=first, after=after, time_column="created_at"
    )
