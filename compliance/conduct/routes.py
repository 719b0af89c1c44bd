"""Findings pages: a person's findings with evidence, appeal, and HR's decision; the evidence
files are served only after the finding's own access check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..auth.permissions import check_access, get_visible_or_404, visible
from ..errors import DomainError
from ..extensions import db
from ..org.models import Staff
from ..uploads import absolute_path
from . import operations
from .models import Evidence, Finding, FindingState

bp = Blueprint("conduct", __name__)

# Pages of the records findings come from, by the prefix of ``Finding.source_ref``
# ("inspection:12" → the inspection report); feature packages register theirs.
SOURCE_PAGES: dict[str, tuple[str, str]] = {}


def register_source_page(prefix: str, endpoint: str, argument: str) -> None:
    SOURCE_PAGES[prefix] = (endpoint, argument)


def source_page(finding: Finding) -> str | None:
    prefix, _sep, ident = finding.source_ref.partition(":")
    if prefix not in SOURCE_PAGES or not ident.isdigit():
        return None
    endpoint, argument = SOURCE_PAGES[prefix]
    return url_for(endpoint, **{argument: int(ident)})


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Why the finding is wrong"),
                           validators=[DataRequired(), Length(max=2000)])


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[
        ("uphold", _l("Reject the appeal: the finding stands")),
        ("overturn", _l("Overturn: the finding counts for nothing"))],
        validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


def _posted(form) -> bool:
    """Validate a prefixed form only when it is the one that was posted."""
    return request.method == "POST" and f"{form._prefix}reason" in request.form and \
        form.validate_on_submit()


@bp.route("/findings")
@login_required
def findings():
    stmt = visible(Finding).order_by(Finding.at.desc())
    state = request.args.get("state")
    if state in {s.value for s in FindingState}:
        stmt = stmt.where(Finding.state == FindingState(state))
    staff_no = request.args.get("staff_no", "").strip()
    if staff_no:
        stmt = stmt.join(Staff, Finding.staff_id == Staff.id).where(Staff.staff_no == staff_no)
    rows = db.session.scalars(stmt.limit(500)).all()
    return render_template("conduct/findings.html", findings=rows, state=state,
                           staff_no=staff_no, states=list(FindingState))


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
@login_required
def finding_detail(finding_id: int):
    finding = get_visible_or_404(Finding, finding_id)
    appeal_form = AppealForm(prefix="appeal")
    decision_form = DecisionForm(prefix="decision")
    try:
        if finding.can_appeal(current_user) and _posted(appeal_form):
            operations.appeal(finding, current_user, appeal_form.reason.data)
            db.session.commit()
            flash(_("Your appeal has been sent to HR."), "success")
            return redirect(url_for(".finding_detail", finding_id=finding.id))
        if finding.can_decide(current_user) and _posted(decision_form):
            operations.decide(finding, current_user, decision_form.outcome.data == "uphold",
                              decision_form.reason.data)
            db.session.commit()
            flash(_("The decision has been recorded."), "success")
            return redirect(url_for(".finding_detail", finding_id=finding.id))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    if request.method == "POST" and not (finding.can_appeal(current_user)
                                         or finding.can_decide(current_user)):
        abort(403)
    return render_template("conduct/finding.html", finding=finding, appeal_form=appeal_form,
                           decision_form=decision_form, source_url=source_page(finding))


@bp.route("/evidence/<int:evidence_id>/<any(full, thumb):size>")
@login_required
def evidence_file(evidence_id: int, size: str):
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    if evidence.finding is not None:
        check_access(evidence.finding)
    elif not (current_user.is_manager or current_user.is_inspector) or \
            not current_user.in_centre(evidence.centre_id):
        abort(403)  # not yet attached to a finding: only who collects evidence sees it
    path = absolute_path(evidence.thumb_path if size == "thumb" else evidence.path)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
