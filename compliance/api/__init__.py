"""The JSON API under /api/v1 (API.md), documented by an OpenAPI document generated from the
marshmallow schemas (flask-smorest)."""
from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from ..errors import DomainError
from .errors import error_response, http_error_response


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class ComplianceApi(Api):
    """flask-smorest's Api, with our error format handled by the app (see compliance.web)."""

    def _register_error_handlers(self):
        pass


class ApiBlueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = _Parser()

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not public:
            self.before_request(authenticate_request)


def requires(*roles):
    """Refuse other roles with 403 before the body is even parsed (place it right under
    ``@blp.route``)."""
    from functools import wraps

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask import abort
            from flask_login import current_user

            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def authenticate_request():
    """Bearer token, or the browser session with its CSRF token on unsafe methods.

    Runs before every non-public API view, so no view body runs for an anonymous caller.
    """
    from flask_login import current_user

    from ..auth.operations import user_for_token
    from ..extensions import csrf

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(header[7:].strip())
        if user is None:
            return error_response(401, code="invalid_token")
        g._login_user = user  # Flask-Login's current_user for this request only
        return None
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return None
    return error_response(401)


def init_api(app: Flask) -> Api:
    from ..extensions import csrf
    from . import attendance as attendance_api
    from . import attendance_requests as attendance_requests_api
    from . import auth as auth_api
    from . import cases as cases_api
    from . import conduct as conduct_api
    from . import exports as exports_api
    from . import org as org_api
    from . import rulebook as rulebook_api
    from . import scores as scores_api

    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ComplianceApi(app, spec_kwargs={
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    for blueprint in (auth_api.blp, org_api.blp, conduct_api.blp, cases_api.blp,
                      exports_api.blp, scores_api.blp, rulebook_api.blp, attendance_api.blp,
                      attendance_requests_api.blp):
        api.register_blueprint(blueprint, url_prefix="/api/v1")
        csrf.exempt(blueprint)  # token calls carry no cookie; session calls are checked above

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if request.path.startswith("/api/"):
            return error_response(error.status, error.message, code=error.code,
                                  fields={k: str(v) for k, v in error.fields.items()})
        from flask import render_template

        return render_template("errors/error.html", status=error.status,
                               error=error), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return http_error_response(error)
        return error

    return api
