"""Security headers, cookie flags, proxy handling and path tricks."""
import pytest

from compliance import create_app
from compliance.config import TestConfig
from compliance.errors import Invalid
from compliance.uploads import absolute_path
from tests.conftest import login


def test_security_headers_on_pages_and_api(client, world):
    for path in ("/login", "/api/v1/openapi.json", "/healthz"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_session_cookie_flags(client, world):
    response = login(client, "hr_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_and_proxy_settings(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("COMPLIANCE_COOKIE_SECURE", "1")
    monkeypatch.setenv("COMPLIANCE_PROXY_COUNT", "1")
    app = create_app(TestConfig(str(tmp_path), database_url))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    seen = {}

    @app.route("/_addr")
    def _addr():
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_addr", headers={"X-Forwarded-For": "10.1.2.3"})
    assert seen["addr"] == "10.1.2.3"


@pytest.mark.parametrize("path", ["../secret_key", "/etc/passwd", "photos/../../x"])
def test_upload_paths_cannot_escape_the_upload_folder(app_ctx, path):
    with pytest.raises(Invalid):
        absolute_path(path)
