"""Departments, windows and staff over the API (API.md: POST /departments, POST /windows,
POST /staff, GET /staff/{staff_no}, plus lists, updates and the staff import)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields

from ..auth.permissions import MANAGERS, check_access, visible
from ..errors import Invalid
from ..extensions import db
from ..importing import ImportFileError
from ..org import operations
from ..org.models import Centre, Department, DepartmentKind, Employment, Gender, Staff, Window, Zone
from . import ApiBlueprint, requires
from .errors import import_rejected
from .schemas import StrictSchema, code_field, enum_field, items_schema, text_field

blp = ApiBlueprint("api_org", __name__, description="Organisation: departments, windows, staff")


def target_centre(centre_code: str | None) -> Centre:
    """The centre a call writes into: the caller's own, or the one named by a deployment-wide
    login (required when the deployment holds several)."""
    if current_user.centre_id is not None:
        if centre_code and centre_code != current_user.centre.code:
            abort(403)
        return current_user.centre
    stmt = sa.select(Centre)
    if centre_code:
        stmt = stmt.where(Centre.code == centre_code)
    centres = db.session.scalars(stmt.limit(2)).all()
    if len(centres) != 1:
        message = _("Name the centre (centre_code).")
        raise Invalid(message, {"centre_code": message})
    return centres[0]


# --- schemas ---

class DepartmentIn(StrictSchema):
    code = code_field(32, required=True)
    name = text_field(200, required=True)
    kind = enum_field(DepartmentKind, required=True)
    centre_code = code_field(32)


class DepartmentUpdate(StrictSchema):
    name = text_field(200)
    kind = enum_field(DepartmentKind)


class DepartmentOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.Function(lambda d: d.kind.value)
    centre_code = fields.Function(lambda d: d.centre.code)


class WindowIn(StrictSchema):
    code = code_field(16, required=True)
    name = text_field(200, required=True)
    zone = enum_field(Zone, required=True)
    department_code = code_field(32, required=True)
    centre_code = code_field(32)


class WindowUpdate(StrictSchema):
    name = text_field(200)
    zone = enum_field(Zone)
    department_code = code_field(32)


class WindowOut(Schema):
    code = fields.String()
    name = fields.String()
    zone = fields.Function(lambda w: w.zone.value)
    department_code = fields.Function(lambda w: w.department.code)


class StaffIn(StrictSchema):
    staff_no = code_field(32, required=True)
    name = text_field(100, required=True)
    gender = enum_field(Gender, required=True)
    department_code = code_field(32, required=True)
    employment = enum_field(Employment, required=True)
    window_code = code_field(16, allow_none=True)
    active = fields.Boolean(load_default=True)
    centre_code = code_field(32)


class StaffUpdate(StrictSchema):
    name = text_field(100)
    gender = enum_field(Gender)
    department_code = code_field(32)
    employment = enum_field(Employment)
    window_code = code_field(16, allow_none=True)
    active = fields.Boolean()


class StaffOut(Schema):
    staff_no = fields.String()
    name = fields.String()
    gender = fields.Function(lambda s: s.gender.value)
    department_code = fields.Function(lambda s: s.department.code)
    employment = fields.Function(lambda s: s.employment.value)
    window_code = fields.Function(lambda s: s.window.code if s.window else None)
    active = fields.Boolean()


class StaffQuery(StrictSchema):
    department_code = code_field(32)
    active = fields.Boolean()


class ImportRowError(Schema):
    row = fields.Integer()
    field = fields.String()
    message = fields.String()


class ImportReportOut(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowError))


class ImportFile(Schema):
    file = fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


# --- departments ---

@blp.route("/departments", methods=["GET"])
@blp.response(200, items_schema(DepartmentOut, "DepartmentList"))
def list_departments():
    """Departments the caller may see."""
    rows = db.session.scalars(visible(Department).order_by(Department.code)).all()
    return {"items": rows}


@blp.route("/departments", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(DepartmentIn)
@blp.response(201, DepartmentOut)
def create_department(body):
    """Create a department (HR, admin)."""
    centre = target_centre(body.get("centre_code"))
    department = operations.save_department(centre.id, body["code"], body["name"], body["kind"])
    db.session.commit()
    return department


def _by_code(model, code: str, edit: bool = False):
    """A department or window by code, after its access check.

    Codes are unique within a centre; a deployment-wide login names the centre with
    ``?centre_code=`` when several centres use the code.
    """
    stmt = sa.select(model).where(model.code == code)
    if current_user.centre_id:
        stmt = stmt.where(model.centre_id == current_user.centre_id)
    elif request.args.get("centre_code"):
        stmt = stmt.join(Centre, model.centre_id == Centre.id).where(
            Centre.code == request.args["centre_code"])
    records = db.session.scalars(stmt.limit(2)).all()
    if not records:
        abort(404)
    if len(records) > 1:
        message = _("Several centres use %(code)s: name the centre (centre_code).", code=code)
        raise Invalid(message, {"centre_code": message})
    check_access(records[0], edit=edit)
    return records[0]


def _department(code: str, edit: bool = False) -> Department:
    return _by_code(Department, code, edit)


@blp.route("/departments/<code>", methods=["GET"])
@blp.response(200, DepartmentOut)
def get_department(code):
    return _department(code)


@blp.route("/departments/<code>", methods=["PATCH"])
@requires(*MANAGERS)
@blp.arguments(DepartmentUpdate)
@blp.response(200, DepartmentOut)
def update_department(body, code):
    department = _department(code, edit=True)
    operations.save_department(department.centre_id, department.code,
                               body.get("name", department.name),
                               body.get("kind", department.kind), department)
    db.session.commit()
    return department


# --- windows ---

@blp.route("/windows", methods=["GET"])
@blp.response(200, items_schema(WindowOut, "WindowList"))
def list_windows():
    rows = db.session.scalars(visible(Window).order_by(Window.code)).all()
    return {"items": rows}


@blp.route("/windows", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(WindowIn)
@blp.response(201, WindowOut)
def create_window(body):
    """Create a window (HR, admin)."""
    centre = target_centre(body.get("centre_code"))
    window = operations.save_window(centre.id, body["code"], body["name"], body["zone"],
                                    body["department_code"])
    db.session.commit()
    return window


def _window(code: str, edit: bool = False) -> Window:
    return _by_code(Window, code, edit)


@blp.route("/windows/<code>", methods=["GET"])
@blp.response(200, WindowOut)
def get_window(code):
    return _window(code)


@blp.route("/windows/<code>", methods=["PATCH"])
@requires(*MANAGERS)
@blp.arguments(WindowUpdate)
@blp.response(200, WindowOut)
def update_window(body, code):
    window = _window(code, edit=True)
    operations.save_window(window.centre_id, window.code, body.get("name", window.name),
                           body.get("zone", window.zone),
                           body.get("department_code", window.department.code), window)
    db.session.commit()
    return window


# --- staff ---

def staff_or_404(staff_no: str, edit: bool = False) -> Staff:
    """The person named by ``staff_no``, after the caller's access check (403 if outside)."""
    person = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    if person is None:
        abort(404)
    check_access(person, edit=edit)
    return person


@blp.route("/staff", methods=["GET"])
@blp.arguments(StaffQuery, location="query")
@blp.response(200, items_schema(StaffOut, "StaffList"))
def list_staff(query):
    """People the caller may see (a staff login: itself only)."""
    stmt = visible(Staff).order_by(Staff.staff_no)
    if "department_code" in query:
        stmt = stmt.join(Department).where(Department.code == query["department_code"])
    if "active" in query:
        stmt = stmt.where(Staff.active == query["active"])
    return {"items": db.session.scalars(stmt).all()}


@blp.route("/staff", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(StaffIn)
@blp.response(201, StaffOut)
def create_staff(body):
    """Create a person (HR, admin)."""
    centre = target_centre(body.get("centre_code"))
    data = operations.StaffData(
        body["staff_no"], body["name"], body["gender"], body["department_code"],
        body["employment"], body.get("window_code"), body["active"])
    person = operations.save_staff(centre.id, data)
    db.session.commit()
    return person


@blp.route("/staff/<staff_no>", methods=["GET"])
@blp.response(200, StaffOut)
def get_staff(staff_no):
    return staff_or_404(staff_no)


@blp.route("/staff/<staff_no>", methods=["PATCH"])
@requires(*MANAGERS)
@blp.arguments(StaffUpdate)
@blp.response(200, StaffOut)
def update_staff(body, staff_no):
    person = staff_or_404(staff_no, edit=True)
    data = operations.StaffData(
        person.staff_no, body.get("name", person.name), body.get("gender", person.gender),
        body.get("department_code", person.department.code),
        body.get("employment", person.employment),
        body["window_code"] if "window_code" in body else
        (person.window.code if person.window else None),
        body.get("active", person.active))
    operations.save_staff(person.centre_id, data, person)
    db.session.commit()
    return person


@blp.route("/staff/import", methods=["POST"])
@requires(*MANAGERS)
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
@blp.alt_response(400, description="Nothing imported: the per-row error report")
def import_staff(files):
    """Import a staff list (CSV or Excel): all rows or none, with a per-row report."""
    upload = files["file"]
    centre = target_centre(request.args.get("centre_code"))
    try:
        report = operations.import_staff(centre.id, upload.filename or "", upload.read())
    except ImportFileError as error:
        db.session.rollback()
        raise Invalid(str(error), {"file": str(error)}) from error
    if not report.ok:
        db.session.rollback()
        return import_rejected(report)
    db.session.commit()
    return report.as_dict()
