"""Monthly case figures from the business system (工作业绩: cases handled, on time, on the
spot), by API (``PUT /performance``) and by file import (SPEC §8): every entry is checked
before anything is written, so a bad entry changes nothing; a person's month is replaced by
the newer figures, and equal figures leave the row untouched (a re-import changes nothing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..importing import Column, ImportReport, read_table
from ..org.models import Centre, Staff
from ..timeutil import local_today
from .models import CaseFigure

# 2026-03, 2026/3, 2026.3, 2026年3月, and a day of the month (an Excel date cell reads as
# "2026-03-01 00:00:00")
MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?"
                      r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
COLUMNS = [
    Column("staff_no", ("工号", "staff number", "staff no", "staff_no")),
    Column("month", ("月份", "统计月份", "month"), required=False),
    Column("handled", ("办件量", "办件数", "受理办结量", "cases handled", "cases_handled")),
    Column("on_time", ("按时办结", "按时办结量", "按时办结数", "cases on time", "cases_on_time")),
    Column("on_spot", ("即办件", "即办件量", "现场办结", "cases on the spot", "cases_on_spot"),
           required=False),
]


@dataclass(frozen=True)
class FigureEntry:
    staff_no: str
    handled: int
    on_time: int
    on_spot: int = 0


@dataclass
class UpsertReport:
    upserted: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


def parse_month(text) -> date | None:
    """``2026-03``, ``2026/3``, ``2026年3月``, a date in the month, or an Excel date cell."""
    if isinstance(text, (date, datetime)):
        return date(text.year, text.month, 1)
    match = MONTH_RE.match(str(text or ""))
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _check_month(centre: Centre, month: date | None) -> str | None:
    if month is None:
        return _("Give the month as YYYY-MM.")
    today = local_today(centre.timezone)
    if month > date(today.year, today.month, 1):
        return _("Figures cannot be given for a month that has not begun.")
    return None


def _check_numbers(handled, on_time, on_spot) -> dict[str, str]:
    """Problems of one entry's numbers, by field."""
    errors = {}
    for name, value in (("cases_handled", handled), ("cases_on_time", on_time),
                        ("cases_on_spot", on_spot)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = _("Must be a whole number of at least 0.")
    if not errors:
        if on_time > handled:
            errors["cases_on_time"] = _("Cannot exceed the cases handled (%(n)d).", n=handled)
        if on_spot > handled:
            errors["cases_on_spot"] = _("Cannot exceed the cases handled (%(n)d).", n=handled)
    return errors


def _staff_of(centre_id: int) -> dict[str, Staff]:
    return {s.staff_no: s for s in db.session.scalars(
        sa.select(Staff).where(Staff.centre_id == centre_id))}


def _write(centre: Centre, rows: list[tuple[Staff, date, FigureEntry]], source: str
           ) -> UpsertReport:
    report = UpsertReport(upserted=len(rows))
    months = {month for _staff, month, _entry in rows}
    existing = {(f.staff_id, f.month): f for f in db.session.scalars(
        sa.select(CaseFigure).where(CaseFigure.centre_id == centre.id,
                                    CaseFigure.month.in_(months)))} if months else {}
    for staff, month, entry in rows:
        figure = existing.get((staff.id, month))
        if figure is None:
            db.session.add(CaseFigure(centre_id=centre.id, staff_id=staff.id,
                                      department_id=staff.department_id, month=month,
                                      handled=entry.handled, on_time=entry.on_time,
                                      on_spot=entry.on_spot, source=source))
            report.created += 1
            continue
        figure.handled, figure.on_time, figure.on_spot = entry.handled, entry.on_time, entry.on_spot
        if db.session.is_modified(figure):
            figure.source = source
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def put_month(user, centre: Centre, month: date | None, entries: list[dict]) -> UpsertReport:
    """Store one month's figures (API ``PUT /performance``). Every entry is checked first;
    problems raise ``Invalid`` naming ``entries.<n>.<field>`` and nothing is written."""
    if not (user.is_manager and user.in_centre(centre.id)):
        raise Forbidden(_("Only HR records case figures."))
    fields: dict[str, str] = {}
    problem = _check_month(centre, month)
    if problem:
        fields["month"] = problem
    staff = _staff_of(centre.id)
    seen: dict[str, int] = {}
    rows = []
    for index, raw in enumerate(entries):
        prefix = f"entries.{index}."
        person = staff.get(raw["staff_no"])
        if person is None:
            fields[prefix + "staff_no"] = _("Unknown staff number %(no)s.", no=raw["staff_no"])
        elif raw["staff_no"] in seen:
            fields[prefix + "staff_no"] = _("Staff number %(no)s appears twice (entry %(n)d).",
                                            no=raw["staff_no"], n=seen[raw["staff_no"]])
        seen.setdefault(raw["staff_no"], index)
        numbers = (raw["cases_handled"], raw["cases_on_time"], raw.get("cases_on_spot", 0))
        fields.update({prefix + k: v for k, v in _check_numbers(*numbers).items()})
        if person is not None:
            rows.append((person, month, FigureEntry(raw["staff_no"], *numbers)))
    if fields:
        raise Invalid(_("Some entries are not valid; nothing was stored."), fields)
    return _write(centre, rows, "api")


def _number(text: str) -> int | None:
    text = (text or "").strip().replace(",", "")
    return int(text) if re.fullmatch(r"\d+", text) else None


def import_figures(user, centre: Centre, filename: str, data: bytes,
                   month: date | None = None) -> tuple[ImportReport, UpsertReport | None]:
    """Import a file of monthly figures (CSV in UTF-8/GB18030 or Excel): every row or
    none, with a per-row report. The month comes from a 月份 column or, when the file has
    none, from ``month``. Raises ``ImportFileError`` for an unreadable file."""
    if not (user.is_manager and user.in_centre(centre.id)):
        raise Forbidden(_("Only HR records case figures."))
    report = ImportReport()
    staff = _staff_of(centre.id)
    seen: dict[tuple[str, date], int] = {}
    rows = []
    for number, row in read_table(filename, data, COLUMNS):
        report.rows += 1
        errors_before = len(report.errors)
        person = staff.get(row["staff_no"])
        if person is None:
            report.error(number, "staff_no", _("Unknown staff number %(no)s.",
                                               no=row["staff_no"]))
        row_month = parse_month(row["month"]) if row.get("month") else month
        problem = _check_month(centre, row_month)
        if problem:
            report.error(number, "month", problem)
        values = {name: _number(row.get(name, "") or ("0" if name == "on_spot" else ""))
                  for name in ("handled", "on_time", "on_spot")}
        for name, value in values.items():
            if value is None:
                report.error(number, name, _("Must be a whole number of at least 0."))
        if all(v is not None for v in values.values()):
            for name, message in _check_numbers(values["handled"], values["on_time"],
                                                values["on_spot"]).items():
                report.error(number, {"cases_on_time": "on_time",
                                      "cases_on_spot": "on_spot"}.get(name, name), message)
        key = (row["staff_no"], row_month)
        if person is not None and row_month is not None and key in seen:
            report.error(number, "staff_no", _("Staff number %(no)s already appears in row "
                                               "%(row)d.", no=row["staff_no"], row=seen[key]))
        seen.setdefault(key, number)
        if len(report.errors) == errors_before:
            rows.append((person, row_month, FigureEntry(row["staff_no"], values["handled"],
                                                        values["on_time"], values["on_spot"])))
    if report.rows == 0:
        report.error(1, "file", _("The file holds no rows below its header."))
    if not report.ok:
        return report, None
    written = _write(centre, rows, "import")
    report.created, report.updated, report.unchanged = (written.created, written.updated,
                                                        written.unchanged)
    return report, written
