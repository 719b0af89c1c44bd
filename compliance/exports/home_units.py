"""The results fed back to the home units of seconded staff (考核结果反馈至原单位; seed 004
第十三条二: the centre assesses seconded staff on attendance, complaints and discipline and
reports the results to their own unit).

One feedback sheet per seconded unit — the unit, the period, and per person the attendance
anomalies, the deductions, the substantiated complaints, the score, the rank and whether they
may be honoured — followed by a sheet of every deduction with its date and what it was for.
A quarter's workbook uses the quarterly scores; a year's uses the annual scores with the
deductions of its quarters. A unit lead of a seconded unit gets their own unit's.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Role
from ..extensions import db
from ..org.models import Centre, Department, DepartmentKind, Staff
from ..scoring import explain
from ..scoring.models import AnnualResult, QuarterlyResult
from ..scoring.periods import Period
from . import ExportFile, register_export
from .scores import ATTENDANCE_COUNTS, BATCH, HomeUnitQuery, _Labels, _today, _yes
from .workbook import DATE_FORMAT, DECIMAL_FORMAT, INTEGER_FORMAT, Col, ExcelBook


def _units(user, query) -> list[Department]:
    stmt = (sa.select(Department).where(Department.kind == DepartmentKind.seconded,
                                        Department.visible_clause(user))
            .join(Centre, Department.centre_id == Centre.id).order_by(Centre.code,
                                                                      Department.code))
    if query.get("department_code"):
        stmt = stmt.where(Department.code == query["department_code"])
    if query.get("centre_code"):
        stmt = stmt.where(Centre.code == query["centre_code"])
    return db.session.scalars(stmt).all()


def _quarter_rows(user, unit: Department, year: int, quarter: int | None):
    """The unit's quarterly scores of the period (every quarter of the year for a year),
    with the person."""
    q = QuarterlyResult
    stmt = (sa.select(q, Staff).join(Staff, q.staff_id == Staff.id)
            .where(q.visible_clause(user), q.department_id == unit.id, q.year == year)
            .order_by(Staff.staff_no, q.quarter))
    if quarter:
        stmt = stmt.where(q.quarter == quarter)
    return db.session.execute(stmt.execution_options(yield_per=BATCH)).all()


def _feedback(book, unit, period, title, people, labels):
    columns = [Col(_("Staff number"), 11), Col(_("Full name"), 10),
               Col(_("Rostered days"), 8, INTEGER_FORMAT)] + [
        Col(str(explain.DEDUCTION_LABELS[k]), 7, INTEGER_FORMAT) for k in ATTENDANCE_COUNTS] + [
        Col(_("Substantiated complaints"), 9, INTEGER_FORMAT),
        Col(_("Conduct findings"), 9, INTEGER_FORMAT),
        Col(_("Deduction points"), 9, DECIMAL_FORMAT), Col(_("Score"), 9, DECIMAL_FORMAT),
        Col(_("Rank (centre)"), 8, INTEGER_FORMAT), Col(_("Eligible for honours"), 9),
        Col(_("Why not eligible"), 40, wrap=True)]
    sheet = book.sheet(_("Feedback %(unit)s", unit=unit.name), columns, title_row=title)
    for person, score, quarters in people:
        counts: dict[str, int] = {}
        for q in quarters:
            for key, value in (q.counts or {}).items():
                counts[key] = counts.get(key, 0) + value
        findings = sum(1 for q in quarters for d in q.deductions or [] if d["kind"] == "finding")
        sheet.append([person.staff_no, person.name, score.rostered_days] + [
            counts.get(k, 0) for k in ATTENDANCE_COUNTS] + [
            counts.get("complaints_substantiated", 0), findings, score.deduction_points,
            score.total if score.assessed else None, score.rank_centre, _yes(score.eligible),
            labels.reasons(score.centre_id, score.reasons)])
    return sheet


def _details(book, unit, title, people):
    columns = [Col(_("Date"), 11, DATE_FORMAT), Col(_("Staff number"), 11), Col(_("Full name"), 10),
               Col(_("Kind"), 12), Col(_("Points"), 7, DECIMAL_FORMAT),
               Col(_("What"), 50, wrap=True)]
    sheet = book.sheet(_("Details %(unit)s", unit=unit.name), columns, title_row=title)
    for person, _score, quarters in people:
        for q in quarters:
            for line in explain.deduction_lines(q, person.staff_no):
                sheet.append([line.on, person.staff_no, person.name, line.label, line.points,
                              line.detail])
    return sheet


@register_export("scores-home-unit", _l("Results for the home units of seconded staff"),
                 (Role.unit_lead, Role.hr, Role.admin), HomeUnitQuery)
def home_unit_workbook(user, query) -> ExportFile:
    """考核结果反馈单 per seconded unit, for a quarter (``quarter`` given) or a year."""
    year, quarter = query["year"], query.get("quarter")
    period = Period.of_quarter(year, quarter) if quarter else Period.of_year(year)
    book = ExcelBook()
    labels = _Labels(period.last)
    provisional = not period.is_over(_today(user))
    units = _units(user, query)
    for unit in units:
        rows = _quarter_rows(user, unit, year, quarter)
        by_person: dict[int, tuple] = {}
        for score, person in rows:
            by_person.setdefault(person.id, (person, []))[1].append(score)
        if quarter:
            people = [(person, scores[0], scores) for person, scores in by_person.values()]
        else:
            annual = {a.staff_id: a for a in db.session.scalars(sa.select(AnnualResult).where(
                AnnualResult.department_id == unit.id, AnnualResult.year == year,
                AnnualResult.visible_clause(user)))}
            people = [(person, annual[person.id], scores)
                      for person, scores in by_person.values() if person.id in annual]
        title = _("%(centre)s · feedback of assessment results to %(unit)s · %(period)s",
                  centre=unit.centre.name, unit=unit.name, period=period.label)
        if provisional:
            title += _(" (provisional: the period is not over)")
        _feedback(book, unit, period, title, people, labels)
        _details(book, unit, title, people)
    if not units:
        book.sheet(_("Feedback"), [Col(_("No seconded unit"), 30)])
    return ExportFile(None, _("Feedback to home units %(period)s.xlsx", period=period.slug),
                      book.save_to_temporary_file())

