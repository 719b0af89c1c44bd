"""Daily reminders of overdue cases (SPEC §6: overdue cases are flagged and reminded daily).

The person responsible is reminded in the app: the complaint's assignee, otherwise the HR
logins of the centre (the deployment-wide ones when the centre has none). One reminder per
case, person and day, however often the job runs.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..auth.models import Role, User
from ..extensions import db
from ..notifications import notify
from .models import Complaint, ComplaintState, ReviewCase, ReviewCaseState


def _link(endpoint: str, **values) -> str:
    """A path inside the app, also from a job (no request: a neutral one is made)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def _hr_of(centre_id: int, cache: dict[int, list[int]]) -> list[int]:
    if centre_id not in cache:
        base = sa.select(User.id).where(User.active, User.role == Role.hr)
        ids = list(db.session.scalars(base.where(User.centre_id == centre_id)))
        if not ids:
            ids = list(db.session.scalars(base.where(User.centre_id.is_(None))))
        cache[centre_id] = ids
    return cache[centre_id]


def overdue_complaints(today: date, centre_id: int | None = None):
    """Open complaints whose next step's deadline is before ``today`` (one query)."""
    due = sa.case(
        (Complaint.state == ComplaintState.received, Complaint.assign_due),
        (Complaint.state.in_([ComplaintState.assigned, ComplaintState.investigating]),
         Complaint.conclude_due),
        (Complaint.state == ComplaintState.concluded, Complaint.answer_due),
        else_=Complaint.close_due)
    stmt = sa.select(Complaint).where(Complaint.state != ComplaintState.closed, due < today)
    if centre_id is not None:
        stmt = stmt.where(Complaint.centre_id == centre_id)
    return db.session.scalars(stmt.order_by(Complaint.id)).all()


def overdue_review_cases(today: date, centre_id: int | None = None):
    """Open bad-review cases past their contact or conclusion deadline."""
    stmt = sa.select(ReviewCase).where(
        ReviewCase.state.in_([s for s in ReviewCaseState if s.is_open]),
        sa.or_(ReviewCase.conclude_due < today,
               sa.and_(ReviewCase.state == ReviewCaseState.open, ReviewCase.contact_due < today)))
    if centre_id is not None:
        stmt = stmt.where(ReviewCase.centre_id == centre_id)
    # The contact deadline binds real-name reviews only (an anonymous citizen has no contact).
    return [c for c in db.session.scalars(stmt.order_by(ReviewCase.id)) if c.is_overdue(today)]


def send_deadline_reminders(today: date) -> int:
    """Remind the people responsible for every overdue case; returns the reminders created
    (0 on a second run the same day)."""
    created = 0
    hr_cache: dict[int, list[int]] = {}
    with force_locale("zh_CN"):
        for complaint in overdue_complaints(today):
            people = [complaint.assignee_id] if complaint.assignee_id \
                else _hr_of(complaint.centre_id, hr_cache)
            text = _("Complaint #%(id)d is overdue: %(state)s, due %(due)s.",
                     id=complaint.id, state=complaint.state.label, due=complaint.due)
            link = _link("cases.complaint_detail", complaint_id=complaint.id)
            for user_id in people:
                created += notify(user_id, text, link,
                                  key=f"overdue:complaint:{complaint.id}:{today}") is not None
        for case in overdue_review_cases(today):
            text = _("Bad-review case #%(id)d is overdue: %(state)s, due %(due)s.",
                     id=case.id, state=case.state.label, due=case.due)
            link = _link("cases.review_case_detail", case_id=case.id)
            for user_id in _hr_of(case.centre_id, hr_cache):
                created += notify(user_id, text, link,
                                  key=f"overdue:review:{case.id}:{today}") is not None
    db.session.flush()
    return created
