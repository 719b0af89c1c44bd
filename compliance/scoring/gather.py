"""Building the scoring engine's inputs from the tables (SPEC §7), one centre and one span of
days at a time, keyed by staff id.

Volumes decide the shape (ARCHITECTURE: aggregate in SQL, fetch only results): a year of
2,000 people holds about a million session results and as many reviews, so the quarterly
gathering fetches per-person counts and only the records that cost points or explain a
reason; the daily gathering (one day to a quarter) fetches the day's records themselves.
Attendance results come from ``gather_attendance``; checklist tallies from the providers
feature packages register in ``sources``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..cases.models import Complaint, Review
from ..conduct.models import Finding
from ..extensions import db
from ..org.models import Staff
from .engine import CaseFigures, CaseInput, FindingInput
from .models import CaseFigure
from .rulebook import Rules


def raw(column):
    """A column read as the database returns it, without SQLAlchemy's result processing."""
    return sa.type_coerce(column, sa.String)


def as_date(value) -> date:
    """A date read with :func:`raw`: SQLite gives ISO text, PostgreSQL a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class Person:
    id: int
    staff_no: str
    department_id: int
    active: bool


def people(centre_id: int) -> dict[int, Person]:
    """Everyone of the centre (the operations keep the inactive only when they have
    records in the period)."""
    rows = db.session.execute(sa.select(Staff.id, Staff.staff_no, Staff.department_id,
                                        Staff.active).where(Staff.centre_id == centre_id))
    return {id_: Person(id_, staff_no, department_id, active)
            for id_, staff_no, department_id, active in rows}


def findings(centre_id: int, first: date, last: date, *where) -> dict[int, list[FindingInput]]:
    """Every finding against a person dated in the span (and matching ``where``), in any
    state (the engine counts the standing ones and ignores overturned ones)."""
    f = Finding
    rows = db.session.execute(
        sa.select(f.id, f.staff_id, raw(f.day).label("day"), f.points,
                  raw(f.source).label("source"),
                  f.category, f.item_code, raw(f.severity).label("severity"),
                  raw(f.state).label("state"), f.ten_prohibitions, f.bars_quarterly,
                  f.bars_annual, f.disqualifier)
        .where(f.centre_id == centre_id, f.staff_id.is_not(None), f.day.between(first, last),
               *where))
    out: dict[int, list[FindingInput]] = defaultdict(list)
    for (id_, staff_id, day, points, source, category, item_code, severity, state, ten,
         bars_quarterly, bars_annual, disqualifier) in rows:  # by position: see gather_attendance
        out[staff_id].append(FindingInput(
            id=id_, date=as_date(day), points=points, source=source, category=category,
            item_code=item_code, severity=severity, state=state, ten_prohibitions=bool(ten),
            bars_quarterly=bool(bars_quarterly), disqualifier=disqualifier,
            bars_annual=bool(bars_annual)))
    return out


def may_disqualify(rules: Rules):
    """The standing findings that can cancel the annual honour: their item bars it, or the
    rulebook's seed-003 table names their disqualifier key, category, source or item code
    (engine ``disqualifying_events``). The others cannot change an annual score."""
    f = Finding
    table = rules.disqualifiers
    return sa.and_(raw(f.state) != "overturned", sa.or_(
        f.bars_annual.is_(True), f.disqualifier.is_not(None),
        f.category.in_(sorted(set().union(*(d.finding_categories for d in table)))),
        raw(f.source).in_(sorted(set().union(*(d.finding_sources for d in table)))),
        f.item_code.in_(sorted(set().union(*(d.item_codes for d in table))))))


def complaints(centre_id: int, first: date, last: date) -> dict[int, list[CaseInput]]:
    """Complaints about a person received in the span, with their conclusion once
    concluded (the engine counts substantiated and partly substantiated ones)."""
    c = Complaint
    rows = db.session.execute(
        sa.select(c.id, c.staff_id, c.received_on, c.category, c.conclusion)
        .where(c.centre_id == centre_id, c.staff_id.is_not(None),
               c.received_on.between(first, last)))
    out: dict[int, list[CaseInput]] = defaultdict(list)
    for id_, staff_id, received_on, category, conclusion in rows:
        out[staff_id].append(CaseInput("complaint", id_, received_on, category.value,
                                       conclusion.value if conclusion else None))
    return out


def review_levels(centre_id: int, first: date, last: date) -> dict[int, tuple[int, ...]]:
    """Per person, the counted reviews of the span (not excluded by an approved mistaken or
    malicious conclusion) per level 1–5: one aggregate instead of every review."""
    r = Review
    rows = db.session.execute(
        sa.select(r.staff_id, r.level, sa.func.count())
        .where(r.centre_id == centre_id, r.day.between(first, last), r.excluded.is_(False))
        .group_by(r.staff_id, r.level))
    out: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    for staff_id, level, count in rows:
        out[staff_id][level - 1] = count
    return {k: tuple(v) for k, v in out.items()}


def case_figures(centre_id: int, first: date, last: date) -> dict[int, list[CaseFigures]]:
    """The monthly case figures of the months starting in the span."""
    m = CaseFigure
    rows = db.session.execute(
        sa.select(m.id, m.staff_id, raw(m.month).label("month"), m.handled, m.on_time,
                  m.on_spot)
        .where(m.centre_id == centre_id, m.month.between(first, last)))
    out: dict[int, list[CaseFigures]] = defaultdict(list)
    for id_, staff_id, month, handled, on_time, on_spot in rows:
        out[staff_id].append(CaseFigures(as_date(month), handled, on_time, on_spot, id_))
    return out
