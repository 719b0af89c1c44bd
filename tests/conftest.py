"""Fixtures: an app per database engine (SQLite always; PostgreSQL when
COMPLIANCE_TEST_POSTGRES_URL is set), migrated from empty once per run, emptied after each test,
and factories for the records most tests need.

Tests commit for real (the request commits once, as in production) and the tables are emptied
after each test; the browser tests need that too, since their server runs in another thread.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from compliance import create_app
from compliance.config import TestConfig
from compliance.extensions import db

POSTGRES_URL = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL")
ENGINES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _create_postgres_database() -> tuple[str, callable]:
    """A fresh database for this run on the configured server; fails if it does not answer."""
    base = make_url(POSTGRES_URL)
    name = f"compliance_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {base.render_as_string()} does not answer: {exc}")

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        yield f"sqlite:///{path}"
        return
    url, drop = _create_postgres_database()
    yield url
    drop()


class IsolatedClient(FlaskClient):
    """A test client whose requests start with an empty ``g``.

    Tests keep one app context pushed (so they can query between requests, in the request's
    own session); Flask reuses it for each request, so per-request state kept on ``g`` (the
    logged-in user, the locale) must not carry over from one request or client to the next.
    """

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("instance")
    application = create_app(TestConfig(str(instance), database_url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()
        empty_tables()


@pytest.fixture
def client(app_ctx):
    return app_ctx.test_client()


# --- the browser tests (one Chromium for the whole run: Playwright's sync API runs once) ------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_server(app):
    """The app on a real HTTP server in a background thread (its own app contexts)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


# --- factories ------------------------------------------------------------------------------

@pytest.fixture
def factory(app_ctx):
    return Factory()


class Factory:
    """Makes records with sensible defaults; every call commits (as a request would)."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def centre(self, code=None, name=None, timezone="Asia/Shanghai"):
        from compliance.org.operations import create_centre

        n = self._next()
        centre = create_centre(code or f"C{n}", name or f"测试中心{n}", timezone)
        db.session.commit()
        return centre

    def department(self, centre, code=None, kind="centre", name=None):
        from compliance.org.models import DepartmentKind
        from compliance.org.operations import save_department

        n = self._next()
        dept = save_department(centre.id, code or f"D{n}", name or f"部门{n}",
                               DepartmentKind(kind))
        db.session.commit()
        return dept

    def window(self, department, code=None, zone="window"):
        from compliance.org.models import Zone
        from compliance.org.operations import save_window

        n = self._next()
        window = save_window(department.centre_id, code or f"W{n:02d}", f"窗口{n}", Zone(zone),
                             department.code)
        db.session.commit()
        return window

    def staff(self, department, staff_no=None, gender="F", employment="direct", window=None,
              name=None):
        from compliance.org.models import Employment, Gender
        from compliance.org.operations import StaffData, save_staff

        n = self._next()
        person = save_staff(department.centre_id, StaffData(
            staff_no or f"T{n:04d}", name or f"员工{n}", Gender(gender), department.code,
            Employment(employment), window.code if window else None))
        db.session.commit()
        return person

    def user(self, role, username=None, password="password-123", centre=None, department=None,
             staff=None):
        from compliance.auth.models import Role
        from compliance.auth.operations import create_user

        n = self._next()
        user = create_user(
            username or f"{role}{n}", password, Role(role),
            centre_id=centre.id if centre else (staff.centre_id if staff else None),
            department_id=department.id if department else None,
            staff_id=staff.id if staff else None)
        db.session.commit()
        return user


@pytest.fixture
def world(factory):
    """Two centres; centre A with a centre-managed and a seconded department, staff in each,
    and a login of every role; centre B with one person and an HR login."""
    from types import SimpleNamespace

    a = factory.centre("CA", "甲中心")
    b = factory.centre("CB", "乙中心")
    dept1 = factory.department(a, "ZH", "centre", "综合受理科")
    dept2 = factory.department(a, "SW", "seconded", "市税务局")
    dept_b = factory.department(b, "ZHB", "centre", "乙综合科")
    win1 = factory.window(dept1, "A01")
    win2 = factory.window(dept2, "D01")
    win_b = factory.window(dept_b, "B01")
    alice = factory.staff(dept1, "S1", "F", window=win1, name="张丽")
    bob = factory.staff(dept1, "S2", "M", window=win1, name="王强")
    carol = factory.staff(dept2, "S3", "F", "seconded", window=win2, name="李娜")
    dave = factory.staff(dept_b, "S9", "M", window=win_b, name="赵军")
    users = SimpleNamespace(
        staff=factory.user("staff", "staff_alice", staff=alice),
        staff_carol=factory.user("staff", "staff_carol", staff=carol),
        inspector=factory.user("inspector", "inspector", centre=a),
        unit_lead=factory.user("unit_lead", "lead_sw", centre=a, department=dept2),
        hr=factory.user("hr", "hr_a", centre=a),
        admin=factory.user("admin", "admin_a", centre=a),
        hr_b=factory.user("hr", "hr_b", centre=b),
        superadmin=factory.user("admin", "root"),
    )
    return SimpleNamespace(a=a, b=b, dept1=dept1, dept2=dept2, dept_b=dept_b, win1=win1,
                           win2=win2, win_b=win_b, alice=alice, bob=bob, carol=carol, dave=dave,
                           users=users)


def login(client, username, password="password-123"):
    """Log in through the real form (with its CSRF token)."""
    import re

    page = client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert token, "login form has no CSRF token"
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token.group(1).decode()})
    return response


def csrf_token(client, path="/"):
    import re

    page = client.get(path)
    match = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page.data)
    assert match, f"no CSRF token on {path}"
    return match.group(1).decode()


def api_token(client, username, password="password-123") -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def aware(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
