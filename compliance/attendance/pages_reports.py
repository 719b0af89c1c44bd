"""Attendance pages: the reports HR sends out (SPEC §3.4) — the weekly bulletin of anomalies
per department (每周通报), the monthly summary per department (按月汇总) and the work contact
sheet (工作联系单) per home unit of seconded staff — each a printable page with its Excel
export. A unit lead gets their own department's; HR and admins their centre's."""
from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.models import Role
from ..auth.permissions import roles_required
from ..web import add_nav
from . import reports
from .page_scope import (centre_for_page, day_or_404, department_or_404, month_or_404,
                         user_today)
from .routes import bp

REPORT_ROLES = (Role.unit_lead, Role.hr, Role.admin)
LABELS = {"session_label": reports.session_label, "status_label": reports.status_label}


def _scope():
    """The centre and the departments a report covers (``?department=CODE`` narrows it)."""
    code = request.args.get("department", "").strip()
    if code:
        return department_or_404(code).centre, code
    return centre_for_page(), None


def _export_args(centre, code, **period) -> dict:
    args = dict(period)
    if code:
        args["department_code"] = code
    if current_user.centre_id is None:
        args["centre_code"] = centre.code
    return args


@bp.route("/reports")
@roles_required(*REPORT_ROLES)
def reports_index():
    today = user_today()
    last_month = reports.previous_month(today.replace(day=1))
    return render_template(
        "attendance/reports_index.html",
        last_week=reports.week_first(today) - timedelta(days=7),
        this_week=reports.week_first(today), last_month=last_month,
        this_month=today.replace(day=1))


@bp.route("/reports/weekly/<day>")
@roles_required(*REPORT_ROLES)
def weekly_bulletin(day: str):
    on = day_or_404(day)
    monday = reports.week_first(on)
    if monday != on:
        args = {k: v for k, v in request.args.items() if k != "day"}
        return redirect(url_for(".weekly_bulletin", day=monday.isoformat(), **args))
    centre, code = _scope()
    parts = reports.weekly_bulletin(
        current_user, reports.visible_departments(current_user, centre, code), monday)
    return render_template(
        "attendance/weekly_bulletin.html", centre=centre, tz=centre.timezone, parts=parts, monday=monday,
        sunday=monday + timedelta(days=6), code=code,
        export=_export_args(centre, code, date=monday.isoformat()),
        previous=monday - timedelta(days=7), following=monday + timedelta(days=7), **LABELS)


@bp.route("/reports/monthly/<month>")
@roles_required(*REPORT_ROLES)
def monthly_summary(month: str):
    first = month_or_404(month)
    centre, code = _scope()
    parts = reports.monthly_summary(
        current_user, reports.visible_departments(current_user, centre, code), first)
    return render_template(
        "attendance/monthly_summary.html", centre=centre, parts=parts, first=first, code=code,
        export=_export_args(centre, code, month=first.strftime("%Y-%m")),
        previous=reports.previous_month(first), following=reports.next_month(first), **LABELS)


@bp.route("/reports/contact-sheets/<month>")
@roles_required(*REPORT_ROLES)
def contact_sheets(month: str):
    first = month_or_404(month)
    centre, code = _scope()
    parts = reports.contact_sheets(current_user, first, centre, code)
    return render_template(
        "attendance/contact_sheets.html", centre=centre, tz=centre.timezone, parts=parts, first=first, code=code,
        last=reports.month_last(first),
        export=_export_args(centre, code, month=first.strftime("%Y-%m")),
        previous=reports.previous_month(first), following=reports.next_month(first), **LABELS)


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.reports_index", _l("Attendance reports"), REPORT_ROLES)
