"""An event as a subscriber receives it (the Standard Webhooks body), at the payload level the
subscriber chose."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from portal.models import Event
from portal.services.events.catalogue import EventActorType, PayloadLevel
from portal.services.events.recording import reference

_ACTOR_TYPE_NAMES = {
    EventActorType.CUSTOMER: "PortalUser",
    EventActorType.STAFF: "StaffUser",
    EventActorType.SUPPORT: "StaffUser",
    EventActorType.IMPORT: "ImportToken",
}
_SNAKE = re.compile(r"_([a-z0-9])")


def api_field_name(name: str) -> str:
    """A service field name as the staff API spells it (``date_of_birth`` -> ``dateOfBirth``)."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def event_payload(event: Event, level: PayloadLevel) -> dict[str, Any]:
    """``{"type", "timestamp", "data"}``: ``data`` holds the event id and sequence, the actor,
    the contact and portal user (global id and UUID), the event's details and the changed
    field names; with :attr:`PayloadLevel.CHANGED_FIELDS` also ``changes`` (the new values).
    Never any hash, token or secret (refused when the event is recorded)."""
    actor_type = EventActorType(event.actor_type)
    actor: dict[str, Any] = {"type": actor_type.value}
    type_name = _ACTOR_TYPE_NAMES.get(actor_type)
    if type_name is not None and event.actor_id is not None:
        actor.update(reference(type_name, event.actor_id))
    if event.on_behalf_of_id is not None:
        actor["onBehalfOf"] = reference("PortalUser", event.on_behalf_of_id)
    data: dict[str, Any] = {
        "eventId": str(event.id),
        "sequence": event.sequence,
        "actor": actor,
    }
    if event.contact_id is not None:
        data["contact"] = reference("Contact", event.contact_id)
    if event.portal_user_id is not None:
        data["portalUser"] = reference("PortalUser", event.portal_user_id)
    data.update(event.details)
    data["changedFields"] = [api_field_name(name) for name in event.changed_fields]
    if level is PayloadLevel.CHANGED_FIELDS:
        data["changes"] = {api_field_name(k): v for k, v in event.changes.items()}
    timestamp = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"type": event.type, "timestamp": timestamp, "data": data}
