"""Complaints (投诉) from every channel and their state machine (SPEC §6; seed 004 第十条四).

received → assigned → investigating → concluded → answered → closed, one step at a time; any
other move is refused (409 ``illegal_state``) and changes nothing. Each step keeps who, when
and a note. Deadlines are working days after receipt from the rulebook. A substantiated or
partly substantiated conclusion makes a finding against the person (or window).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Role, User
from ..db import utcnow
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..org.models import Centre, Staff, Window
from ..scoring.store import rules_for
from ..timeutil import local_date
from .case_findings import complaint_finding
from .deadlines import complaint_dues
from .models import (Complaint, ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                     ComplaintState)
from .reviews import require_text, staff_in_scope, step, window_in_centre

NAME_MAX, CONTACT_MAX = 100, 100


@dataclass
class ComplaintData:
    channel: ComplaintChannel
    category: ComplaintCategory
    text: str
    staff_no: str | None = None
    window_code: str | None = None
    complainant: str | None = None
    contact: str | None = None
    received_at: datetime | None = None


def _subject(user, data: ComplaintData) -> tuple[Centre, Staff | None, Window | None]:
    staff = staff_in_scope(user, data.staff_no) if data.staff_no else None
    window = None
    if data.window_code:
        centre_id = staff.centre_id if staff else user.centre_id
        if centre_id is None:  # a deployment-wide login naming a window only
            found = db.session.scalars(sa.select(Window).where(
                Window.code == data.window_code)).all()
            if len(found) != 1:
                message = _("Name the person, or log in to one centre, to name a window.")
                raise Invalid(message, {"window_code": message})
            centre_id = found[0].centre_id
        window = window_in_centre(centre_id, data.window_code)
    if staff is None and window is None:
        message = _("Name the person or the window complained about.")
        raise Invalid(message, {"staff_no": message, "window_code": message})
    centre = db.session.get(Centre, staff.centre_id if staff else window.centre_id)
    return centre, staff, window


def create_complaint(user, data: ComplaintData) -> Complaint:
    """Receive a complaint; its four deadlines are set from the day of receipt."""
    if not user.is_manager:
        raise Forbidden(_("Only HR receives complaints."))
    text = require_text(data.text, "text", _l("Write down what the complaint says."))
    for field, value, limit in (("complainant", data.complainant, NAME_MAX),
                                ("contact", data.contact, CONTACT_MAX)):
        if value and len(value) > limit:
            message = _("Longer than %(n)s characters.", n=limit)
            raise Invalid(message, {field: message})
    centre, staff, window = _subject(user, data)
    received_at = data.received_at or utcnow()
    if received_at.tzinfo is None:
        message = _("The instant needs an offset, e.g. +08:00.")
        raise Invalid(message, {"received_at": message})
    complaint = Complaint(centre_id=centre.id,
                          department_id=staff.department_id if staff else window.department_id)
    if not complaint.can_edit(user):
        raise Forbidden(_("Only HR receives complaints."))
    day = local_date(received_at, centre.timezone)
    dues = complaint_dues(centre.id, day)
    complaint.channel, complaint.category, complaint.text = data.channel, data.category, text
    complaint.complainant = (data.complainant or "").strip() or None
    complaint.contact = (data.contact or "").strip() or None
    complaint.staff, complaint.window = staff, window
    complaint.received_at, complaint.received_on = received_at, day
    complaint.assign_due, complaint.conclude_due = dues.assign, dues.conclude
    complaint.answer_due, complaint.close_due = dues.answer, dues.close
    complaint.state = ComplaintState.received
    db.session.add(complaint)
    step(complaint, "received", None, ComplaintState.received)
    db.session.flush()
    return complaint


def assignable_users(complaint: Complaint) -> list[User]:
    """Who may be given a complaint: HR/admin of its centre and the unit lead of its unit."""
    stmt = sa.select(User).where(User.active, sa.or_(
        sa.and_(User.role.in_([Role.hr, Role.admin]),
                sa.or_(User.centre_id == complaint.centre_id, User.centre_id.is_(None))),
        sa.and_(User.role == Role.unit_lead, User.department_id == complaint.department_id)))
    return list(db.session.scalars(stmt.order_by(User.username)))


def _assignee(complaint: Complaint, user, username: str | None) -> User:
    if not username:
        return user
    chosen = next((u for u in assignable_users(complaint) if u.username == username), None)
    if chosen is None:
        message = _("%(name)s cannot handle this complaint.", name=username)
        raise Invalid(message, {"assignee": message})
    return chosen


def transition(complaint: Complaint, user, target: ComplaintState, note: str = "",
               conclusion: ComplaintConclusion | None = None,
               assignee: str | None = None) -> Complaint:
    """Move a complaint one step on. Refused with 403 when the role may not make that step,
    409 ``illegal_state`` when the step does not follow the current state; nothing changes
    then. Concluding needs the conclusion; answering needs the feedback given."""
    if not complaint.can_move(user, target):
        raise Forbidden(_("Your role may not make this step."))
    before = complaint.state
    if not before.may_become(target):
        raise Conflict(_("A complaint that is %(state)s cannot become %(target)s.",
                         state=before.label, target=target.label), code="illegal_state")
    note = (note or "").strip()
    if target is ComplaintState.concluded:
        if conclusion is None:
            message = _("Choose the conclusion.")
            raise Invalid(message, {"conclusion": message})
        require_text(note, "note", _l("Write down what the investigation found."))
    elif conclusion is not None:
        message = _("A conclusion is given only when concluding.")
        raise Invalid(message, {"conclusion": message})
    if target is ComplaintState.answered:
        require_text(note, "note", _l("Write down the answer given to the complainant."))
    if assignee and target is not ComplaintState.assigned:
        message = _("A person is chosen only when assigning.")
        raise Invalid(message, {"assignee": message})
    if target is ComplaintState.assigned:
        complaint.assignee_id = _assignee(complaint, user, assignee).id
    if target is ComplaintState.concluded:
        complaint.conclusion = conclusion
    if target is ComplaintState.answered:
        complaint.feedback = note
    complaint.state = target
    step(complaint, target.value, before, target, note)
    db.session.flush()
    if target is ComplaintState.concluded and is_substantiated(complaint):
        complaint.finding_id = complaint_finding(complaint).id
        db.session.flush()
    return complaint


def is_substantiated(complaint: Complaint) -> bool:
    """Outcomes that count against the person (rulebook ``quarterly.substantiated_outcomes``:
    属实, 部分属实)."""
    if complaint.conclusion is None:
        return False
    rules = rules_for(complaint.centre_id, complaint.received_on)
    return complaint.conclusion.value in rules.quarterly.substantiated_outcomes
