"""When a camera takes its pictures (SPEC §5, §9): during its capture hours, every N minutes,
plus a few random extra times a day; a failed capture is retried with back-off.

PURE: plain values in, plain values out (no Flask, no database, no clock of its own).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")
RETRY_FIRST = timedelta(minutes=1)

Hours = tuple[tuple[time, time], ...]


def parse_hours(value: str | list[str] | tuple[str, ...]) -> Hours:
    """``"09:00-12:00 13:30-17:30"`` (spaces, commas or a list) as sorted (start, end) pairs.

    Raises ``ValueError`` for a malformed range, a range that does not end after it starts,
    or ranges that overlap.
    """
    parts = value if isinstance(value, (list, tuple)) else re.split(r"[\s,;，；]+", value.strip())
    ranges = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a time range such as 09:00-12:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 == 24 and m2:
            raise ValueError(f"{part!r} ends after 24:00")
        start = time(h1, m1)
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f"{part!r} does not end after it starts")
        ranges.append((start, end))
    if not ranges:
        raise ValueError("no time range given")
    ranges.sort()
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:]):
        if s2 < e1:
            raise ValueError("the time ranges overlap")
    return tuple(ranges)


def format_hours(hours: Hours) -> str:
    def clock(t: time) -> str:
        return "24:00" if t >= time(23, 59, 59) else t.strftime("%H:%M")

    return " ".join(f"{clock(s)}-{clock(e)}" for s, e in hours)


def in_hours(local: datetime, hours: Hours) -> bool:
    clock = local.time()
    return any(start <= clock < end for start, end in hours)


def backoff(failures: int, interval: timedelta) -> timedelta:
    """Delay before the next attempt after ``failures`` failures in a row: 1, 2, 4, 8 …
    minutes, never longer than the camera's regular interval."""
    if failures <= 0:
        return interval
    return min(interval, RETRY_FIRST * (2 ** min(failures - 1, 20)))


def draw_extra_times(day: date, hours: Hours, count: int, tz: str,
                     rng: random.Random) -> list[datetime]:
    """``count`` instants drawn uniformly over the day's capture hours (UTC, sorted).

    Staff cannot tell them from the regular schedule, so nobody can time an absence around
    the interval.
    """
    zone = ZoneInfo(tz)
    spans = [(datetime.combine(day, start, zone), datetime.combine(day, end, zone))
             for start, end in hours]
    total = sum((end - start).total_seconds() for start, end in spans)
    out = []
    for _ in range(max(0, count)):
        offset = rng.uniform(0, total)
        for start, end in spans:
            length = (end - start).total_seconds()
            if offset <= length:
                out.append((start + timedelta(seconds=offset)).astimezone(timezone.utc))
                break
            offset -= length
    return sorted(instant.replace(microsecond=0) for instant in out)


@dataclass(frozen=True)
class Due:
    """What to capture now, if anything: ``purpose`` is picture (a reference picture an
    admin asked for), schedule, extra or retry."""

    purpose: str
    extra_left: tuple[datetime, ...] = ()  # the day's extra times still to come


def due_now(now: datetime, *, tz: str, hours: Hours, next_capture_at: datetime | None,
            failures: int, extra_times: tuple[datetime, ...], picture_requested: bool
            ) -> Due | None:
    """Whether a camera captures now, and why.

    Rules: a requested reference picture is taken at once, at any hour (references are
    best taken while the hall is empty). Otherwise only during the capture hours: after
    failures, when the back-off has passed (``retry``); else when the regular time has come
    (``schedule``; never captured counts as due), or one of the day's random extra times
    has passed (``extra``; every passed extra time is used up by one capture).
    """
    extra_left = tuple(t for t in extra_times if t > now)
    if picture_requested:
        return Due("picture", tuple(extra_times))
    local = now.astimezone(ZoneInfo(tz))
    if not in_hours(local, hours):
        return None
    regular_due = next_capture_at is None or next_capture_at <= now
    if failures > 0:
        return Due("retry", extra_left) if regular_due else None
    if regular_due:
        return Due("schedule", extra_left)
    if len(extra_left) < len(extra_times):
        return Due("extra", extra_left)
    return None
