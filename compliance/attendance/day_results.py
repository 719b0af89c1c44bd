"""Reading the session results of some people on one local day, for the API and the pages.

Results are the stored ``SessionRecord`` rows. A rostered day that has no stored rows yet (a
roster loaded without its recompute, a shift changed in between) is evaluated on the spot
with the same code the recompute uses (``compute.evaluate_person_days``), so the answer is
what the stored rows will be; nothing is written by a read. A day with neither roster nor
punches has no rows: its sessions are ``off``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..org.models import Staff
from . import inputs
from .compute import evaluate_person_days
from .models import SessionRecord
from .pending import settle
from .rules import SessionStatus

STANDARD_SESSIONS = ("am", "pm")  # the sessions every answer names (API.md)
_CHUNK = 900  # ids per IN list (well under every engine's bound on parameters)


@dataclass(frozen=True)
class SessionView:
    """One session of one person's day, as the API and the pages show it."""

    session: str
    status: SessionStatus
    issues: tuple[str, ...] = ()
    clock_in: datetime | None = None
    clock_out: datetime | None = None
    late_minutes: int = 0
    early_minutes: int = 0
    extended_minutes: int = 0
    away_minutes: int = 0
    leave_type: str | None = None
    shift_code: str | None = None
    window_id: int | None = None
    position: int = 0

    @classmethod
    def off(cls, session: str, position: int = 0) -> SessionView:
        return cls(session, SessionStatus.off, position=position)

    @classmethod
    def from_values(cls, values: dict) -> SessionView:
        return cls(
            session=values["session"], status=SessionStatus(values["status"]),
            issues=tuple(i for i in (values["issues"] or "").split(",") if i),
            clock_in=values["clock_in"], clock_out=values["clock_out"],
            late_minutes=values["late_minutes"], early_minutes=values["early_minutes"],
            extended_minutes=values["extended_minutes"],
            away_minutes=values.get("away_minutes") or 0, leave_type=values.get("leave_type"),
            shift_code=values.get("shift_code"), window_id=values.get("window_id"),
            position=values.get("position") or 0)

    @classmethod
    def from_record(cls, record: SessionRecord) -> SessionView:
        return cls.from_values({c.key: getattr(record, c.key)
                                for c in SessionRecord.__table__.columns})


def day_results(people: Sequence[Staff], day: date) -> dict[int, dict[str, SessionView]]:
    """{staff id: {session name: view}} for the people on a local day, in session order,
    with ``am`` and ``pm`` always present (``off`` when the day has no such session)."""
    found: dict[int, dict[str, SessionView]] = defaultdict(dict)
    ids = [p.id for p in people]
    settle(staff_ids=ids, first=day, last=day)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for record in db.session.scalars(sa.select(SessionRecord).where(
                SessionRecord.staff_id.in_(chunk), SessionRecord.day == day)
                .order_by(SessionRecord.position)):
            found[record.staff_id][record.session] = SessionView.from_record(record)
    missing = [p for p in people if p.id not in found]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start:start + _CHUNK]
        rostered = inputs.roster_entries([p.id for p in chunk], day, day)
        for person in chunk:
            if (person.id, day) in rostered:
                for values in evaluate_person_days(person, [day]).get(day, []):
                    found[person.id][values["session"]] = SessionView.from_values(values)
    answer: dict[int, dict[str, SessionView]] = {}
    for person in people:
        sessions = dict(sorted(found.get(person.id, {}).items(), key=lambda kv: kv[1].position))
        for position, name in enumerate(STANDARD_SESSIONS):
            sessions.setdefault(name, SessionView.off(name, position))
        answer[person.id] = sessions
    return answer
