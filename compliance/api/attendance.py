"""Rosters, punches and attendance results over the API (API.md: PUT /roster, POST /punches,
GET /attendance)."""
from __future__ import annotations

from . import ApiBlueprint

blp = ApiBlueprint("api_attendance", __name__, description="Rosters, punches, attendance")
