"""Who may see and change what, over HTTP, for every role (ARCHITECTURE habit 3, SPEC §1).

The two matrices below are the rules at a glance: one row per request, one column per login
of the ``world`` fixture. They expand to (user, method, path, expected status) rows; a test
per login walks all of its rows and lists every mismatch at once.

Logins: alice = staff S1 (dept ZH, centre A); carol = staff S3 (seconded dept SW, centre A);
insp = inspector A; lead = unit lead of SW; hr, admin = centre A; hr_b = HR of centre B
(whose one person is S9); root = deployment-wide admin.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import api_token, login

USERS = ("staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root")


def ALL(status: int) -> tuple[int, ...]:  # noqa: N802 (reads as a matrix cell)
    return (status,) * len(USERS)


# {ZH} {ZHB} {A01} {B01} {CA} {CB} {u:name} are database ids, filled in from the world.
PAGES = [
    # path                      alice carol insp lead  hr  admin hr_b root
    ("/",                       *ALL(200)),
    ("/staff",                  302, 302, 200, 200, 200, 200, 200, 200),  # staff: to own page
    ("/staff/S1",               200, 403, 200, 403, 200, 200, 403, 200),
    ("/staff/S2",               403, 403, 200, 403, 200, 200, 403, 200),
    ("/staff/S3",               403, 200, 200, 200, 200, 200, 403, 200),
    ("/staff/S9",               403, 403, 403, 403, 403, 403, 200, 200),
    ("/staff/NOPE",             *ALL(404)),
    ("/staff/new",              403, 403, 403, 403, 200, 200, 200, 200),
    ("/staff/S1/edit",          403, 403, 403, 403, 200, 200, 403, 200),
    ("/staff/S3/edit",          403, 403, 403, 403, 200, 200, 403, 200),
    ("/staff/S9/edit",          403, 403, 403, 403, 403, 403, 200, 200),
    ("/staff/import",           403, 403, 403, 403, 200, 200, 200, 200),
    ("/departments",            403, 403, 200, 200, 200, 200, 200, 200),
    ("/departments/new",        403, 403, 403, 403, 200, 200, 200, 200),
    ("/departments/{ZH}",       403, 403, 403, 403, 200, 200, 403, 200),
    ("/departments/{ZHB}",      403, 403, 403, 403, 403, 403, 200, 200),
    ("/windows",                *ALL(200)),
    ("/windows/new",            403, 403, 403, 403, 200, 200, 200, 200),
    ("/windows/{A01}",          403, 403, 403, 403, 200, 200, 403, 200),
    ("/windows/{B01}",          403, 403, 403, 403, 403, 403, 200, 200),
    ("/centres",                403, 403, 403, 403, 403, 200, 403, 200),
    ("/centres/new",            403, 403, 403, 403, 403, 403, 403, 200),  # root only
    ("/centres/{CA}",           403, 403, 403, 403, 403, 403, 403, 200),
    ("/users",                  403, 403, 403, 403, 403, 200, 403, 200),
    ("/users/new",              403, 403, 403, 403, 403, 200, 403, 200),
    ("/users/{u:hr_a}",         403, 403, 403, 403, 403, 200, 403, 200),
    ("/users/{u:hr_b}",         403, 403, 403, 403, 403, 403, 403, 200),
    ("/users/{u:root}",         403, 403, 403, 403, 403, 403, 403, 200),
    ("/audit",                  403, 403, 403, 403, 403, 200, 403, 200),
]

NEW_STAFF = {"name": "新人", "gender": "F", "employment": "direct"}
BODIES = {
    "rename": {"name": "改名"},
    "staff N1 ZH": {**NEW_STAFF, "staff_no": "N1", "department_code": "ZH"},
    "staff N2 ZH@CA": {**NEW_STAFF, "staff_no": "N2", "department_code": "ZH",
                       "centre_code": "CA"},
    "staff N3 ZHB@CB": {**NEW_STAFF, "staff_no": "N3", "department_code": "ZHB",
                        "centre_code": "CB"},
    "dept ND1": {"code": "ND1", "name": "新部门", "kind": "centre"},
    "dept ND2@CA": {"code": "ND2", "name": "新部门", "kind": "centre", "centre_code": "CA"},
    "window W1 ZH": {"code": "W1", "name": "新窗口", "zone": "window", "department_code": "ZH"},
    "window W2 ZHB@CB": {"code": "W2", "name": "新窗口", "zone": "window",
                         "department_code": "ZHB", "centre_code": "CB"},
}

# Departments and windows are named by codes unique within a centre, so another centre's code
# is simply not found (404); staff numbers are unique deployment-wide, so another centre's
# person exists and is refused (403). 400 for root: it must name the centre (centre_code);
# 400 for hr_b: department ZH is not one of centre B's.
API = [  # paths under /api/v1
    # method  path                body                alice carol insp lead  hr admin hr_b root
    ("GET",   "/staff",           None,               *ALL(200)),
    ("GET",   "/staff/S1",        None,               200, 403, 200, 403, 200, 200, 403, 200),
    ("GET",   "/staff/S3",        None,               403, 200, 200, 200, 200, 200, 403, 200),
    ("GET",   "/staff/S9",        None,               403, 403, 403, 403, 403, 403, 200, 200),
    ("GET",   "/staff/NOPE",      None,               *ALL(404)),
    ("POST",  "/staff",           "staff N1 ZH",      403, 403, 403, 403, 201, 201, 400, 400),
    ("POST",  "/staff",           "staff N2 ZH@CA",   403, 403, 403, 403, 201, 201, 403, 201),
    ("POST",  "/staff",           "staff N3 ZHB@CB",  403, 403, 403, 403, 403, 403, 201, 201),
    ("PATCH", "/staff/S1",        "rename",           403, 403, 403, 403, 200, 200, 403, 200),
    ("PATCH", "/staff/S3",        "rename",           403, 403, 403, 403, 200, 200, 403, 200),
    ("PATCH", "/staff/S9",        "rename",           403, 403, 403, 403, 403, 403, 200, 200),
    ("GET",   "/departments",     None,               *ALL(200)),
    ("GET",   "/departments/ZH",  None,               200, 403, 200, 403, 200, 200, 404, 200),
    ("GET",   "/departments/SW",  None,               403, 200, 200, 200, 200, 200, 404, 200),
    ("POST",  "/departments",     "dept ND1",         403, 403, 403, 403, 201, 201, 201, 400),
    ("POST",  "/departments",     "dept ND2@CA",      403, 403, 403, 403, 201, 201, 403, 201),
    ("PATCH", "/departments/ZH",  "rename",           403, 403, 403, 403, 200, 200, 404, 200),
    ("PATCH", "/departments/ZHB", "rename",           403, 403, 403, 403, 404, 404, 200, 200),
    ("GET",   "/windows",         None,               *ALL(200)),
    ("GET",   "/windows/A01",     None,               200, 200, 200, 200, 200, 200, 404, 200),
    ("POST",  "/windows",         "window W1 ZH",     403, 403, 403, 403, 201, 201, 400, 400),
    ("POST",  "/windows",         "window W2 ZHB@CB", 403, 403, 403, 403, 403, 403, 201, 201),
    ("PATCH", "/windows/A01",     "rename",           403, 403, 403, 403, 200, 200, 404, 200),
]

assert all(len(row) == 1 + len(USERS) for row in PAGES)
assert all(len(row) == 3 + len(USERS) for row in API)
PAGE_ROWS = [(user, "GET", path, status)
             for path, *statuses in PAGES for user, status in zip(USERS, statuses)]
API_ROWS = [(user, method, "/api/v1" + path, body, status)
            for method, path, body, *statuses in API for user, status in zip(USERS, statuses)]

# What each login's lists hold.
SEES = {
    #              staff (API list and /staff page)   departments          windows
    "staff_alice": ({"S1"},                    {"ZH"},              {"A01", "D01"}),
    "staff_carol": ({"S3"},                    {"SW"},              {"A01", "D01"}),
    "inspector":   ({"S1", "S2", "S3"},        {"ZH", "SW"},        {"A01", "D01"}),
    "lead_sw":     ({"S3"},                    {"SW"},              {"A01", "D01"}),
    "hr_a":        ({"S1", "S2", "S3"},        {"ZH", "SW"},        {"A01", "D01"}),
    "admin_a":     ({"S1", "S2", "S3"},        {"ZH", "SW"},        {"A01", "D01"}),
    "hr_b":        ({"S9"},                    {"ZHB"},             {"B01"}),
    "root":        ({"S1", "S2", "S3", "S9"},  {"ZH", "SW", "ZHB"}, {"A01", "D01", "B01"}),
}


@pytest.fixture
def new_client(app_ctx):
    return app_ctx.test_client  # each request starts with an empty g (conftest.IsolatedClient)


def _ids(world) -> dict[str, int]:
    ids = {"ZH": world.dept1.id, "ZHB": world.dept_b.id, "A01": world.win1.id,
           "B01": world.win_b.id, "CA": world.a.id, "CB": world.b.id}
    ids.update({f"u:{u.username}": u.id for u in vars(world.users).values()})
    return ids


def _fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)


def _mismatches(rows, send) -> list[str]:
    out = []
    for row in rows:
        *request, expected = row
        response = send(*request)
        if response.status_code != expected:
            out.append(f"{' '.join(str(p) for p in request if p)}: "
                       f"expected {expected}, got {response.status_code}")
    return out


@pytest.mark.parametrize("username", USERS)
def test_pages(new_client, world, username):
    client = new_client()
    assert login(client, username).status_code == 302
    ids = _ids(world)
    rows = [(path, status) for user, _, path, status in PAGE_ROWS if user == username]
    problems = _mismatches(rows, lambda path: client.get(_fill(path, ids)))
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", USERS)
def test_api(new_client, world, username):
    client = new_client()
    headers = api_token(client, username)
    rows = [(method, path, body, status) for user, method, path, body, status in API_ROWS
            if user == username]

    def send(method, path, body):
        return client.open(path, method=method, headers=headers,
                           json=BODIES[body] if body else None)

    problems = _mismatches(rows, send)
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", USERS)
def test_lists_hold_only_what_the_login_may_see(new_client, world, username):
    client = new_client()
    headers = api_token(client, username)
    staff, departments, windows = SEES[username]

    def codes(path, key):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        return {item[key] for item in response.get_json()["items"]}

    assert codes("/api/v1/staff", "staff_no") == staff
    assert codes("/api/v1/departments", "code") == departments
    assert codes("/api/v1/windows", "code") == windows

    login(client, username)
    page = client.get("/staff", follow_redirects=True)
    assert page.status_code == 200
    shown = set(re.findall(r'href="/staff/(S\d+)"', page.get_data(as_text=True)))
    if username.startswith("staff_"):  # a staff login lands on its own record
        assert page.request.path == f"/staff/{next(iter(staff))}"
    else:
        assert shown == staff


def test_staff_list_page_sends_a_staff_login_to_its_own_record(new_client, world):
    client = new_client()
    login(client, "staff_alice")
    response = client.get("/staff")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/S1")


def test_anonymous_pages_go_to_the_login(new_client, world):
    client, ids = new_client(), _ids(world)
    problems = []
    for path in dict.fromkeys(row[0] for row in PAGES):
        response = client.get(_fill(path, ids))
        if response.status_code != 302 or \
                not response.headers.get("Location", "").startswith("/login"):
            problems.append(f"{path}: {response.status_code} {response.headers.get('Location')}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_anonymous_api_is_401_in_the_error_format(new_client, world, authorization):
    client = new_client()
    headers = {"Authorization": authorization} if authorization else {}
    problems = []
    for method, path, body in dict.fromkeys(row[:3] for row in API):
        path = "/api/v1" + path
        response = client.open(path, method=method, headers=headers,
                               json=BODIES[body] if body else None)
        error = (response.get_json(silent=True) or {}).get("error") or {}
        if (response.status_code != 401 or set(error) != {"code", "message", "fields"}
                or error["code"] not in ("unauthorized", "invalid_token")
                or error["fields"] != {}
                or not re.search(r"[\u4e00-\u9fff]", error["message"])):  # Chinese default
            problems.append(f"{method} {path}: {response.status_code} {response.get_data()!r}")
    assert not problems, "\n".join(problems)


def test_a_deployment_wide_admin_cannot_change_the_wrong_centres_window(new_client, world,
                                                                        factory):
    """Window codes are unique per centre only: when two centres both hold ``A01``, a login of
    every centre must name the centre instead of changing whichever row comes first."""
    factory.window(world.dept_b, "A01")
    client = new_client()
    headers = api_token(client, "root")
    response = client.patch("/api/v1/windows/A01", json={"name": "改名"}, headers=headers)
    assert response.status_code == 400, response.get_json()
    assert "centre_code" in response.get_json()["error"]["fields"]


def test_a_refused_role_gets_403_before_its_body_is_read(new_client, world):
    client = new_client()
    headers = api_token(client, "staff_alice")
    assert client.post("/api/v1/staff", json={}, headers=headers).status_code == 403
    assert client.patch("/api/v1/windows/A01", json={"zone": "nowhere"},
                        headers=headers).status_code == 403
