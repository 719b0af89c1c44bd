"""Findings and appeals over the API (API.md: GET /findings, POST /findings/{id}/appeal,
POST /findings/{id}/decision)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from marshmallow import Schema, fields, validate

from ..auth.permissions import get_visible_or_404, visible
from ..conduct import operations
from ..conduct.models import Finding, FindingState
from ..extensions import db
from ..org.models import Staff
from . import ApiBlueprint
from .schemas import StrictSchema, code_field, enum_field, items_schema

blp = ApiBlueprint("api_conduct", __name__, description="Conduct findings and appeals")


class FindingOut(Schema):
    id = fields.Integer()
    staff_no = fields.Function(lambda f: f.staff.staff_no if f.staff else None)
    window_code = fields.Function(lambda f: f.window.code if f.window else None)
    item = fields.String(attribute="item_code")
    item_text = fields.String(attribute="item_text_zh")
    points = fields.Integer()
    severity = fields.Function(lambda f: f.severity.value)
    category = fields.String()
    at = fields.AwareDateTime()
    day = fields.Date()
    source = fields.Function(lambda f: f.source.value)
    state = fields.Function(lambda f: f.state.value)
    appeal_due = fields.Date()
    evidence = fields.Function(lambda f: [e.id for e in f.evidence])
    steps = fields.Function(lambda f: [
        {"action": s.action, "at": s.at.isoformat(), "actor": s.actor, "reason": s.reason}
        for s in f.steps])


class FindingQuery(StrictSchema):
    staff_no = code_field(32)
    state = enum_field(FindingState)
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class AppealIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DecisionIn(StrictSchema):
    upheld = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@blp.route("/findings", methods=["GET"])
@blp.arguments(FindingQuery, location="query")
@blp.response(200, items_schema(FindingOut, "FindingList"))
def list_findings(query):
    """Findings the caller may see (a staff token: its own only)."""
    stmt = visible(Finding).order_by(Finding.at, Finding.id)
    if "staff_no" in query:
        stmt = stmt.join(Staff, Finding.staff_id == Staff.id).where(
            Staff.staff_no == query["staff_no"])
    if "state" in query:
        stmt = stmt.where(Finding.state == query["state"])
    if "from_" in query:
        stmt = stmt.where(Finding.day >= query["from_"])
    if "to" in query:
        stmt = stmt.where(Finding.day <= query["to"])
    return {"items": db.session.scalars(stmt).all()}


@blp.route("/findings/<int:finding_id>", methods=["GET"])
@blp.response(200, FindingOut)
def get_finding(finding_id):
    return get_visible_or_404(Finding, finding_id)


@blp.route("/findings/<int:finding_id>/appeal", methods=["POST"])
@blp.arguments(AppealIn)
@blp.response(200, FindingOut)
def appeal_finding(body, finding_id):
    """The person concerned appeals within the rulebook's working days."""
    finding = get_visible_or_404(Finding, finding_id)
    operations.appeal(finding, current_user, body["reason"])
    db.session.commit()
    return finding


@blp.route("/findings/<int:finding_id>/decision", methods=["POST"])
@blp.arguments(DecisionIn)
@blp.response(200, FindingOut)
def decide_finding(body, finding_id):
    """HR upholds or overturns an appealed finding with a reason."""
    finding = get_visible_or_404(Finding, finding_id)
    operations.decide(finding, current_user, body["upheld"], body["reason"])
    db.session.commit()
    return finding
