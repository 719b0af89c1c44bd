"""Roster import from a spreadsheet (CSV or Excel; SPEC §3.1): all rows or none, with a
per-row report in the user's language, through the same ``save_roster`` as the week grid and
the API. Importing the same file again changes nothing.

Columns: 工号 (staff number), 日期 (date), 班次 (shift: its code or name; empty = the standard
shift; 休/off = not rostered), 窗口编码 (window code, optional: the person's own window).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..importing import Column, ImportReport, read_table
from ..org.models import Staff, Window
from .models import RosterEntry, Shift
from .roster import OFF, RosterLine, check_roster, save_roster
from .shifts import STANDARD

ROSTER_COLUMNS = [
    Column("staff_no", ("工号", "staff_no", "staff number")),
    Column("date", ("日期", "date", "day")),
    Column("shift", ("班次", "shift"), required=False),
    Column("window_code", ("窗口编码", "窗口", "window_code", "window"), required=False),
]

OFF_WORDS = {"off", "休", "休息", "不排班", "-"}
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日",
                 "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")


def parse_day(text: str) -> date | None:
    """A date as people type it in a sheet (Excel's dates arrive as ``YYYY-MM-DD 00:00:00``)."""
    for pattern in _DATE_FORMATS:
        try:
            day = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        return day if FIRST_DAY <= day <= LAST_DAY else None
    return None


def import_roster(centre_id: int, filename: str, data: bytes, *,
                  department_id: int | None = None) -> ImportReport:
    """Load roster rows: every row or none. ``department_id`` limits the rows to the people
    of one department (a unit lead's import). Raises ``ImportFileError`` for an unreadable
    file; a report with errors means nothing was written (the caller rolls back)."""
    report = ImportReport()
    shifts = list(db.session.scalars(sa.select(Shift).where(Shift.centre_id == centre_id)))
    shift_words = {}
    for shift in shifts:
        for word in (shift.code, shift.name, shift.name_en):
            if word:
                shift_words.setdefault(word.strip().lower(), shift.code)
    rows: list[tuple[int, dict]] = list(read_table(filename, data, ROSTER_COLUMNS))
    people = {s.staff_no: s for s in db.session.scalars(sa.select(Staff).where(
        Staff.centre_id == centre_id, Staff.staff_no.in_({r["staff_no"] for _n, r in rows})))}
    lines: list[RosterLine] = []
    numbers: list[int] = []
    for number, row in rows:
        report.rows += 1
        before = len(report.errors)
        person = people.get(row["staff_no"])
        if not row["staff_no"]:
            report.error(number, "staff_no", _("The staff number is empty."))
        elif person is not None and department_id is not None \
                and person.department_id != department_id:
            report.error(number, "staff_no", _("%(no)s is not in your department.",
                                               no=row["staff_no"]))
        day = parse_day(row["date"])
        if day is None:
            report.error(number, "date", _("“%(value)s” is not a date (YYYY-MM-DD).",
                                           value=row["date"]))
        word = (row.get("shift") or "").strip()
        if not word:
            code = STANDARD
        elif word.lower() in OFF_WORDS:
            code = OFF
        else:
            code = shift_words.get(word.lower(), word)
        if len(report.errors) == before:
            lines.append(RosterLine(row["staff_no"], day, code, row.get("window_code") or None))
            numbers.append(number)
    for problem in check_roster(centre_id, lines):
        report.error(numbers[problem.index], problem.field, problem.message)
    if report.rows == 0:
        report.error(1, "file", _("The file holds no rows below its header."))
    if not report.ok:
        report.errors.sort(key=lambda e: e.row)
        return report
    stored = {(e.staff_id, e.day): e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id.in_([p.id for p in people.values()]),
        RosterEntry.day.in_({line.day for line in lines})))}
    by_code = {s.code: s for s in shifts}
    codes = {line.window_code for line in lines if line.window_code}
    windows = {w.code: w.id for w in db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre_id, Window.code.in_(codes)))} if codes else {}
    for line in lines:
        person = people[line.staff_no]
        entry = stored.get((person.id, line.day))
        own = entry is not None and bool(entry.own_sessions())
        if line.shift == OFF:
            if own:
                report.updated += 1
            else:
                report.unchanged += 1
            continue
        if not own:
            report.created += 1
            continue
        target_window = windows[line.window_code] if line.window_code else person.window_id
        same = (entry.shift_id == by_code[line.shift].id and entry.sessions is None
                and entry.window_id == target_window)
        if same:
            report.unchanged += 1
        else:
            report.updated += 1
    save_roster(centre_id, lines)
    return report
