"""Leave, punch corrections and temporary absences over the API (API.md: POST /leave,
POST /corrections and their approve/reject)."""
from __future__ import annotations

from . import ApiBlueprint

blp = ApiBlueprint("api_attendance_requests", __name__,
                   description="Leave, punch corrections, temporary absences")
