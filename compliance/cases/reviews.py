"""Reviews (好差评) and the rectification cases of bad reviews (SPEC §6; seed 002 篇一).

Every review is one service's evaluation. A level at or below the rulebook's
``bad_review_max_level`` is a bad review and opens a case at once: follow-up contact
(回访核实) and a conclusion within the rulebook's working days. A mistaken or malicious
conclusion (误评/恶意差评) takes the review out of the scores only once HR approves it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit import current_actor
from ..db import utcnow
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..org.models import Centre, Staff, Window
from ..scoring.store import rules_for
from ..timeutil import local_date
from .case_findings import review_case_finding
from .deadlines import review_case_dues
from .models import (CaseStep, Review, ReviewCase, ReviewCaseState, ReviewChannel,
                     ReviewConclusion)


@dataclass
class ReviewData:
    staff_no: str
    at: datetime
    level: int
    channel: ReviewChannel
    real_name: bool
    window_code: str | None = None
    comment: str = ""
    citizen_name: str | None = None
    citizen_contact: str | None = None
    external_id: str | None = None


def require_text(value: str | None, field: str, message) -> str:
    if not value or not value.strip():
        raise Invalid(message, {field: message})
    return value.strip()


def staff_in_scope(user, staff_no: str | None, field: str = "staff_no") -> Staff:
    """The person named by ``staff_no`` in the user's centre; unknown (or another centre's)
    is the same 400 so that nothing is learnt about other centres."""
    staff = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first() \
        if staff_no else None
    if staff is None or not user.in_centre(staff.centre_id):
        message = _("Unknown staff number %(no)s.", no=staff_no or "")
        raise Invalid(message, {field: message})
    return staff


def window_in_centre(centre_id: int, code: str, field: str = "window_code") -> Window:
    window = db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre_id, Window.code == code)).first()
    if window is None:
        message = _("Unknown window %(code)s.", code=code)
        raise Invalid(message, {field: message})
    return window


def is_bad(centre_id: int, day: date, level: int) -> bool:
    """Seed 002: levels 1–2 (不满意, 非常不满意) are bad reviews; the bound is the rulebook's."""
    return level <= rules_for(centre_id, day).cases.bad_review_max_level


def step(case, action: str, from_state, to_state, note: str = "") -> None:
    user_id, actor = current_actor()
    case.steps.append(CaseStep(
        action=action, from_state=from_state.value if from_state else None,
        to_state=to_state.value, user_id=user_id, actor=actor, note=note or ""))


def create_review(user, data: ReviewData, *, staff: Staff | None = None,
                  window: Window | None = None) -> Review:
    """Record one review (counter device, QR code, online or phone follow-up) and open the
    rectification case of a bad one. HR and admin of the person's centre record reviews."""
    if not user.is_manager:
        raise Forbidden(_("Only HR records reviews."))
    if not isinstance(data.level, int) or isinstance(data.level, bool) \
            or not 1 <= data.level <= 5:
        message = _("The level must be a whole number from 1 to 5.")
        raise Invalid(message, {"level": message})
    if data.at is None or data.at.tzinfo is None:
        message = _("The instant needs an offset, e.g. +08:00.")
        raise Invalid(message, {"at": message})
    staff = staff or staff_in_scope(user, data.staff_no)
    if window is None and data.window_code:
        window = window_in_centre(staff.centre_id, data.window_code)
    review = Review(centre_id=staff.centre_id, staff_id=staff.id, department_id=staff.department_id)
    if not review.can_edit(user):
        raise Forbidden(_("Only HR records reviews."))
    centre = db.session.get(Centre, staff.centre_id)
    day = local_date(data.at, centre.timezone)
    review.staff, review.window_id = staff, (window.id if window else staff.window_id)
    review.at, review.day, review.level, review.channel = data.at, day, data.level, data.channel
    review.real_name = bool(data.real_name)
    review.citizen_name = (data.citizen_name or "").strip() or None if data.real_name else None
    review.citizen_contact = (data.citizen_contact or "").strip() or None \
        if data.real_name else None
    review.comment = (data.comment or "").strip()
    review.external_id = data.external_id
    review.bad = is_bad(centre.id, day, data.level)
    review.recorded_by_id = current_actor()[0]
    db.session.add(review)
    if review.bad:
        open_case(review)
    db.session.flush()
    return review


def open_case(review: Review) -> ReviewCase:
    """Open the rectification case of a bad review with its two deadlines."""
    dues = review_case_dues(review.centre_id, review.day)
    case = ReviewCase(centre_id=review.centre_id, review=review, staff_id=review.staff_id,
                      department_id=review.department_id, opened_on=review.day,
                      contact_due=dues.contact, conclude_due=dues.conclude,
                      state=ReviewCaseState.open)
    db.session.add(case)
    step(case, "opened", None, ReviewCaseState.open)
    return case


def record_followup(case: ReviewCase, user, note: str) -> ReviewCase:
    """The follow-up contact with the citizen (回访核实) and what it found."""
    if not case.can_handle(user):
        raise Forbidden(_("Only HR or the unit lead follows up a bad review."))
    note = require_text(note, "note", _l("Write down what the follow-up found."))
    if case.followed_up_at is not None:
        raise Conflict(_("The follow-up of this case is already recorded."), code="illegal_state")
    if case.state is ReviewCaseState.closed:
        raise Conflict(_("This case is closed."), code="illegal_state")
    # A follow-up made late (after the conclusion) is still recorded: it counts for the
    # follow-up rate, and the case keeps its state.
    before = case.state
    if before is ReviewCaseState.open:
        case.state = ReviewCaseState.followed_up
    case.followed_up_at, case.followup_note = utcnow(), note
    step(case, "followed_up", before, case.state, note)
    db.session.flush()
    return case


def conclude_case(case: ReviewCase, user, conclusion: ReviewConclusion, note: str) -> ReviewCase:
    """Conclude a bad-review case. Substantiated: the note records the rectification and a
    finding is made against the person; mistaken/malicious: HR must approve before the
    review stops counting."""
    if not case.can_handle(user):
        raise Forbidden(_("Only HR or the unit lead concludes a bad-review case."))
    if not isinstance(conclusion, ReviewConclusion):
        message = _("Choose a conclusion.")
        raise Invalid(message, {"conclusion": message})
    message = _l("Write down the rectification made.") \
        if conclusion is ReviewConclusion.substantiated else _l("Give the reason.")
    note = require_text(note, "note", message)
    before = case.state
    if before not in (ReviewCaseState.open, ReviewCaseState.followed_up):
        raise Conflict(_("This case is already concluded."), code="illegal_state")
    case.conclusion, case.conclusion_note, case.concluded_at = conclusion, note, utcnow()
    if conclusion is ReviewConclusion.malicious:
        case.state = ReviewCaseState.pending_approval
        step(case, "approval_requested", before, case.state, note)
    else:
        case.state = ReviewCaseState.concluded
        step(case, "concluded", before, case.state, note)
        db.session.flush()
        if conclusion is ReviewConclusion.substantiated:
            case.finding_id = review_case_finding(case).id
    db.session.flush()
    return case


def decide_malicious(case: ReviewCase, user, approved: bool, note: str) -> ReviewCase:
    """HR approves a mistaken/malicious conclusion (the review is then excluded from the
    scores) or rejects it (the case goes back to its conclusion and the review counts)."""
    if not case.can_edit(user):
        raise Forbidden(_("Only HR approves a mistaken or malicious conclusion."))
    note = require_text(note, "note", _l("Give the reason for the decision."))
    if case.state is not ReviewCaseState.pending_approval:
        raise Conflict(_("This case awaits no approval."), code="illegal_state")
    if approved:
        case.state = ReviewCaseState.concluded
        case.review.excluded = True
        step(case, "approved", ReviewCaseState.pending_approval, case.state, note)
    else:
        case.state = ReviewCaseState.followed_up if case.followed_up_at \
            else ReviewCaseState.open
        case.conclusion, case.concluded_at = None, None
        step(case, "rejected", ReviewCaseState.pending_approval, case.state, note)
    db.session.flush()
    return case


def report_back(case: ReviewCase, user, note: str) -> ReviewCase:
    """Close a concluded case once the result (and any rectification) was reported back."""
    if not case.can_handle(user):
        raise Forbidden(_("Only HR or the unit lead closes a bad-review case."))
    note = require_text(note, "note", _l("Write down what was reported back."))
    if case.state is not ReviewCaseState.concluded:
        raise Conflict(_("Only a concluded case can be closed."), code="illegal_state")
    case.state = ReviewCaseState.closed
    step(case, "reported_back", ReviewCaseState.concluded, case.state, note)
    db.session.flush()
    return case


@dataclass
class FollowupRate:
    total: int
    followed: int
    target: int
    missing: list[ReviewCase]

    @property
    def percent(self) -> float:
        """100 % when there is nothing to follow up."""
        return 100.0 if self.total == 0 else round(100.0 * self.followed / self.total, 1)

    @property
    def on_target(self) -> bool:
        return self.percent >= self.target


def followup_rate(user, start: date, end: date, centre_id: int | None = None) -> FollowupRate:
    """Share of real-name bad reviews received in [start, end] whose follow-up contact is
    recorded (seed 002: 实名差评回访率 100 %), with the cases still missing it."""
    stmt = (sa.select(ReviewCase).join(Review, ReviewCase.review_id == Review.id)
            .where(ReviewCase.visible_clause(user), Review.real_name,
                   Review.day.between(start, end)))
    if centre_id is not None:
        stmt = stmt.where(ReviewCase.centre_id == centre_id)
    cases = db.session.scalars(stmt.order_by(Review.day, ReviewCase.id)).all()
    missing = [c for c in cases if c.followed_up_at is None]
    target_centre = centre_id or user.centre_id
    target = rules_for(target_centre, end).cases.real_name_followup_target
    return FollowupRate(total=len(cases), followed=len(cases) - len(missing), target=target,
                        missing=missing)
