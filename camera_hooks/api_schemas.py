"""The API's request and answer shapes for cameras, snapshots and flags (API.md); the OpenAPI
document is generated from them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from compliance.api.conduct import FindingOut
from compliance.api.schemas import StrictSchema, code_field, enum_field, text_field

from . import operations
from .models import Camera, FlagKind, FlagState


class CameraIn(StrictSchema):
    code = code_field(32, required=True)
    name = text_field(200, required=True)
    source = text_field(500, required=True)
    username = fields.String(load_only=True, validate=validate.Length(max=100))
    password = fields.String(load_only=True, validate=validate.Length(max=200))
    timeout_seconds = fields.Integer(validate=validate.Range(1, 120))
    interval_minutes = fields.Integer(allow_none=True, validate=validate.Range(1, 1440))
    extra_per_day = fields.Integer(validate=validate.Range(0, 48))
    hours = fields.String(validate=validate.Length(max=200))
    pixelate_block = fields.Integer(validate=validate.Range(4, 128))
    active = fields.Boolean()
    # Each region {window_code, kind, polygon} is checked by regions.parse_regions, which
    # names every bad field as regions.<i>.<field>.
    regions = fields.List(fields.Raw())
    centre_code = code_field(32)


class CameraUpdate(CameraIn):
    code = code_field(32)
    name = text_field(200)
    source = text_field(500)


class CameraOut(Schema):
    code = fields.String()
    name = fields.String()
    centre_code = fields.Function(lambda c: c.centre.code)
    source = fields.Function(operations.source_display)
    source_kind = fields.Function(lambda c: c.source_kind.value)
    has_username = fields.Boolean()
    has_password = fields.Boolean()
    timeout_seconds = fields.Integer()
    interval_minutes = fields.Integer(allow_none=True)
    extra_per_day = fields.Integer()
    hours = fields.String()
    pixelate_block = fields.Integer()
    active = fields.Boolean()
    regions = fields.Function(lambda c: [
        {"window_code": r.window.code, "kind": r.kind.value, "polygon": r.polygon}
        for r in c.regions])
    references = fields.Function(lambda c: [
        {"window_code": r.window.code, "kind": r.kind.value, "picture_id": r.image_id,
         "set_at": r.set_at.isoformat()} for r in c.references])
    health = fields.Function(lambda c: _health(c))


def _health(camera: Camera) -> dict:
    state = camera.state

    def iso(value):
        return value.isoformat() if value else None

    return {"state": camera.health,
            "last_attempt_at": iso(state and state.last_attempt_at),
            "last_success_at": iso(state and state.last_success_at),
            "last_error_at": iso(state and state.last_error_at),
            "last_error_code": (state.last_error_code if state else "") or None,
            "last_error": (state.last_error if state else "") or None,
            "failures": state.failures if state else 0,
            "next_capture_at": iso(state and state.next_capture_at),
            "picture_requested_at": iso(state and state.picture_requested_at)}


class UploadFile(Schema):
    file = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class SnapshotForm(StrictSchema):
    taken_at = fields.AwareDateTime()


class FlagBrief(Schema):
    id = fields.Integer()
    kind = fields.Function(lambda f: f.kind.value)
    window_code = fields.Function(lambda f: f.window.code if f.window else None)
    score = fields.Float()


class SnapshotOut(Schema):
    id = fields.Integer()
    camera_code = fields.Function(lambda s: s.camera.code)
    taken_at = fields.AwareDateTime()
    origin = fields.Function(lambda s: s.origin.value)
    width = fields.Integer()
    height = fields.Integer()
    camera_moved = fields.Boolean()
    moved_score = fields.Float()
    shift_px = fields.Float(allow_none=True)
    signals = fields.Dict()


class SnapshotCreated(SnapshotOut):
    flags = fields.List(fields.Nested(FlagBrief))


class SnapshotQuery(StrictSchema):
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()
    centre_code = code_field(32)


class FlagOut(Schema):
    id = fields.Integer()
    kind = fields.Function(lambda f: f.kind.value)
    state = fields.Function(lambda f: f.state.value)
    camera_code = fields.Function(lambda f: f.camera.code)
    window_code = fields.Function(lambda f: f.window.code if f.window else None)
    staff_no = fields.Function(lambda f: f.staff.staff_no if f.staff else None)
    score = fields.Float()
    at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime()
    streak = fields.Integer()
    detail = fields.Dict()
    snapshot_id = fields.Integer(allow_none=True)
    last_snapshot_id = fields.Integer(allow_none=True)
    item = fields.String(attribute="item_code", allow_none=True)
    finding_id = fields.Integer(allow_none=True)
    reason = fields.String()
    reviewed_by = fields.String()
    reviewed_at = fields.AwareDateTime(allow_none=True)


class FlagWithFinding(FlagOut):
    finding = fields.Nested(FindingOut, allow_none=True)


class FlagQuery(StrictSchema):
    state = enum_field(FlagState)
    kind = enum_field(FlagKind)
    camera = code_field(32)
    window_code = code_field(16)


class ConfirmIn(StrictSchema):
    item = code_field(80, required=True)
    staff_no = code_field(32)
    note = fields.String(validate=validate.Length(max=2000))


class DismissIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
