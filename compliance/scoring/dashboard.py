"""HR's dashboard (SPEC §8 charts): the attendance trend, the score distribution and the
department averages of the latest quarter, open cases by age, and one tile per figure a
feature package registered (camera flags waiting …). Everything is limited to what the user
may see: a unit lead gets their department's dashboard."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..auth.permissions import roles_required, visible
from ..cases.models import Complaint, ComplaintState, ReviewCase, ReviewCaseState
from ..extensions import db
from ..org.models import Department
from . import charts, gather_attendance, sources
from .models import DailyResult, QuarterlyResult
from .routes import DISTRIBUTION_EDGES, bp, current_periods, today_here

TREND_DAYS = 30
AGE_BINS = ((0, 2), (3, 5), (6, 10), (11, 20), (21, None))
STATUS_SERIES = (("normal", "ok"), ("abnormal", "warn"), ("absent", "bad"), ("leave", "muted"))


def _latest_quarter(today: date):
    """The latest quarter holding scores the user may see (the running one, else the last
    computed); None when nothing is computed yet."""
    stmt = (sa.select(QuarterlyResult.year, QuarterlyResult.quarter)
            .where(QuarterlyResult.visible_clause(current_user))
            .order_by(QuarterlyResult.year.desc(), QuarterlyResult.quarter.desc()).limit(1))
    row = db.session.execute(stmt).first()
    return (row.year, row.quarter) if row else None


def _age_label(low: int, high: int | None) -> str:
    return _("%(n)d+ days", n=low) if high is None else _("%(low)d–%(high)d days", low=low,
                                                           high=high)


def _ages(rows: list[date], today: date) -> list[int]:
    counts = [0] * len(AGE_BINS)
    for opened in rows:
        age = (today - opened).days
        for i, (low, high) in enumerate(AGE_BINS):
            if age >= low and (high is None or age <= high):
                counts[i] += 1
                break
    return counts


def open_cases_by_age(today: date):
    complaints = db.session.scalars(visible(Complaint).where(
        Complaint.state != ComplaintState.closed)).all()
    cases = db.session.scalars(visible(ReviewCase).where(ReviewCase.state.in_(
        [s for s in ReviewCaseState if s.is_open]))).all()
    overdue = sum(1 for c in complaints if c.is_overdue(today)) + \
        sum(1 for c in cases if c.is_overdue(today))
    labels = [_age_label(low, high) for low, high in AGE_BINS]
    series = [charts.Series(_("Complaints"), "s1", _ages([c.received_on for c in complaints],
                                                        today)),
              charts.Series(_("Bad-review cases"), "s3", _ages([c.opened_on for c in cases],
                                                              today))]
    return (charts.bar_chart(_("Open cases by age"), labels, series, stacked=True),
            len(complaints) + len(cases), overdue)


def attendance_trend(today: date):
    first, last = today - timedelta(days=TREND_DAYS), today - timedelta(days=1)
    counts = gather_attendance.status_counts_by_day(current_user, first, last)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    names = {"normal": _("Normal"), "abnormal": _("Abnormal"), "absent": _("Absent"),
             "leave": _("Leave")}
    series = [charts.Series(names[status], css, [counts.get(d, {}).get(status, 0) for d in days])
              for status, css in STATUS_SERIES]
    sessions = sum(sum(c.values()) for c in counts.values())
    normal = sum(c.get("normal", 0) for c in counts.values())
    counted = sessions - sum(c.get("leave", 0) for c in counts.values())
    rate = round(100 * normal / counted, 1) if counted else None
    return charts.bar_chart(_("Sessions per day, last 30 days"),
                            [d.strftime("%m-%d") for d in days], series, stacked=True), rate


def daily_average_trend(today: date):
    first = today - timedelta(days=TREND_DAYS)
    rows = db.session.execute(
        sa.select(DailyResult.day, sa.func.avg(DailyResult.total))
        .where(DailyResult.visible_clause(current_user), DailyResult.day >= first,
               DailyResult.assessed.is_(True))
        .group_by(DailyResult.day).order_by(DailyResult.day)).all()
    # totals are stored in hundredths (models.Hundredths), so the SQL average is too
    values = [round(float(avg) / 100, 2) for _day, avg in rows]
    return charts.line_chart(_("Average daily score"), [d.strftime("%m-%d") for d, _a in rows],
                             [charts.Series(_("Average"), "s2", values)],
                             bottom=min([90.0] + values))


def quarter_charts(year: int, quarter: int):
    rows = db.session.execute(
        sa.select(QuarterlyResult.total, QuarterlyResult.department_id, QuarterlyResult.eligible,
                  QuarterlyResult.honour)
        .where(QuarterlyResult.visible_clause(current_user), QuarterlyResult.year == year,
               QuarterlyResult.quarter == quarter, QuarterlyResult.assessed.is_(True))).all()
    labels, counts = charts.histogram([r.total for r in rows], DISTRIBUTION_EDGES)
    distribution = charts.bar_chart(_("Score distribution"), labels,
                                    [charts.Series(_("Staff"), "s1", counts)])
    names = {d.id: d.name for d in db.session.scalars(visible(Department))}
    by_department: dict[int, list] = {}
    for r in rows:
        by_department.setdefault(r.department_id, []).append(r.total)
    ordered = sorted(by_department.items(), key=lambda kv: names.get(kv[0], ""))
    averages = charts.bar_chart(
        _("Average by department"), [names.get(k, "?") for k, _v in ordered],
        [charts.Series(_("Average"), "s2", [round(sum(v) / len(v), 2) for _k, v in ordered])],
        top=100)
    facts = {"assessed": len(rows), "not_eligible": sum(1 for r in rows if not r.eligible),
             "honours": sum(1 for r in rows if r.honour),
             "average": round(sum(r.total for r in rows) / len(rows), 2) if rows else None}
    return distribution, averages, facts


@bp.route("/scores/dashboard")
@roles_required(Role.unit_lead, Role.hr, Role.admin)
def dashboard():
    today = today_here()
    latest = _latest_quarter(today)
    quarter = None
    if latest:
        quarter = dict(zip(("distribution", "averages", "facts"), quarter_charts(*latest)))
        quarter["slug"] = f"{latest[0]}-Q{latest[1]}"
    attendance, normal_rate = attendance_trend(today)
    cases, open_cases, overdue = open_cases_by_age(today)
    return render_template(
        "scores/dashboard.html", quarter=quarter, latest=latest, attendance=attendance,
        normal_rate=normal_rate, daily=daily_average_trend(today), cases=cases,
        open_cases=open_cases, overdue=overdue, tiles=sources.dashboard_counts(current_user),
        periods=current_periods(today))
