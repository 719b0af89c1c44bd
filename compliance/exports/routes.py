"""The page route of the exports: the browser downloads ``/exports/<name>.xlsx`` with the same
query as the API, under the logged-in user's own role and scope."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from . import build_export
from .http import workbook_response

bp = Blueprint("exports", __name__)


@bp.route("/exports/<name>.xlsx")
@login_required
def download(name: str):
    return workbook_response(build_export(name, current_user, request.args))
