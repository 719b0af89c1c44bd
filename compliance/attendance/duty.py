"""Who is on duty at a window, and where a person should be, at an instant (SPEC §3, §4, §5).

The patrol inspections fill in the person on duty at the window they inspect
(``person_on_duty``); the camera review flags an empty seat only when the person should be in
it (``presence(...).expected_at_seat``). Both read the roster (substitutes included), approved
leave and temporary absences, in the local time of the centre's zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..org.models import Staff, Window
from ..timeutil import at_local, local_date
from . import inputs
from .models import RosterEntry, Shift
from .requests import TemporaryAbsence


@dataclass(frozen=True)
class Presence:
    """Where a person should be at an instant.

    ``session`` is the rostered session whose service hours ``[start, end)`` contain the
    instant; ``on_break`` is True between two rostered sessions of the day's shift (the lunch
    break of a person rostered for both halves); ``leave_type`` the type of approved leave
    covering that session; ``temporary_absence`` whether a recorded temporary absence (暂离)
    covers the instant.
    """

    day: date
    shift_code: str | None
    session: str | None
    on_break: bool
    leave_type: str | None
    temporary_absence: bool

    @property
    def expected_at_seat(self) -> bool:
        """In a rostered session, not on leave (公出 included) and not away with the
        暂停服务牌: an empty seat is then worth a flag."""
        return self.session is not None and self.leave_type is None \
            and not self.temporary_absence


def _entry(staff_id: int, day: date) -> RosterEntry | None:
    return db.session.scalars(
        sa.select(RosterEntry).where(RosterEntry.staff_id == staff_id, RosterEntry.day == day)
        .options(selectinload(RosterEntry.shift).selectinload(Shift.sessions))).first()


def _rostered_spans(entry: RosterEntry, day: date, tz: str):
    """(session, opens, closes) in UTC for the rostered sessions of an entry, in order."""
    rostered = entry.rostered_sessions()
    return [(s, at_local(day, s.start_time, tz), at_local(day, s.end_time, tz))
            for s in entry.shift.sessions if s.name in rostered]


def presence(staff: Staff, at: datetime) -> Presence:
    """Where ``staff`` should be at the instant ``at`` (aware; any zone)."""
    tz = inputs.centre_zone(staff.centre_id)
    day = local_date(at, tz)
    away = db.session.scalar(
        sa.select(TemporaryAbsence.id).where(
            TemporaryAbsence.staff_id == staff.id, TemporaryAbsence.started_at <= at,
            sa.or_(TemporaryAbsence.ended_at.is_(None), TemporaryAbsence.ended_at > at))
        .limit(1)) is not None
    entry = _entry(staff.id, day)
    if entry is None:
        return Presence(day, None, None, False, None, away)
    spans = _rostered_spans(entry, day, tz)
    current = next((s for s, opens, closes in spans if opens <= at < closes), None)
    on_break = current is None and any(closes <= at for _s, _o, closes in spans) and \
        any(opens > at for _s, opens, _c in spans)
    leave_type = None
    if current is not None:
        leaves = inputs.approved_leave([staff.id], day, day).get(staff.id, [])
        leave_type = inputs.leave_sessions(leaves, day, entry.shift.definition()).get(
            current.name)
    return Presence(day, entry.shift.code, current.name if current else None, on_break,
                    leave_type, away)


def person_on_duty(window: Window, at: datetime) -> Staff | None:
    """The person on duty at ``window`` at the instant ``at`` (aware; any zone).

    During service hours: the person rostered at that window in the session whose service
    hours contain the instant — a substitute rostered into a leave-taker's sessions at the
    leave-taker's window (a cover) included, while a person on approved leave in that session
    is not on duty. Nobody rostered there, or only people on leave: None.

    Outside service hours (before opening, during the break, after closing) the answer is
    the person on duty in the *nearest* session of that day at the window (by time to its
    service hours; equally near → the later session, the one about to start), or None when
    nobody is on duty in it. An inspector at a window during the lunch break thus gets the
    person of the afternoon session from 12:45 on and the morning one before.

    Several people on duty in one session at one window (a shared window): a substitute
    first, then the lowest staff number.
    """
    tz = inputs.centre_zone(window.centre_id)
    day = local_date(at, tz)
    entries = list(db.session.scalars(
        sa.select(RosterEntry).where(
            RosterEntry.centre_id == window.centre_id, RosterEntry.day == day,
            sa.or_(RosterEntry.window_id == window.id, RosterEntry.cover_window_id == window.id))
        .options(selectinload(RosterEntry.shift).selectinload(Shift.sessions),
                 selectinload(RosterEntry.staff))))
    # (distance to the session's service hours, its start, entry, session)
    candidates = []
    for entry in entries:
        for session, opens, closes in _rostered_spans(entry, day, tz):
            if entry.window_id_for(session.name) != window.id:
                continue
            if at < opens:
                distance = opens - at
            elif at >= closes:  # [start, end): the end itself is already outside
                distance = at - closes + timedelta(microseconds=1)
            else:
                distance = timedelta(0)
            candidates.append((distance, opens, entry, session))
    if not candidates:
        return None
    nearest = min(distance for distance, *_rest in candidates)
    # Equally near sessions: the later one (the session about to start).
    latest_start = max(opens for distance, opens, *_rest in candidates if distance == nearest)
    chosen = [(entry, session) for distance, opens, entry, session in candidates
              if distance == nearest and (distance == timedelta(0) or opens == latest_start)]
    leaves = inputs.approved_leave({e.staff_id for e, _s in chosen}, day, day)
    on_duty = []
    for entry, session in chosen:
        covered = inputs.leave_sessions(leaves.get(entry.staff_id, []), day,
                                        entry.shift.definition())
        if session.name not in covered:
            on_duty.append(entry)
    if not on_duty:
        return None
    on_duty.sort(key=lambda e: (e.cover_window_id != window.id, e.staff.staff_no))
    return on_duty[0].staff
