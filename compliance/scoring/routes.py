"""Score pages (SPEC §7): HR's tables by period and department with ranks and eligibility, the
explanation of one score (every deduction and reason with a link to its record), and a
person's own page with a trend chart. Staff see only their own scores; a unit lead their
department's; HR and admins their centre's; inspectors none."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..auth.permissions import MANAGERS, check_access, roles_required, visible
from ..extensions import db
from ..org.models import Centre, Department, Staff
from ..timeutil import local_today
from . import charts, explain, operations
from .models import RESULT_MODELS, AnnualResult, DailyResult, QuarterlyResult
from .periods import DAY, QUARTER, YEAR, Period, quarter_of
from .store import rules_for

bp = Blueprint("scores", __name__)

READERS = (Role.staff, Role.unit_lead, Role.hr, Role.admin)
PERIOD_OF_KIND = {"daily": DAY, "quarterly": QUARTER, "annual": YEAR}
DISTRIBUTION_EDGES = (0, 60, 70, 80, 90, 95, 100)
SHOWS = ("all", "eligible", "not_eligible", "honour", "not_assessed")


def today_here():
    tz = current_user.centre.timezone if current_user.centre else "Asia/Shanghai"
    return local_today(tz)


def period_or_404(kind: str, slug: str) -> Period:
    period = Period.parse(slug)
    if kind not in PERIOD_OF_KIND or period is None or period.kind != PERIOD_OF_KIND[kind]:
        abort(404)
    return period


def period_where(model, period: Period) -> list:
    if period.kind == DAY:
        return [model.day == period.day]
    if period.kind == QUARTER:
        return [model.year == period.year, model.quarter == period.quarter]
    return [model.year == period.year]


def current_periods(today) -> dict[str, Period]:
    """The period each table opens on: yesterday, the running quarter, the running year."""
    yesterday = today - timedelta(days=1)
    return {"daily": Period.of_day(yesterday),
            "quarterly": Period.of_quarter(today.year, quarter_of(today)),
            "annual": Period.of_year(today.year)}


def write_centre() -> Centre:
    """The centre a manager recomputes: their own, or the one a login of every centre
    names (``centre`` code; the only centre when there is one)."""
    if current_user.centre_id is not None:
        return current_user.centre
    code = request.values.get("centre", "").strip()
    stmt = sa.select(Centre).order_by(Centre.code)
    if code:
        stmt = stmt.where(Centre.code == code)
    centres = db.session.scalars(stmt.limit(2)).all()
    if len(centres) != 1:
        abort(400 if not code else 404)
    return centres[0]


@bp.route("/scores")
@roles_required(*READERS)
def index():
    if current_user.is_staff:
        return redirect(url_for(".me"))
    period = current_periods(today_here())["quarterly"]
    return redirect(url_for(".table", kind="quarterly", slug=period.slug))


@bp.route("/scores/<kind>/<slug>")
@roles_required(Role.unit_lead, Role.hr, Role.admin, Role.staff)
def table(kind: str, slug: str):
    """Every visible score of a period, ranked, with eligibility and honours."""
    if current_user.is_staff:
        return redirect(url_for(".me"))
    period = period_or_404(kind, slug)
    model = RESULT_MODELS[kind]
    departments = db.session.scalars(visible(Department).order_by(Department.code)).all()
    department = request.args.get("department", "").strip()
    show = request.args.get("show", "all")
    stmt = (visible(model).where(*period_where(model, period))
            .join(Staff, model.staff_id == Staff.id))
    if department:
        stmt = stmt.join(Department, model.department_id == Department.id).where(
            Department.code == department)
    rows = db.session.scalars(stmt.order_by(model.centre_id, model.rank_centre.is_(None),
                                            model.rank_centre, Staff.staff_no)).all()
    everyone = rows
    if show == "eligible":
        rows = [r for r in rows if r.eligible and r.assessed]
    elif show == "not_eligible":
        rows = [r for r in rows if r.assessed and not r.eligible]
    elif show == "honour":
        rows = [r for r in rows if r.honour]
    elif show == "not_assessed":
        rows = [r for r in rows if not r.assessed]
    assessed = [r.total for r in everyone if r.assessed]
    labels, counts = charts.histogram(assessed, DISTRIBUTION_EDGES)
    distribution = charts.bar_chart(
        _("Score distribution"), labels, [charts.Series(_("Staff"), "s1", counts)])
    summary = {
        "count": len(everyone), "assessed": len(assessed),
        "average": (sum(assessed) / len(assessed)).quantize(Decimal("0.01")) if assessed else None,
        "eligible": sum(1 for r in everyone if r.eligible and r.assessed),
        "honours": sum(1 for r in everyone if r.honour),
    }
    today = today_here()
    weights = None
    if kind == "quarterly" and current_user.centre_id:
        weights = rules_for(current_user.centre_id, period.last).quarterly.weights
    return render_template(
        "scores/table.html", kind=kind, period=period, rows=rows, departments=departments,
        department=department, show=show, shows=SHOWS, summary=summary,
        distribution=distribution, provisional=not period.is_over(today), weights=weights,
        part_label=explain.part_label, multi_centre=current_user.centre_id is None,
        periods=current_periods(today))


def _score_or_404(kind: str, slug: str, staff_no: str):
    period = period_or_404(kind, slug)
    person = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    if person is None:
        abort(404)
    check_access(person)
    model = RESULT_MODELS[kind]
    score = db.session.scalars(sa.select(model).where(
        model.staff_id == person.id, *period_where(model, period))).first()
    if score is None:
        abort(404)
    check_access(score)
    return period, person, score


@bp.route("/scores/<kind>/<slug>/<staff_no>")
@roles_required(*READERS)
def explanation(kind: str, slug: str, staff_no: str):
    """One score with its parts, every deduction and every reason, each linked to its
    record."""
    period, person, score = _score_or_404(kind, slug, staff_no)
    rules = rules_for(score.centre_id, period.last)
    quarters, day = [], None
    if kind == "daily":
        day = person_day(person, period.day)
    if kind == "annual":
        quarters = db.session.scalars(sa.select(QuarterlyResult).where(
            QuarterlyResult.staff_id == person.id, QuarterlyResult.year == period.year)
            .order_by(QuarterlyResult.quarter)).all()
    return render_template(
        "scores/explanation.html", kind=kind, period=period, person=person, score=score,
        deductions=explain.deduction_lines(score, person.staff_no),
        reasons=explain.reason_lines(score, person.staff_no, period.last),
        weights=rules.quarterly.weights if kind == "quarterly" else None,
        part_label=explain.part_label, quarters=quarters, day=day,
        status_labels=explain.STATUS_LABELS, issue_labels=explain.ISSUE_LABELS,
        session_labels=explain.SESSION_LABELS, provisional=not period.is_over(today_here()))


def person_day(person: Staff, day):
    """The day behind a daily score: the session results and the punches of the local day
    (shown to whoever may see the score)."""
    from ..attendance.inputs import day_bounds
    from ..attendance.models import Punch, SessionRecord

    from ..attendance.pending import settle

    settle(staff_ids=[person.id], first=day, last=day)
    tz = person.department.centre.timezone
    opens, closes = day_bounds(day, tz)
    sessions = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == person.id, SessionRecord.day == day)
        .order_by(SessionRecord.position, SessionRecord.session)).all()
    punches = db.session.scalars(sa.select(Punch).where(
        Punch.staff_id == person.id, Punch.at >= opens, Punch.at < closes)
        .order_by(Punch.at)).all()
    return {"sessions": sessions, "punches": punches, "tz": tz}


@bp.route("/scores/me")
@roles_required(*READERS)
def me():
    if current_user.staff is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".person", staff_no=current_user.staff.staff_no))


@bp.route("/scores/person/<staff_no>")
@roles_required(*READERS)
def person(staff_no: str):
    """A person's scores: the year, its quarters, the recent days, and the trends."""
    someone = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    if someone is None:
        abort(404)
    check_access(someone)
    today = local_today(someone.department.centre.timezone)
    year = request.args.get("year", type=int) or today.year
    annual = db.session.scalars(sa.select(AnnualResult).where(
        AnnualResult.staff_id == someone.id).order_by(AnnualResult.year.desc())).all()
    quarters = db.session.scalars(sa.select(QuarterlyResult).where(
        QuarterlyResult.staff_id == someone.id).order_by(
        QuarterlyResult.year.desc(), QuarterlyResult.quarter.desc()).limit(8)).all()
    first_day = today - timedelta(days=60)
    days = db.session.scalars(sa.select(DailyResult).where(
        DailyResult.staff_id == someone.id, DailyResult.day >= first_day)
        .order_by(DailyResult.day)).all()
    quarter_trend = list(reversed(quarters))
    trend = charts.line_chart(
        _("Quarterly score"), [f"{q.year} Q{q.quarter}" for q in quarter_trend],
        [charts.Series(_("Total"), "s1", [q.total if q.assessed else None
                                          for q in quarter_trend])],
        bottom=min([60.0] + [float(q.total) for q in quarter_trend if q.assessed]))
    daily_trend = charts.line_chart(
        _("Daily score, last 60 days"), [d.day.strftime("%m-%d") for d in days],
        [charts.Series(_("Daily score"), "s2", [d.total for d in days])],
        bottom=min([80.0] + [float(d.total) for d in days]))
    return render_template(
        "scores/person.html", person=someone, annual=annual, quarters=quarters,
        days=[d for d in reversed(days) if d.deductions], trend=trend, daily_trend=daily_trend,
        year=year, part_label=explain.part_label)


@bp.route("/scores/recompute", methods=["POST"])
@roles_required(*MANAGERS)
def recompute():
    """HR's "recompute" button: the same operation as ``POST /api/v1/scores/recompute``."""
    kind = request.form.get("kind", "")
    period = period_or_404(kind, request.form.get("period", ""))
    centre = write_centre()
    report = operations.recompute(centre, period)
    db.session.commit()
    flash(_("%(n)d scores computed: %(created)d new, %(replaced)d replaced, %(unchanged)d "
            "unchanged.", n=report.computed, created=report.created, replaced=report.replaced,
            unchanged=report.unchanged), "success")
    return redirect(url_for(".table", kind=kind, slug=period.slug))


from . import dashboard, figure_routes, rulebook_routes  # noqa: E402,F401  (more pages on bp)
