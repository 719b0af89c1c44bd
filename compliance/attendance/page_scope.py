"""What the board, record and report pages share: the centre and department a page is about
(checked against the user's scope before the view body), month and date arguments, and the
local wall-clock time of a stored instant for the templates."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from ..auth.permissions import check_access
from ..extensions import db
from ..org.models import Centre, Department, Staff
from ..timeutil import local_today
from .evidence import clock
from .reports import parse_month
from .routes import bp

DEFAULT_TZ = "Asia/Shanghai"


@bp.app_template_global("att_clock")
def att_clock(instant, tz: str, fmt: str = "%H:%M") -> str:
    return clock(instant, tz, fmt)


def user_today() -> date:
    return local_today(current_user.centre.timezone if current_user.centre else DEFAULT_TZ)


def centre_for_page() -> Centre:
    """The user's own centre; a login of every centre picks one with ``?centre=CODE``
    (default: the first by code). An unknown code is 404."""
    if current_user.centre_id is not None:
        return current_user.centre
    code = request.args.get("centre", "").strip()
    stmt = sa.select(Centre).order_by(Centre.code)
    if code:
        stmt = stmt.where(Centre.code == code)
    centre = db.session.scalars(stmt.limit(1)).first()
    if centre is None:
        abort(404)
    return centre


def centres_for_user() -> list[Centre]:
    return list(db.session.scalars(sa.select(Centre).where(Centre.visible_clause(current_user))
                                   .order_by(Centre.code)))


def department_or_404(code: str) -> Department:
    """A department by code in the user's centre (a login of every centre: in the centre
    named by ``?centre=CODE``, else the first holding that code): another centre's is 404,
    one of the user's centre outside their scope 403."""
    stmt = sa.select(Department).where(Department.code == code)
    if current_user.centre_id is not None:
        stmt = stmt.where(Department.centre_id == current_user.centre_id)
    elif request.args.get("centre", "").strip():
        stmt = stmt.join(Centre, Department.centre_id == Centre.id).where(
            Centre.code == request.args["centre"].strip())
    department = db.session.scalars(stmt.order_by(Department.centre_id).limit(1)).first()
    if department is None:
        abort(404)
    check_access(department)
    return department


def staff_or_404(staff_no: str) -> Staff:
    """A person by staff number: another centre's is 404, someone outside the user's scope
    in their own centre 403 (a staff login sees only themselves)."""
    stmt = sa.select(Staff).where(Staff.staff_no == staff_no)
    if current_user.centre_id is not None:
        stmt = stmt.where(Staff.centre_id == current_user.centre_id)
    person = db.session.scalars(stmt).first()
    if person is None:
        abort(404)
    check_access(person)
    return person


def month_or_404(text: str) -> date:
    first = parse_month(text)
    if first is None:
        abort(404)
    return first


def day_or_404(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if not 2000 <= day.year <= 2100 or len(text) != 10:
        abort(404)
    return day
