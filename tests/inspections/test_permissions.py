"""Who may see and do what with inspections, over HTTP, for every role: one row per page or
API call, one column per login of the ``world`` fixture (as tests/foundation/test_permissions).

The scene: IA = alice's inspection (S1, A01, unit ZH, centre A) with a failure and its photo
PA; IC = carol's (S3, D01, seconded unit SW led by lead_sw); IB = dave's in centre B (made by
hr_b); T = an open spot check at A01. Logins: alice, carol = staff; insp = inspector A;
lead = unit lead of SW; hr, admin = centre A; hr_b = HR of centre B; root = every centre.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from compliance.extensions import db
from inspections import template_store
from inspections.models import SpotCheckTask
from tests.conftest import api_token, login

from .helpers import AT, body, photo

USERS = ("staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root")


def ALL(status: int) -> tuple[int, ...]:  # noqa: N802 (reads as a matrix cell)
    return (status,) * len(USERS)


PAGES = [
    # path                                          alice carol insp lead  hr  admin hr_b root
    ("/inspections/",                               *ALL(200)),
    ("/inspections/hall",                           403, 403, 200, 403, 200, 200, 200, 200),
    ("/inspections/hall/A01",                       403, 403, 200, 403, 200, 200, 404, 200),
    ("/inspections/hall/A01?template=window_desk",  403, 403, 200, 403, 200, 200, 404, 200),
    ("/inspections/hall/A01?task={T}",              403, 403, 200, 403, 200, 200, 404, 200),
    ("/inspections/hall/B01?centre={CB}",           403, 403, 404, 403, 404, 404, 200, 200),
    ("/inspections/hall/NOPE",                      403, 403, 404, 403, 404, 404, 404, 404),
    ("/inspections/{IA}",                           200, 403, 200, 403, 200, 200, 403, 200),
    ("/inspections/{IC}",                           403, 200, 200, 200, 200, 200, 403, 200),
    ("/inspections/{IB}",                           403, 403, 403, 403, 403, 403, 200, 200),
    ("/inspections/999999",                         *ALL(404)),
    ("/exports/findings.xlsx",                      403, 403, 200, 200, 200, 200, 200, 200),
    ("/inspections/templates",                      *ALL(200)),
    ("/inspections/templates/staff_conduct",        *ALL(200)),
    ("/inspections/templates/staff_conduct?version=9", *ALL(404)),
    ("/inspections/templates/nope",                 *ALL(404)),
    ("/inspections/templates/staff_conduct/items/posture.sit",
                                                    403, 403, 403, 403, 200, 200, 200, 200),
    ("/inspections/templates/staff_conduct/sections/behaviour/new",
                                                    403, 403, 403, 403, 200, 200, 200, 200),
    ("/inspections/spot-checks",                    403, 403, 200, 403, 200, 200, 200, 200),
    ("/evidence/{EA}/thumb",                        200, 403, 200, 403, 200, 200, 403, 200),
    ("/findings/{FA}",                              200, 403, 200, 403, 200, 200, 403, 200),
]

POSTS = [  # in this order: the item is edited before it is removed
    # path                                          alice carol insp lead  hr  admin hr_b root
    # the editor forms, posted incomplete: shown again with their errors to who may edit
    ("/inspections/templates/staff_conduct/items/posture.sit",
                                                    403, 403, 403, 403, 200, 200, 200, 200),
    ("/inspections/templates/staff_conduct/sections/behaviour/new",
                                                    403, 403, 403, 403, 200, 200, 200, 200),
    ("/inspections/spot-checks/draw",               403, 403, 403, 403, 302, 302, 302, 302),
    ("/inspections/spot-checks/{T}/cancel",         403, 403, 403, 403, 302, 302, 403, 302),
    ("/inspections/templates/help_area/restore",    403, 403, 403, 403, 302, 302, 302, 302),
    ("/inspections/templates/staff_conduct/items/posture.sit/remove",
                                                    403, 403, 403, 403, 302, 302, 302, 302),
    ("/inspections/hall/A01",                       403, 403, 200, 403, 200, 200, 404, 200),
]

API = [  # paths under /api/v1
    # method path                          body       alice carol insp lead  hr  admin hr_b root
    ("GET",  "/inspection-templates",      None,      *ALL(200)[:-1], 400),
    ("GET",  "/inspection-templates?centre_code=CB", None,
                                                      403, 403, 403, 403, 403, 403, 200, 200),
    ("GET",  "/inspection-templates/staff_conduct", None, *ALL(200)[:-1], 400),
    ("PUT",  "/inspection-templates/window_desk", "doc", 403, 403, 403, 403, 200, 200, 200, 400),
    ("POST", "/inspections",               "alice",   403, 403, 201, 403, 201, 201, 400, 400),
    ("POST", "/inspections",               "alice@CA", 403, 403, 201, 403, 201, 201, 403, 201),
    ("GET",  "/inspections",               None,      *ALL(200)),
    ("GET",  "/inspections/{IA}",          None,      200, 403, 200, 403, 200, 200, 403, 200),
    ("GET",  "/inspections/{IC}",          None,      403, 200, 200, 200, 200, 200, 403, 200),
    ("GET",  "/inspections/{IB}",          None,      403, 403, 403, 403, 403, 403, 200, 200),
    ("GET",  "/inspections/999999",        None,      *ALL(404)),
    ("POST", "/inspections/{IA}/photos",   "photo",   403, 403, 201, 403, 201, 201, 403, 201),
    ("POST", "/inspections/{IB}/photos",   "photo",   403, 403, 403, 403, 403, 403, 201, 201),
    ("GET",  "/inspections/{IA}/photos",   None,      200, 403, 200, 403, 200, 200, 403, 200),
    ("GET",  "/inspections/{IA}/photos/{PA}", None,   200, 403, 200, 403, 200, 200, 403, 200),
    ("GET",  "/spot-checks",               None,      403, 403, 200, 403, 200, 200, 200, 200),
    ("GET",  "/exports/findings.xlsx",     None,      403, 403, 200, 200, 200, 200, 200, 200),
    ("GET",  "/findings/{FA}",             None,      200, 403, 200, 403, 200, 200, 403, 200),
]

# What each login's lists hold: inspections (API and page), spot checks (API).
SEES = {
    "staff_alice": ({"IA"}, None),
    "staff_carol": ({"IC"}, None),
    "inspector": ({"IA", "IC"}, {"T"}),
    "lead_sw": ({"IC"}, None),
    "hr_a": ({"IA", "IC"}, {"T"}),
    "admin_a": ({"IA", "IC"}, {"T"}),
    "hr_b": ({"IB"}, set()),
    "root": ({"IA", "IC", "IB"}, {"T"}),
}

assert all(len(row) == 1 + len(USERS) for row in PAGES + POSTS)
assert all(len(row) == 3 + len(USERS) for row in API)


@pytest.fixture
def scene(app_ctx, world):
    client = app_ctx.test_client()
    inspector = api_token(client, "inspector")
    ia = client.post("/api/v1/inspections", headers=inspector,
                     json=body(fail=("posture.sit",))).get_json()
    pa = photo(client, inspector, ia["id"], item="posture.sit").get_json()
    ic = client.post("/api/v1/inspections", headers=inspector,
                     json=body(staff_no="S3", window_code="D01")).get_json()
    ib = client.post("/api/v1/inspections", headers=api_token(client, "hr_b"),
                     json=body(staff_no="S9", window_code="B01", gender="M")).get_json()
    task = SpotCheckTask(centre_id=world.a.id, day=date(2026, 3, 2), window=world.win1,
                         due_at=datetime.fromisoformat(AT), drawn_by="test")
    db.session.add(task)
    db.session.commit()
    ids = {"IA": ia["id"], "IC": ic["id"], "IB": ib["id"], "PA": pa["id"],
           "EA": pa["evidence_id"], "FA": ia["findings"][0]["id"], "T": task.id,
           "CB": world.b.id}
    return SimpleNamespace(ids=ids, inspections={ids[k]: k for k in ("IA", "IC", "IB")},
                           tasks={task.id: "T"})


def _fill(path: str, ids) -> str:
    return re.sub(r"\{([A-Z]+)\}", lambda m: str(ids[m.group(1)]), path)


def _check(rows, send) -> list[str]:
    problems = []
    for *request, expected in rows:
        status = send(*request).status_code
        if status != expected:
            problems.append(f"{' '.join(str(p) for p in request if p)}: expected {expected}, "
                            f"got {status}")
    return problems


@pytest.mark.parametrize("username", USERS)
def test_pages(app_ctx, scene, username):
    client = app_ctx.test_client()
    assert login(client, username).status_code == 302
    column = USERS.index(username)
    problems = _check([(path, row[column]) for path, *row in PAGES],
                      lambda path: client.get(_fill(path, scene.ids)))
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "reason": "窗口关闭", "restore-note": "恢复",
            "remove-note": "删除", "remove-base_version": "1"}
    problems += _check([(path, row[column]) for path, *row in POSTS],
                       lambda path: client.post(_fill(path, scene.ids), data=form))
    assert not problems, f"{username}:\n" + "\n".join(problems)


def _bodies(world_doc):
    return {
        "alice": body(),
        "alice@CA": body(centre_code="CA"),
        "photo": None,
        "doc": {"document": {**world_doc, "title_zh": "窗口办公环境巡查(修订)"}, "note": "更名"},
    }


@pytest.mark.parametrize("username", USERS)
def test_api(app_ctx, world, scene, username):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    column = USERS.index(username)
    centre = world.b.id if username == "hr_b" else world.a.id
    template_store.ensure_default_templates(centre)
    db.session.commit()
    bodies = _bodies(template_store.current_template(centre, "window_desk").document)

    def send(method, path, name):
        path = "/api/v1" + _fill(path, scene.ids)
        if name == "photo":
            return photo(client, headers, int(path.split("/")[4]),
                         item="posture.sit" if "/%d/" % scene.ids["IA"] in path else None)
        return client.open(path, method=method, headers=headers,
                           json=bodies[name] if name else None)

    problems = _check([(m, p, b, row[column]) for m, p, b, *row in API], send)
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", USERS)
def test_lists_hold_only_what_the_login_may_see(app_ctx, scene, username):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    inspections, tasks = SEES[username]
    listed = client.get("/api/v1/inspections", headers=headers).get_json()["items"]
    assert {scene.inspections[i["id"]] for i in listed} == inspections
    if tasks is not None:
        listed = client.get("/api/v1/spot-checks", headers=headers).get_json()["items"]
        assert {scene.tasks[t["id"]] for t in listed} == tasks
    login(client, username)
    page = client.get("/inspections/").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'href="/inspections/(\d+)"', page)}
    assert {scene.inspections[i] for i in shown} == inspections
