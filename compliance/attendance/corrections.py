"""Punch corrections (补卡, SPEC §3.2): a person asks for a missing clock-in or clock-out of a
rostered session with a reason; the unit lead of their department or HR approves or rejects;
at most the rulebook's ``corrections_per_month`` are approved per person and calendar month
(the month of the corrected day). The requester may withdraw a pending request.

One truth: an approved ``PunchCorrection`` *is* the corrected clock. The recompute reads the
approved corrections (``inputs.approved_corrections``) and the rules let each act as its
session's clock-in or clock-out (``rules._apply_corrections``). No ``Punch`` row is written
for it: such a row would take part in the 60-second de-duplication of real punches and could
swallow a real punch, and the recompute ignores punches of source ``correction`` anyway.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import current_actor
from ..db import utcnow
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..org.models import Staff
from . import inputs
from .access import check_may_file
from .compute import recompute
from .models import RosterEntry
from .requests import CorrectionKind, PunchCorrection, RequestState
from .rules import session_windows


@dataclass(frozen=True)
class CorrectionData:
    staff: Staff
    day: date
    session: str
    kind: CorrectionKind
    time: time
    reason: str


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def monthly_cap(staff: Staff, day: date) -> int:
    """The rulebook's ``corrections_per_month`` in force on ``day`` for the person's centre."""
    from ..scoring.store import rules_for

    return rules_for(staff.centre_id, day).attendance.corrections_per_month


def approved_in_month(staff_id: int, day: date, exclude_id: int | None = None) -> int:
    """Approved corrections of a person whose corrected day lies in ``day``'s month."""
    first, last = month_bounds(day)
    stmt = sa.select(sa.func.count()).select_from(PunchCorrection).where(
        PunchCorrection.staff_id == staff_id, PunchCorrection.state == RequestState.approved,
        PunchCorrection.day.between(first, last))
    if exclude_id is not None:
        stmt = stmt.where(PunchCorrection.id != exclude_id)
    return db.session.scalar(stmt) or 0


@dataclass(frozen=True)
class CapUse:
    used: int
    cap: int

    @property
    def left(self) -> int:
        return max(self.cap - self.used, 0)

    @property
    def full(self) -> bool:
        return self.used >= self.cap


def cap_use(staff: Staff, day: date) -> CapUse:
    """How many of the month's approved corrections a person has used."""
    return CapUse(approved_in_month(staff.id, day), monthly_cap(staff, day))


def _over_cap_error(staff: Staff, day: date, use: CapUse) -> Invalid:
    message = _("%(name)s already has %(used)d approved corrections in %(month)s; at most "
                "%(cap)d are allowed per month.", name=staff.name, used=use.used,
                month=day.strftime("%Y-%m"), cap=use.cap)
    return Invalid(message, {"date": message}, code="over_cap")


def correction_instant(data: CorrectionData) -> datetime:
    """The asked-for instant (UTC), checked against the person's roster of the day: the
    session must be rostered and the time must lie in the session's punch window."""
    entry = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == data.staff.id, RosterEntry.day == data.day)).first()
    if entry is None:
        message = _("%(name)s is not rostered on %(day)s.", name=data.staff.name,
                    day=data.day.isoformat())
        raise Invalid(message, {"date": message})
    if data.session not in entry.rostered_sessions():
        message = _("Session %(session)s is not rostered on %(day)s (rostered: %(names)s).",
                    session=data.session, day=data.day.isoformat(),
                    names=", ".join(sorted(entry.rostered_sessions())) or "—")
        raise Invalid(message, {"session": message})
    tz = inputs.centre_zone(data.staff.centre_id)
    from ..timeutil import at_local

    at = at_local(data.day, data.time, tz)
    for session, opens, closes in session_windows(entry.shift.definition(), data.day, tz):
        if session.name == data.session and not opens <= at < closes:
            message = _("%(time)s is outside the punch window of session %(session)s.",
                        time=data.time.strftime("%H:%M"), session=data.session)
            raise Invalid(message, {"time": message})
    return at


def request_correction(user, data: CorrectionData, *, now: datetime | None = None
                       ) -> PunchCorrection:
    """File a correction; it waits for a decision. Refused (nothing stored): a session not
    rostered, a time outside its window or in the future, no reason, the same end already
    asked for, or the month's cap already used up."""
    check_may_file(user, data.staff)
    now = now or utcnow()
    if not data.reason.strip():
        message = _("Give the reason for the correction.")
        raise Invalid(message, {"reason": message})
    at = correction_instant(data)
    if at > now:
        message = _("%(time)s is in the future.", time=data.time.strftime("%H:%M"))
        raise Invalid(message, {"time": message})
    same = db.session.scalar(sa.select(PunchCorrection.id).where(
        PunchCorrection.staff_id == data.staff.id, PunchCorrection.day == data.day,
        PunchCorrection.session == data.session, PunchCorrection.kind == data.kind,
        PunchCorrection.state.in_([RequestState.pending, RequestState.approved])).limit(1))
    if same is not None:
        message = _("Correction #%(id)d already asks for this clock.", id=same)
        raise Invalid(message, {"kind": message})
    use = cap_use(data.staff, data.day)
    if use.full:
        raise _over_cap_error(data.staff, data.day, use)
    user_id, _actor = current_actor()
    correction = PunchCorrection(
        centre_id=data.staff.centre_id, staff_id=data.staff.id,
        department_id=data.staff.department_id, day=data.day, session=data.session,
        kind=data.kind, at=at, reason=data.reason.strip(), state=RequestState.pending,
        requested_by_id=user_id)
    correction.staff = data.staff
    db.session.add(correction)
    db.session.flush()
    return correction


def _check_decider(correction: PunchCorrection, user) -> None:
    if not correction.can_decide(user):
        raise Forbidden(_("Only the unit lead of the person's department or HR decides."))


def _decided(correction: PunchCorrection, state: RequestState, note: str) -> None:
    user_id, _actor = current_actor()
    correction.state, correction.decided_by_id = state, user_id
    correction.decided_at = utcnow()
    correction.decision_note = (note or "").strip()


def _lock_person(staff_id: int) -> None:
    """Serialise approvals of one person (PostgreSQL row lock; SQLite writes are serial), so
    two approvals at once cannot both pass the monthly cap."""
    db.session.execute(sa.select(Staff.id).where(Staff.id == staff_id).with_for_update())


def approve(correction: PunchCorrection, user, note: str = "") -> PunchCorrection:
    """Approve a pending correction; its day is recomputed. Over the monthly cap: ``Invalid``
    naming ``date``, nothing changed."""
    _check_decider(correction, user)
    if not correction.state.is_pending:
        raise Conflict(_("Only a pending request can be approved."), code="illegal_state")
    _lock_person(correction.staff_id)
    use = CapUse(approved_in_month(correction.staff_id, correction.day, correction.id),
                 monthly_cap(correction.staff, correction.day))
    if use.full:
        raise _over_cap_error(correction.staff, correction.day, use)
    _decided(correction, RequestState.approved, note)
    db.session.flush()
    recompute(correction.staff, {correction.day})
    return correction


def reject(correction: PunchCorrection, user, note: str) -> PunchCorrection:
    """Refuse a pending correction, with the reason."""
    _check_decider(correction, user)
    if not correction.state.is_pending:
        raise Conflict(_("Only a pending request can be rejected."), code="illegal_state")
    if not (note or "").strip():
        message = _("Give the reason for the decision.")
        raise Invalid(message, {"note": message})
    _decided(correction, RequestState.rejected, note)
    db.session.flush()
    return correction


def cancel(correction: PunchCorrection, user) -> PunchCorrection:
    """The requester (the person it is about, or whoever filed it) withdraws it while it is
    pending."""
    own = (user.is_staff and user.staff_id == correction.staff_id) or \
        correction.requested_by_id == user.id
    if not own:
        raise Forbidden(_("Only the person who asked can withdraw this request."))
    if not correction.state.is_pending:
        raise Conflict(_("Only a pending request can be withdrawn."), code="illegal_state")
    _decided(correction, RequestState.cancelled, "")
    db.session.flush()
    return correction
