"""Local dates and times of a centre, computed from its zone (never the server clock)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from .db import utcnow


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


def local_now(tz: str) -> datetime:
    return utcnow().astimezone(ZoneInfo(tz))


def local_today(tz: str) -> date:
    return local_now(tz).date()


def at_local(day: date, clock: time, tz: str) -> datetime:
    """The instant of a local wall-clock time on a day, in UTC."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
