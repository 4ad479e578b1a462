"""Lifecycle events (issue 23): recorded by the services in the transaction of the change,
rendered per subscriber by :func:`event_payload`. The catalogue is docs/events.md."""

from __future__ import annotations

from portal.services.events.catalogue import EventActorType, EventType, PayloadLevel
from portal.services.events.listing import list_events
from portal.services.events.payload import api_field_name, event_payload
from portal.services.events.recording import (
    event_actor,
    event_row,
    forget_event_values,
    prune_events,
    record_event,
    record_events,
    reference,
)

__all__ = [
    "EventActorType",
    "EventType",
    "PayloadLevel",
    "api_field_name",
    "event_actor",
    "event_payload",
    "event_row",
    "forget_event_values",
    "list_events",
    "prune_events",
    "record_event",
    "record_events",
    "reference",
]
