"""Attendance rules: from a day's punches to per-session results (SPEC §3, seed 004 第十二条).

PURE module: plain values in, plain values out. It imports neither Flask nor the
database, so that every rule can be tested exhaustively and fast.

Minute conventions (one place, used by every rule below):

* A *fault* (late, early leave) is counted in whole minutes with any part of a
  minute rounded **up**: 08:55:01 against "by 08:55" is 1 minute late, 11:59:59
  against "from 12:00" is 1 minute early. Exactly on the mark is no fault.
* A *credit* (extended service) is counted in whole minutes with seconds
  rounded **down**: only time actually served is credited.
* Thresholds compare those whole minutes: late/early by more than
  ``late_to_absent_minutes`` (30 → 31 minutes) is absent; extended service needs
  more than ``extended_service_minutes`` (15 → 16 whole minutes) after "from".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from types import MappingProxyType
from zoneinfo import ZoneInfo

DEFAULT_CENTRE_TZ = "Asia/Shanghai"
OFFICIAL_BUSINESS = "official"  # 公出: counts as present, still reported as leave

_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_NO_LEAVE: Mapping[str, str] = MappingProxyType({})


class SessionStatus(str, Enum):
    normal = "normal"
    abnormal = "abnormal"
    absent = "absent"
    leave = "leave"
    off = "off"

    @property
    def is_normal(self) -> bool:
        return self is SessionStatus.normal

    @property
    def is_abnormal(self) -> bool:
        return self is SessionStatus.abnormal

    @property
    def is_absent(self) -> bool:
        return self is SessionStatus.absent

    @property
    def is_leave(self) -> bool:
        return self is SessionStatus.leave

    @property
    def is_off(self) -> bool:
        return self is SessionStatus.off


class Issue(str, Enum):
    """Session issues; the declaration order is the order they are reported in."""

    late = "late"
    early_leave = "early_leave"
    missing_in = "missing_in"
    missing_out = "missing_out"


# (late, early, missing_in, missing_out) → the issues in their reporting order.
_ISSUES: dict[tuple[bool, bool, bool, bool], tuple[Issue, ...]] = {
    (late, early, no_in, no_out): tuple(
        issue for issue, present in zip(Issue, (late, early, no_in, no_out)) if present)
    for late in (False, True) for early in (False, True)
    for no_in in (False, True) for no_out in (False, True)
}


@dataclass(frozen=True)
class SessionDef:
    """One session of a shift in local wall-clock times (SPEC §3.1)."""

    name: str
    start: time
    end: time
    clock_in_by: time
    clock_out_from: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"session {self.name!r}: start must be before end")


@dataclass(frozen=True)
class ShiftDef:
    """A shift is data: an ordered tuple of non-overlapping sessions (SPEC §3.1)."""

    code: str
    sessions: tuple[SessionDef, ...]

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError(f"shift {self.code!r} has no session")
        names = [s.name for s in self.sessions]
        if len(set(names)) != len(names):
            raise ValueError(f"shift {self.code!r}: session names must be unique")
        for before, after in zip(self.sessions, self.sessions[1:]):
            if before.end > after.start:
                raise ValueError(f"shift {self.code!r}: sessions must be ordered and not overlap")

    @property
    def session_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sessions)


def standard_shift() -> ShiftDef:
    """The default shift ``standard`` (SPEC §3.1, seed 004 第十二条一(一)(二)).

    am 09:00–12:00, clock in by 08:55, clock out from 12:00;
    pm 13:30–17:30, clock in by 13:25, clock out from 17:30.
    """
    return ShiftDef(
        code="standard",
        sessions=(
            SessionDef("am", time(9, 0), time(12, 0), time(8, 55), time(12, 0)),
            SessionDef("pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30)),
        ),
    )


@dataclass(frozen=True)
class AttendanceSettings:
    """Rulebook numbers used by the attendance rules (SPEC §3.2)."""

    late_to_absent_minutes: int = 30
    extended_service_minutes: int = 15
    duplicate_window_seconds: int = 60

    def __post_init__(self) -> None:
        for name in ("late_to_absent_minutes", "extended_service_minutes", "duplicate_window_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class SessionResult:
    """The outcome of one session of one person on one day.

    ``issues`` are explanatory also when ``status`` is ``absent`` because of lateness
    or early leave beyond the limit (then ``late_minutes``/``early_minutes`` say by how
    much). ``clock_in``/``clock_out`` are the instants used (UTC), also reported for
    ``leave`` and ``off`` sessions when punches exist; minutes are then zero.
    ``away_minutes`` is the time of recorded temporary absences (暂离) within the session's
    service hours of a rostered session (see :func:`away_minutes`); it is information,
    never a fault.
    """

    session: str
    status: SessionStatus
    issues: tuple[Issue, ...]
    clock_in: datetime | None
    clock_out: datetime | None
    late_minutes: int
    early_minutes: int
    extended_minutes: int
    leave_type: str | None = None
    away_minutes: int = 0

    @property
    def counts_as_present(self) -> bool:
        """Normal, abnormal, or official business (公出 counts as present, SPEC §3.3)."""
        return self.status in (SessionStatus.normal, SessionStatus.abnormal) or (
            self.status is SessionStatus.leave and self.leave_type == OFFICIAL_BUSINESS
        )


# --- time helpers -------------------------------------------------------------------------


def _to_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: punches must carry their zone")
    return instant.astimezone(timezone.utc)


def _at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(timezone.utc)


def _midpoint(a: datetime, b: datetime) -> datetime:
    return a + (b - a) / 2


def _minutes_up(delta: timedelta) -> int:
    """Whole minutes of a positive delta, any part of a minute counting as one."""
    return -((-delta) // _MINUTE)


def _minutes_down(delta: timedelta) -> int:
    """Whole minutes of a positive delta, seconds dropped."""
    return delta // _MINUTE


# --- rules --------------------------------------------------------------------------------


def dedupe_punches(punches: Iterable[datetime], window_seconds: int = 60) -> list[datetime]:
    """Collapse device double-reads (SPEC §3.2: two punches within 60 s are one; keep the first).

    Punches are converted to UTC and sorted. A punch is dropped when it lies at most
    ``window_seconds`` after the previously *kept* punch (so 60 s is a duplicate, 61 s
    is not); comparing with the kept punch means a chain 0 s, 50 s, 100 s keeps 0 s and
    100 s instead of collapsing forever. Naive datetimes raise ``ValueError``.
    """
    window = timedelta(seconds=window_seconds)
    kept: list[datetime] = []
    for instant in sorted(_to_utc(p) for p in punches):
        if kept and instant - kept[-1] <= window:
            continue
        kept.append(instant)
    return kept


def session_windows(
    shift: ShiftDef, day: date, tz: str
) -> list[tuple[SessionDef, datetime, datetime]]:
    """The half-open window ``[start, end)`` in UTC owning each session's punches (SPEC §3.2).

    The first session's window opens at local 00:00 of ``day``; consecutive sessions
    are split at the midpoint of the break between them (12:45 for ``standard``,
    computed on elapsed time between the two local instants); the last session's
    window closes at local 24:00 (00:00 of the next day). Local times are in the
    centre zone ``tz`` so DST days are 23 or 25 hours long.
    """
    zone = ZoneInfo(tz)
    bounds = [_at_local(day, time(0), zone)]
    for before, after in zip(shift.sessions, shift.sessions[1:]):
        bounds.append(_midpoint(_at_local(day, before.end, zone), _at_local(day, after.start, zone)))
    bounds.append(_at_local(day + timedelta(days=1), time(0), zone))
    return [(s, bounds[i], bounds[i + 1]) for i, s in enumerate(shift.sessions)]


def split_clock_in_out(
    punches: Sequence[datetime], session_midpoint: datetime
) -> tuple[datetime | None, datetime | None]:
    """Clock-in and clock-out from the sorted punches of one window (SPEC §3.2).

    First punch is the clock-in, last the clock-out. A single punch before the
    session's midpoint (start..end; 10:30 for ``am``) is a clock-in with the clock-out
    missing; at or after the midpoint it is a clock-out with the clock-in missing.
    """
    if not punches:
        return None, None
    if len(punches) == 1:
        only = punches[0]
        return (only, None) if only < session_midpoint else (None, only)
    return punches[0], punches[-1]


def _apply_corrections(
    window_punches: list[datetime],
    session_midpoint: datetime,
    corrected_in: datetime | None,
    corrected_out: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """Approved corrections (补卡) fix one end; the other end comes from real punches.

    A corrected clock-in is kept as the clock-in; the clock-out is then the last real
    punch after it. A corrected clock-out likewise takes the first real punch before
    it as the clock-in. Both corrected: real punches are not used.
    """
    if corrected_in is not None and corrected_out is not None:
        return corrected_in, corrected_out
    if corrected_in is not None:
        after = [p for p in window_punches if p > corrected_in]
        return corrected_in, (after[-1] if after else None)
    if corrected_out is not None:
        before = [p for p in window_punches if p < corrected_out]
        return (before[0] if before else None), corrected_out
    return split_clock_in_out(window_punches, session_midpoint)


@dataclass(frozen=True)
class SessionMarks:
    """A session's reference instants on one day, as whole microseconds elapsed since the
    day's local midnight (elapsed time, so DST days stay exact).

    The one form the judging rule works on: :func:`judge_session` converts instants to it,
    and the bulk recompute gets elapsed seconds straight from SQL (no ``datetime`` per row).
    """

    by: int  # clock in by
    release: int  # may clock out from
    midpoint: int  # between start and end: a lone punch before it is a clock-in
    start: int
    end: int


def day_start(day: date, tz: str) -> datetime:
    """Local midnight of ``day`` in the zone ``tz``, in UTC."""
    return _at_local(day, time(0), ZoneInfo(tz))


def elapsed_us(instant: datetime, origin: datetime) -> int:
    """Whole microseconds from ``origin`` to ``instant`` (both aware)."""
    return (instant - origin) // _MICROSECOND


def session_marks(session: SessionDef, day: date, tz: str) -> SessionMarks:
    zone = ZoneInfo(tz)
    origin = _at_local(day, time(0), zone)

    def mark(clock: time) -> int:
        return elapsed_us(_at_local(day, clock, zone), origin)

    start, end = mark(session.start), mark(session.end)
    return SessionMarks(mark(session.clock_in_by), mark(session.clock_out_from),
                        start + (end - start) // 2, start, end)


def judge_marks(
    marks: SessionMarks, clock_in: int | None, clock_out: int | None, settings: AttendanceSettings
) -> tuple[SessionStatus, tuple[Issue, ...], int, int, int]:
    """The judging rule on elapsed microseconds: ``(status, issues, late, early, extended)``.

    See :func:`judge_session` for the rule; both give the same answer for the same inputs.
    """
    if clock_in is None and clock_out is None:
        return SessionStatus.absent, (), 0, 0, 0
    late = early = extended = 0
    missing_in = clock_in is None
    missing_out = clock_out is None
    if not missing_in and clock_in > marks.by:
        late = -((marks.by - clock_in) // _MINUTE_US)
    if not missing_out:
        if clock_out < marks.release:
            early = -((clock_out - marks.release) // _MINUTE_US)
        else:
            served = (clock_out - marks.release) // _MINUTE_US
            if served > settings.extended_service_minutes:
                extended = served
    issues = _ISSUES[(late > 0, early > 0, missing_in, missing_out)]
    if late > settings.late_to_absent_minutes or early > settings.late_to_absent_minutes:
        return SessionStatus.absent, issues, late, early, 0
    return (SessionStatus.abnormal if issues else SessionStatus.normal), issues, late, early, \
        extended


def judge_session(
    session: SessionDef,
    day: date,
    tz: str,
    clock_in: datetime | None,
    clock_out: datetime | None,
    settings: AttendanceSettings,
) -> SessionResult:
    """Status and issues of a rostered session that is not on leave (SPEC §3.2 steps 2–3).

    * no clock-in and no clock-out → ``absent`` with no issues (旷工);
    * ``late`` when the clock-in is after ``clock_in_by`` (minutes rounded up);
    * ``early_leave`` when the clock-out is before ``clock_out_from`` (rounded up);
    * ``missing_in`` / ``missing_out`` when an end has no punch (缺卡);
    * late or early by more than ``late_to_absent_minutes`` → ``absent`` (issues kept);
    * otherwise ``abnormal`` with issues, or ``normal`` without;
    * extended service (延时服务): a clock-out more than ``extended_service_minutes``
      whole minutes after ``clock_out_from`` credits all whole minutes after
      ``clock_out_from`` (+15 → 0, +16 → 16); credit only, never an issue, and only
      for a session that is not absent.
    """
    origin = day_start(day, tz)
    status, issues, late, early, extended = judge_marks(
        session_marks(session, day, tz),
        None if clock_in is None else elapsed_us(clock_in, origin),
        None if clock_out is None else elapsed_us(clock_out, origin),
        settings,
    )
    return SessionResult(session.name, status, issues, clock_in, clock_out, late, early, extended)


HALF_DAY_SPLIT = time(12, 0)


def half_day_of(session: SessionDef) -> str:
    """The half day (``"am"``/``"pm"``) a session belongs to, for leave (SPEC §3.3: leave is
    asked for by half-day session, 上午/下午).

    A session starting before 12:00 local time is the morning half, any other the afternoon
    half, whatever the shift calls it: the lunch-duty morning 09:00–13:30 is ``am``, a
    session starting at 12:00 is ``pm``.
    """
    return "am" if session.start < HALF_DAY_SPLIT else "pm"


def absence_needs_lead(started: datetime, ended: datetime, notify_minutes: int) -> bool:
    """Whether a temporary absence (暂离) needs the unit lead told (SPEC §3.2, seed 003).

    Longer than ``notify_minutes`` (rulebook ``temporary_absence_notify_minutes``, 10) on the
    exact duration: 10:00 away is within the rule, 10:00.000001 is longer. ``ended`` is the
    end of the absence, or "now" for one still open. Naive datetimes raise ``ValueError``.
    """
    return _to_utc(ended) - _to_utc(started) > timedelta(minutes=notify_minutes)


def away_minutes(
    session: SessionDef,
    day: date,
    tz: str,
    absences: Sequence[tuple[datetime, datetime | None]],
) -> int:
    """Minutes of temporary absence within a session's service hours ``[start, end)``.

    Each absence ``(started, ended)`` is clipped to the service hours; an open absence
    (``ended`` None) runs to the end of the session. Overlapping absences count once. The
    total is rounded up to whole minutes, like the faults (any part of a minute counts).
    """
    zone = ZoneInfo(tz)
    opens, closes = _at_local(day, session.start, zone), _at_local(day, session.end, zone)
    spans = sorted(
        (max(_to_utc(started), opens), min(closes if ended is None else _to_utc(ended), closes))
        for started, ended in absences
    )
    total = timedelta(0)
    cursor = opens
    for lo, hi in spans:
        lo = max(lo, cursor)
        if hi > lo:
            total += hi - lo
            cursor = hi
    return _minutes_up(total) if total else 0


def evaluate_day(
    *,
    day: date,
    tz: str,
    shift: ShiftDef | None,
    rostered_sessions: frozenset[str] | None,
    punches: Sequence[datetime],
    leave_sessions: Mapping[str, str] = _NO_LEAVE,
    corrections: Sequence[tuple[str, str, datetime]] = (),
    settings: AttendanceSettings = AttendanceSettings(),
    temporary_absences: Sequence[tuple[datetime, datetime | None]] = (),
) -> dict[str, SessionResult]:
    """Results of every session of one person's day (SPEC §3.2, seed 004 第十二条).

    ``shift`` None means no roster: every session of the standard shift is ``off``.
    ``rostered_sessions`` None means all sessions of the shift are rostered; a name
    not in the shift raises ``ValueError``. Punches (aware, any zone) are converted to
    UTC and deduplicated first; punches outside the local day are ignored. Approved
    ``corrections`` ``(session, "in"|"out", instant)`` act as that end's clock of the
    named session whatever the instant (earliest "in" and latest "out" win when
    repeated). Per session, in this order:

    1. not rostered → ``off``, no issues, counts for nothing;
    2. ``leave_sessions[name]`` set → ``leave`` with that ``leave_type``
       (``"official"`` = 公出 counts as present); keys of other sessions are ignored;
    3. otherwise :func:`judge_session` (absent / normal / abnormal).

    ``temporary_absences`` ``(started, ended or None)`` give each rostered session its
    ``away_minutes`` (:func:`away_minutes`); they change no status: being away with the
    暂停服务牌 shown is allowed, and whether the lead had to be told is
    :func:`absence_needs_lead`.

    Pure: computing the same inputs twice gives equal results.
    """
    if shift is None:
        shift, rostered = standard_shift(), frozenset[str]()
    elif rostered_sessions is None:
        rostered = frozenset(shift.session_names)
    else:
        rostered = frozenset(rostered_sessions)
        unknown = rostered - set(shift.session_names)
        if unknown:
            raise ValueError(f"rostered sessions not in shift {shift.code!r}: {sorted(unknown)}")

    corrected: dict[tuple[str, str], datetime] = {}
    for name, direction, instant in corrections:
        if name not in shift.session_names:
            raise ValueError(f"correction for unknown session {name!r}")
        if direction not in ("in", "out"):
            raise ValueError(f"correction direction must be 'in' or 'out', not {direction!r}")
        instant = _to_utc(instant)
        previous = corrected.get((name, direction))
        if previous is None or (instant < previous if direction == "in" else instant > previous):
            corrected[(name, direction)] = instant

    kept = dedupe_punches(punches, settings.duplicate_window_seconds)
    zone = ZoneInfo(tz)
    results: dict[str, SessionResult] = {}
    for session, opens, closes in session_windows(shift, day, tz):
        own = [p for p in kept if opens <= p < closes]
        midpoint = _midpoint(_at_local(day, session.start, zone), _at_local(day, session.end, zone))
        clock_in, clock_out = _apply_corrections(
            own, midpoint, corrected.get((session.name, "in")), corrected.get((session.name, "out"))
        )
        if session.name not in rostered:
            results[session.name] = SessionResult(
                session.name, SessionStatus.off, (), clock_in, clock_out, 0, 0, 0
            )
        elif session.name in leave_sessions:
            results[session.name] = SessionResult(
                session.name, SessionStatus.leave, (), clock_in, clock_out, 0, 0, 0,
                leave_type=leave_sessions[session.name],
            )
        else:
            results[session.name] = judge_session(session, day, tz, clock_in, clock_out, settings)
        if temporary_absences and session.name in rostered:
            results[session.name] = replace(
                results[session.name],
                away_minutes=away_minutes(session, day, tz, temporary_absences))
    return results
