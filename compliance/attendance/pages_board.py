"""Attendance pages: today's board per centre (who is in, late, absent, on leave, away, not
yet in, off), narrowed to a department, refreshing itself every minute. A unit lead sees
their department, HR, admins and inspectors their centre; a staff login is sent to their
own day instead."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.models import Role
from ..auth.permissions import roles_required
from ..db import utcnow
from ..web import add_nav
from .board import CATEGORIES, build_board, category_label
from .page_scope import centre_for_page, centres_for_user, department_or_404, user_today
from .reports import leave_label, session_label, visible_departments
from .routes import bp

BOARD_ROLES = (Role.staff, Role.inspector, Role.unit_lead, Role.hr, Role.admin)
REFRESH_SECONDS = 60


def _board_context():
    centre = centre_for_page()
    code = request.args.get("department", "").strip()
    department = department_or_404(code) if code else None
    if department is not None and department.centre_id != centre.id:
        centre = department.centre
    board = build_board(centre, current_user, utcnow(),
                        department.id if department else None)
    return {"board": board, "department": department, "categories": CATEGORIES,
            "category_label": category_label, "tz": centre.timezone,
            "session_label": session_label, "leave_label": leave_label}


@bp.route("/board")
@roles_required(*BOARD_ROLES)
def board():
    if current_user.is_staff:
        if current_user.staff is None:
            return redirect(url_for("main.index"))
        return redirect(url_for(".person_day", staff_no=current_user.staff.staff_no,
                                day=user_today().isoformat()))
    context = _board_context()
    return render_template(
        "attendance/board.html", refresh_seconds=REFRESH_SECONDS,
        departments=visible_departments(current_user, context["board"].centre),
        centres=centres_for_user() if current_user.centre_id is None else [], **context)


@bp.route("/board/fragment")
@roles_required(Role.inspector, Role.unit_lead, Role.hr, Role.admin)
def board_fragment():
    """The board's body and counts as JSON, for the page's own refresh (no page reload)."""
    context = _board_context()
    board_ = context["board"]
    response = jsonify({"html": render_template("attendance/_board_body.html", **context),
                        "counts": board_.counts, "day": board_.day.isoformat(),
                        "as_of": board_.now.isoformat()})
    response.headers["Cache-Control"] = "no-store"
    return response


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.board", _l("Today's board"),
            (Role.inspector, Role.unit_lead, Role.hr, Role.admin))
