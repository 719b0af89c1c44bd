"""Score workbooks (SPEC §8, API.md ``scores-quarterly`` and ``scores-annual``) and the
results fed back to the home units of seconded staff (``scores-home-unit``; seed 004 第十三条
二: 考核结果反馈至原单位).

Each workbook opens on a summary sheet (one line per department, with a native Excel chart
of the averages), followed by one sheet per department with every person's parts, ranks and
eligibility. Rows are streamed from the database in write-only mode, department after
department, so memory does not grow with the number of people.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..api.schemas import StrictSchema, code_field
from ..auth.models import Role
from ..extensions import db
from ..org.models import Centre, Department, Staff
from ..scoring import explain
from ..scoring.models import AnnualResult, QuarterlyResult
from ..scoring.periods import Period
from ..timeutil import local_today
from . import ExportFile, register_export
from .workbook import DECIMAL_FORMAT, INTEGER_FORMAT, Col, ExcelBook

BATCH = 2000
QUARTER_PARTS = ("attendance", "patrol", "service_norms", "reviews", "complaints",
                 "performance")
ATTENDANCE_COUNTS = ("late", "early_leave", "missing_punch", "absent")


class QuarterQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    quarter = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    department_code = code_field(32)
    centre_code = code_field(32)


class YearQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    department_code = code_field(32)
    centre_code = code_field(32)


class HomeUnitQuery(YearQuery):
    quarter = fields.Integer(validate=validate.Range(min=1, max=4))


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


class _Labels:
    """Reason labels of one export, looked up once per code."""

    def __init__(self, last: date):
        self.last = last
        self.cache: dict[tuple[int, str], str] = {}

    def reasons(self, centre_id: int, reasons: list[dict]) -> str:
        out = []
        for reason in reasons or []:
            key = (centre_id, reason["code"])
            if key not in self.cache:
                self.cache[key] = explain.reason_label(reason["code"], centre_id, self.last)
            on = f" ({reason['on']})" if reason.get("on") else ""
            out.append(self.cache[key] + on)
        return "; ".join(out)


def _departments(user, query, model, where) -> list[Department]:
    """The departments holding scores of the period that the user may see, by centre and
    code (a unit lead: their own)."""
    stmt = (sa.select(Department).where(Department.id.in_(
        sa.select(model.department_id).where(model.visible_clause(user), *where)))
        .join(Centre, Department.centre_id == Centre.id).order_by(Centre.code, Department.code))
    if query.get("department_code"):
        stmt = stmt.where(Department.code == query["department_code"])
    if query.get("centre_code"):
        stmt = stmt.where(Centre.code == query["centre_code"])
    return db.session.scalars(stmt).all()


def _summary(user, model, where, departments: list[Department]) -> dict[int, sa.Row]:
    """Per department: people, assessed, average, best, worst, honours, not eligible —
    one aggregate query (totals are stored in hundredths)."""
    assessed = model.assessed.is_(True)
    stmt = (sa.select(model.department_id, sa.func.count().label("people"),
                      sa.func.sum(sa.case((assessed, 1), else_=0)).label("assessed"),
                      sa.func.avg(sa.case((assessed, model.total))).label("average"),
                      sa.func.max(sa.case((assessed, model.total))).label("best"),
                      sa.func.min(sa.case((assessed, model.total))).label("worst"),
                      sa.func.sum(sa.case((model.honour.is_(True), 1), else_=0)).label("honours"),
                      sa.func.sum(sa.case((sa.and_(assessed, model.eligible.is_(False)), 1),
                                          else_=0)).label("not_eligible"))
            .where(model.visible_clause(user), *where,
                   model.department_id.in_([d.id for d in departments]))
            .group_by(model.department_id))
    return {row.department_id: row for row in db.session.execute(stmt)}


def _hundredths(value) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def _summary_sheet(book: ExcelBook, title: str, departments, summary, multi_centre: bool):
    columns = ([Col(_("Centre"), 14)] if multi_centre else []) + [
        Col(_("Department"), 22), Col(_("Kind"), 10), Col(_("People"), 8, INTEGER_FORMAT),
        Col(_("People assessed"), 8, INTEGER_FORMAT), Col(_("Average"), 9, DECIMAL_FORMAT),
        Col(_("Best"), 9, DECIMAL_FORMAT), Col(_("Lowest"), 9, DECIMAL_FORMAT),
        Col(_("Honours"), 8, INTEGER_FORMAT), Col(_("Not eligible"), 10, INTEGER_FORMAT)]
    sheet = book.sheet(_("Summary"), columns, title_row=title)
    totals = [0, 0, 0, 0]
    for department in departments:
        row = summary.get(department.id)
        if row is None:
            continue
        sheet.append(([department.centre.name] if multi_centre else []) + [
            department.name, department.kind.label, row.people, row.assessed,
            _hundredths(row.average), _hundredths(row.best), _hundredths(row.worst),
            row.honours, row.not_eligible])
        totals = [totals[0] + row.people, totals[1] + row.assessed, totals[2] + row.honours,
                  totals[3] + row.not_eligible]
    first, last = sheet.header_row + 1, sheet.last_row
    sheet.append(([""] if multi_centre else []) + [
        _("All departments"), "", totals[0], totals[1], None, None, None, totals[2], totals[3]],
        bold=True)
    if last >= first:
        offset = 1 if multi_centre else 0
        sheet.bar_chart(_("Average score by department"), categories=1 + offset,
                        values=5 + offset, first_row=first, last_row=last,
                        anchor=f"{'L' if multi_centre else 'K'}2", y_title=_("Score"), y_max=100)
    return sheet


def _rows(model, columns, where, department: Department, user) -> Iterator[sa.Row]:
    stmt = (sa.select(*columns).join(Staff, model.staff_id == Staff.id)
            .where(model.visible_clause(user), model.department_id == department.id, *where)
            .order_by(model.rank_department.is_(None), model.rank_department, Staff.staff_no))
    yield from db.session.execute(stmt.execution_options(yield_per=BATCH))


def _period_title(centre_name: str, period: Period, provisional: bool) -> str:
    note = _(" (provisional: the period is not over)") if provisional else ""
    return _("%(centre)s · scores of %(period)s", centre=centre_name, period=period.label) + note


def _centre_name(user, departments) -> str:
    if user.centre is not None:
        return user.centre.name
    names = sorted({d.centre.name for d in departments})
    return names[0] if len(names) == 1 else _("All centres")


def _today(user) -> date:
    return local_today(user.centre.timezone if user.centre else "Asia/Shanghai")


RANK_AND_PERSON = ((_l("Rank (centre)"), 8, INTEGER_FORMAT),
                   (_l("Rank (department)"), 8, INTEGER_FORMAT), (_l("Staff number"), 11, None),
                   (_l("Full name"), 10, None))


def _scores_workbook(user, query, model, where, period: Period, columns, selected, row_of,
                     filename) -> ExportFile:
    """The summary sheet, then one sheet per department of ``model``'s rows within
    ``where``: ``row_of(row, labels)`` gives a person's cells after rank, number and name."""
    departments = _departments(user, query, model, where)
    book = ExcelBook()
    title = _period_title(_centre_name(user, departments), period,
                          not period.is_over(_today(user)))
    _summary_sheet(book, title, departments, _summary(user, model, where, departments),
                   user.centre_id is None)
    labels = _Labels(period.last)
    columns = [Col(str(header), width, number_format)
               for header, width, number_format in RANK_AND_PERSON] + columns
    selected = (model.rank_centre, model.rank_department, Staff.staff_no, Staff.name,
                model.centre_id, *selected)
    for department in departments:
        sheet = book.sheet(department.name, columns, title_row=f"{department.name} · {title}")
        for r in _rows(model, selected, where, department, user):
            sheet.append([r.rank_centre, r.rank_department, r.staff_no, r.name] +
                         row_of(r, labels))
    return ExportFile(None, filename, book.save_to_temporary_file())


@register_export("scores-quarterly", _l("Quarterly scores"),
                 (Role.unit_lead, Role.hr, Role.admin), QuarterQuery)
def quarterly_workbook(user, query) -> ExportFile:
    """季度考评: the six parts, total, ranks, eligibility and 季度服务之星 per person."""
    period = Period.of_quarter(query["year"], query["quarter"])
    model = QuarterlyResult
    columns = [Col(explain.part_label(p), 9, DECIMAL_FORMAT) for p in QUARTER_PARTS] + [
        Col(_("Total"), 9, DECIMAL_FORMAT), Col(_("Rostered days"), 8, INTEGER_FORMAT)] + [
        Col(str(explain.DEDUCTION_LABELS[k]), 7, INTEGER_FORMAT) for k in ATTENDANCE_COUNTS] + [
        Col(_("Deduction points"), 9, DECIMAL_FORMAT), Col(_("Eligible for honours"), 8),
        Col(_("Service star"), 8), Col(_("Why not eligible"), 40, wrap=True),
        Col(_("Rulebook"), 12)]

    def row_of(r, labels):
        parts, counts = r.parts or {}, r.counts or {}
        return [Decimal(parts[p]) if p in parts else None for p in QUARTER_PARTS] + [
            r.total if r.assessed else None, r.rostered_days] + [
            counts.get(k, 0) for k in ATTENDANCE_COUNTS] + [
            r.deduction_points, _yes(r.eligible), _yes(r.honour),
            labels.reasons(r.centre_id, r.reasons), r.rulebook_version]

    return _scores_workbook(
        user, query, model, [model.year == period.year, model.quarter == period.quarter],
        period, columns, (model.parts, model.total, model.rostered_days, model.counts,
                          model.deduction_points, model.assessed, model.eligible,
                          model.honour, model.reasons, model.rulebook_version),
        row_of, _("Quarterly scores %(period)s.xlsx", period=period.slug))


@register_export("scores-annual", _l("Annual scores"), (Role.unit_lead, Role.hr, Role.admin),
                 YearQuery)
def annual_workbook(user, query) -> ExportFile:
    """年度考评: the quarters, the annual score, ranks and 年度先进个人 candidates."""
    period = Period.of_year(query["year"])
    model = AnnualResult
    columns = [Col(explain.part_label(f"q{q}"), 9, DECIMAL_FORMAT) for q in (1, 2, 3, 4)] + [
        Col(_("Annual score"), 9, DECIMAL_FORMAT),
        Col(_("Assessed quarters"), 8, INTEGER_FORMAT),
        Col(_("Rostered days"), 8, INTEGER_FORMAT), Col(_("Deduction points"), 9, DECIMAL_FORMAT),
        Col(_("Qualified for the annual honour"), 10), Col(_("Annual honour candidate"), 10),
        Col(_("Why not qualified"), 44, wrap=True), Col(_("Rulebook"), 12)]

    def row_of(r, labels):
        parts = r.parts or {}
        return [Decimal(parts[f"q{q}"]) if f"q{q}" in parts else None for q in (1, 2, 3, 4)] + [
            r.total if r.assessed else None, r.assessed_quarters, r.rostered_days,
            r.deduction_points, _yes(r.eligible), _yes(r.honour),
            labels.reasons(r.centre_id, r.reasons), r.rulebook_version]

    return _scores_workbook(
        user, query, model, [model.year == period.year], period, columns,
        (model.parts, model.total, model.assessed_quarters, model.rostered_days,
         model.deduction_points, model.assessed, model.eligible, model.honour, model.reasons,
         model.rulebook_version),
        row_of, _("Annual scores %(period)s.xlsx", period=period.slug))


from . import home_units  # noqa: E402,F401  (registers scores-home-unit)
