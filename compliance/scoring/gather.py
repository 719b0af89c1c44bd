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
from .engine import CaseFigures, CaseInput, FindingInput, ReviewInput
from .models import CaseFigure


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
    return {r.id: Person(r.id, r.staff_no, r.department_id, r.active) for r in rows}


def findings(centre_id: int, first: date, last: date) -> dict[int, list[FindingInput]]:
    """Every finding against a person dated in the span, in any state (the engine counts
    the standing ones and ignores overturned ones)."""
    f = Finding
    rows = db.session.execute(
        sa.select(f.id, f.staff_id, f.day, f.points, f.source, f.category, f.item_code,
                  f.severity, f.state, f.ten_prohibitions, f.bars_quarterly, f.bars_annual,
                  f.disqualifier, f.at)
        .where(f.centre_id == centre_id, f.staff_id.is_not(None), f.day.between(first, last)))
    out: dict[int, list[FindingInput]] = defaultdict(list)
    for r in rows:
        out[r.staff_id].append(FindingInput(
            id=r.id, date=r.day, points=r.points, source=r.source.value, category=r.category,
            item_code=r.item_code, severity=r.severity.value, state=r.state.value,
            ten_prohibitions=r.ten_prohibitions, bars_quarterly=r.bars_quarterly,
            disqualifier=r.disqualifier, at=r.at, bars_annual=r.bars_annual))
    return out


def complaints(centre_id: int, first: date, last: date) -> dict[int, list[CaseInput]]:
    """Complaints about a person received in the span, with their conclusion once
    concluded (the engine counts substantiated and partly substantiated ones)."""
    c = Complaint
    rows = db.session.execute(
        sa.select(c.id, c.staff_id, c.received_on, c.category, c.conclusion)
        .where(c.centre_id == centre_id, c.staff_id.is_not(None),
               c.received_on.between(first, last)))
    out: dict[int, list[CaseInput]] = defaultdict(list)
    for r in rows:
        out[r.staff_id].append(CaseInput("complaint", r.id, r.received_on, r.category.value,
                                         r.conclusion.value if r.conclusion else None))
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


def reviews(centre_id: int, first: date, last: date) -> dict[int, list[ReviewInput]]:
    """Every review of the span (for a person's page; scores use :func:`review_levels`)."""
    r = Review
    rows = db.session.execute(sa.select(r.id, r.staff_id, r.day, r.level, r.excluded).where(
        r.centre_id == centre_id, r.day.between(first, last)))
    out: dict[int, list[ReviewInput]] = defaultdict(list)
    for row in rows:
        out[row.staff_id].append(ReviewInput(row.id, row.day, row.level, row.excluded))
    return out


def case_figures(centre_id: int, first: date, last: date) -> dict[int, list[CaseFigures]]:
    """The monthly case figures of the months starting in the span."""
    m = CaseFigure
    rows = db.session.execute(
        sa.select(m.id, m.staff_id, m.month, m.handled, m.on_time, m.on_spot)
        .where(m.centre_id == centre_id, m.month.between(first, last)))
    out: dict[int, list[CaseFigures]] = defaultdict(list)
    for r in rows:
        out[r.staff_id].append(CaseFigures(r.month, r.handled, r.on_time, r.on_spot, r.id))
    return out
