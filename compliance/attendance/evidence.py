"""A person's attendance as evidence (SPEC §3.2, §7 "every score can be explained"): the
month calendar of their sessions, and one day laid bare — the punches with their source,
device and batch, the roster and shift, each session's result with the rule and thresholds
that gave it, and the leave, corrections and temporary absences touching the day. The score
explanation links a deduction to that day (``attendance.person_day``)."""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..org.models import Staff
from . import inputs
from .models import Punch, PunchBatch, RosterEntry, SessionRecord, Shift
from .pending import settle
from ..timeutil import local_today
from .reports import Totals, is_pending, leave_label, month_last, session_label
from .requests import LeaveRequest, PunchCorrection, TemporaryAbsence
from .rules import SessionStatus, session_windows, standard_shift


# --- the month calendar -------------------------------------------------------------------

@dataclass
class CalendarDay:
    day: date
    in_month: bool
    shift_code: str | None = None
    sessions: list = field(default_factory=list)  # SessionRecord rows, in shift order

    @property
    def rostered(self) -> bool:
        return any(r.status is not SessionStatus.off for r in self.sessions)


@dataclass
class PersonCalendar:
    staff: Staff
    first: date
    weeks: list[list[CalendarDay]]
    totals: Totals
    today: date

    def pending(self, record) -> bool:
        return is_pending(record, self.today)

    @property
    def last(self) -> date:
        return month_last(self.first)


def person_month(staff: Staff, first: date) -> PersonCalendar:
    """The month of ``first`` as weeks (Monday first) of days holding the stored sessions."""
    last = month_last(first)
    settle(staff_ids=[staff.id], first=first, last=last)
    records = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == staff.id, SessionRecord.day.between(first, last))
        .order_by(SessionRecord.day, SessionRecord.position))
    by_day: dict[date, list] = defaultdict(list)
    totals = Totals()
    today = local_today(inputs.centre_zone(staff.centre_id))
    for record in records:
        by_day[record.day].append(record)
        totals.add(record, today)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            own = by_day.get(day, []) if first <= day <= last else []
            shift_code = next((r.shift_code for r in own if r.shift_code), None)
            row.append(CalendarDay(day, first <= day <= last, shift_code, own))
        weeks.append(row)
    return PersonCalendar(staff, first, weeks, totals, today)


# --- one day ------------------------------------------------------------------------------

@dataclass
class PunchLine:
    punch: Punch
    session: str | None  # the session whose window owns it
    used_as: str | None  # "in" / "out" when the result used it
    batch: PunchBatch | None


@dataclass
class SessionLine:
    name: str
    definition: object  # rules.SessionDef
    opens: datetime  # the punch window owning the session's punches
    closes: datetime
    record: SessionRecord | None
    why: list[str]


@dataclass
class DayEvidence:
    staff: Staff
    day: date
    tz: str
    entry: RosterEntry | None
    cover_of: LeaveRequest | None
    sessions: list[SessionLine]
    punches: list[PunchLine]
    leaves: list[LeaveRequest]
    corrections: list[PunchCorrection]
    absences: list[TemporaryAbsence]
    settings: object  # rules.AttendanceSettings


def clock(instant: datetime | None, tz: str, fmt: str = "%H:%M:%S") -> str:
    """A stored instant as the centre's local wall-clock time."""
    return instant.astimezone(ZoneInfo(tz)).strftime(fmt) if instant else ""


def _why(record: SessionRecord | None, definition, settings, leave: LeaveRequest | None,
         tz: str) -> list[str]:
    """The rule behind a stored session result, with its thresholds (SPEC §3.2)."""
    if record is None or record.status is SessionStatus.off:
        return [_("Not rostered in this session: it counts for nothing.")]
    by, release = definition.clock_in_by.strftime("%H:%M"), \
        definition.clock_out_from.strftime("%H:%M")
    if record.status is SessionStatus.leave:
        line = _("Approved leave covers this session (%(type)s).",
                 type=leave_label(record.leave_type))
        if leave is not None:
            line += " " + _("Request #%(id)d.", id=leave.id)
        return [line]
    if record.clock_in is None and record.clock_out is None:
        return [_("No punch at all in the session's window: absent (旷工).")]
    lines = []
    issues = record.issue_list
    if "missing_in" in issues:
        lines.append(_("No clock-in: a single punch at or after the session's midpoint is "
                       "its clock-out (缺卡)."))
    if "missing_out" in issues:
        lines.append(_("No clock-out: a single punch before the session's midpoint is its "
                       "clock-in (缺卡)."))
    if "late" in issues:
        lines.append(_("Clock-in %(at)s is after %(by)s: %(n)d minutes late.",
                       at=clock(record.clock_in, tz), by=by, n=record.late_minutes))
    elif record.clock_in is not None:
        lines.append(_("Clock-in %(at)s is by %(by)s: on time.", at=clock(record.clock_in, tz),
                       by=by))
    if "early_leave" in issues:
        lines.append(_("Clock-out %(at)s is before %(from)s: %(n)d minutes early.",
                       at=clock(record.clock_out, tz), **{"from": release},
                       n=record.early_minutes))
    elif record.clock_out is not None:
        lines.append(_("Clock-out %(at)s is at or after %(from)s.", at=clock(record.clock_out, tz),
                       **{"from": release}))
    if record.status is SessionStatus.absent:
        lines.append(_("Late or early by more than %(n)d minutes makes the session absent "
                       "(旷工).", n=settings.late_to_absent_minutes))
    if record.extended_minutes:
        lines.append(_("Clock-out more than %(n)d minutes after %(from)s: %(m)d minutes of "
                       "extended service (延时服务), a credit.",
                       n=settings.extended_service_minutes, m=record.extended_minutes,
                       **{"from": release}))
    if record.away_minutes:
        lines.append(_("%(n)d minutes away from the post (暂离) recorded in service hours.",
                       n=record.away_minutes))
    return lines


def person_day(staff: Staff, day: date) -> DayEvidence:
    """Everything that decided one person's day."""
    settle(staff_ids=[staff.id], first=day, last=day)
    tz = inputs.centre_zone(staff.centre_id)
    opens, closes = inputs.day_bounds(day, tz)
    entry = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == staff.id, RosterEntry.day == day)
        .options(selectinload(RosterEntry.shift).selectinload(Shift.sessions))).first()
    definition = entry.shift.definition() if entry else standard_shift()
    records = {r.session: r for r in db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == staff.id, SessionRecord.day == day))}
    settings = inputs.settings_for(staff.centre_id, day)
    leaves = list(db.session.scalars(sa.select(LeaveRequest).where(
        sa.or_(LeaveRequest.staff_id == staff.id, LeaveRequest.substitute_id == staff.id),
        LeaveRequest.from_date <= day, LeaveRequest.to_date >= day)
        .order_by(LeaveRequest.id)))
    own_approved = [leave for leave in leaves
                    if leave.staff_id == staff.id and leave.state.is_approved]
    corrections = list(db.session.scalars(sa.select(PunchCorrection).where(
        PunchCorrection.staff_id == staff.id, PunchCorrection.day == day)
        .order_by(PunchCorrection.id)))
    windows = session_windows(definition, day, tz)
    sessions = []
    for session, window_opens, window_closes in windows:
        record = records.get(session.name)
        leave = next((leave for leave in own_approved
                      if inputs.leave_sessions([leave], day, definition).get(session.name)),
                     None)
        why = _why(record, session, settings, leave, tz)
        why += [_("The %(end)s %(at)s comes from approved punch correction #%(id)d.",
                  end=c.kind.label, at=clock(c.at, tz, "%H:%M"), id=c.id)
                for c in corrections if c.session == session.name and c.state.is_approved]
        sessions.append(SessionLine(session.name, session, window_opens, window_closes, record,
                                    why))
    punches = list(db.session.scalars(sa.select(Punch).where(
        Punch.staff_id == staff.id, Punch.at >= opens, Punch.at < closes).order_by(Punch.at)))
    batches = {b.id: b for b in db.session.scalars(sa.select(PunchBatch).where(
        PunchBatch.id.in_({p.batch_id for p in punches if p.batch_id} or {0})))}
    lines = []
    for punch in punches:
        owner = next((s for s, lo, hi in windows if lo <= punch.at < hi), None)
        record = records.get(owner.name) if owner else None
        used = None
        if record is not None:
            used = "in" if record.clock_in == punch.at else (
                "out" if record.clock_out == punch.at else None)
        lines.append(PunchLine(punch, owner.name if owner else None, used,
                               batches.get(punch.batch_id)))
    absences = list(db.session.scalars(sa.select(TemporaryAbsence).where(
        TemporaryAbsence.staff_id == staff.id, TemporaryAbsence.started_at < closes,
        sa.or_(TemporaryAbsence.ended_at.is_(None), TemporaryAbsence.ended_at > opens))
        .order_by(TemporaryAbsence.started_at)))
    cover_of = db.session.get(LeaveRequest, entry.cover_leave_id) \
        if entry is not None and entry.cover_leave_id else None
    return DayEvidence(staff, day, tz, entry, cover_of, sessions, lines, leaves, corrections,
                       absences, settings)


def break_split(evidence: DayEvidence) -> list[tuple[str, str, str]]:
    """(session label, from, to) local times of each session's punch window."""
    return [(session_label(line.name), clock(line.opens, evidence.tz, "%H:%M"),
             clock(line.closes - timedelta(seconds=1), evidence.tz, "%H:%M"))
            for line in evidence.sessions]
