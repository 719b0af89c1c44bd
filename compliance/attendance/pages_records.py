"""Attendance pages: a person's month calendar (staff see only their own), one day of a
person laid bare as evidence (``attendance.person_day``, where a score's deduction links),
and a department's month sheet (rows people, columns days, totals per person)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.models import Role
from ..auth.permissions import roles_required
from ..web import add_nav
from .evidence import break_split, person_day as day_evidence, person_month as month_calendar
from .page_scope import (centre_for_page, day_or_404, department_or_404, month_or_404,
                         staff_or_404, user_today)
from .reports import (code_legend, issue_label, leave_label, month_sheet as department_month,
                      next_month, previous_month, session_label, status_label,
                      visible_departments)
from .routes import bp

READERS = (Role.staff, Role.inspector, Role.unit_lead, Role.hr, Role.admin)
SHEET_ROLES = (Role.unit_lead, Role.hr, Role.admin)
LABELS = {"session_label": session_label, "status_label": status_label,
          "issue_label": issue_label, "leave_label": leave_label}


@bp.route("/me")
@roles_required(*READERS)
def my_month():
    """The logged-in person's own month (a login without a person: the board)."""
    if current_user.staff is None:
        return redirect(url_for(".board"))
    return redirect(url_for(".person_month", staff_no=current_user.staff.staff_no,
                            month=user_today().strftime("%Y-%m")))


@bp.route("/people/<staff_no>/<month>")
@roles_required(*READERS)
def person_month(staff_no: str, month: str):
    person = staff_or_404(staff_no)
    first = month_or_404(month)
    calendar = month_calendar(person, first)
    return render_template("attendance/person_month.html", person=person, cal=calendar,
                           previous=previous_month(first), following=next_month(first),
                           tz=person.department.centre.timezone, **LABELS)


@bp.route("/people/<staff_no>/days/<day>")
@roles_required(*READERS)
def person_day(staff_no: str, day: str):
    """Everything that decided one person's day: punches, roster, results and why, leave,
    corrections and temporary absences."""
    person = staff_or_404(staff_no)
    on = day_or_404(day)
    evidence = day_evidence(person, on)
    return render_template("attendance/person_day.html", person=person, ev=evidence,
                           windows=break_split(evidence), tz=evidence.tz, **LABELS)


@bp.route("/sheet")
@roles_required(*SHEET_ROLES)
def month_sheet_index():
    departments = visible_departments(current_user, centre_for_page())
    if not departments:
        abort(404)
    return redirect(url_for(".month_sheet", code=departments[0].code,
                            month=user_today().strftime("%Y-%m"),
                            centre=request.args.get("centre") or None))


@bp.route("/departments/<code>/<month>")
@roles_required(*SHEET_ROLES)
def month_sheet(code: str, month: str):
    department = department_or_404(code)
    first = month_or_404(month)
    sheet = department_month(current_user, department, first)
    return render_template("attendance/month_sheet.html", sheet=sheet, department=department,
                           departments=visible_departments(current_user, department.centre),
                           legend=code_legend(), previous=previous_month(first),
                           following=next_month(first), first=first)


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.my_month", _l("My attendance"), (Role.staff,))
    add_nav("attendance.month_sheet_index", _l("Month sheet"), SHEET_ROLES)
