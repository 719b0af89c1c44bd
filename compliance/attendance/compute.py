"""Recomputing stored session results (SPEC §3.2): any change to a punch, the roster, leave,
a correction or a temporary absence recomputes exactly the local days it touches, from the
stored inputs, with the pure rules; computing a day twice gives the same rows.

``recompute`` is the exact path for a person and a few days (every write calls it).
``recompute_range`` (``bulk.py``) does the same for many people and a long period, with the
punches aggregated in SQL.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..org.models import Staff
from . import inputs
from .models import Punch, PunchSource, SessionRecord
from .rules import SessionResult, evaluate_day, standard_shift


def _issues_text(result: SessionResult) -> str:
    return ",".join(issue.value for issue in result.issues)


def evaluate_person_days(staff: Staff, days: Iterable[date]) -> dict[date, list[dict]]:
    """The rows each day of one person should have in ``attendance_session`` (as dicts of
    column values), computed with the pure rules from the stored inputs. A day with neither
    roster nor punches has no rows."""
    days = sorted(set(days))
    if not days:
        return {}
    tz = inputs.centre_zone(staff.centre_id)
    first, last = days[0], days[-1]
    roster = inputs.roster_entries([staff.id], first, last)
    leaves = inputs.approved_leave([staff.id], first, last).get(staff.id, [])
    corrections = inputs.approved_corrections([staff.id], first, last)
    opens, closes = inputs.day_bounds(first, tz)[0], inputs.day_bounds(last, tz)[1]
    absences = inputs.temporary_absences([staff.id], opens, closes).get(staff.id, [])
    punches = list(db.session.scalars(
        sa.select(Punch.at).where(Punch.staff_id == staff.id, Punch.at >= opens,
                                  Punch.at < closes, Punch.source != PunchSource.correction)
        .order_by(Punch.at)))

    rows: dict[date, list[dict]] = {}
    for day in days:
        day_opens, day_closes = inputs.day_bounds(day, tz)
        own_punches = [p for p in punches if day_opens <= p < day_closes]
        entry = roster.get((staff.id, day))
        if entry is None and not own_punches:
            rows[day] = []
            continue
        shift = entry.shift.definition() if entry else None
        results = evaluate_day(
            day=day, tz=tz, shift=shift,
            rostered_sessions=entry.rostered_sessions() if entry else None,
            punches=own_punches,
            leave_sessions=inputs.leave_sessions(leaves, day, shift),
            corrections=corrections.get((staff.id, day), ()),
            settings=inputs.settings_for(staff.centre_id, day),
            temporary_absences=[(a.started_at, a.ended_at) for a in absences
                                if a.started_at < day_closes
                                and (a.ended_at is None or a.ended_at > day_opens)],
        )
        definition = shift or standard_shift()
        rows[day] = [
            {"centre_id": staff.centre_id, "department_id": staff.department_id,
             "staff_id": staff.id, "day": day, "session": session.name, "position": position,
             "shift_code": entry.shift.code if entry else None,
             "window_id": entry.window_id_for(session.name) if entry else None,
             "status": result.status, "issues": _issues_text(result),
             "clock_in": result.clock_in, "clock_out": result.clock_out,
             "late_minutes": result.late_minutes, "early_minutes": result.early_minutes,
             "extended_minutes": result.extended_minutes,
             "away_minutes": result.away_minutes, "leave_type": result.leave_type}
            for position, session in enumerate(definition.sessions)
            for result in (results[session.name],)
        ]
    return rows


def recompute(staff: Staff, days: Iterable[date]) -> int:
    """Recompute one person's session results for exactly the given local days and store
    them: rows are updated in place (their ids stay, so a score's explanation keeps pointing
    at them), added, or removed when the day no longer has them. Returns the rows written."""
    wanted = evaluate_person_days(staff, days)
    if not wanted:
        return 0
    stored = {(r.day, r.session): r for r in db.session.scalars(
        sa.select(SessionRecord).where(SessionRecord.staff_id == staff.id,
                                       SessionRecord.day.in_(list(wanted))))}
    written = 0
    for day, rows in wanted.items():
        for values in rows:
            record = stored.pop((day, values["session"]), None)
            if record is None:
                db.session.add(SessionRecord(**values))
            else:
                for name, value in values.items():
                    if getattr(record, name) != value:
                        setattr(record, name, value)
            written += 1
    for record in stored.values():
        db.session.delete(record)
    db.session.flush()
    return written


def local_days(staff: Staff, instants: Iterable[datetime]) -> set[date]:
    """The local days (centre zone) of some instants."""
    from ..timeutil import local_date

    tz = inputs.centre_zone(staff.centre_id)
    return {local_date(instant, tz) for instant in instants}
