"""Attendance workbooks (SPEC §3.4, §8; API.md ``attendance-month``, ``weekly-bulletin``,
``contact-sheets``), built from the same report queries as the printable pages
(``compliance.attendance.reports``).

- ``attendance-month``: a summary sheet (one line per department) and one sheet per
  department — rows people, columns the month's days with the compact codes, then each
  person's totals (按月汇总).
- ``weekly-bulletin``: a summary sheet and one sheet per department listing each anomaly of
  the week (每周通报).
- ``contact-sheets``: one sheet per seconded home unit listing each anomaly of its staff in
  the month (工作联系单).

Write-only mode throughout (``ExcelBook``); instants are written as the centre's local
wall-clock time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates

from ..api.schemas import StrictSchema, code_field
from ..attendance import reports
from ..auth.models import Role
from ..errors import Invalid
from ..extensions import db
from ..org.models import Centre
from . import ExportFile, register_export
from .workbook import DATE_FORMAT, DECIMAL_FORMAT, INTEGER_FORMAT, Col, ExcelBook

READERS = (Role.unit_lead, Role.hr, Role.admin)
TIME_FORMAT = "hh:mm"


class MonthQuery(StrictSchema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    department_code = code_field(32)
    centre_code = code_field(32)

    @validates("month")
    def _month(self, value, **_kwargs):
        if reports.parse_month(value) is None:
            raise ValidationError(_("Give a month as YYYY-MM."))


class WeekQuery(StrictSchema):
    date = fields.Date(required=True, metadata={"description": "any day of the week"})
    department_code = code_field(32)
    centre_code = code_field(32)


def _centre(user, query) -> Centre | None:
    """The centre asked for (a login of every centre may name one; others have theirs)."""
    code = query.get("centre_code")
    if user.centre_id is not None or not code:
        return user.centre
    centre = db.session.scalars(sa.select(Centre).where(Centre.code == code)).first()
    if centre is None:
        message = _("Unknown centre %(code)s.", code=code)
        raise Invalid(message, {"centre_code": message})
    return centre


def _centre_name(user, departments) -> str:
    if user.centre is not None:
        return user.centre.name
    names = sorted({d.centre.name for d in departments})
    return names[0] if len(names) == 1 else _("All centres")


def _local(instant: datetime | None, tz: str) -> datetime | None:
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _totals_columns() -> list[Col]:
    return [Col(_("Rostered sessions"), 9, INTEGER_FORMAT), Col(_("Late"), 7, INTEGER_FORMAT),
            Col(_("Late minutes"), 8, INTEGER_FORMAT), Col(_("Early leave"), 7, INTEGER_FORMAT),
            Col(_("Early leave minutes"), 8, INTEGER_FORMAT),
            Col(_("Absent sessions"), 8, INTEGER_FORMAT),
            Col(_("Missing punches"), 8, INTEGER_FORMAT), Col(_("Leave days"), 8, DECIMAL_FORMAT),
            Col(_("Official business days"), 8, DECIMAL_FORMAT),
            Col(_("Extended service minutes"), 9, INTEGER_FORMAT)]


def _totals_values(t: reports.Totals) -> list:
    return [t.rostered, t.late, t.late_minutes, t.early, t.early_minutes, t.absent, t.missing,
            t.leave_days, t.official_days, t.extended_minutes]


def _summary(book: ExcelBook, title: str, parts, multi_centre: bool) -> None:
    columns = ([Col(_("Centre"), 14)] if multi_centre else []) + [
        Col(_("Department"), 22), Col(_("Kind"), 10), Col(_("People"), 8, INTEGER_FORMAT)] + \
        _totals_columns()
    sheet = book.sheet(_("Summary"), columns, title_row=title)
    overall = reports.Totals()
    for part in parts:
        overall.absorb(part.totals)
        sheet.append(([part.department.centre.name] if multi_centre else []) + [
            part.department.name, part.department.kind.label, part.totals.people] +
            _totals_values(part.totals))
    sheet.append(([""] if multi_centre else []) + [_("All departments"), "", overall.people] +
                 _totals_values(overall), bold=True)


def _anomaly_columns() -> list[Col]:
    return [Col(_("Date"), 11, DATE_FORMAT), Col(_("Session"), 8), Col(_("Staff number"), 11),
            Col(_("Full name"), 10), Col(_("Department"), 18), Col(_("Status"), 8),
            Col(_("Anomaly"), 36, wrap=True), Col(_("Late minutes"), 8, INTEGER_FORMAT),
            Col(_("Early leave minutes"), 8, INTEGER_FORMAT),
            Col(_("Clock-in"), 9, TIME_FORMAT), Col(_("Clock-out"), 9, TIME_FORMAT)]


def _anomaly_rows(sheet, part, tz: str) -> None:
    for a in part.anomalies:
        sheet.append([a.day, reports.session_label(a.session), a.staff.staff_no, a.staff.name,
                      part.department.name, reports.status_label(a.status), a.description,
                      a.late_minutes, a.early_minutes, _local(a.clock_in, tz),
                      _local(a.clock_out, tz)])


def _save(book: ExcelBook, filename: str) -> ExportFile:
    return ExportFile(None, filename, book.save_to_temporary_file())


@register_export("attendance-month", _l("Monthly attendance per department"), READERS,
                 MonthQuery)
def month_workbook(user, query) -> ExportFile:
    """按月汇总 and the month sheets: summary, then one sheet per department."""
    first = reports.parse_month(query["month"])
    departments = reports.visible_departments(user, _centre(user, query),
                                              query.get("department_code"))
    parts = reports.monthly_summary(user, departments, first)
    month = first.strftime("%Y-%m")
    title = _("%(centre)s · attendance of %(month)s", centre=_centre_name(user, departments),
              month=month)
    book = ExcelBook()
    _summary(book, title, parts, user.centre_id is None)
    legend = "  ".join(f"{c} {meaning}" for c, meaning in reports.code_legend())
    for part in parts:
        days = part.days
        columns = [Col(_("Staff number"), 11), Col(_("Full name"), 10)] + [
            Col(f"{d.day}", 5) for d in days] + _totals_columns()
        sheet = book.sheet(part.department.name, columns,
                           title_row=f"{part.department.name} · {title} · {legend}")
        for row in part.people:
            sheet.append([row.staff.staff_no, row.staff.name] +
                         [row.days.get(d, "") for d in days] + _totals_values(row.totals))
        sheet.append([_("Department total"), ""] + [""] * len(days) +
                     _totals_values(part.totals), bold=True)
    return _save(book, _("Attendance %(month)s.xlsx", month=month))


@register_export("weekly-bulletin", _l("Weekly bulletin of attendance anomalies"), READERS,
                 WeekQuery)
def weekly_workbook(user, query) -> ExportFile:
    """每周通报: summary, then each department's anomalies of the week (Monday to Sunday)."""
    monday = reports.week_first(query["date"])
    departments = reports.visible_departments(user, _centre(user, query),
                                              query.get("department_code"))
    parts = reports.weekly_bulletin(user, departments, monday)
    sunday = monday + timedelta(days=6)
    title = _("%(centre)s · weekly bulletin of attendance anomalies · %(first)s to %(last)s",
              centre=_centre_name(user, departments), first=monday.isoformat(),
              last=sunday.isoformat())
    book = ExcelBook()
    _summary(book, title, parts, user.centre_id is None)
    for part in parts:
        sheet = book.sheet(part.department.name, _anomaly_columns(),
                           title_row=f"{part.department.name} · {title}")
        _anomaly_rows(sheet, part, part.department.centre.timezone)
    return _save(book, _("Weekly bulletin %(day)s.xlsx", day=monday.isoformat()))


@register_export("contact-sheets", _l("Work contact sheets per home unit"), READERS, MonthQuery)
def contact_workbook(user, query) -> ExportFile:
    """工作联系单: one sheet per seconded home unit listing each anomaly of the month."""
    first = reports.parse_month(query["month"])
    parts = reports.contact_sheets(user, first, _centre(user, query),
                                   query.get("department_code"))
    last = reports.month_last(first)
    book = ExcelBook()
    for part in parts:
        title = _("Work contact sheet · %(centre)s to %(unit)s · %(first)s to %(last)s",
                  centre=part.department.centre.name, unit=part.department.name,
                  first=first.isoformat(), last=last.isoformat())
        sheet = book.sheet(part.department.name, _anomaly_columns(), title_row=title)
        _anomaly_rows(sheet, part, part.department.centre.timezone)
    if not parts:
        book.sheet(_("Work contact sheets"), [Col(_("No seconded unit"), 30)])
    return _save(book, _("Work contact sheets %(month)s.xlsx", month=first.strftime("%Y-%m")))
