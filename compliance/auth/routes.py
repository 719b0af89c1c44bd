"""Login, logout, password change, and user administration pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..org.models import Centre, Department, Staff
from . import operations
from .forms import ChangePasswordForm, LoginForm, UserForm
from .models import Role, User
from .permissions import get_visible_or_404, roles_required, visible

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = operations.authenticate(
            form.username.data, form.password.data, request.remote_addr
        )
        db.session.commit()  # failures and locks are kept even when login fails
        if result.ok:
            login_user(result.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        if result.locked_until:
            flash(
                _("Too many failed attempts. Try again after %(time)s.",
                  time=format_datetime(result.locked_until, "HH:mm")),
                "error",
            )
        else:
            flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", form=form), 401 if not result.locked_until else 429
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current.data, form.new.data)
        except ValueError:
            form.current.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            login_user(current_user)  # the session id changed with the password
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    from flask import session

    if lang not in ("zh_CN", "en"):
        abort(400)
    session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


# --- user administration (admin) ---

def _fill_user_choices(form: UserForm) -> None:
    form.role.choices = [(r.value, r.label) for r in Role]
    centres = db.session.scalars(visible(Centre).order_by(Centre.code)).all()
    form.centre_id.choices = [(c.id, f"{c.code} {c.name}") for c in centres]
    if current_user.centre_id is None:
        form.centre_id.choices.insert(0, (0, _("All centres")))
    departments = db.session.scalars(visible(Department).order_by(Department.code)).all()
    form.department_id.choices = [(0, "—")] + [(d.id, f"{d.code} {d.name}") for d in departments]


def _apply_user_form(form: UserForm, user: User) -> bool:
    role = Role(form.role.data)
    centre_id = form.centre_id.data or None
    department_id = form.department_id.data or None
    staff = None
    if form.staff_no.data:
        staff = db.session.scalars(
            visible(Staff).where(Staff.staff_no == form.staff_no.data.strip())
        ).first()
        if staff is None:
            form.staff_no.errors.append(_("No such staff number."))
            return False
    if role is Role.staff and staff is None:
        form.staff_no.errors.append(_("A staff login needs a staff number."))
        return False
    if role is Role.unit_lead and department_id is None:
        form.department_id.errors.append(_("A unit lead needs a department."))
        return False
    if role not in (Role.hr, Role.admin) and centre_id is None:
        form.centre_id.errors.append(_("This role needs a centre."))
        return False
    if staff is not None:
        centre_id = centre_id or staff.centre_id
    user.username = form.username.data.strip()
    user.role = role
    user.centre_id = centre_id
    user.department_id = department_id if role is Role.unit_lead else None
    user.staff_id = staff.id if staff is not None else None
    user.active = form.active.data
    if form.password.data:
        operations.set_password(user, form.password.data)
    return True


def _username_taken(username: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(User.id).where(User.username == username.strip())
    if exclude_id:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


@bp.route("/users")
@roles_required(Role.admin)
def users():
    rows = db.session.scalars(visible(User).order_by(User.username)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def user_new():
    form = UserForm()
    _fill_user_choices(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("A new login needs a password."))
        elif _username_taken(form.username.data):
            form.username.errors.append(_("This user name is taken."))
        else:
            user = User(password_hash="!")
            if _apply_user_form(form, user) and user.can_edit(current_user):
                db.session.add(user)
                db.session.commit()
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("auth.users"))
            db.session.rollback()
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def user_edit(user_id: int):
    user = get_visible_or_404(User, user_id, edit=True)
    form = UserForm(obj=user)
    _fill_user_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.centre_id.data = user.centre_id or 0
        form.department_id.data = user.department_id or 0
        form.staff_no.data = user.staff.staff_no if user.staff else ""
    if form.validate_on_submit():
        if _username_taken(form.username.data, user.id):
            form.username.errors.append(_("This user name is taken."))
        elif _apply_user_form(form, user):
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("auth.users"))
        else:
            db.session.rollback()
    return render_template("auth/user_form.html", form=form, user=user)
