"""Case pages: the board of bad-review cases and complaints with deadline countdowns, the
complaint page and the bad-review case page, each with its timeline and the steps the user's
role may take. Citizens' data is masked by ``masking.citizen_for``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import Role
from ..auth.permissions import get_visible_or_404, visible
from ..errors import DomainError
from ..extensions import db
from ..org.models import Centre, Department, Window
from . import operations
from .deadlines import centre_today, working_days_left
from .forms import (ApprovalForm, CloseForm, ComplaintForm, ConcludeForm, FollowupForm,
                    TransitionForm)
from .masking import citizen_for
from .models import (Complaint, ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                     ComplaintState, ReviewCase, ReviewCaseState, ReviewConclusion)

bp = Blueprint("cases", __name__)

CASE_ROLES = (Role.staff, Role.unit_lead, Role.hr, Role.admin)
BOARD_LIMIT = 1000


def require_case_role() -> None:
    if current_user.role not in CASE_ROLES:
        abort(403)  # inspectors handle no citizen cases


def form_errors(form, error: DomainError) -> None:
    shown = False
    for name, message in error.fields.items():
        if name in form._fields:
            form[name].errors = list(form[name].errors) + [str(message)]
            shown = True
    if not shown:
        flash(str(error.message), "error")


@dataclass
class BoardRow:
    kind: str
    id: int
    url: str
    subject: str
    department: str
    summary: str
    state: str
    state_key: str
    opened: date
    due: date | None
    days_left: int | None
    overdue: bool


def _complaint_row(c: Complaint) -> BoardRow:
    today = centre_today(c.centre_id)
    subject = f"{c.staff.name} {c.staff.staff_no}" if c.staff else (c.window.code if c.window
                                                                    else "")
    return BoardRow("complaint", c.id, url_for(".complaint_detail", complaint_id=c.id), subject,
                    c.department.name, str(c.category.label), str(c.state.label),
                    c.state.value, c.received_on, c.due, working_days_left(today, c.due),
                    c.is_overdue(today))


def _case_row(c: ReviewCase) -> BoardRow:
    today = centre_today(c.centre_id)
    return BoardRow("review", c.id, url_for(".review_case_detail", case_id=c.id),
                    f"{c.staff.name} {c.staff.staff_no}", c.department.name,
                    f"{c.review.level} {c.review.level_name}", str(c.state.label),
                    c.state.value, c.opened_on, c.due, working_days_left(today, c.due),
                    c.is_overdue(today))


@bp.route("/cases")
@login_required
def board():
    """Open (by default) bad-review cases and complaints, most urgent first."""
    require_case_role()
    kind = request.args.get("kind", "")
    state = request.args.get("state", "open")
    department = request.args.get("department", type=int)
    overdue_only = request.args.get("overdue") == "1"
    rows: list[BoardRow] = []
    if kind in ("", "complaint"):
        stmt = visible(Complaint)
        if department:
            stmt = stmt.where(Complaint.department_id == department)
        if state == "open":
            stmt = stmt.where(Complaint.state != ComplaintState.closed)
        elif state in {s.value for s in ComplaintState}:
            stmt = stmt.where(Complaint.state == ComplaintState(state))
        elif state != "all":
            stmt = stmt.where(sa.false())
        rows += [_complaint_row(c) for c in db.session.scalars(
            stmt.order_by(Complaint.id.desc()).limit(BOARD_LIMIT))]
    if kind in ("", "review"):
        stmt = visible(ReviewCase)
        if department:
            stmt = stmt.where(ReviewCase.department_id == department)
        if state == "open":
            stmt = stmt.where(ReviewCase.state.in_([s for s in ReviewCaseState if s.is_open]))
        elif state in {s.value for s in ReviewCaseState}:
            stmt = stmt.where(ReviewCase.state == ReviewCaseState(state))
        elif state != "all":
            stmt = stmt.where(sa.false())
        rows += [_case_row(c) for c in db.session.scalars(
            stmt.order_by(ReviewCase.id.desc()).limit(BOARD_LIMIT))]
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    rows.sort(key=lambda r: (r.due is None, r.days_left if r.days_left is not None else 0,
                             r.opened))
    departments = db.session.scalars(visible(Department).order_by(Department.code)).all() \
        if not current_user.is_staff else []
    states = [("open", _("Open")), ("all", _("All states"))] + \
        [(s.value, s.label) for s in ComplaintState] + \
        [(s.value, s.label) for s in ReviewCaseState
         if s.value not in {c.value for c in ComplaintState}]
    return render_template("cases/board.html", rows=rows, kind=kind, state=state,
                           department=department, overdue_only=overdue_only,
                           departments=departments, states=states,
                           overdue_count=sum(r.overdue for r in rows))


def _centre_tz(centre_id: int) -> ZoneInfo:
    return ZoneInfo(db.session.get(Centre, centre_id).timezone)


def _creation_centre_id() -> int:
    if current_user.centre_id is not None:
        return current_user.centre_id
    first = db.session.scalar(sa.select(Centre.id).order_by(Centre.id))
    if first is None:
        abort(404)
    return first


@bp.route("/cases/complaints/new", methods=["GET", "POST"])
@login_required
def complaint_new():
    if not current_user.is_manager:
        abort(403)
    centre_id = _creation_centre_id()
    form = ComplaintForm()
    windows = db.session.scalars(sa.select(Window).where(Window.centre_id == centre_id)
                                 .order_by(Window.code)).all()
    form.window_code.choices = [("", "—")] + [(w.code, f"{w.code} {w.name}") for w in windows]
    if form.validate_on_submit():
        received_at = form.received_at.data.replace(tzinfo=_centre_tz(centre_id)) \
            if form.received_at.data else None
        try:
            complaint = operations.create_complaint(current_user, operations.ComplaintData(
                channel=ComplaintChannel(form.channel.data),
                category=ComplaintCategory(form.category.data), text=form.text.data,
                staff_no=form.staff_no.data.strip() or None,
                window_code=form.window_code.data or None,
                complainant=form.complainant.data, contact=form.contact.data,
                received_at=received_at))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            flash(_("Complaint #%(id)d received; assign it by %(due)s.", id=complaint.id,
                    due=complaint.assign_due), "success")
            return redirect(url_for(".complaint_detail", complaint_id=complaint.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/form.html", form=form, title=_("Receive a complaint"),
                           submit=_("Receive")), status


def _transition_form(complaint: Complaint):
    target = complaint.state.next
    if target is None or not complaint.can_move(current_user, target):
        return None
    form = TransitionForm(to=target.value)
    if target is ComplaintState.assigned:
        form.assignee.choices = [(u.username, f"{u.username} · {u.role.label}")
                                 for u in operations.assignable_users(complaint)]
        form.assignee.default = current_user.username
    else:
        del form.assignee
    if target is not ComplaintState.concluded:
        del form.conclusion
    return form


@bp.route("/cases/complaints/<int:complaint_id>", methods=["GET", "POST"])
@login_required
def complaint_detail(complaint_id: int):
    require_case_role()
    complaint = get_visible_or_404(Complaint, complaint_id)
    form = _transition_form(complaint)
    status = 200
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            try:
                target = ComplaintState(form.to.data)
            except ValueError:
                abort(400)
            conclusion = ComplaintConclusion(form.conclusion.data) \
                if "conclusion" in form and form.conclusion.data else None
            assignee = form.assignee.data if "assignee" in form else None
            try:
                operations.transition(complaint, current_user, target, form.note.data,
                                      conclusion, assignee)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                form_errors(form, error)
                status = error.status
                complaint = get_visible_or_404(Complaint, complaint_id)
            else:
                flash(_("Recorded: %(state)s.", state=target.label), "success")
                return redirect(url_for(".complaint_detail", complaint_id=complaint.id))
        else:
            status = 400
    name, contact = citizen_for(current_user, complaint.complainant, complaint.contact)
    today = centre_today(complaint.centre_id)
    return render_template(
        "cases/complaint.html", complaint=complaint, form=form, complainant=name,
        contact=contact, today=today, days_left=working_days_left(today, complaint.due),
        overdue=complaint.is_overdue(today)), status


def _case_forms(case: ReviewCase) -> dict:
    forms = {}
    if case.can_handle(current_user):
        if case.followed_up_at is None and case.state is not ReviewCaseState.closed:
            forms["follow_up"] = FollowupForm(prefix="follow_up")
        if case.state in (ReviewCaseState.open, ReviewCaseState.followed_up):
            forms["conclude"] = ConcludeForm(prefix="conclude")
        if case.state is ReviewCaseState.concluded:
            forms["close"] = CloseForm(prefix="close")
    if case.can_approve(current_user):
        forms["approval"] = ApprovalForm(prefix="approval")
    return forms


def _apply_case_form(case: ReviewCase, action: str, form) -> None:
    if action == "follow_up":
        operations.record_followup(case, current_user, form.note.data)
    elif action == "conclude":
        operations.conclude_case(case, current_user, ReviewConclusion(form.conclusion.data),
                                 form.note.data)
    elif action == "approval":
        operations.decide_malicious(case, current_user, form.decision.data == "approve",
                                    form.note.data)
    else:
        operations.report_back(case, current_user, form.note.data)


@bp.route("/cases/reviews/<int:case_id>", methods=["GET", "POST"])
@login_required
def review_case_detail(case_id: int):
    require_case_role()
    case = get_visible_or_404(ReviewCase, case_id)
    forms = _case_forms(case)
    status = 200
    if request.method == "POST":
        action = next((a for a in forms if f"{a}-action" in request.form), None)
        if action is None:
            abort(403 if not forms else 409)
        form = forms[action]
        if form.validate_on_submit():
            try:
                _apply_case_form(case, action, form)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                form_errors(form, error)
                status = error.status
                case = get_visible_or_404(ReviewCase, case_id)
            else:
                flash(_("Recorded."), "success")
                return redirect(url_for(".review_case_detail", case_id=case.id))
        else:
            status = 400
    review = case.review
    name, contact = citizen_for(current_user, review.citizen_name, review.citizen_contact)
    today = centre_today(case.centre_id)
    return render_template(
        "cases/review_case.html", case=case, review=review, forms=forms, citizen=name,
        contact=contact, today=today, days_left=working_days_left(today, case.due),
        overdue=case.is_overdue(today)), status


from . import review_routes  # noqa: E402,F401  (reviews, import and calendar pages)
