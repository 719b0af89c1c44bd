"""Patrol inspections (SPEC §4): checklist templates from seed 004, runs, findings, photos,
appeals through the core findings, spot checks (明查暗访), report and export.

Plugged in by ``create_app`` through :func:`init_app`; it depends on the core
(``compliance``), never the other way round.
"""
from __future__ import annotations


def init_app(app, api) -> None:
    from flask_babel import lazy_gettext as _l

    from compliance.auth.models import Role
    from compliance.conduct.routes import register_source_page
    from compliance.demo import register_demo
    from compliance.extensions import csrf
    from compliance.jobs import register_job
    from compliance.scoring.sources import register_inspection_tally
    from compliance.web import add_nav

    from . import exports  # noqa: F401  (registers the "findings" workbook)
    from . import models  # noqa: F401  (the tables, for the metadata and Alembic)
    from . import task_routes, template_routes  # noqa: F401  (their views join the blueprint)
    from .api import blp as api_blp
    from .demo import seed_demo_inspections
    from .operations import inspection_tallies
    from .routes import bp
    from .spot_checks import draw_today_everywhere

    app.register_blueprint(bp)
    api.register_blueprint(api_blp, url_prefix="/api/v1")
    csrf.exempt(api_blp)  # token calls carry no cookie; session calls are checked by the API

    inspectors = (Role.inspector, Role.hr, Role.admin)
    add_nav("inspections.hall", _l("Patrol"), inspectors, position=1)
    add_nav("inspections.index", _l("Inspections"),
            (Role.inspector, Role.unit_lead, Role.hr, Role.admin), position=2)
    add_nav("inspections.spot_checks", _l("Spot checks"), inspectors, position=3)
    add_nav("inspections.templates", _l("Checklists"), inspectors)

    register_source_page("inspection", "inspections.report", "inspection_id")
    register_demo(seed_demo_inspections)
    register_inspection_tally(inspection_tallies)
    register_job("spot_checks_draw", "Draw today's random spot checks (明查暗访) per centre",
                 label=_l("Spot checks"), trigger="cron", hour=7, minute=0)(
        draw_today_everywhere)
