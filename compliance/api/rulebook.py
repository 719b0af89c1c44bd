"""The rulebook over the API: the rules in force on a date, the versions with what each
changed, and a new version from a date (HR and admins; every setting checked, each problem
named in ``fields`` by its dotted path)."""
from __future__ import annotations

from types import SimpleNamespace

from flask_login import current_user
from marshmallow import Schema, fields, validate

from ..auth.permissions import MANAGERS
from ..extensions import db
from ..org.models import Centre
from ..scoring import rulebook_editing as editing
from . import ApiBlueprint, requires
from .schemas import StrictSchema, code_field, items_schema

blp = ApiBlueprint("api_rulebook", __name__, description="The rulebook and its versions")


def _centre(code: str | None) -> Centre | None:
    return editing.rules_centre(current_user, code)


class RulebookQuery(StrictSchema):
    date = fields.Date()
    centre_code = code_field(32)


class RulebookOut(Schema):
    centre_code = fields.String(allow_none=True)
    version = fields.String()
    effective_from = fields.Date(allow_none=True)
    document = fields.Dict()


class VersionQuery(StrictSchema):
    centre_code = code_field(32)


class ChangeOut(Schema):
    setting = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class VersionOut(Schema):
    id = fields.Integer()
    version = fields.Function(lambda v: v.document.get("version"))
    centre_code = fields.Function(lambda v: db.session.get(Centre, v.centre_id).code
                                  if v.centre_id else None)
    effective_from = fields.Date()
    note = fields.String()
    created_by = fields.String()
    created_at = fields.AwareDateTime()


class HistoryOut(VersionOut):
    in_force = fields.Boolean()
    changes = fields.List(fields.Nested(ChangeOut))


class VersionIn(StrictSchema):
    effective_from = fields.Date(required=True)
    changes = fields.Dict(keys=fields.String(), required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    confirm_past = fields.Boolean(load_default=False)
    centre_code = code_field(32)


@blp.route("/rulebook", methods=["GET"])
@blp.arguments(RulebookQuery, location="query")
@blp.response(200, RulebookOut)
def rules_in_force(query):
    """The whole rulebook in force on a date (today by default) in the caller's centre."""
    centre = _centre(query.get("centre_code"))
    centre_id = centre.id if centre else None
    day = query.get("date") or editing.centre_today(centre_id)
    version, document = editing.document_in_force(centre_id, day)
    return {"centre_code": centre.code if centre else None, "version": document["version"],
            "effective_from": version.effective_from if version else None,
            "document": document}


@blp.route("/rulebook/versions", methods=["GET"])
@blp.arguments(VersionQuery, location="query")
@blp.response(200, items_schema(HistoryOut, "RulebookHistory"))
def versions(query):
    """Every stored version, newest first, with the settings it changed."""
    centre = _centre(query.get("centre_code"))
    centre_id = centre.id if centre else None
    entries = editing.history(centre_id, editing.centre_today(centre_id))
    return {"items": [SimpleNamespace(
        **{name: getattr(e.version, name) for name in (
            "id", "document", "centre_id", "effective_from", "note", "created_by",
            "created_at")},
        in_force=e.in_force,
        changes=[{"setting": path, "before": before, "after": after}
                 for path, before, after in e.changes]) for e in entries]}


@blp.route("/rulebook/versions", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(VersionIn)
@blp.response(201, VersionOut)
def create_version(body):
    """A new version from ``effective_from``: the rules in force that day with ``changes``
    (a partial document, e.g. ``{"deductions": {"late": 3}}``) laid over them."""
    centre = _centre(body.get("centre_code"))
    version = editing.create_version(
        current_user, centre.id if centre else None, body["effective_from"], body["changes"],
        body["note"], confirm_past=body["confirm_past"])
    db.session.commit()
    return version
