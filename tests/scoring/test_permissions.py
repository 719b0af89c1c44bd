"""Who may see and do what with scores, case figures and the rulebook, over HTTP, for every role
(ARCHITECTURE habit 3). Staff see their own scores only; a unit lead their department's; HR
and admins their centre's; inspectors read no evaluation.

Logins (the ``world`` fixture): alice = staff S1 (ZH, centre A); carol = staff S3 (seconded
unit SW, centre A); insp = inspector A; lead = unit lead of SW; hr, admin = centre A; hr_b =
HR of centre B (whose one person is S9); root = an admin of every centre.
"""
from __future__ import annotations

from datetime import date

import pytest

from compliance import audit
from compliance.extensions import db
from compliance.scoring import operations
from compliance.scoring.store import save_version
from tests.conftest import api_token, csrf_token, login

from .helpers import sessions

USERS = ("staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root")
Q, DAY, YEAR = "2026-Q1", "2026-01-05", "2026"


def ALL(status: int) -> tuple[int, ...]:  # noqa: N802 (reads as a matrix cell)
    return (status,) * len(USERS)


READERS_OF_TABLES = (302, 302, 403, 200, 200, 200, 200, 200)  # staff: to their own page
OWN_S1 = (200, 403, 403, 403, 200, 200, 403, 200)
OWN_S3 = (403, 200, 403, 200, 200, 200, 403, 200)
OWN_S9 = (403, 403, 403, 403, 403, 403, 200, 200)
MANAGERS = (403, 403, 403, 403, 200, 200, 200, 200)
LEADS_AND_MANAGERS = (403, 403, 403, 200, 200, 200, 200, 200)

PAGES = [
    # path                                   alice carol insp lead  hr  admin hr_b root
    ("/scores",                              302, 302, 403, 302, 302, 302, 302, 302),
    (f"/scores/quarterly/{Q}",               *READERS_OF_TABLES),
    (f"/scores/daily/{DAY}",                 *READERS_OF_TABLES),
    (f"/scores/annual/{YEAR}",               *READERS_OF_TABLES),
    (f"/scores/quarterly/{Q}/S1",            *OWN_S1),
    (f"/scores/daily/{DAY}/S1",              *OWN_S1),
    (f"/scores/annual/{YEAR}/S1",            *OWN_S1),
    (f"/scores/quarterly/{Q}/S3",            *OWN_S3),
    (f"/scores/annual/{YEAR}/S3",            *OWN_S3),
    (f"/scores/quarterly/{Q}/S9",            *OWN_S9),
    (f"/scores/quarterly/{Q}/NOPE",          404, 404, 403, 404, 404, 404, 404, 404),
    ("/scores/quarterly/2026-13/S1",         404, 404, 403, 404, 404, 404, 404, 404),
    ("/scores/weekly/2026/S1",               404, 404, 403, 404, 404, 404, 404, 404),
    ("/scores/me",                           302, 302, 403, 302, 302, 302, 302, 302),
    ("/scores/person/S1",                    *OWN_S1),
    ("/scores/person/S3",                    *OWN_S3),
    ("/scores/person/S9",                    *OWN_S9),
    ("/scores/dashboard",                    *LEADS_AND_MANAGERS),
    ("/rulebook",                            *ALL(200)),
    ("/rulebook/new",                        *MANAGERS),
    ("/rulebook/versions/{version}",         200, 200, 200, 200, 200, 200, 403, 200),
    ("/performance",                         *LEADS_AND_MANAGERS),
    ("/performance/import",                  *MANAGERS),
    ("/exports/scores-quarterly.xlsx?year=2026&quarter=1", *LEADS_AND_MANAGERS),
    ("/exports/scores-annual.xlsx?year=2026", *LEADS_AND_MANAGERS),
    ("/exports/scores-home-unit.xlsx?year=2026&quarter=1", *LEADS_AND_MANAGERS),
]

RECOMPUTE = {"period": "quarter", "year": 2026, "quarter": 1}
BODIES = {
    "recompute": RECOMPUTE,
    "recompute CA": {**RECOMPUTE, "centre_code": "CA"},
    "figures S1": {"month": "2026-01", "entries": [{"staff_no": "S1", "cases_handled": 3,
                                                     "cases_on_time": 3}]},
    "figures S1@CA": {"month": "2026-01", "centre_code": "CA",
                      "entries": [{"staff_no": "S1", "cases_handled": 3, "cases_on_time": 3}]},
    "version": {"effective_from": "2030-01-01", "note": "调整", "changes":
                {"deductions": {"late": 4}}},
}

# root names no centre: two centres exist, so it must (400); for the rulebook, no centre
# means the rules of every centre, which a login of every centre may change.
API = [  # paths under /api/v1
    # method path                                       body           alice carol insp lead hr admin hr_b root
    ("GET",  f"/scores/daily?date={DAY}",               None,          200, 200, 403, 200, 200, 200, 200, 200),
    ("GET",  "/scores/quarterly?year=2026&quarter=1",   None,          200, 200, 403, 200, 200, 200, 200, 200),
    ("GET",  "/scores/quarterly?year=2026&quarter=1&staff_no=S1", None, *OWN_S1),
    ("GET",  "/scores/annual?year=2026&staff_no=S3",    None,          *OWN_S3),
    ("GET",  "/scores/annual?year=2026&staff_no=S9",    None,          *OWN_S9),
    ("POST", "/scores/recompute",                       "recompute",   403, 403, 403, 403, 200, 200, 200, 400),
    ("POST", "/scores/recompute",                       "recompute CA", 403, 403, 403, 403, 200, 200, 403, 200),
    ("PUT",  "/performance",                            "figures S1",  403, 403, 403, 403, 200, 200, 400, 400),
    ("PUT",  "/performance",                            "figures S1@CA", 403, 403, 403, 403, 200, 200, 403, 200),
    ("GET",  "/performance?month=2026-01",              None,          200, 200, 403, 200, 200, 200, 200, 200),
    ("POST", "/performance/import",                     None,          403, 403, 403, 403, 400, 400, 400, 400),
    ("GET",  "/rulebook",                               None,          *ALL(200)),
    ("GET",  "/rulebook/versions",                      None,          *ALL(200)),
    ("POST", "/rulebook/versions",                      "version",     403, 403, 403, 403, 201, 201, 201, 201),
    ("GET",  "/exports/scores-quarterly.xlsx?year=2026&quarter=1", None, *LEADS_AND_MANAGERS),
    ("GET",  "/exports/scores-annual.xlsx?year=2026",   None,          *LEADS_AND_MANAGERS),
    ("GET",  "/exports/scores-home-unit.xlsx?year=2026", None,         *LEADS_AND_MANAGERS),
]

# Who each login finds in the lists (API and the quarterly table page).
SEES = {
    "staff_alice": {"S1"}, "staff_carol": {"S3"}, "lead_sw": {"S3"},
    "hr_a": {"S1", "S2", "S3"}, "admin_a": {"S1", "S2", "S3"}, "hr_b": {"S9"},
    "root": {"S1", "S2", "S3", "S9"},
}

assert all(len(row) == 1 + len(USERS) for row in PAGES)
assert all(len(row) == 3 + len(USERS) for row in API)


@pytest.fixture
def scored(app_ctx, world):
    audit.acting_as("test")
    for person in (world.alice, world.bob, world.carol, world.dave):
        sessions(person, date(2026, 1, 5), "abnormal" if person is world.carol else "normal")
    for centre in (world.a, world.b):
        operations.recompute_days(centre, date(2026, 1, 5), date(2026, 1, 5))
        operations.recompute_year(centre, 2026, today=date(2026, 1, 31))
    version = save_version(world.a.id, date(2026, 1, 1), {"deductions": {"late": 3}}, "调整",
                           "hr_a")
    db.session.commit()
    return {"version": version.id}


@pytest.mark.parametrize("username", USERS)
def test_pages(app_ctx, world, scored, username):
    client = app_ctx.test_client()
    assert login(client, username).status_code == 302
    problems = []
    for path, *statuses in PAGES:
        expected = statuses[USERS.index(username)]
        response = client.get(path.format(**scored))
        if response.status_code != expected:
            problems.append(f"GET {path}: expected {expected}, got {response.status_code}")
    if username not in ("staff_alice", "staff_carol", "inspector", "lead_sw"):
        token = csrf_token(client, "/rulebook")
        response = client.post("/scores/recompute", data={
            "csrf_token": token, "kind": "quarterly", "period": Q, "centre": "CA"})
        if response.status_code != 302:
            problems.append(f"POST /scores/recompute: {response.status_code}")
    else:
        token = csrf_token(client, "/rulebook")
        response = client.post("/scores/recompute", data={
            "csrf_token": token, "kind": "quarterly", "period": Q})
        if response.status_code != 403:
            problems.append(f"POST /scores/recompute: expected 403, got {response.status_code}")
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", USERS)
def test_api(app_ctx, world, scored, username):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    problems = []
    for method, path, body, *statuses in API:
        expected = statuses[USERS.index(username)]
        response = client.open("/api/v1" + path, method=method, headers=headers,
                               json=BODIES[body] if body else None)
        if response.status_code != expected:
            problems.append(f"{method} {path} {body or ''}: expected {expected}, got "
                            f"{response.status_code} {response.get_data(as_text=True)[:200]}")
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", sorted(SEES))
def test_lists_hold_only_what_the_login_may_see(app_ctx, world, scored, username):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    for path in (f"/api/v1/scores/daily?date={DAY}", "/api/v1/scores/quarterly?year=2026&quarter=1",
                 "/api/v1/scores/annual?year=2026"):
        items = client.get(path, headers=headers).get_json()["items"]
        assert {i["staff_no"] for i in items} == SEES[username], path
    if not username.startswith("staff_"):
        login(client, username)
        page = client.get(f"/scores/quarterly/{Q}").get_data(as_text=True)
        shown = {no for no in ("S1", "S2", "S3", "S9") if f"/scores/quarterly/{Q}/{no}\"" in page}
        assert shown == SEES[username]


def test_anonymous_callers(app_ctx, world, scored):
    client = app_ctx.test_client()
    for path, *_statuses in PAGES:
        response = client.get(path.format(**scored))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for method, path, body, *_statuses in API:
        response = client.open("/api/v1" + path, method=method,
                               json=BODIES[body] if body else None)
        assert response.status_code == 401, path
