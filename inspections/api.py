"""Inspections over the API (API.md: GET /inspection-templates, POST /inspections,
POST /inspections/{id}/photos; findings and appeals are the core's /findings calls), plus
reading inspections, a template's versions, photos and spot-check tasks. The findings
workbook is the core export ``findings`` (``inspections/exports.py``)."""
from __future__ import annotations

from flask import abort, send_file
from flask_login import current_user
from marshmallow import Schema, fields, validate

from compliance.api import ApiBlueprint, requires
from compliance.api.org import target_centre
from compliance.api.schemas import StrictSchema, code_field, enum_field, items_schema
from compliance.auth.models import Role
from compliance.auth.permissions import MANAGERS, check_access, get_visible_or_404, visible
from compliance.extensions import db
from compliance.uploads import absolute_path

from . import operations, template_store
from .models import AnswerResult, Inspection, InspectionPhoto, SpotCheckTask, TaskState
from .shared import filtered_inspections, save_submission, tasks_query

# A record id or version number that fits the database's integer columns.
RECORD_ID = validate.Range(min=1, max=2**31 - 1)

blp = ApiBlueprint("api_inspections", __name__,
                   description="Patrol inspections: checklists, inspections, photos, spot checks")

INSPECTORS = (Role.inspector, Role.hr, Role.admin)


# --- schemas ---

class TemplateItemOut(Schema):
    code = fields.String()
    section = fields.String()
    section_title = fields.String(attribute="section_title_zh")
    section_title_en = fields.String()
    text = fields.String(attribute="text_zh")
    text_en = fields.String()
    points = fields.Integer()
    severity = fields.String()
    applies_to = fields.String()
    category = fields.String()
    ten_prohibitions = fields.Boolean()
    bars_quarterly = fields.Boolean()
    bars_annual = fields.Boolean()
    disqualifier = fields.String(allow_none=True)
    source = fields.String()


class TemplateOut(Schema):
    code = fields.String()
    version = fields.Integer()
    title = fields.String(attribute="title_zh")
    title_en = fields.String()
    subject = fields.Function(lambda t: t.subject.value)
    note = fields.String()
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    items = fields.Function(lambda t: TemplateItemOut(many=True).dump(t.catalogue.items))


class TemplateQuery(StrictSchema):
    centre_code = code_field(32)


class VersionQuery(TemplateQuery):
    version = fields.Integer(validate=RECORD_ID)


class TemplateIn(StrictSchema):
    document = fields.Dict(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    centre_code = code_field(32)


class AnswerIn(StrictSchema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=80))
    result = enum_field(AnswerResult, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class InspectionIn(StrictSchema):
    template = code_field(40, required=True)
    template_version = fields.Integer(validate=RECORD_ID)
    window_code = code_field(16)
    staff_no = code_field(32)
    at = fields.AwareDateTime(required=True)
    answers = fields.List(fields.Nested(AnswerIn), required=True,
                          validate=validate.Length(min=1, max=500))
    client_id = fields.String(validate=[validate.Length(min=8, max=64),
                                        validate.Regexp(r"^[A-Za-z0-9_-]+$")])
    task_id = fields.Integer(validate=RECORD_ID)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    centre_code = code_field(32)


def _finding_ref(answer):
    return {"id": answer.finding.id, "item": answer.item_code, "points": answer.finding.points,
            "state": answer.finding.state.value}


class InspectionSummaryOut(Schema):
    id = fields.Integer()
    template = fields.Function(lambda i: i.template.code)
    template_version = fields.Function(lambda i: i.template.version)
    kind = fields.Function(lambda i: i.kind.value)
    window_code = fields.Function(lambda i: i.window.code)
    staff_no = fields.Function(lambda i: i.staff.staff_no if i.staff else None)
    at = fields.AwareDateTime()
    day = fields.Date()
    inspector = fields.String(attribute="inspector_name")
    score = fields.Integer()
    passed = fields.Integer()
    failed = fields.Integer()
    not_applicable = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    client_id = fields.String(allow_none=True)


class InspectionOut(InspectionSummaryOut):
    note = fields.String()
    findings = fields.Function(lambda i: [_finding_ref(a) for a in i.answers if a.finding])
    answers = fields.Function(lambda i: [
        {"item": a.item_code, "result": a.result.value, "note": a.note,
         "finding_id": a.finding_id} for a in i.answers])
    photos = fields.Function(lambda i: [p.id for p in i.photos])


class InspectionQuery(StrictSchema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    staff_no = code_field(32)
    window_code = code_field(16)


class PhotoForm(StrictSchema):
    item = fields.String(validate=validate.Length(min=1, max=80))
    client_id = fields.String(validate=[validate.Length(min=8, max=64),
                                        validate.Regexp(r"^[A-Za-z0-9_-]+$")])


class PhotoFile(Schema):
    file = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class PhotoOut(Schema):
    id = fields.Integer()
    inspection_id = fields.Integer()
    item = fields.String(attribute="item_code", allow_none=True)
    finding_id = fields.Function(lambda p: p.evidence.finding_id)
    evidence_id = fields.Integer()
    width = fields.Function(lambda p: p.evidence.width)
    height = fields.Function(lambda p: p.evidence.height)
    size = fields.Function(lambda p: p.evidence.size)
    sha256 = fields.Function(lambda p: p.evidence.sha256)
    created_at = fields.AwareDateTime()


class PhotoQuery(StrictSchema):
    size = fields.String(load_default="full", validate=validate.OneOf(["full", "thumb"]))


class TaskOut(Schema):
    id = fields.Integer()
    day = fields.Date()
    window_code = fields.Function(lambda t: t.window.code)
    due_at = fields.AwareDateTime()
    state = fields.Function(lambda t: t.state.value)
    overdue = fields.Function(lambda t: t.is_overdue(_now()))
    inspection_id = fields.Function(lambda t: t.inspection.id if t.inspection else None)
    done_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String()


class TaskQuery(StrictSchema):
    date = fields.Date()
    state = enum_field(TaskState)
    overdue = fields.Boolean()


def _now():
    from compliance.db import utcnow

    return utcnow()


def _centre(code: str | None):
    return target_centre(code)


# --- templates ---

@blp.route("/inspection-templates", methods=["GET"])
@blp.arguments(TemplateQuery, location="query")
@blp.response(200, items_schema(TemplateOut, "InspectionTemplateList"))
def list_templates(query):
    """The current version of each checklist of the caller's centre."""
    centre = _centre(query.get("centre_code"))
    if template_store.ensure_default_templates(centre.id):
        db.session.commit()
    return {"items": template_store.current_templates(centre.id)}


@blp.route("/inspection-templates/<code>", methods=["GET"])
@blp.arguments(VersionQuery, location="query")
@blp.response(200, TemplateOut)
def get_template(query, code):
    """A checklist: the current version, or ``?version=N`` (past inspections keep theirs)."""
    centre = _centre(query.get("centre_code"))
    if template_store.ensure_default_templates(centre.id):
        db.session.commit()
    if "version" in query:
        template = template_store.template_version(centre.id, code, query["version"])
    else:
        template = template_store.current_template(centre.id, code)
    if template is None:
        abort(404)
    check_access(template)
    return template


@blp.route("/inspection-templates/<code>", methods=["PUT"])
@requires(*MANAGERS)
@blp.arguments(TemplateIn)
@blp.response(200, TemplateOut)
def put_template(body, code):
    """Store a whole document as the checklist's next version (HR and admin)."""
    centre = _centre(body.get("centre_code"))
    template_store.ensure_default_templates(centre.id)
    current = template_store.current_template(centre.id, code)
    if current is None:
        abort(404)
    check_access(current, edit=True)
    saved = template_store.replace_document(current, body["document"], body["note"])
    db.session.commit()
    return saved


# --- inspections ---

@blp.route("/inspections", methods=["POST"])
@requires(*INSPECTORS)
@blp.arguments(InspectionIn)
@blp.response(201, InspectionOut)
@blp.alt_response(200, schema=InspectionOut,
                  description="A retry of a submit already recorded (same client_id)")
def create_inspection(body):
    """Record an inspection; each failed item becomes a finding. Send a ``client_id`` made
    by the client: a retry with the same id and content answers 200 with the inspection
    already recorded, never a second one."""
    centre = _centre(body.pop("centre_code", None))
    answers = [operations.AnswerData(a["item"], a["result"], a.get("note", ""))
               for a in body.pop("answers")]
    data = operations.InspectionData(answers=answers, **body)
    inspection, created = save_submission(centre, data)
    return inspection, 201 if created else 200


@blp.route("/inspections", methods=["GET"])
@blp.arguments(InspectionQuery, location="query")
@blp.response(200, items_schema(InspectionSummaryOut, "InspectionList"))
def list_inspections(query):
    return {"items": db.session.scalars(filtered_inspections(
        visible(Inspection), query.get("from_"), query.get("to"), query.get("staff_no"),
        query.get("window_code")).limit(1000)).all()}


@blp.route("/inspections/<int:inspection_id>", methods=["GET"])
@blp.response(200, InspectionOut)
def get_inspection(inspection_id):
    return get_visible_or_404(Inspection, inspection_id)


@blp.route("/inspections/<int:inspection_id>/photos", methods=["POST"])
@requires(*INSPECTORS)
@blp.arguments(PhotoForm, location="form")
@blp.arguments(PhotoFile, location="files")
@blp.response(201, PhotoOut)
@blp.alt_response(200, schema=PhotoOut, description="A retry (same client_id)")
def add_photo(form, files, inspection_id):
    """A photo (multipart ``file``), with ``item``: evidence of that failed item's finding.
    The image is checked by decoding it, stored without EXIF, with a thumbnail; 413 beyond
    the size limit."""
    inspection = get_visible_or_404(Inspection, inspection_id, edit=True)
    photo, created = operations.add_photo(current_user, inspection, files["file"].read(),
                                          form.get("item"), form.get("client_id"))
    db.session.commit()
    return photo, 201 if created else 200


@blp.route("/inspections/<int:inspection_id>/photos", methods=["GET"])
@blp.response(200, items_schema(PhotoOut, "InspectionPhotoList"))
def list_photos(inspection_id):
    inspection = get_visible_or_404(Inspection, inspection_id)
    return {"items": [p for p in inspection.photos if p.can_view(current_user)]}


@blp.route("/inspections/<int:inspection_id>/photos/<int:photo_id>", methods=["GET"])
@blp.arguments(PhotoQuery, location="query")
@blp.response(200, description="The image (JPEG)")
def get_photo(query, inspection_id, photo_id):
    """The image, for whoever may see the finding it proves (a photo of no item: inspectors
    and managers of the centre)."""
    photo = db.session.get(InspectionPhoto, photo_id)
    if photo is None or photo.inspection_id != inspection_id:
        abort(404)
    if not photo.can_view(current_user):
        abort(403)
    evidence = photo.evidence
    path = absolute_path(evidence.thumb_path if query["size"] == "thumb" else evidence.path)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- spot checks ---

@blp.route("/spot-checks", methods=["GET"])
@requires(*INSPECTORS)
@blp.arguments(TaskQuery, location="query")
@blp.response(200, items_schema(TaskOut, "SpotCheckList"))
def list_spot_checks(query):
    """Spot-check tasks (inspectors, HR and admin only: they are unannounced)."""
    stmt = tasks_query(visible(SpotCheckTask), query.get("date"), query.get("state"),
                       query.get("overdue"), _now())
    return {"items": db.session.scalars(stmt.limit(1000)).all()}
