"""The attendance pages' blueprint. Pages live in ``pages_*.py`` modules, each adding its
routes to ``bp`` (``attendance.person_day`` is the page a score's explanation links to)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendance", __name__, url_prefix="/attendance")
