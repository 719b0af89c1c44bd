"""Reviews, bad-review cases and complaints over the API (API.md: POST /reviews,
POST /cases/{id}/conclude, POST /complaints, POST /complaints/{id}/transition, and the lists).

Citizens' names and contacts are masked for every role but HR and admin
(``compliance.cases.masking.citizen_for``)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ..auth.permissions import get_visible_or_404, visible
from ..cases import operations
from ..cases.deadlines import centre_today, working_days_left
from ..cases.masking import citizen_for
from ..cases.models import (LEVEL_NAMES_ZH, Complaint, ComplaintCategory, ComplaintChannel, ComplaintConclusion,
                            ComplaintState, Review, ReviewCase, ReviewCaseState, ReviewChannel,
                            ReviewConclusion)
from ..cases.review_import import import_reviews
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..importing import ImportFileError
from ..org.models import Department, Staff
from . import ApiBlueprint
from .errors import import_rejected
from .org import ImportFile, ImportReportOut, target_centre
from .schemas import StrictSchema, code_field, enum_field, items_schema, text_field

blp = ApiBlueprint("api_cases", __name__, description="Reviews, bad-review cases, complaints")


def _steps(case):
    return [{"action": s.action, "from": s.from_state, "to": s.to_state,
             "at": s.at.isoformat(), "actor": s.actor, "note": s.note} for s in case.steps]


def _deadline(case) -> dict:
    today = centre_today(case.centre_id)
    return {"due": case.due.isoformat() if case.due else None,
            "overdue": case.is_overdue(today),
            "working_days_left": working_days_left(today, case.due)}


# --- schemas ---

class ReviewIn(StrictSchema):
    staff_no = code_field(32, required=True)
    window_code = code_field(16)
    at = fields.AwareDateTime(required=True)
    level = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    channel = enum_field(ReviewChannel, required=True)
    real_name = fields.Boolean(required=True)
    comment = fields.String(validate=validate.Length(max=2000))
    citizen_name = fields.String(validate=validate.Length(max=100))
    contact = fields.String(validate=validate.Length(max=100))
    external_id = code_field(64)


class ReviewOut(Schema):
    id = fields.Integer()
    bad = fields.Boolean()
    case_id = fields.Function(lambda r: r.case.id if r.case else None)
    staff_no = fields.Function(lambda r: r.staff.staff_no)
    window_code = fields.Function(lambda r: r.window.code if r.window else None)
    at = fields.AwareDateTime()
    day = fields.Date()
    level = fields.Integer()
    level_name = fields.Function(lambda r: LEVEL_NAMES_ZH[r.level])  # seed 002 names
    channel = fields.Function(lambda r: r.channel.value)
    real_name = fields.Boolean()
    citizen_name = fields.Function(
        lambda r: citizen_for(current_user, r.citizen_name, r.citizen_contact)[0])
    contact = fields.Function(
        lambda r: citizen_for(current_user, r.citizen_name, r.citizen_contact)[1])
    comment = fields.String()
    external_id = fields.String()
    excluded = fields.Boolean()


class ReviewQuery(StrictSchema):
    staff_no = code_field(32)
    bad = fields.Boolean()
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class CaseOut(Schema):
    id = fields.Integer()
    kind = fields.Constant("review")
    review = fields.Function(lambda c: ReviewOut().dump(c.review))
    staff_no = fields.Function(lambda c: c.staff.staff_no)
    department_code = fields.Function(lambda c: c.department.code)
    state = fields.Function(lambda c: c.state.value)
    conclusion = fields.Function(lambda c: c.conclusion.value if c.conclusion else None)
    opened_on = fields.Date()
    contact_due = fields.Date()
    conclude_due = fields.Date()
    deadline = fields.Function(_deadline)
    due = fields.Function(lambda c: c.due.isoformat() if c.due else None)
    followed_up_at = fields.AwareDateTime()
    followup_note = fields.String()
    conclusion_note = fields.String()
    excluded = fields.Function(lambda c: c.review.excluded)
    finding_id = fields.Integer()
    steps = fields.Function(_steps)


class CaseQuery(StrictSchema):
    state = enum_field(ReviewCaseState)
    overdue = fields.Boolean()
    department_code = code_field(32)


class FollowupIn(StrictSchema):
    note = text_field(2000, required=True)


class ConcludeIn(StrictSchema):
    conclusion = enum_field(ReviewConclusion, required=True)
    note = text_field(2000, required=True)


class ApprovalIn(StrictSchema):
    approved = fields.Boolean(required=True)
    note = text_field(2000, required=True)


class RateQuery(StrictSchema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)


class RateOut(Schema):
    total = fields.Integer()
    followed = fields.Integer()
    percent = fields.Float()
    target = fields.Integer()
    on_target = fields.Boolean()
    missing = fields.Function(lambda r: [{"case_id": c.id, "review_id": c.review_id,
                                          "staff_no": c.staff.staff_no,
                                          "day": c.review.day.isoformat(),
                                          "contact_due": c.contact_due.isoformat()}
                                         for c in r.missing])


class ComplaintIn(StrictSchema):
    channel = enum_field(ComplaintChannel, required=True)
    staff_no = code_field(32)
    window_code = code_field(16)
    category = enum_field(ComplaintCategory, required=True)
    text = text_field(5000, required=True)
    complainant = fields.String(validate=validate.Length(max=100))
    contact = fields.String(validate=validate.Length(max=100))
    received_at = fields.AwareDateTime()


class ComplaintOut(Schema):
    id = fields.Integer()
    channel = fields.Function(lambda c: c.channel.value)
    category = fields.Function(lambda c: c.category.value)
    text = fields.String()
    complainant = fields.Function(lambda c: citizen_for(current_user, c.complainant,
                                                        c.contact)[0])
    contact = fields.Function(lambda c: citizen_for(current_user, c.complainant, c.contact)[1])
    staff_no = fields.Function(lambda c: c.staff.staff_no if c.staff else None)
    window_code = fields.Function(lambda c: c.window.code if c.window else None)
    department_code = fields.Function(lambda c: c.department.code)
    received_at = fields.AwareDateTime()
    state = fields.Function(lambda c: c.state.value)
    due = fields.Function(lambda c: c.due.isoformat() if c.due else None)
    deadline = fields.Function(_deadline)
    dues = fields.Function(lambda c: {"assign": c.assign_due.isoformat(),
                                      "conclude": c.conclude_due.isoformat(),
                                      "answer": c.answer_due.isoformat(),
                                      "close": c.close_due.isoformat()})
    assignee = fields.Function(lambda c: c.assignee.username if c.assignee else None)
    conclusion = fields.Function(lambda c: c.conclusion.value if c.conclusion else None)
    feedback = fields.String()
    finding_id = fields.Integer()
    steps = fields.Function(_steps)


class ComplaintQuery(StrictSchema):
    state = enum_field(ComplaintState)
    overdue = fields.Boolean()
    staff_no = code_field(32)
    department_code = code_field(32)


class TransitionIn(StrictSchema):
    to = enum_field(ComplaintState, required=True)
    conclusion = enum_field(ComplaintConclusion)
    note = fields.String(required=True, validate=validate.Length(max=2000))
    assignee = fields.String(validate=validate.Length(min=1, max=64))


# --- reviews ---

@blp.route("/reviews", methods=["POST"])
@blp.arguments(ReviewIn)
@blp.response(201, ReviewOut)
def create_review(body):
    """Record a review (HR/admin: counter devices, QR codes, the review platform). A level
    at or below the rulebook's bad-review bound opens a rectification case (``case_id``)."""
    review = operations.create_review(current_user, operations.ReviewData(
        staff_no=body["staff_no"], window_code=body.get("window_code"), at=body["at"],
        level=body["level"], channel=body["channel"], real_name=body["real_name"],
        comment=body.get("comment", ""), citizen_name=body.get("citizen_name"),
        citizen_contact=body.get("contact"), external_id=body.get("external_id")))
    db.session.commit()
    return review


@blp.route("/reviews", methods=["GET"])
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, items_schema(ReviewOut, "ReviewList"))
def list_reviews(query):
    """Reviews the caller may see (a staff token: its own)."""
    stmt = visible(Review).order_by(Review.at, Review.id)
    if "staff_no" in query:
        stmt = stmt.join(Staff, Review.staff_id == Staff.id).where(
            Staff.staff_no == query["staff_no"])
    if "bad" in query:
        stmt = stmt.where(Review.bad == query["bad"])
    if "from_" in query:
        stmt = stmt.where(Review.day >= query["from_"])
    if "to" in query:
        stmt = stmt.where(Review.day <= query["to"])
    return {"items": db.session.scalars(stmt.limit(5000)).all()}


@blp.route("/reviews/import", methods=["POST"])
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
@blp.alt_response(400, description="Nothing imported: the per-row error report")
def import_reviews_file(files):
    """Import the review platform's export (CSV or Excel): all rows or none, with a per-row
    report; the platform's review id makes a re-import change nothing."""
    if not current_user.is_manager:
        raise Forbidden(_("Only HR imports reviews."))
    upload = files["file"]
    centre = target_centre(request.args.get("centre_code"))
    try:
        report = import_reviews(current_user, centre.id, upload.filename or "", upload.read())
    except ImportFileError as error:
        db.session.rollback()
        raise Invalid(str(error), {"file": str(error)}) from error
    if not report.ok:
        db.session.rollback()
        return import_rejected(report)
    db.session.commit()
    return report.as_dict()


@blp.route("/reviews/<int:review_id>", methods=["GET"])
@blp.response(200, ReviewOut)
def get_review(review_id):
    return get_visible_or_404(Review, review_id)


# --- bad-review cases ---

def _filter_overdue(rows, wanted: bool | None):
    if wanted is None:
        return rows
    return [c for c in rows if c.is_overdue(centre_today(c.centre_id)) == wanted]


@blp.route("/cases", methods=["GET"])
@blp.arguments(CaseQuery, location="query")
@blp.response(200, items_schema(CaseOut, "CaseList"))
def list_cases(query):
    """Bad-review rectification cases the caller may see."""
    stmt = visible(ReviewCase).order_by(ReviewCase.opened_on, ReviewCase.id)
    if "state" in query:
        stmt = stmt.where(ReviewCase.state == query["state"])
    if "department_code" in query:
        stmt = stmt.join(Department, ReviewCase.department_id == Department.id).where(
            Department.code == query["department_code"])
    return {"items": _filter_overdue(db.session.scalars(stmt.limit(5000)).all(),
                                     query.get("overdue"))}


@blp.route("/cases/follow-up-rate", methods=["GET"])
@blp.arguments(RateQuery, location="query")
@blp.response(200, RateOut)
def followup_rate(query):
    """Share of real-name bad reviews of the period whose follow-up is recorded (target from
    the rulebook), with the cases still missing it."""
    return operations.followup_rate(current_user, query["from_"], query["to"])


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.response(200, CaseOut)
def get_case(case_id):
    return get_visible_or_404(ReviewCase, case_id)


@blp.route("/cases/<int:case_id>/follow-up", methods=["POST"])
@blp.arguments(FollowupIn)
@blp.response(200, CaseOut)
def follow_up_case(body, case_id):
    """Record the follow-up contact with the citizen (回访核实)."""
    case = get_visible_or_404(ReviewCase, case_id)
    operations.record_followup(case, current_user, body["note"])
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>/conclude", methods=["POST"])
@blp.arguments(ConcludeIn)
@blp.response(200, CaseOut)
def conclude_case(body, case_id):
    """Conclude: substantiated (the note is the rectification; a finding is made),
    unsubstantiated, or malicious (mistaken/malicious: counts until HR approves)."""
    case = get_visible_or_404(ReviewCase, case_id)
    operations.conclude_case(case, current_user, body["conclusion"], body["note"])
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>/approval", methods=["POST"])
@blp.arguments(ApprovalIn)
@blp.response(200, CaseOut)
def approve_case(body, case_id):
    """HR approves (the review is excluded from scores) or rejects a malicious conclusion."""
    case = get_visible_or_404(ReviewCase, case_id)
    operations.decide_malicious(case, current_user, body["approved"], body["note"])
    db.session.commit()
    return case


@blp.route("/cases/<int:case_id>/close", methods=["POST"])
@blp.arguments(FollowupIn)
@blp.response(200, CaseOut)
def close_case(body, case_id):
    """Close a concluded case once the result was reported back."""
    case = get_visible_or_404(ReviewCase, case_id)
    operations.report_back(case, current_user, body["note"])
    db.session.commit()
    return case


# --- complaints ---

@blp.route("/complaints", methods=["POST"])
@blp.arguments(ComplaintIn)
@blp.response(201, ComplaintOut)
def create_complaint(body):
    """Receive a complaint (HR/admin); answers with its state and the next deadline."""
    complaint = operations.create_complaint(current_user, operations.ComplaintData(
        channel=body["channel"], category=body["category"], text=body["text"],
        staff_no=body.get("staff_no"), window_code=body.get("window_code"),
        complainant=body.get("complainant"), contact=body.get("contact"),
        received_at=body.get("received_at")))
    db.session.commit()
    return complaint


@blp.route("/complaints", methods=["GET"])
@blp.arguments(ComplaintQuery, location="query")
@blp.response(200, items_schema(ComplaintOut, "ComplaintList"))
def list_complaints(query):
    """Complaints the caller may see (a staff token: those about itself, masked)."""
    stmt = visible(Complaint).order_by(Complaint.received_at, Complaint.id)
    if "state" in query:
        stmt = stmt.where(Complaint.state == query["state"])
    if "staff_no" in query:
        stmt = stmt.join(Staff, Complaint.staff_id == Staff.id).where(
            Staff.staff_no == query["staff_no"])
    if "department_code" in query:
        stmt = stmt.join(Department, Complaint.department_id == Department.id).where(
            Department.code == query["department_code"])
    return {"items": _filter_overdue(db.session.scalars(stmt.limit(5000)).all(),
                                     query.get("overdue"))}


@blp.route("/complaints/<int:complaint_id>", methods=["GET"])
@blp.response(200, ComplaintOut)
def get_complaint(complaint_id):
    return get_visible_or_404(Complaint, complaint_id)


@blp.route("/complaints/<int:complaint_id>/transition", methods=["POST"])
@blp.arguments(TransitionIn)
@blp.response(200, ComplaintOut)
def transition_complaint(body, complaint_id):
    """Move a complaint one step on (received → assigned → investigating → concluded →
    answered → closed). Any other move: 409 ``illegal_state``, nothing changed."""
    complaint = get_visible_or_404(Complaint, complaint_id)
    operations.transition(complaint, current_user, body["to"], body["note"],
                          body.get("conclusion"), body.get("assignee"))
    db.session.commit()
    return complaint
