"""Pages for centres, departments, windows and staff."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import Role
from ..auth.permissions import MANAGERS, get_visible_or_404, roles_required, visible
from ..errors import DomainError
from ..extensions import db
from ..importing import run_import_form, upserted_message
from . import operations
from .forms import CentreForm, DepartmentForm, ImportForm, StaffForm, WindowForm
from .models import Centre, Department, DepartmentKind, Employment, Gender, Staff, Window, Zone

bp = Blueprint("org", __name__)


def _target_centre_id() -> int:
    """The centre a manager creates records in: their own, or the one picked in the query."""
    if current_user.centre_id is not None:
        return current_user.centre_id
    chosen = request.args.get("centre", type=int)
    if chosen and db.session.get(Centre, chosen):
        return chosen
    first = db.session.scalar(sa.select(Centre.id).order_by(Centre.id))
    if first is None:
        abort(404)
    return first


def _form_errors(form, error: DomainError) -> None:
    for name, message in error.fields.items():
        if name in form._fields:
            form[name].errors.append(str(message))
    if not error.fields:
        flash(str(error.message), "error")


# --- centres ---

@bp.route("/centres")
@roles_required(Role.admin)
def centres():
    rows = db.session.scalars(visible(Centre).order_by(Centre.code)).all()
    return render_template("org/centres.html", centres=rows)


@bp.route("/centres/new", methods=["GET", "POST"])
@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def centre_form(centre_id: int | None = None):
    centre = get_visible_or_404(Centre, centre_id, edit=True) if centre_id else None
    if centre is None and current_user.centre_id is not None:
        abort(403)
    form = CentreForm(obj=centre)
    if form.validate_on_submit():
        try:
            if centre is None:
                operations.create_centre(form.code.data, form.name.data, form.timezone.data)
            else:
                centre.code, centre.name, centre.timezone = (
                    form.code.data, form.name.data, form.timezone.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("org.centres"))
    return render_template("org/simple_form.html", form=form, title=_("Centre"))


# --- departments ---

@bp.route("/departments")
@login_required
def departments():
    if current_user.is_staff:
        abort(403)
    rows = db.session.scalars(visible(Department).order_by(Department.code)).all()
    counts = dict(db.session.execute(
        sa.select(Staff.department_id, sa.func.count()).where(Staff.active)
        .group_by(Staff.department_id)).all())
    return render_template("org/departments.html", departments=rows, counts=counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def department_form(department_id: int | None = None):
    department = get_visible_or_404(Department, department_id, edit=True) if department_id \
        else None
    centre_id = department.centre_id if department else _target_centre_id()
    form = DepartmentForm(obj=department)
    if request.method == "GET" and department:
        form.kind.data = department.kind.value
    if form.validate_on_submit():
        try:
            operations.save_department(centre_id, form.code.data, form.name.data,
                                       DepartmentKind(form.kind.data), department)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("org.departments"))
    return render_template("org/simple_form.html", form=form, title=_("Department"))


# --- windows ---

@bp.route("/windows")
@login_required
def windows():
    rows = db.session.scalars(
        visible(Window).order_by(Window.zone, Window.code)).all()
    return render_template("org/windows.html", windows=rows, zones=list(Zone))


def _department_choices(centre_id: int):
    rows = db.session.scalars(sa.select(Department).where(Department.centre_id == centre_id)
                              .order_by(Department.code)).all()
    return [(d.code, f"{d.code} {d.name}") for d in rows]


@bp.route("/windows/new", methods=["GET", "POST"])
@bp.route("/windows/<int:window_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def window_form(window_id: int | None = None):
    window = get_visible_or_404(Window, window_id, edit=True) if window_id else None
    centre_id = window.centre_id if window else _target_centre_id()
    form = WindowForm(obj=window)
    form.department_code.choices = _department_choices(centre_id)
    if request.method == "GET" and window:
        form.zone.data = window.zone.value
        form.department_code.data = window.department.code
    if form.validate_on_submit():
        try:
            operations.save_window(centre_id, form.code.data, form.name.data,
                                   Zone(form.zone.data), form.department_code.data, window)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("org.windows"))
    return render_template("org/simple_form.html", form=form, title=_("Window"))


# --- staff ---

@bp.route("/staff")
@login_required
def staff_list():
    if current_user.is_staff:
        return redirect(url_for("org.staff_detail", staff_no=current_user.staff.staff_no))
    stmt = visible(Staff).order_by(Staff.staff_no)
    query = request.args.get("q", "").strip()
    if query:
        stmt = stmt.where(sa.or_(Staff.staff_no.contains(query), Staff.name.contains(query)))
    department = request.args.get("department", type=int)
    if department:
        stmt = stmt.where(Staff.department_id == department)
    rows = db.session.scalars(stmt).all()
    departments = db.session.scalars(visible(Department).order_by(Department.code)).all()
    return render_template("org/staff_list.html", staff=rows, departments=departments,
                           query=query, department=department)


@bp.route("/staff/<staff_no>")
@login_required
def staff_detail(staff_no: str):
    person = _staff_or_404(staff_no)
    return render_template("org/staff_detail.html", person=person)


def _staff_or_404(staff_no: str, edit: bool = False) -> Staff:
    person = db.session.scalars(sa.select(Staff).where(Staff.staff_no == staff_no)).first()
    if person is None:
        abort(404)
    allowed = person.can_edit(current_user) if edit else person.can_view(current_user)
    if not allowed:
        abort(403)
    return person


@bp.route("/staff/new", methods=["GET", "POST"])
@bp.route("/staff/<staff_no>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def staff_form(staff_no: str | None = None):
    person = _staff_or_404(staff_no, edit=True) if staff_no else None
    centre_id = person.centre_id if person else _target_centre_id()
    form = StaffForm(obj=person)
    form.department_code.choices = _department_choices(centre_id)
    windows = db.session.scalars(sa.select(Window).where(Window.centre_id == centre_id)
                                 .order_by(Window.code)).all()
    form.window_code.choices = [("", "—")] + [(w.code, f"{w.code} {w.name}") for w in windows]
    if request.method == "GET" and person:
        form.gender.data = person.gender.value
        form.employment.data = person.employment.value
        form.department_code.data = person.department.code
        form.window_code.data = person.window.code if person.window else ""
    if form.validate_on_submit():
        data = operations.StaffData(
            staff_no=form.staff_no.data, name=form.name.data, gender=Gender(form.gender.data),
            department_code=form.department_code.data,
            employment=Employment(form.employment.data),
            window_code=form.window_code.data or None, active=form.active.data)
        try:
            saved = operations.save_staff(centre_id, data, person)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _form_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("org.staff_detail", staff_no=saved.staff_no))
    return render_template("org/simple_form.html", form=form, title=_("Staff member"))


@bp.route("/staff/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def staff_import():
    form = ImportForm()
    report, status = run_import_form(
        form, lambda name, data: operations.import_staff(_target_centre_id(), name, data),
        upserted_message)
    return render_template("org/import.html", form=form, report=report), status
