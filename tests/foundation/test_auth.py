"""Login, logout, password change and API tokens."""
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from compliance.auth.models import ApiToken, hash_token
from compliance.db import utcnow
from compliance.extensions import db
from tests.conftest import csrf_token, login


def test_login_logout_and_next_is_kept_local(client, world):
    response = client.get("/staff")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "hr_a")
    assert client.get("/staff").status_code == 200
    token = csrf_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff").status_code == 302


def test_open_redirect_refused(client, world):
    page = client.get("/login")
    import re

    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    response = client.post("/login?next=//evil.example/x", data={
        "username": "hr_a", "password": "password-123", "csrf_token": token.decode()})
    assert response.headers["Location"] == "/"


def test_password_change_ends_other_sessions_and_tokens(app_ctx, world):
    other = app_ctx.test_client()
    login(other, "hr_a")
    token = other.post("/api/v1/auth/token", json={"username": "hr_a",
                                                   "password": "password-123"}).get_json()
    mine = app_ctx.test_client()
    login(mine, "hr_a")
    response = mine.post("/password", data={
        "csrf_token": csrf_token(mine, "/password"), "current": "password-123",
        "new": "new-password-9", "confirm": "new-password-9"})
    assert response.status_code == 302
    assert mine.get("/staff").status_code == 200  # this session goes on
    assert other.get("/staff").status_code == 302  # the other one ended
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert other.get("/api/v1/staff", headers=bearer).status_code == 401


def test_password_change_refuses_wrong_current_and_short(client, world):
    login(client, "hr_a")
    token = csrf_token(client, "/password")
    wrong = client.post("/password", data={"csrf_token": token, "current": "nope-nope",
                                           "new": "new-password-9", "confirm": "new-password-9"})
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.get_data(as_text=True)
    short = client.post("/password", data={"csrf_token": token, "current": "password-123",
                                           "new": "short", "confirm": "short"})
    assert short.status_code == 200 and "new-password" not in short.get_data(as_text=True)
    assert client.post("/api/v1/auth/token", json={
        "username": "hr_a", "password": "password-123"}).status_code == 200


def test_token_is_stored_hashed_and_expires(client, world):
    body = client.post("/api/v1/auth/token", json={"username": "staff_alice",
                                                   "password": "password-123"}).get_json()
    assert body["user"] == {"username": "staff_alice", "role": "staff", "staff_no": "S1"}
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert body["token"] not in stored and hash_token(body["token"]) in stored
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/staff/S1", headers=headers).status_code == 200
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False):
        expired = client.get("/api/v1/staff/S1", headers=headers)
    assert expired.status_code == 401
    assert expired.get_json()["error"]["code"] == "invalid_token"


def test_inactive_user_cannot_log_in(client, world):
    world.users.hr.active = False
    db.session.commit()
    assert client.post("/api/v1/auth/token", json={
        "username": "hr_a", "password": "password-123"}).status_code == 401


def test_language_switch(client, world):
    login(client, "hr_a")
    token = csrf_token(client)
    client.post("/language/en", data={"csrf_token": token, "next": "/staff"})
    page = client.get("/staff").get_data(as_text=True)
    assert "Staff number" in page and 'lang="en"' in page


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/staff/{staff_no}" in spec["paths"]
    assert "StaffIn" in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["StaffIn"]["properties"]["gender"]["enum"] == ["F", "M"]
