"""Service-hall staff conduct and attendance compliance."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, request, session
from sqlalchemy import event
from werkzeug.routing import IntegerConverter

from .config import Config
from . import extensions as ext

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("COMPLIANCE_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = RecordId
    app.config.from_object(config or Config(app.instance_path))

    ext.db.init_app(app)
    with app.app_context():
        _configure_engine(ext.db.engine)
    ext.migrate.init_app(app, ext.db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    _init_login(app)

    from . import models  # noqa: F401  (the whole schema; registers the audit hooks)
    from .api import init_api
    from .auth.routes import bp as auth_bp
    from .cases.routes import bp as cases_bp
    from .conduct.routes import bp as conduct_bp
    from .exports.routes import bp as exports_bp
    from .main import bp as main_bp
    from .org.routes import bp as org_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(conduct_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(exports_bp)
    from .scoring import init_app as init_scoring

    init_scoring(app)
    from .attendance import init_app as init_attendance

    init_attendance(app)
    from .notifications import init_notifications

    init_notifications(app)
    api = init_api(app)

    # Feature packages plug in here and only here (ARCHITECTURE: camera_hooks → inspections
    # → compliance).
    for feature in _feature_packages():
        feature.init_app(app, api)

    from .cli import register_cli
    from .web import init_web

    init_web(app)
    register_cli(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


class RecordId(IntegerConverter):
    """``<int:…>`` in every route: a record id that fits the database's integer column, so a
    huge number in a URL is a 404 like any other unknown id, not a driver overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _feature_packages():
    import importlib

    found = []
    for name in ("inspections", "camera_hooks"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(module, "init_app"):
            found.append(module)
    return found


def _select_locale():
    """The user's own choice (the switch in the top bar); for API callers, their
    Accept-Language; otherwise Simplified Chinese (SPEC §1: Chinese by default)."""
    from flask import has_request_context

    if not has_request_context():
        return "zh_CN"  # jobs and CLI commands speak the default language
    chosen = session.get("lang")
    if chosen in ("zh_CN", "en"):
        return chosen
    if request and request.path.startswith("/api/") and request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(["zh_CN", "zh", "en"], default="zh_CN")
        return "en" if best == "en" else "zh_CN"
    return "zh_CN"


def _select_timezone():
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False) and current_user.centre:
        return current_user.centre.timezone
    return g.get("timezone") or "Asia/Shanghai"


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from .auth.models import User

    login_manager = ext.login_manager
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        ident, _, nonce = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = ext.db.session.get(User, int(ident))
        if user is None or not user.active or user.session_nonce != nonce:
            return None
        return user


def _configure_engine(engine) -> None:
    """SQLite: WAL, NORMAL sync, a busy timeout, foreign keys, and BEGIN IMMEDIATE for any
    transaction that may write (ARCHITECTURE: a read-then-write transaction under a plain
    BEGIN fails with 'database is locked' under concurrency)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        from flask import has_request_context

        from .db import READ_FIRST_ENDPOINTS

        read_only = has_request_context() and (
            request.method in ("GET", "HEAD", "OPTIONS")
            or (request.endpoint in READ_FIRST_ENDPOINTS and not g.get("_write_phase")))
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
