"""Today's attendance board of a centre (SPEC §3.4 daily; issue 3 "today's board"): who is
in, late, absent, on leave, away from their post (an open 暂离), not yet in, or off.

The stored session results judge a whole session (a rostered session without punches is
``absent`` from the start of the day); the board asks instead what is true *now*, in the
centre's zone, for each person's *relevant* session: the rostered session whose punch window
holds the instant, else the next rostered one, else the last one of the day.

- ``off``: not rostered today;
- ``leave``: approved leave (or official business 公出) covers the relevant session;
- ``away``: a temporary absence (暂离) is open now;
- ``in`` / ``late``: a punch in the relevant session (late when its clock-in was late);
- no punch yet: ``not_in`` until the session's clock-in deadline, ``late`` (minutes counting)
  up to the rulebook's ``late_to_absent_minutes`` after it, then ``absent``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..org.models import Centre, Staff
from ..timeutil import at_local, local_date
from . import inputs
from .models import RosterEntry, SessionRecord, Shift
from .pending import settle
from .requests import TemporaryAbsence
from .rules import SessionStatus, session_windows

CATEGORIES = ("in", "late", "absent", "leave", "away", "not_in", "off")


def category_label(category: str) -> str:
    return {"in": _("In"), "late": _("Late"), "absent": _("Absent"), "leave": _("On leave"),
            "away": _("Away"), "not_in": _("Not yet in"), "off": _("Off")}[category]


@dataclass(frozen=True)
class BoardRow:
    staff: Staff
    category: str
    session: str | None  # the relevant session's name
    window_code: str | None
    clock_in: datetime | None
    clock_out: datetime | None
    late_minutes: int
    leave_type: str | None
    away_since: datetime | None
    shift_code: str | None


@dataclass
class Board:
    centre: Centre
    day: date
    now: datetime
    rows: list[BoardRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        for row in self.rows:
            counts[row.category] += 1
        return counts

    def of(self, category: str) -> list[BoardRow]:
        return [r for r in self.rows if r.category == category]


def _relevant(entry: RosterEntry, day: date, tz: str, now: datetime):
    """The relevant rostered session of the day: (ShiftSession, its definition) or None."""
    shift = entry.shift.definition()
    rostered = entry.rostered_sessions()
    spans = [(s, opens, closes) for s, opens, closes in session_windows(shift, day, tz)
             if s.name in rostered]
    if not spans:
        return None
    for session, opens, closes in spans:
        if opens <= now < closes:
            return session
    upcoming = [s for s, opens, _c in spans if opens > now]
    return upcoming[0] if upcoming else spans[-1][0]


def build_board(centre: Centre, user, now: datetime, department_id: int | None = None
                ) -> Board:
    """The board of ``centre`` at the instant ``now`` (aware), limited to the people the user
    may see (and to one department when given)."""
    tz = centre.timezone
    day = local_date(now, tz)
    settle(centre_id=centre.id, first=day, last=day)
    stmt = (sa.select(Staff).where(Staff.centre_id == centre.id, Staff.active.is_(True),
                                   Staff.visible_clause(user))
            .options(selectinload(Staff.window)).order_by(Staff.staff_no))
    if department_id is not None:
        stmt = stmt.where(Staff.department_id == department_id)
    people = list(db.session.scalars(stmt))
    ids = [p.id for p in people]
    entries = {e.staff_id: e for e in db.session.scalars(
        sa.select(RosterEntry).where(RosterEntry.staff_id.in_(ids), RosterEntry.day == day)
        .options(selectinload(RosterEntry.shift).selectinload(Shift.sessions),
                 selectinload(RosterEntry.window), selectinload(RosterEntry.cover_window)))}
    records = {(r.staff_id, r.session): r for r in db.session.scalars(
        sa.select(SessionRecord).where(SessionRecord.staff_id.in_(ids),
                                       SessionRecord.day == day))}
    away = {a.staff_id: a for a in db.session.scalars(
        sa.select(TemporaryAbsence).where(
            TemporaryAbsence.staff_id.in_(ids), TemporaryAbsence.started_at <= now,
            TemporaryAbsence.ended_at.is_(None)).order_by(TemporaryAbsence.started_at))}
    settings = inputs.settings_for(centre.id, day)
    rows = [_row(person, entries.get(person.id), records, away.get(person.id), day, tz, now,
                 settings.late_to_absent_minutes) for person in people]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    rows.sort(key=lambda r: (order[r.category], r.window_code or "~", r.staff.staff_no))
    return Board(centre, day, now, rows)


def _row(person, entry, records, absence, day, tz, now, limit: int) -> BoardRow:
    def row(category, session=None, record=None, late=0, window=None):
        return BoardRow(
            person, category, session, window,
            record.clock_in if record else None, record.clock_out if record else None, late,
            record.leave_type if record and record.status is SessionStatus.leave else None,
            absence.started_at if absence else None, entry.shift.code if entry else None)

    session = _relevant(entry, day, tz, now) if entry is not None else None
    if session is None:
        if absence is not None:
            return row("away", window=person.window.code if person.window else None)
        return row("off", window=person.window.code if person.window else None)
    window = entry.cover_window if session.name in entry.covered_sessions() else entry.window
    code = window.code if window else None
    record = records.get((person.id, session.name))
    if record is not None and record.status is SessionStatus.leave:
        return row("leave", session.name, record, window=code)
    if absence is not None:
        return row("away", session.name, record, window=code)
    punched = record is not None and (record.clock_in or record.clock_out)
    if punched:
        late = record.late_minutes if "late" in record.issue_list else 0
        return row("late" if late else "in", session.name, record, late, code)
    deadline = at_local(day, session.clock_in_by, tz)
    if now <= deadline:
        return row("not_in", session.name, record, window=code)
    waited = -((deadline - now) // timedelta(minutes=1))
    if waited > limit:
        return row("absent", session.name, record, waited, code)
    return row("late", session.name, record, waited, code)
