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

    _init_reports()
    app.register_blueprint(bp)
    for module in (pages_roster, pages_board, pages_records, pages_requests, pages_reports,
                   pages_import):
        module.init_nav()


def _init_reports() -> None:
    """The report jobs, the attendance workbooks and the demo attendance."""
    from ..demo import register_demo
    from ..exports import attendance as _attendance_exports  # noqa: F401  (registers them)
    from . import jobs as _attendance_jobs  # noqa: F401  (registers the scheduled jobs)
    from .demo import seed_demo_attendance

    register_demo(seed_demo_attendance)
