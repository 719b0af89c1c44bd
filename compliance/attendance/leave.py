"""Leave (请休假, SPEC §3.3; seed 004 第十二条二): requests by half-day session, decided by
the unit lead of the person's department or HR; seconded staff name a substitute (替岗人员)
who must be free and is then rostered into the leave's sessions at the leave-taker's window.

A *cover* is that roster: ``RosterEntry.cover_*`` of the substitute's day. Covers are derived
from the approved leave and the leave-taker's roster by ``sync_covers`` (idempotent), so a
roster written after the approval gets its cover too; rejecting or cancelling the leave
removes them. Every change recomputes the days it touches.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import current_actor
from ..db import utcnow
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..org.models import Employment, Staff
from .access import check_may_file
from .compute import recompute
from .models import RosterEntry, join_sessions
from .requests import HalfDay, LeaveRequest, LeaveType, RequestState
from .rules import half_day_of

MAX_LEAVE_DAYS = 366  # one request spans at most a year (maternity leave is 158 days)


@dataclass(frozen=True)
class LeaveData:
    staff: Staff
    type: LeaveType
    from_date: date
    from_session: HalfDay
    to_date: date
    to_session: HalfDay
    reason: str
    substitute: Staff | None = None


def needs_substitute(staff: Staff) -> bool:
    """Seconded staff arrange a substitute before their leave (seed 004 第十二条二(二))."""
    return staff.employment is Employment.seconded or staff.department.kind.is_seconded


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _overlapping(staff_id: int, first: date, last: date, states, exclude_id=None):
    stmt = sa.select(LeaveRequest).where(
        LeaveRequest.staff_id == staff_id, LeaveRequest.state.in_(states),
        LeaveRequest.from_date <= last, LeaveRequest.to_date >= first)
    if exclude_id is not None:
        stmt = stmt.where(LeaveRequest.id != exclude_id)
    return list(db.session.scalars(stmt))


def _overlaps(a: LeaveRequest | LeaveData, b: LeaveRequest) -> bool:
    return (a.from_date, a.from_session.order) <= (b.to_date, b.to_session.order) and \
        (b.from_date, b.from_session.order) <= (a.to_date, a.to_session.order)


def _covered_sessions(leave: LeaveRequest | LeaveData, entry: RosterEntry) -> list[str]:
    """The sessions of a rostered day of the leave-taker that the leave covers."""
    rostered = entry.rostered_sessions()
    return [s.name for s in entry.shift.sessions
            if s.name in rostered and _in_leave(leave, entry.day, s.definition())]


def _in_leave(leave, day: date, session) -> bool:
    key = (day, HalfDay(half_day_of(session)).order)
    return (leave.from_date, leave.from_session.order) <= key <= \
        (leave.to_date, leave.to_session.order)


def needed_covers(leave: LeaveRequest | LeaveData) -> dict[date, tuple[RosterEntry, list[str]]]:
    """For each rostered day of the leave-taker within the leave: their entry and the
    sessions a substitute sits in."""
    entries = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == leave.staff.id,
        RosterEntry.day.between(leave.from_date, leave.to_date)))
    needed = {}
    for entry in entries:
        sessions = _covered_sessions(leave, entry)
        if sessions:
            needed[entry.day] = (entry, sessions)
    return needed


def substitute_problems(leave: LeaveRequest | LeaveData, substitute: Staff,
                        leave_id: int | None = None) -> list[str]:
    """Why a person cannot be the substitute of a leave (empty: they are free).

    Free means: another active person of the same centre, not on approved leave in the
    leave's sessions, and not rostered (for their own work or another cover) in any session
    they would cover; on a day they have their own roster, it must be on the same shift.
    """
    staff = leave.staff
    if substitute.id == staff.id:
        return [_("A person cannot be their own substitute.")]
    if substitute.centre_id != staff.centre_id or not substitute.active:
        return [_("%(no)s is not an active person of this centre.", no=substitute.staff_no)]
    problems = []
    for other in _overlapping(substitute.id, leave.from_date, leave.to_date,
                              [RequestState.approved]):
        if _overlaps(leave, other):
            problems.append(_("%(name)s is on leave from %(first)s to %(last)s.",
                              name=substitute.name, first=other.from_date.isoformat(),
                              last=other.to_date.isoformat()))
            break
    entries = {e.day: e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == substitute.id,
        RosterEntry.day.between(leave.from_date, leave.to_date)))}
    for day, (taker_entry, sessions) in sorted(needed_covers(leave).items()):
        entry = entries.get(day)
        if entry is None:
            continue
        if entry.cover_leave_id is not None and entry.cover_leave_id != leave_id:
            problems.append(_("%(name)s already covers for another leave on %(day)s.",
                              name=substitute.name, day=day.isoformat()))
        busy = set(entry.own_sessions()) & set(sessions)
        if busy:
            problems.append(_("%(name)s is rostered on %(day)s (%(sessions)s).",
                              name=substitute.name, day=day.isoformat(),
                              sessions=", ".join(sorted(busy))))
        elif entry.own_sessions() and entry.shift_id != taker_entry.shift_id:
            problems.append(_("%(name)s works another shift on %(day)s.",
                              name=substitute.name, day=day.isoformat()))
    return problems


def _check_request(data: LeaveData, exclude_id: int | None = None) -> None:
    if (data.to_date, data.to_session.order) < (data.from_date, data.from_session.order):
        message = _("The leave must end after it starts.")
        raise Invalid(message, {"to_date": message})
    if (data.to_date - data.from_date).days >= MAX_LEAVE_DAYS:
        message = _("One request covers at most %(n)d days.", n=MAX_LEAVE_DAYS)
        raise Invalid(message, {"to_date": message})
    if not data.reason.strip():
        message = _("Give the reason for the leave.")
        raise Invalid(message, {"reason": message})
    for other in _overlapping(data.staff.id, data.from_date, data.to_date,
                              [RequestState.pending, RequestState.approved], exclude_id):
        if _overlaps(data, other):
            message = _("This overlaps leave request #%(id)d (%(first)s to %(last)s).",
                        id=other.id, first=other.from_date.isoformat(),
                        last=other.to_date.isoformat())
            raise Invalid(message, {"from_date": message})
    if data.substitute is not None:
        problems = substitute_problems(data, data.substitute, exclude_id)
        if problems:
            raise Invalid(problems[0], {"substitute_staff_no": " ".join(problems)})


def request_leave(data: LeaveData, user=None) -> LeaveRequest:
    """A person (or someone acting for them) asks for leave; it waits for a decision. With
    ``user``: staff file only for themselves, a unit lead for their department, HR for
    their centre (``access.may_file_for``)."""
    if user is not None:
        check_may_file(user, data.staff)
    _check_request(data)
    user_id, _actor = current_actor()
    leave = LeaveRequest(
        centre_id=data.staff.centre_id, staff_id=data.staff.id,
        department_id=data.staff.department_id, type=data.type, from_date=data.from_date,
        from_session=data.from_session, to_date=data.to_date, to_session=data.to_session,
        reason=data.reason.strip(), substitute_id=data.substitute.id if data.substitute else None,
        state=RequestState.pending, requested_by_id=user_id)
    leave.staff, leave.substitute = data.staff, data.substitute
    db.session.add(leave)
    db.session.flush()
    return leave


def _decided(leave: LeaveRequest, state: RequestState, note: str) -> None:
    user_id, _actor = current_actor()
    leave.state, leave.decided_by_id = state, user_id
    leave.decided_at = utcnow()
    leave.decision_note = (note or "").strip()


def approve(leave: LeaveRequest, user, note: str = "",
            substitute: Staff | None = None) -> LeaveRequest:
    """The unit lead of the person's department or HR approves a pending request. Seconded
    staff's leave needs a free substitute, who is rostered into its sessions; the decider
    may name (or change) the substitute with the approval."""
    if not leave.can_decide(user):
        raise Forbidden(_("Only the unit lead of the person's department or HR decides."))
    if not leave.state.is_pending:
        raise Conflict(_("Only a pending request can be approved."), code="illegal_state")
    if substitute is not None and substitute.id != leave.substitute_id:
        problems = substitute_problems(leave, substitute, leave.id)
        if problems:
            raise Invalid(problems[0], {"substitute_staff_no": " ".join(problems)})
        leave.substitute_id, leave.substitute = substitute.id, substitute
    if needs_substitute(leave.staff) and leave.substitute is None:
        message = _("Leave of seconded staff needs a substitute before it is approved.")
        raise Invalid(message, {"substitute_staff_no": message})
    if leave.substitute is not None:
        problems = substitute_problems(leave, leave.substitute, leave.id)
        if problems:
            raise Invalid(problems[0], {"substitute_staff_no": " ".join(problems)})
    busy = covering_in(leave)
    if busy:
        raise Conflict(busy, code="covering")
    _decided(leave, RequestState.approved, note)
    db.session.flush()
    sync_covers(leave)
    _recompute(leave)
    return leave


def covering_in(leave: LeaveRequest) -> str | None:
    """A reason to refuse approving leave of a person who covers for someone in it."""
    entries = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == leave.staff_id, RosterEntry.cover_leave_id.is_not(None),
        RosterEntry.day.between(leave.from_date, leave.to_date)))
    for entry in entries:
        for name in entry.covered_sessions():
            session = next(s for s in entry.shift.sessions if s.name == name)
            if _in_leave(leave, entry.day, session.definition()):
                return _("%(name)s covers for a colleague's leave on %(day)s; find another "
                         "substitute for it first.", name=leave.staff.name,
                         day=entry.day.isoformat())
    return None


def reject(leave: LeaveRequest, user, note: str) -> LeaveRequest:
    """Refuse a pending request, with the reason. A request is decided once: an approved
    one is withdrawn with ``cancel`` (its covers go), not rejected."""
    if not leave.can_decide(user):
        raise Forbidden(_("Only the unit lead of the person's department or HR decides."))
    if not leave.state.is_pending:
        raise Conflict(_("Only a pending request can be rejected."), code="illegal_state")
    if not (note or "").strip():
        message = _("Give the reason for the decision.")
        raise Invalid(message, {"note": message})
    _decided(leave, RequestState.rejected, note)
    db.session.flush()
    return leave


def cancel(leave: LeaveRequest, user, note: str = "") -> LeaveRequest:
    """The person withdraws their own pending request; a decider may also withdraw an
    approved one (its covers go)."""
    if not leave.can_cancel(user):
        raise Forbidden(_("Only the person or a decider can cancel this request."))
    if leave.state not in (RequestState.pending, RequestState.approved):
        raise Conflict(_("Only a pending or approved request can be cancelled."),
                       code="illegal_state")
    if leave.state.is_approved and not leave.can_decide(user):
        raise Forbidden(_("Approved leave is withdrawn by the unit lead or HR."))
    was_approved = leave.state.is_approved
    _decided(leave, RequestState.cancelled, note)
    db.session.flush()
    if was_approved:
        touched = remove_covers(leave)
        _recompute(leave, touched)
    return leave


def remove_covers(leave: LeaveRequest) -> dict[int, set[date]]:
    """Take the substitute's covers of this leave off the roster; returns the touched days."""
    touched: dict[int, set[date]] = defaultdict(set)
    for entry in db.session.scalars(sa.select(RosterEntry).where(
            RosterEntry.cover_leave_id == leave.id)):
        touched[entry.staff_id].add(entry.day)
        _drop_cover(entry)
    db.session.flush()
    return touched


def _drop_cover(entry: RosterEntry) -> None:
    if entry.sessions == "":  # the entry existed only for the cover
        db.session.delete(entry)
    else:
        entry.cover_leave_id = entry.cover_window_id = entry.cover_sessions = None


def sync_covers(leave: LeaveRequest) -> dict[int, set[date]]:
    """Make the substitute's covers match an approved leave and the leave-taker's roster
    (idempotent). A day where the substitute is not free is left without a cover (the leave
    page lists it); returns the days touched, by staff id."""
    touched: dict[int, set[date]] = defaultdict(set)
    substitute = leave.substitute
    wanted = needed_covers(leave) if leave.state.is_approved and substitute else {}
    existing = {e.day: e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.cover_leave_id == leave.id))}
    for day, entry in existing.items():
        if day not in wanted or entry.staff_id != substitute.id:
            touched[entry.staff_id].add(day)
            _drop_cover(entry)
    db.session.flush()
    if not wanted:
        return touched
    own = {e.day: e for e in db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == substitute.id,
        RosterEntry.day.between(leave.from_date, leave.to_date)))}
    for day, (taker_entry, sessions) in wanted.items():
        entry = own.get(day)
        window_id = taker_entry.window_id_for(sessions[0])
        if entry is not None and entry.cover_leave_id not in (None, leave.id):
            continue
        if entry is not None and (set(entry.own_sessions()) & set(sessions) or (
                entry.own_sessions() and entry.shift_id != taker_entry.shift_id)):
            continue
        if entry is None:
            entry = RosterEntry(centre_id=leave.centre_id, staff_id=substitute.id, day=day,
                                shift_id=taker_entry.shift_id, window_id=window_id,
                                sessions="")
            db.session.add(entry)
        elif not entry.own_sessions():
            entry.shift_id = taker_entry.shift_id
        entry.cover_leave_id, entry.cover_window_id = leave.id, window_id
        entry.cover_sessions = join_sessions(sessions)
        if entry.id is None or db.session.is_modified(entry):
            touched[substitute.id].add(day)
    db.session.flush()
    return touched


def uncovered_days(leave: LeaveRequest) -> list[date]:
    """Rostered days of an approved leave with a substitute where no cover could be made."""
    if not leave.state.is_approved or leave.substitute_id is None:
        return []
    covered = set(db.session.scalars(sa.select(RosterEntry.day).where(
        RosterEntry.cover_leave_id == leave.id)))
    return sorted(day for day in needed_covers(leave) if day not in covered)


def _recompute(leave: LeaveRequest, touched: dict[int, set[date]] | None = None) -> None:
    days = set(_days(leave.from_date, leave.to_date))
    recompute(leave.staff, days)
    extra = touched or {}
    if leave.substitute is not None:
        extra = {**extra, leave.substitute.id: set(extra.get(leave.substitute.id, set()))
                 | {e.day for e in db.session.scalars(sa.select(RosterEntry).where(
                     RosterEntry.cover_leave_id == leave.id))}}
    for staff_id, staff_days in extra.items():
        if staff_id != leave.staff_id and staff_days:
            recompute(db.session.get(Staff, staff_id), staff_days)


def covers_for_roster_change(staff_id: int, days: set[date]) -> dict[int, set[date]]:
    """After the leave-taker's roster changed on some days: bring the covers of their approved
    leave with a substitute up to date; returns the substitutes' touched days."""
    if not days:
        return {}
    touched: dict[int, set[date]] = defaultdict(set)
    leaves = db.session.scalars(sa.select(LeaveRequest).where(
        LeaveRequest.staff_id == staff_id, LeaveRequest.state == RequestState.approved,
        LeaveRequest.substitute_id.is_not(None),
        LeaveRequest.from_date <= max(days), LeaveRequest.to_date >= min(days)))
    for leave in leaves:
        for person, changed in sync_covers(leave).items():
            touched[person] |= changed
    return touched


def free_substitutes(data: LeaveData | LeaveRequest, limit: int = 200) -> list[Staff]:
    """Active people of the centre who could be the substitute of this leave (no
    ``substitute_problems``): the leave-taker's department first, then by staff number."""
    staff = data.staff
    leave_id = data.id if isinstance(data, LeaveRequest) else None
    candidates = db.session.scalars(sa.select(Staff).where(
        Staff.centre_id == staff.centre_id, Staff.active, Staff.id != staff.id)
        .order_by(Staff.department_id != staff.department_id, Staff.staff_no).limit(limit))
    return [c for c in candidates if not substitute_problems(data, c, leave_id)]
