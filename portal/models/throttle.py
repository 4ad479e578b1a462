"""Throttling state shared by every worker and machine (when Redis is not configured)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamps


class ThrottleCounter(Timestamps, Base):
    """One throttled subject: an account's login failures or a client's attempts at an action.

    ``key`` is a SHA-256 of the subject (``login:<normalised email>``, ``ip:register:<ip>``), so
    the table holds no email addresses or IPs.
    """

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Consecutive failures since the last success (accounts) or hits in the window (limits).
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    window_started_at: Mapped[datetime]
    window_count: Mapped[int] = mapped_column(Integer, default=0)
