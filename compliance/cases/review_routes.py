"""Review pages (the list with the real-name follow-up rate, entering a phone follow-up
review, importing the platform's export) and the admin page of working-day overrides."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import Role
from ..auth.permissions import roles_required, visible
from ..errors import DomainError
from ..extensions import db
from ..importing import run_import_form
from ..org.forms import ImportForm
from ..org.models import Staff, Window
from ..timeutil import local_today
from . import operations
from .calendar import WorkdayOverride, package_years
from .forms import OverrideForm, ReviewForm
from .masking import citizen_for
from .models import LEVEL_NAMES, Review, ReviewChannel
from .review_import import import_reviews
from .routes import _centre_tz, _creation_centre_id, bp, form_errors, require_case_role

REVIEW_PAGE = 300


def _period() -> tuple[date, date]:
    """The period asked for, by default the current month in the user's centre."""
    today = local_today(current_user.centre.timezone if current_user.centre
                        else "Asia/Shanghai")
    try:
        start = date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        start = today.replace(day=1)
    try:
        end = date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


@bp.route("/reviews")
@login_required
def reviews():
    require_case_role()
    start, end = _period()
    stmt = visible(Review).where(Review.day.between(start, end))
    if request.args.get("bad") == "1":
        stmt = stmt.where(Review.bad)
    staff_no = request.args.get("staff_no", "").strip()
    if staff_no:
        stmt = stmt.join(Staff, Review.staff_id == Staff.id).where(Staff.staff_no == staff_no)
    rows = db.session.scalars(stmt.order_by(Review.at.desc()).limit(REVIEW_PAGE)).all()
    counts = dict(db.session.execute(
        sa.select(Review.level, sa.func.count()).where(
            Review.visible_clause(current_user), Review.day.between(start, end),
            ~Review.excluded).group_by(Review.level)).all())
    rate = operations.followup_rate(current_user, start, end) if not current_user.is_staff \
        else None
    citizens = {r.id: citizen_for(current_user, r.citizen_name, r.citizen_contact)
                for r in rows}
    return render_template("cases/reviews.html", reviews=rows, start=start, end=end,
                           counts=counts, rate=rate, citizens=citizens, staff_no=staff_no,
                           bad_only=request.args.get("bad") == "1",
                           level_names=LEVEL_NAMES)


@bp.route("/reviews/new", methods=["GET", "POST"])
@roles_required(Role.hr, Role.admin)
def review_new():
    """Enter a review taken by phone follow-up (电话回访) or any other channel."""
    centre_id = _creation_centre_id()
    form = ReviewForm()
    windows = db.session.scalars(sa.select(Window).where(Window.centre_id == centre_id)
                                 .order_by(Window.code)).all()
    form.window_code.choices = [("", "—")] + [(w.code, f"{w.code} {w.name}") for w in windows]
    if form.validate_on_submit():
        try:
            review = operations.create_review(current_user, operations.ReviewData(
                staff_no=form.staff_no.data.strip(),
                at=form.at.data.replace(tzinfo=_centre_tz(centre_id)), level=form.level.data,
                channel=ReviewChannel(form.channel.data), real_name=form.real_name.data,
                window_code=form.window_code.data or None, comment=form.comment.data or "",
                citizen_name=form.citizen_name.data, citizen_contact=form.contact.data))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            if review.case:
                flash(_("Bad review recorded; rectification case #%(id)d opened.",
                        id=review.case.id), "success")
                return redirect(url_for(".review_case_detail", case_id=review.case.id))
            flash(_("Review recorded."), "success")
            return redirect(url_for(".reviews"))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/form.html", form=form, title=_("Enter a review"),
                           submit=_("Save")), status


@bp.route("/reviews/import", methods=["GET", "POST"])
@roles_required(Role.hr, Role.admin)
def review_import():
    form = ImportForm()
    report, status = run_import_form(
        form, lambda name, data: import_reviews(current_user, _creation_centre_id(), name, data),
        lambda r: _("Imported %(rows)d rows: %(created)d new, %(unchanged)d already "
                    "imported.", rows=r.rows, created=r.created, unchanged=r.unchanged))
    return render_template("cases/import.html", form=form, report=report), status


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.admin)
def calendar():
    """Working-day overrides (调休 the package does not know yet); past days are fixed."""
    tz = current_user.centre.timezone if current_user.centre else "Asia/Shanghai"
    today = local_today(tz)
    form = OverrideForm()
    status = 200
    if request.method == "POST" and request.form.get("remove"):
        try:
            operations.remove_override(date.fromisoformat(request.form["remove"]), today)
            db.session.commit()
        except ValueError:
            abort(400)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            status = error.status
        else:
            flash(_("Override removed."), "success")
            return redirect(url_for(".calendar"))
    elif form.validate_on_submit():
        try:
            operations.save_override(form.day.data, form.is_workday.data == "1",
                                     form.note.data, today)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
            status = error.status
        else:
            flash(_("Override saved."), "success")
            return redirect(url_for(".calendar"))
    elif request.method == "POST":
        status = 400
    overrides = db.session.scalars(sa.select(WorkdayOverride)
                                   .order_by(WorkdayOverride.day.desc())).all()
    years = package_years()
    return render_template("cases/calendar.html", form=form, overrides=overrides, today=today,
                           years=years, next_year_known=(today.year + 1) in years), status
