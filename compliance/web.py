"""Cross-cutting page behaviour: navigation by role, error pages, security headers."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .auth.models import Role

# (endpoint, label, roles). Feature packages append their own entries via ``add_nav``.
NAV: list[tuple[str, object, tuple[Role, ...]]] = [
    ("main.index", _l("Home"), tuple(Role)),
    ("conduct.findings", _l("Findings"), tuple(Role)),
    ("cases.board", _l("Cases"), (Role.staff, Role.unit_lead, Role.hr, Role.admin)),
    ("cases.reviews", _l("Reviews"), (Role.staff, Role.unit_lead, Role.hr, Role.admin)),
    ("org.staff_list", _l("Staff"), (Role.inspector, Role.unit_lead, Role.hr, Role.admin)),
    ("org.windows", _l("Windows"), tuple(Role)),
    ("org.departments", _l("Departments"), (Role.inspector, Role.unit_lead, Role.hr, Role.admin)),
    ("org.staff_import", _l("Import staff"), (Role.hr, Role.admin)),
    ("org.centres", _l("Centres"), (Role.admin,)),
    ("auth.users", _l("Users"), (Role.admin,)),
    ("cases.calendar", _l("Working-day calendar"), (Role.admin,)),
    ("main.audit_log", _l("Audit log"), (Role.admin,)),
    ("main.jobs", _l("Scheduled jobs"), (Role.admin,)),
]


def add_nav(endpoint: str, label, roles: tuple[Role, ...], position: int | None = None) -> None:
    entry = (endpoint, label, roles)
    if entry[0] in {e[0] for e in NAV}:
        return
    NAV.insert(len(NAV) if position is None else position, entry)


def nav_for(user) -> list[tuple[str, object]]:
    if not user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV if user.role in roles]


def init_web(app: Flask) -> None:
    @app.context_processor
    def _inject():
        return {"nav_items": nav_for(current_user), "Role": Role, "get_locale": get_locale}

    def _error(status: int, template: str = "errors/error.html"):
        def handler(error):
            if request.path.startswith("/api/"):
                from .api.errors import http_error_response

                return http_error_response(error)
            return render_template(template, status=status, error=error), status

        return handler

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, _error(status))

    @app.errorhandler(CSRFError)
    def _csrf(error):
        if request.path.startswith("/api/"):
            from .api.errors import error_response

            from flask_babel import gettext as _

            return error_response(400, _("The form expired or was sent from elsewhere. "
                                         "Reload the page and try again."), code="csrf")
        return render_template("errors/error.html", status=400, error=error, csrf=True), 400

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        return response
