"""Excel exports over the API (API.md: ``GET /exports/{name}.xlsx``)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from ..exports import build_export
from ..exports.http import workbook_response
from . import ApiBlueprint

blp = ApiBlueprint("api_exports", __name__, description="Excel exports")


@blp.route("/exports/<name>.xlsx", methods=["GET"])
@blp.response(200, content_type="application/vnd.openxmlformats-officedocument"
              ".spreadsheetml.sheet")
@blp.alt_response(400, description="A query field is not valid (named in `fields`).")
@blp.alt_response(403, description="The caller's role may not have this export.")
@blp.alt_response(404, description="No export of that name.")
def export_workbook(name):
    """The named workbook; the query is the export's own (e.g. ``year``, ``quarter``)."""
    return workbook_response(build_export(name, current_user, request.args))
