"""Leave, punch corrections and temporary absences over the API (API.md: POST /leave,
POST /corrections and their approve/reject; beyond the contract: their lists, cancelling,
the month's correction allowance and the temporary absences).

Staff file only for themselves; deciding needs the unit lead of the person's department or
HR/admin of the centre. A record of another centre is 404, one outside the caller's scope 403.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ..attendance import absences, corrections, leave
from ..attendance.access import staff_by_no
from ..attendance.requests import (CorrectionKind, HalfDay, LeaveRequest, LeaveType,
                                   PunchCorrection, RequestState, TemporaryAbsence)
from ..auth.permissions import visible
from ..db import utcnow
from ..extensions import db
from ..org.models import Staff
from . import ApiBlueprint
from .schemas import StrictSchema, code_field, enum_field, items_schema, text_field

blp = ApiBlueprint("api_attendance_requests", __name__,
                   description="Leave, punch corrections, temporary absences")

LIST_LIMIT = 5000


def load_or_404(model, ident: int):
    """A request record by id: missing or of another centre → 404; outside the caller's
    scope (another person, another department) → 403."""
    obj = db.session.get(model, ident)
    if obj is None or not current_user.in_centre(obj.centre_id):
        abort(404)
    if not obj.can_view(current_user):
        abort(403)
    return obj


def _staff_no(person: Staff | None):
    return person.staff_no if person else None


# --- schemas ---

class LeaveIn(StrictSchema):
    staff_no = code_field(32, required=True)
    type = enum_field(LeaveType, required=True)
    from_date = fields.Date(required=True)
    from_session = enum_field(HalfDay, required=True)
    to_date = fields.Date(required=True)
    to_session = enum_field(HalfDay, required=True)
    reason = text_field(2000, required=True)
    substitute_staff_no = code_field(32, allow_none=True)


class LeaveOut(Schema):
    id = fields.Integer()
    state = fields.Function(lambda r: r.state.value)
    staff_no = fields.Function(lambda r: r.staff.staff_no)
    type = fields.Function(lambda r: r.type.value)
    from_date = fields.Date()
    from_session = fields.Function(lambda r: r.from_session.value)
    to_date = fields.Date()
    to_session = fields.Function(lambda r: r.to_session.value)
    days = fields.Float(attribute="half_days")
    reason = fields.String()
    substitute_staff_no = fields.Function(lambda r: _staff_no(r.substitute))
    decision_note = fields.String()
    decided_at = fields.AwareDateTime()
    uncovered_days = fields.Function(
        lambda r: [d.isoformat() for d in leave.uncovered_days(r)])


class LeaveApproveIn(StrictSchema):
    reason = fields.String(validate=validate.Length(max=2000))
    substitute_staff_no = code_field(32)


class RequestDecisionIn(StrictSchema):
    reason = fields.String(validate=validate.Length(max=2000))


class RequestRejectIn(StrictSchema):
    reason = text_field(2000, required=True)


class RequestQuery(StrictSchema):
    staff_no = code_field(32)
    state = enum_field(RequestState)
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class CorrectionIn(StrictSchema):
    staff_no = code_field(32, required=True)
    date = fields.Date(required=True)
    session = code_field(16, required=True)
    kind = enum_field(CorrectionKind, required=True)
    time = fields.Time(format="%H:%M", required=True)
    reason = text_field(2000, required=True)


class CorrectionOut(Schema):
    id = fields.Integer()
    state = fields.Function(lambda c: c.state.value)
    staff_no = fields.Function(lambda c: c.staff.staff_no)
    date = fields.Date(attribute="day")
    session = fields.String()
    kind = fields.Function(lambda c: c.kind.value)
    at = fields.AwareDateTime()
    reason = fields.String()
    decision_note = fields.String()
    decided_at = fields.AwareDateTime()


class AllowanceQuery(StrictSchema):
    staff_no = code_field(32, required=True)
    date = fields.Date(required=True)


class AllowanceOut(Schema):
    staff_no = fields.String()
    month = fields.String()
    used = fields.Integer()
    cap = fields.Integer()
    left = fields.Integer()


class AbsenceIn(StrictSchema):
    staff_no = code_field(32, required=True)
    at = fields.AwareDateTime()
    reason = fields.String(validate=validate.Length(max=200))


class AbsenceEndIn(StrictSchema):
    at = fields.AwareDateTime()


class AbsenceOut(Schema):
    id = fields.Integer()
    staff_no = fields.Function(lambda a: a.staff.staff_no)
    window_code = fields.Function(lambda a: a.window.code if a.window else None)
    started_at = fields.AwareDateTime()
    ended_at = fields.AwareDateTime()
    minutes = fields.Function(lambda a: int(((a.ended_at or utcnow()) - a.started_at)
                                            .total_seconds() // 60))
    reason = fields.String()
    lead_told = fields.Boolean()
    lead_told_at = fields.AwareDateTime()


class AbsenceQuery(StrictSchema):
    staff_no = code_field(32)
    open = fields.Boolean()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


def _filter_staff(stmt, model, query):
    if "staff_no" in query:
        stmt = stmt.join(Staff, model.staff_id == Staff.id).where(
            Staff.staff_no == query["staff_no"])
    return stmt


def _request_list(model, query, first, last):
    """The caller's visible leave requests or corrections filtered by person, state and the
    span ``first``..``last`` meeting ``from``..``to``, newest first."""
    stmt = _filter_staff(visible(model), model, query)
    if "state" in query:
        stmt = stmt.where(model.state == query["state"])
    if "from_" in query:
        stmt = stmt.where(last >= query["from_"])
    if "to" in query:
        stmt = stmt.where(first <= query["to"])
    stmt = stmt.order_by(first.desc(), model.id.desc())
    return {"items": db.session.scalars(stmt.limit(LIST_LIMIT)).all()}


def _optional_staff(staff_no: str | None, field: str) -> Staff | None:
    return staff_by_no(current_user, staff_no, field) if staff_no else None


# --- leave ---

@blp.route("/leave", methods=["POST"])
@blp.arguments(LeaveIn)
@blp.response(201, LeaveOut)
def create_leave(body):
    """Ask for leave from a first to a last half-day session (pending until decided).
    Overlapping leave, a busy substitute or unknown staff: 400 naming the field."""
    staff = staff_by_no(current_user, body["staff_no"])
    request = leave.request_leave(leave.LeaveData(
        staff=staff, type=body["type"], from_date=body["from_date"],
        from_session=body["from_session"], to_date=body["to_date"],
        to_session=body["to_session"], reason=body["reason"],
        substitute=_optional_staff(body.get("substitute_staff_no"), "substitute_staff_no")),
        current_user)
    db.session.commit()
    return request


@blp.route("/leave", methods=["GET"])
@blp.arguments(RequestQuery, location="query")
@blp.response(200, items_schema(LeaveOut, "LeaveList"))
def list_leave(query):
    """Leave requests the caller may see (a staff token: its own), newest first."""
    return _request_list(LeaveRequest, query, LeaveRequest.from_date, LeaveRequest.to_date)


@blp.route("/leave/<int:leave_id>", methods=["GET"])
@blp.response(200, LeaveOut)
def get_leave(leave_id):
    return load_or_404(LeaveRequest, leave_id)


@blp.route("/leave/<int:leave_id>/approve", methods=["POST"])
@blp.arguments(LeaveApproveIn)
@blp.response(200, LeaveOut)
def approve_leave(body, leave_id):
    """Approve a pending request (unit lead of the department or HR); a seconded person's
    leave needs a free substitute (named here or in the request), who is rostered into its
    sessions. Deciding twice: 409."""
    request = load_or_404(LeaveRequest, leave_id)
    substitute = _optional_staff(body.get("substitute_staff_no"), "substitute_staff_no")
    leave.approve(request, current_user, body.get("reason", ""), substitute)
    db.session.commit()
    return request


@blp.route("/leave/<int:leave_id>/reject", methods=["POST"])
@blp.arguments(RequestRejectIn)
@blp.response(200, LeaveOut)
def reject_leave(body, leave_id):
    """Reject a pending request with the reason. Deciding twice: 409."""
    request = load_or_404(LeaveRequest, leave_id)
    leave.reject(request, current_user, body["reason"])
    db.session.commit()
    return request


@blp.route("/leave/<int:leave_id>/cancel", methods=["POST"])
@blp.arguments(RequestDecisionIn)
@blp.response(200, LeaveOut)
def cancel_leave(body, leave_id):
    """The person withdraws a pending request; a decider may withdraw an approved one."""
    request = load_or_404(LeaveRequest, leave_id)
    leave.cancel(request, current_user, body.get("reason", ""))
    db.session.commit()
    return request


# --- corrections ---

@blp.route("/corrections", methods=["POST"])
@blp.arguments(CorrectionIn)
@blp.response(201, CorrectionOut)
def create_correction(body):
    """Ask for a missing clock-in or clock-out (补卡) of a rostered session at a local time
    (HH:MM). A session not rostered, a time outside it, or the month's cap used up: 400."""
    staff = staff_by_no(current_user, body["staff_no"])
    correction = corrections.request_correction(current_user, corrections.CorrectionData(
        staff=staff, day=body["date"], session=body["session"], kind=body["kind"],
        time=body["time"], reason=body["reason"]))
    db.session.commit()
    return correction


@blp.route("/corrections", methods=["GET"])
@blp.arguments(RequestQuery, location="query")
@blp.response(200, items_schema(CorrectionOut, "CorrectionList"))
def list_corrections(query):
    """Punch corrections the caller may see (a staff token: its own), newest first."""
    return _request_list(PunchCorrection, query, PunchCorrection.day, PunchCorrection.day)


@blp.route("/corrections/allowance", methods=["GET"])
@blp.arguments(AllowanceQuery, location="query")
@blp.response(200, AllowanceOut)
def correction_allowance(query):
    """How many of the month's approved corrections (rulebook ``corrections_per_month``)
    a person has used."""
    staff = staff_by_no(current_user, query["staff_no"])
    if not staff.can_view(current_user):
        abort(403)
    use = corrections.cap_use(staff, query["date"])
    return {"staff_no": staff.staff_no, "month": query["date"].strftime("%Y-%m"),
            "used": use.used, "cap": use.cap, "left": use.left}


@blp.route("/corrections/<int:correction_id>", methods=["GET"])
@blp.response(200, CorrectionOut)
def get_correction(correction_id):
    return load_or_404(PunchCorrection, correction_id)


@blp.route("/corrections/<int:correction_id>/approve", methods=["POST"])
@blp.arguments(RequestDecisionIn)
@blp.response(200, CorrectionOut)
def approve_correction(body, correction_id):
    """Approve a pending correction (its day is recomputed). Over the monthly cap: 400
    naming ``date``; deciding twice: 409."""
    correction = load_or_404(PunchCorrection, correction_id)
    corrections.approve(correction, current_user, body.get("reason", ""))
    db.session.commit()
    return correction


@blp.route("/corrections/<int:correction_id>/reject", methods=["POST"])
@blp.arguments(RequestRejectIn)
@blp.response(200, CorrectionOut)
def reject_correction(body, correction_id):
    correction = load_or_404(PunchCorrection, correction_id)
    corrections.reject(correction, current_user, body["reason"])
    db.session.commit()
    return correction


@blp.route("/corrections/<int:correction_id>/cancel", methods=["POST"])
@blp.response(200, CorrectionOut)
def cancel_correction(correction_id):
    """The requester withdraws a pending correction."""
    correction = load_or_404(PunchCorrection, correction_id)
    corrections.cancel(correction, current_user)
    db.session.commit()
    return correction


# --- temporary absences ---

@blp.route("/absences", methods=["POST"])
@blp.arguments(AbsenceIn)
@blp.response(201, AbsenceOut)
def start_absence(body):
    """Record leaving the window (暂离) at ``at`` (default now). Already away or an overlap
    with a recorded absence: refused."""
    staff = staff_by_no(current_user, body["staff_no"])
    absence = absences.start_absence(current_user, staff, at=body.get("at"),
                                     reason=body.get("reason", ""))
    db.session.commit()
    return absence


@blp.route("/absences", methods=["GET"])
@blp.arguments(AbsenceQuery, location="query")
@blp.response(200, items_schema(AbsenceOut, "AbsenceList"))
def list_absences(query):
    """Temporary absences the caller may see, newest first (``from``/``to``: local dates
    of the start, compared in UTC days)."""
    stmt = _filter_staff(visible(TemporaryAbsence), TemporaryAbsence, query)
    if "open" in query:
        stmt = stmt.where(TemporaryAbsence.ended_at.is_(None) if query["open"]
                          else TemporaryAbsence.ended_at.is_not(None))
    items = db.session.scalars(stmt.order_by(TemporaryAbsence.started_at.desc())
                               .limit(LIST_LIMIT)).all()
    if "from_" in query or "to" in query:
        from ..attendance.inputs import centre_zone
        from ..timeutil import local_date

        def day_of(a):
            return local_date(a.started_at, centre_zone(a.centre_id))

        items = [a for a in items if ("from_" not in query or day_of(a) >= query["from_"])
                 and ("to" not in query or day_of(a) <= query["to"])]
    return {"items": items}


@blp.route("/absences/<int:absence_id>/end", methods=["POST"])
@blp.arguments(AbsenceEndIn)
@blp.response(200, AbsenceOut)
def end_absence(body, absence_id):
    """Record being back at ``at`` (default now); longer than the rulebook's minutes tells
    the unit lead, once."""
    absence = load_or_404(TemporaryAbsence, absence_id)
    absences.end_absence(current_user, absence, at=body.get("at"))
    db.session.commit()
    return absence
