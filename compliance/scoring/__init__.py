"""Scores (考评, SPEC §7): the versioned rulebook, the pure scoring engine, and the
operations that gather inputs, run the engine and store the results."""
from __future__ import annotations


def init_app(app) -> None:
    """The score pages, their navigation entries, the score jobs and the score exports."""
    from flask_babel import lazy_gettext as _l

    from ..auth.models import Role
    from ..exports import scores as _score_exports  # noqa: F401  (registers the workbooks)
    from ..web import add_nav
    from . import jobs as _score_jobs  # noqa: F401  (registers the scheduled jobs)
    from .routes import bp

    app.register_blueprint(bp)
    readers = (Role.staff, Role.unit_lead, Role.hr, Role.admin)
    add_nav("scores.dashboard", _l("Dashboard"), (Role.unit_lead, Role.hr, Role.admin),
            position=1)
    add_nav("scores.index", _l("Scores"), readers, position=5)
    add_nav("scores.figures_list", _l("Case figures"), (Role.unit_lead, Role.hr, Role.admin),
            position=6)
    add_nav("scores.rulebook", _l("Rulebook"), tuple(Role))
