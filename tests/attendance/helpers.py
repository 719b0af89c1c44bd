"""Helpers of the attendance tests: local instants, roster lines and punches, committed as a
request would."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from compliance.attendance.models import SessionRecord
from compliance.attendance.roster import RosterLine, save_roster
from compliance.extensions import db

DAY = date(2026, 3, 2)  # a Monday
SHANGHAI = "Asia/Shanghai"


def local(day: date, hour: int, minute: int = 0, second: int = 0, tz: str = SHANGHAI):
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZoneInfo(tz))


def roster(person, day: date = DAY, shift: str = "standard", window=None, sessions=None):
    save_roster(person.centre_id, [RosterLine(person.staff_no, day, shift,
                                              window.code if window else None,
                                              tuple(sessions) if sessions else None)])
    db.session.commit()


def punch(person, *instants, source="api"):
    from compliance.attendance.models import PunchSource
    from compliance.attendance.punches import PunchIn, record_punches

    outcome = record_punches([PunchIn(person, at, PunchSource(source)) for at in instants],
                             now=max(instants))
    db.session.commit()
    return outcome


def records(person, day: date = DAY) -> dict[str, SessionRecord]:
    """The person's stored results of a day as a reader sees them (pending days settled
    first, as every reader of results does)."""
    from compliance.attendance.pending import settle

    settle(staff_ids=[person.id], first=day, last=day)
    return {r.session: r for r in db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == person.id, SessionRecord.day == day))}


def record_values(person) -> list[tuple]:
    """Every stored row of a person, as comparable plain values (ids included), pending
    days settled first."""
    from compliance.attendance.pending import settle

    settle(staff_ids=[person.id])
    rows = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == person.id).order_by(SessionRecord.day,
                                                      SessionRecord.position)).all()
    columns = [c.key for c in SessionRecord.__table__.columns]
    return [tuple(getattr(r, c) for c in columns) for r in rows]
