"""Attendance: rosters, shifts, punches, leave, corrections and the pure rules (SPEC §3)."""
from __future__ import annotations


def init_app(app) -> None:
    """The attendance pages, their navigation entries, jobs and exports.

    Each page module registers its routes on ``routes.bp`` and its navigation entries in its
    own ``init_nav()``; this function only wires them together.
    """
    from . import (pages_board, pages_import, pages_records, pages_reports, pages_requests,
                   pages_roster)
    from .routes import bp

    app.register_blueprint(bp)
    for module in (pages_roster, pages_board, pages_records, pages_requests, pages_reports,
                   pages_import):
        module.init_nav()
