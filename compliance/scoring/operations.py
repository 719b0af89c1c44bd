"""Computing and storing the scores of a centre (SPEC §7; seed 004 第十三条, seed 003 五).

Each operation gathers the inputs of one period from the tables (``gather``,
``gather_attendance``, the providers of ``sources``), runs the pure engine and stores the
results with their rulebook version and input fingerprint (``persist``): recomputing the
same inputs writes nothing at all, changed inputs replace the stored rows (audited).

Rulebook in force: a day is scored with the rules of that day; a quarter with the rules in
force on its last day (a change from mid-quarter applies to the whole quarter's weights and
shares, while each day's attendance deductions keep their own day's rules); a year with the
rules of 31 December. Operations flush and never commit.
"""
from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from functools import wraps

import sqlalchemy as sa

from ..extensions import db
from ..org.models import Centre
from ..timeutil import local_today
from . import engine, gather, gather_attendance, persist, sources
from .models import AnnualResult, DailyResult, QuarterlyResult
from .periods import DAY, QUARTER, Period
from .persist import SaveReport
from .store import rules_for


def batch(operation):
    """Run a score operation with the cyclic garbage collector paused: a year of inputs is
    hundreds of thousands of short-lived objects, and the collector's passes over the
    application's whole heap cost a quarter of the run (measured). Nothing here makes
    reference cycles; the collector resumes (and catches up) when the operation ends."""

    @wraps(operation)
    def wrapped(*args, **kwargs):
        with _collector_paused():
            return operation(*args, **kwargs)

    return wrapped


@contextmanager
def _collector_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cohort(people: dict[int, gather.Person], *inputs: dict) -> list[gather.Person]:
    """Every active person, and the inactive ones holding a record of the period."""
    with_records = set().union(*(set(i) for i in inputs))
    return sorted((p for p in people.values() if p.active or p.id in with_records),
                  key=lambda p: p.staff_no)


# --- daily ----------------------------------------------------------------------------------


@batch
def recompute_days(centre: Centre, first: date, last: date) -> SaveReport:
    """Daily scores (日常考评) of every person and day of the span that holds a session
    result other than ``off`` or a finding; ranked per day within the centre and the
    department."""
    people = gather.people(centre.id)
    sessions = gather_attendance.sessions_by_day(centre.id, first, last)
    findings: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for staff_id, items in gather.findings(centre.id, first, last).items():
        for finding in items:
            findings[staff_id][finding.date].append(finding)
    by_day: dict[date, list[engine.DailyScore]] = defaultdict(list)
    ids: dict[str, int] = {}
    for staff_id in set(sessions) | set(findings):
        person = people.get(staff_id)
        if person is None:
            continue
        ids[person.staff_no] = staff_id
        own_sessions, own_findings = sessions.get(staff_id, {}), findings.get(staff_id, {})
        for day in set(own_sessions) | set(own_findings):
            by_day[day].append(engine.daily_score(
                rules_for(centre.id, day), person.staff_no, day, own_sessions.get(day, []),
                own_findings.get(day, []), centre_id=centre.id,
                department_id=person.department_id))
    rows = {}
    for day, scores in by_day.items():
        for score in engine.rank_daily(scores):
            staff_id = ids[score.staff_no]
            rows[(staff_id, day)] = {
                **persist.common_row(score, centre.id, staff_id), "day": day,
                "attendance_points": score.attendance_points,
                "conduct_points": score.conduct_points}
    return persist.save(DailyResult, centre.id, [DailyResult.day.between(first, last)],
                        ("staff_id", "day"), rows,
                        {"first": first.isoformat(), "last": last.isoformat()})


# --- quarterly ------------------------------------------------------------------------------


def quarter_inputs(centre: Centre, year: int, quarter: int) -> list[engine.QuarterInput]:
    """The engine's inputs of a quarter in lean form: the counted days, the attendance
    deduction lines of the sessions that cost points (each with the rules of its own day),
    the review counts per level, and every other record."""
    first, last = engine.quarter_bounds(year, quarter)
    people = gather.people(centre.id)
    counted = gather_attendance.counted_days(centre.id, first, last)
    deduction_days = gather_attendance.deduction_sessions(centre.id, first, last)
    findings = gather.findings(centre.id, first, last)
    complaints = gather.complaints(centre.id, first, last)
    levels = gather.review_levels(centre.id, first, last)
    figures = gather.case_figures(centre.id, first, last)
    tallies = sources.inspection_tallies(centre.id, first, last, list(people))
    inputs = []
    for person in _cohort(people, counted, deduction_days, findings, complaints, levels,
                          figures, tallies):
        inputs.append(engine.QuarterInput(
            staff_no=person.staff_no, year=year, quarter=quarter, centre_id=centre.id,
            department_id=person.department_id,
            attendance=_attendance_lines(centre, deduction_days.get(person.id, {})),
            counted_days=counted.get(person.id, 0), findings=findings.get(person.id, ()),
            inspections=tallies.get(person.id, ()), cases=complaints.get(person.id, ()),
            case_figures=figures.get(person.id, ()), review_levels=levels.get(person.id)))
    return inputs


def _attendance_lines(centre: Centre, days: dict[date, list[engine.SessionOutcome]]
                      ) -> list[engine.Deduction]:
    """The deduction lines of a person's sessions, each day under the rules in force that
    day (the days of one rulebook version in one call)."""
    by_rules: dict[int, tuple] = {}
    for day, sessions in days.items():
        rules = rules_for(centre.id, day)
        by_rules.setdefault(id(rules), (rules, []))[1].extend(sessions)
    return [line for rules, sessions in by_rules.values()
            for line in engine.attendance_deductions(rules, sessions)]


@batch
def recompute_quarter(centre: Centre, year: int, quarter: int) -> SaveReport:
    """Quarterly scores (季度考评) of the centre, ranked, with 季度服务之星."""
    _first, last = engine.quarter_bounds(year, quarter)
    ids = {p.staff_no: p.id for p in gather.people(centre.id).values()}
    scores = engine.quarterly_scores(rules_for(centre.id, last),
                                     quarter_inputs(centre, year, quarter))
    rows = {}
    for score in scores:
        staff_id = ids[score.staff_no]
        rows[(staff_id,)] = {**persist.common_row(score, centre.id, staff_id), "year": year,
                             "quarter": quarter, "counts": dict(score.counts),
                             "rostered_days": score.rostered_days}
    return persist.save(QuarterlyResult, centre.id, [QuarterlyResult.year == year,
                                                     QuarterlyResult.quarter == quarter],
                        ("staff_id",), rows, {"year": year, "quarter": quarter})


# --- annual ---------------------------------------------------------------------------------


def annual_inputs(centre: Centre, year: int) -> list[engine.AnnualInput]:
    """A year's inputs: the stored quarterly results, and the records that may disqualify:
    the findings that can (``gather.may_disqualify``), the complaints, and the sessions whose
    status the rulebook's table names."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    rules = rules_for(centre.id, last)
    people = gather.people(centre.id)
    quarters: dict[int, list[engine.QuarterSummary]] = defaultdict(list)
    q = QuarterlyResult
    for row in db.session.execute(
            sa.select(q.id, q.staff_id, q.quarter, q.total, q.rostered_days, q.deduction_points)
            .where(q.centre_id == centre.id, q.year == year)):
        quarters[row.staff_id].append(engine.QuarterSummary(
            row.quarter, row.total, row.rostered_days, row.deduction_points, row.id))
    findings = gather.findings(centre.id, first, last, gather.may_disqualify(rules))
    complaints = gather.complaints(centre.id, first, last)
    statuses = set().union(*(d.session_statuses for d in rules.disqualifiers))
    sessions = gather_attendance.sessions_with_status(centre.id, first, last, statuses)
    return [engine.AnnualInput(
        staff_no=person.staff_no, year=year, centre_id=centre.id,
        department_id=person.department_id, quarters=quarters.get(person.id, ()),
        findings=findings.get(person.id, ()), cases=complaints.get(person.id, ()),
        sessions=sessions.get(person.id, ()))
        for person in _cohort(people, quarters)]


@batch
def recompute_annual(centre: Centre, year: int) -> SaveReport:
    """Annual scores (年度考评) from the stored quarterly results, with 年度先进个人
    candidates."""
    ids = {p.staff_no: p.id for p in gather.people(centre.id).values()}
    scores = engine.annual_scores(rules_for(centre.id, date(year, 12, 31)),
                                  annual_inputs(centre, year))
    rows = {}
    for score in scores:
        staff_id = ids[score.staff_no]
        rows[(staff_id,)] = {**persist.common_row(score, centre.id, staff_id), "year": year,
                             "assessed_quarters": score.assessed_quarters,
                             "rostered_days": score.rostered_days}
    return persist.save(AnnualResult, centre.id, [AnnualResult.year == year], ("staff_id",),
                        rows, {"year": year})


@batch
def recompute_year(centre: Centre, year: int, today: date | None = None) -> SaveReport:
    """Every quarter of the year that has begun, then the annual scores (the report counts
    the annual scores; the quarters' writes are absorbed into it)."""
    today = today or local_today(centre.timezone)
    quarters = SaveReport()
    for quarter in (1, 2, 3, 4):
        if engine.quarter_bounds(year, quarter)[0] <= today:
            quarters.add(recompute_quarter(centre, year, quarter))
    return recompute_annual(centre, year).absorb(quarters)


@batch
def recompute(centre: Centre, period: Period) -> SaveReport:
    """The scores of one period: a day, a quarter (the year's annual scores, built from
    the quarters, follow it) or a whole year with its quarters."""
    if period.kind == DAY:
        return recompute_days(centre, period.day, period.day)
    if period.kind == QUARTER:
        report = recompute_quarter(centre, period.year, period.quarter)
        return report.absorb(recompute_annual(centre, period.year))
    return recompute_year(centre, period.year)
