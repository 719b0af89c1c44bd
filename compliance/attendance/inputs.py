"""Loading the stored inputs of the attendance rules for some people and days: roster
entries, approved leave, approved corrections, temporary absences and the rulebook settings.

Shared by the recompute (``compute.py``) and the on-duty questions (``duty.py``) so both read
the inputs the same way.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..org.models import Centre
from ..timeutil import at_local
from .models import RosterEntry, Shift
from .requests import LeaveRequest, PunchCorrection, RequestState, TemporaryAbsence
from .rules import AttendanceSettings, ShiftDef, half_day_of, standard_shift


def centre_zone(centre_id: int) -> str:
    return db.session.get(Centre, centre_id).timezone


def settings_for(centre_id: int, day: date) -> AttendanceSettings:
    """The rules' settings from the rulebook in force on that day (SPEC §3.2)."""
    from ..scoring.store import rules_for

    rules = rules_for(centre_id, day).attendance
    return AttendanceSettings(
        late_to_absent_minutes=rules.late_to_absent_minutes,
        extended_service_minutes=rules.extended_service_minutes,
        duplicate_window_seconds=rules.duplicate_punch_seconds,
    )


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The local day as a half-open UTC interval ``[midnight, next midnight)``."""
    from datetime import time

    return at_local(day, time(0), tz), at_local(day + timedelta(days=1), time(0), tz)


def roster_entries(staff_ids: Iterable[int], first: date, last: date
                   ) -> dict[tuple[int, date], RosterEntry]:
    """Roster entries by (staff id, day), with their shift and its sessions loaded."""
    stmt = (sa.select(RosterEntry)
            .where(RosterEntry.staff_id.in_(list(staff_ids)),
                   RosterEntry.day.between(first, last))
            .options(selectinload(RosterEntry.shift).selectinload(Shift.sessions)))
    return {(e.staff_id, e.day): e for e in db.session.scalars(stmt)}


def approved_leave(staff_ids: Iterable[int], first: date, last: date
                   ) -> dict[int, list[LeaveRequest]]:
    """Approved leave overlapping the days, by staff id."""
    stmt = sa.select(LeaveRequest).where(
        LeaveRequest.staff_id.in_(list(staff_ids)),
        LeaveRequest.state == RequestState.approved,
        LeaveRequest.from_date <= last, LeaveRequest.to_date >= first)
    found: dict[int, list[LeaveRequest]] = defaultdict(list)
    for leave in db.session.scalars(stmt.order_by(LeaveRequest.id)):
        found[leave.staff_id].append(leave)
    return found


def leave_sessions(leaves: Iterable[LeaveRequest], day: date, shift: ShiftDef | None
                   ) -> dict[str, str]:
    """{session name: leave type} for the sessions of a day that approved leave covers; a
    session belongs to the half day of :func:`rules.half_day_of`."""
    from .requests import HalfDay

    shift = shift or standard_shift()
    covered: dict[str, str] = {}
    for session in shift.sessions:
        half = HalfDay(half_day_of(session))
        for leave in leaves:
            if leave.covers(day, half):
                covered[session.name] = leave.type.value
                break
    return covered


def approved_corrections(staff_ids: Iterable[int], first: date, last: date
                         ) -> dict[tuple[int, date], list[tuple[str, str, datetime]]]:
    stmt = sa.select(PunchCorrection).where(
        PunchCorrection.staff_id.in_(list(staff_ids)),
        PunchCorrection.state == RequestState.approved,
        PunchCorrection.day.between(first, last))
    found: dict[tuple[int, date], list] = defaultdict(list)
    for c in db.session.scalars(stmt.order_by(PunchCorrection.id)):
        found[(c.staff_id, c.day)].append((c.session, c.kind.value, c.at))
    return found


def temporary_absences(staff_ids: Iterable[int], opens: datetime, closes: datetime
                       ) -> dict[int, list[TemporaryAbsence]]:
    """Temporary absences overlapping ``[opens, closes)``, by staff id."""
    stmt = sa.select(TemporaryAbsence).where(
        TemporaryAbsence.staff_id.in_(list(staff_ids)),
        TemporaryAbsence.started_at < closes,
        sa.or_(TemporaryAbsence.ended_at.is_(None), TemporaryAbsence.ended_at > opens))
    found: dict[int, list[TemporaryAbsence]] = defaultdict(list)
    for absence in db.session.scalars(stmt.order_by(TemporaryAbsence.started_at)):
        found[absence.staff_id].append(absence)
    return found
