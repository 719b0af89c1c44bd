"""Configuration read from ``COMPLIANCE_*`` environment variables.

Every setting has a default that works on a fresh machine: the embedded SQLite database and
the uploads live in the instance folder, and the secret key is generated there on first use.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"COMPLIANCE_{name}", default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


def load_secret_key(instance_path: str) -> str:
    """Return COMPLIANCE_SECRET_KEY, or a key kept in the instance folder (made once)."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when several workers start at once, exactly one writes the key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    """Production defaults; values come from the environment at app creation."""

    TESTING = False

    def __init__(self, instance_path: str):
        self.SQLALCHEMY_DATABASE_URI = _env(
            "DATABASE_URL", "sqlite:///" + os.path.join(instance_path, "compliance.sqlite3")
        )
        self.SECRET_KEY = load_secret_key(instance_path)
        self.COMPLIANCE_TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
        self.UPLOAD_FOLDER = _env("UPLOAD_FOLDER", os.path.join(instance_path, "uploads"))
        self.MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_BYTES", 16 * 1024 * 1024)
        # One photo (patrol evidence, camera snapshot); larger ones are refused with 413.
        self.MAX_PHOTO_BYTES = _env_int("MAX_PHOTO_BYTES", 8 * 1024 * 1024)
        self.API_TOKEN_LIFETIME = timedelta(hours=_env_int("API_TOKEN_HOURS", 12))
        # Login throttling: this many failures within the window lock the name (and the
        # address) for the window.
        self.LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env("COOKIE_SECURE", "0") == "1"
        self.REMEMBER_COOKIE_HTTPONLY = True
        # Reverse proxies in front of the app (nginx: 1); their X-Forwarded-For is trusted so
        # login throttling sees the client's address.
        self.PROXY_COUNT = _env_int("PROXY_COUNT", 0)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_HOURS", 12))

    # Fixed settings (not per deployment).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    API_TITLE = "Service-hall staff compliance API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    JSON_SORT_KEYS = False


class TestConfig(Config):
    """Settings for the test suite; the database URL is given by the test fixtures."""

    TESTING = True

    def __init__(self, instance_path: str, database_url: str):
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SECRET_KEY = "test-secret-key"
        # A cheap hash keeps fixtures with many logins fast; production uses scrypt.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        self.UPLOAD_FOLDER = os.path.join(instance_path, "uploads")
