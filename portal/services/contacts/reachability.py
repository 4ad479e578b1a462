"""When a contact may be called: a weekly grid of time windows, in the portal's time zone."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class ReachabilityError(ValueError):
    """The grid is malformed; the message says how."""


def _parse_time(value: Any) -> str:
    text = str(value).strip()
    if not _TIME.match(text):
        raise ReachabilityError(f"{text!r} is not a time of day (HH:MM)")
    return text


def parse_reachability(windows: list[Any]) -> list[dict[str, Any]]:
    """Validated, sorted windows ``{"weekday": 0-6 (Monday=0), "from": "HH:MM", "to": "HH:MM"}``;
    ``from`` before ``to``, no overlaps on a day."""
    parsed: list[dict[str, Any]] = []
    for window in windows:
        if not isinstance(window, dict):
            raise ReachabilityError("each window needs weekday, from and to")
        weekday = window.get("weekday")
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ReachabilityError("weekday must be 0 (Monday) to 6 (Sunday)")
        start, end = _parse_time(window.get("from")), _parse_time(window.get("to"))
        if start >= end:
            raise ReachabilityError("a window must start before it ends")
        parsed.append({"weekday": weekday, "from": start, "to": end})
    parsed.sort(key=lambda w: (w["weekday"], w["from"]))
    for previous, current in pairwise(parsed):
        if previous["weekday"] == current["weekday"] and current["from"] < previous["to"]:
            raise ReachabilityError("windows on the same day overlap")
    return parsed


def is_reachable(windows: list[dict[str, Any]], moment: datetime, zone: str) -> bool:
    """Whether ``moment`` falls into one of the windows (in ``zone``'s local time)."""
    local = moment.astimezone(ZoneInfo(zone))
    now = local.time().strftime("%H:%M")
    return any(w["weekday"] == local.weekday() and w["from"] <= now < w["to"] for w in windows)
