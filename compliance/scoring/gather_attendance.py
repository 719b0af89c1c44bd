"""Attendance inputs of the scores: the stored session results (``attendance_session``,
SPEC §3.2) as the engine's :class:`SessionOutcome`, each carrying its row id so that a
deduction links to the person's day.

A counted session is one that is rostered and not on leave, official business (公出)
included (engine: ``SessionOutcome.counted``); the SQL below states the same rule.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from ..attendance.models import SessionRecord
from ..attendance.pending import settle
from ..attendance.rules import SessionStatus
from ..extensions import db
from .engine import OFFICIAL_BUSINESS, SessionOutcome
from .gather import as_date, raw

COUNTED_STATUSES = (SessionStatus.normal, SessionStatus.abnormal, SessionStatus.absent)
DEDUCTION_STATUSES = (SessionStatus.abnormal, SessionStatus.absent)
# Day and status are read as stored (text), not through SQLAlchemy's type processing: a year
# holds a million rows and the processors cost more than the query (see ``as_date``).
_COLUMNS = (SessionRecord.id, SessionRecord.staff_id, raw(SessionRecord.day).label("day"),
            SessionRecord.session, raw(SessionRecord.status).label("status"),
            SessionRecord.issues, SessionRecord.late_minutes, SessionRecord.early_minutes,
            SessionRecord.leave_type)


def _counted_clause():
    return sa.or_(SessionRecord.status.in_(COUNTED_STATUSES),
                  sa.and_(SessionRecord.status == SessionStatus.leave,
                          SessionRecord.leave_type == OFFICIAL_BUSINESS))


def _outcomes(rows):
    """``(staff id, SessionOutcome)`` per row of ``_COLUMNS`` (rows are unpacked by position:
    a Row's attributes by name cost more than the rest of the conversion)."""
    for (id_, staff_id, day, session, status, issues, late, early,
         leave_type) in rows:
        yield staff_id, SessionOutcome(
            as_date(day), session, status, tuple(i for i in issues.split(",") if i) if issues
            else (), late or 0, early or 0, leave_type, id_)


def _span(centre_id: int, first: date, last: date):
    """The clauses of the centre's sessions in the range, after settling its pending days
    (every gather below builds its query with this)."""
    settle(centre_id=centre_id, first=first, last=last)
    return (SessionRecord.centre_id == centre_id, SessionRecord.day.between(first, last))


def _by_person_and_day(*where) -> dict[int, dict[date, list[SessionOutcome]]]:
    rows = db.session.execute(sa.select(*_COLUMNS).where(*where))
    out: dict[int, dict[date, list[SessionOutcome]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, outcome in _outcomes(rows):
        out[staff_id][outcome.date].append(outcome)
    return out


def sessions_by_day(centre_id: int, first: date, last: date
                    ) -> dict[int, dict[date, list[SessionOutcome]]]:
    """Every session result of the span that is not ``off`` (for daily scores)."""
    return _by_person_and_day(*_span(centre_id, first, last),
                              SessionRecord.status != SessionStatus.off)


def counted_days(centre_id: int, first: date, last: date) -> dict[int, int]:
    """Per person, the days of the span holding at least one counted session."""
    rows = db.session.execute(
        sa.select(SessionRecord.staff_id, sa.func.count(sa.distinct(SessionRecord.day)))
        .where(*_span(centre_id, first, last), _counted_clause())
        .group_by(SessionRecord.staff_id))
    return dict(rows.all())


def deduction_sessions(centre_id: int, first: date, last: date
                       ) -> dict[int, dict[date, list[SessionOutcome]]]:
    """Per person and day, the sessions that cost points (abnormal or absent)."""
    return _by_person_and_day(*_span(centre_id, first, last),
                              SessionRecord.status.in_(DEDUCTION_STATUSES))


def sessions_with_status(centre_id: int, first: date, last: date, statuses: set[str]
                         ) -> dict[int, list[SessionOutcome]]:
    """Per person, the sessions of the span whose status the rulebook's seed-003 table
    names (``unapproved_absence``: absent)."""
    if not statuses:
        return {}
    wanted = [SessionStatus(s) for s in sorted(statuses)]
    rows = db.session.execute(sa.select(*_COLUMNS).where(
        *_span(centre_id, first, last), SessionRecord.status.in_(wanted)))
    out: dict[int, list[SessionOutcome]] = defaultdict(list)
    for staff_id, outcome in _outcomes(rows):
        out[staff_id].append(outcome)
    return out


def status_counts_by_day(user, first: date, last: date) -> dict[date, dict[str, int]]:
    """Per day, how many of the sessions the user may see ended in each status (the
    dashboard's attendance trend)."""
    settle(centre_id=user.centre_id, first=first, last=last)
    rows = db.session.execute(
        sa.select(SessionRecord.day, SessionRecord.status, sa.func.count())
        .where(SessionRecord.visible_clause(user), SessionRecord.day.between(first, last),
               SessionRecord.status != SessionStatus.off)
        .group_by(SessionRecord.day, SessionRecord.status))
    out: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, status, count in rows:
        out[day][SessionStatus(status).value] += count
    return out
