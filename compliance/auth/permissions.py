"""Enforcing access: every record kind states its own rule (``visible_clause``, ``can_view``,
``can_edit`` on the model); these helpers apply those rules before a view or API body runs."""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from .models import Role

T = TypeVar("T")


def centre_clause(column, user):
    """Rows of the user's centre; every centre for a deployment-wide login."""
    if user.centre_id is None:
        return sa.true()
    return column == user.centre_id


def roles_required(*roles: Role):
    """Page or API view allowed to the given roles only (403 for the others)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


MANAGERS = (Role.hr, Role.admin)
LEADS_AND_MANAGERS = (Role.unit_lead, Role.hr, Role.admin)


def get_visible_or_404(model: type[T], ident, *, edit: bool = False, user=None) -> T:
    """Load a record by primary key and apply its own permission rule.

    A record outside the user's scope is 403 when it exists, so that a person learns nothing
    more than that they may not see it; a missing record is 404.
    """
    user = user or current_user
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    check_access(obj, edit=edit, user=user)
    return obj


def get_by_code_or_404(model: type[T], *, edit: bool = False, user=None, **where) -> T:
    """Like ``get_visible_or_404`` for records named by a code (``staff_no``, window code…)."""
    user = user or current_user
    stmt = sa.select(model).filter_by(**where)
    if "centre_id" not in where and hasattr(model, "centre_id") and user.centre_id is not None:
        stmt = stmt.where(model.centre_id == user.centre_id)
    obj = db.session.scalars(stmt).first()
    if obj is None:
        abort(404)
    check_access(obj, edit=edit, user=user)
    return obj


def check_access(obj, *, edit: bool = False, user=None) -> None:
    user = user or current_user
    allowed = obj.can_edit(user) if edit else obj.can_view(user)
    if not allowed:
        abort(403)


def visible(model, user=None):
    """``select(model)`` limited to what the user may see."""
    user = user or current_user
    return sa.select(model).where(model.visible_clause(user))
