"""Who may see and do what with cameras, snapshots and flags, over HTTP, for every role
(pages and API). Reviewers (inspector, HR, admin of the centre) see and decide; only an admin
configures cameras and sends snapshots; staff and unit leads see none of it (a confirmed flag
reaches a person as a finding).

CAM1 (centre A) covers A01 and D01 and has a snapshot {S} with two open flags {F1} (A01)
and {F2} (D01), and a picture {P}; CAMB belongs to centre B.
"""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from camera_hooks import operations
from camera_hooks.models import CameraFlag, CameraImage, Snapshot, SnapshotOrigin
from camera_hooks.screening import screen
from camera_hooks.snapshots import analysis_inputs, record_snapshot
from compliance.extensions import db
from tests.attendance.helpers import DAY, local, roster
from tests.conftest import api_token, csrf_token, login

from . import helpers

USERS = ("staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root")


def ALL(status: int) -> tuple[int, ...]:  # noqa: N802 (reads as a matrix cell)
    return (status,) * len(USERS)


REVIEW = (403, 403, 200, 403, 200, 200)  # staff, staff, inspector, lead, hr, admin
ADMIN_ONLY = (403, 403, 403, 403, 403)  # everyone before admin

PAGES = [
    # path                          alice carol insp lead  hr admin hr_b root
    ("/cameras",                    *REVIEW, 200, 200),
    ("/cameras/new",                *ADMIN_ONLY, 200, 403, 200),
    ("/cameras/CAM1",               *REVIEW, 404, 200),
    ("/cameras/CAMB",               403, 403, 404, 403, 404, 404, 200, 200),
    ("/cameras/NOPE",               403, 403, 404, 403, 404, 404, 404, 404),
    ("/cameras/CAM1/edit",          *ADMIN_ONLY, 200, 403, 200),
    ("/cameras/CAM1/regions",       *ADMIN_ONLY, 200, 403, 200),
    ("/camera/snapshots/{S}",       *REVIEW, 403, 200),
    ("/camera/snapshots/{S}/full",  *REVIEW, 403, 200),
    ("/camera/snapshots/{S}/thumb", *REVIEW, 403, 200),
    ("/camera/pictures/{P}/full",   *REVIEW, 403, 200),
    ("/camera-flags",               *REVIEW, 200, 200),
    ("/camera-flags/{F1}",          *REVIEW, 403, 200),
]

PAGE_POSTS = [
    # path, form                                              alice carol insp lead hr admin hr_b root
    ("/camera-flags/{F1}", {"action": "dismiss", "dismiss-reason": "已报备"},
     403, 403, 302, 403, 302, 302, 403, 302),
    ("/camera-flags/{F2}", {"action": "confirm", "confirm-item": "ten_prohibitions.01"},
     403, 403, 302, 403, 302, 302, 403, 302),
    ("/cameras/CAM1/picture-request", {}, *ADMIN_ONLY, 302, 403, 302),
]

CAMERA = {"code": "NEW1", "name": "新摄像头", "source": "http://10.0.0.7/snap.jpg"}
BODIES = {
    "camera": CAMERA,
    "camera@CA": {**CAMERA, "code": "NEW2", "centre_code": "CA"},
    "rename": {"name": "改名"},
    "dismiss": {"reason": "画面遮挡"},
    "confirm": {"item": "ten_prohibitions.01"},
}

API = [
    # method path                               body        alice carol insp lead hr admin hr_b root
    ("GET",   "/cameras",                       None,       *REVIEW, 200, 200),
    ("POST",  "/cameras",                       "camera",   *ADMIN_ONLY, 201, 403, 400),
    ("POST",  "/cameras",                       "camera@CA", *ADMIN_ONLY, 201, 403, 201),
    ("GET",   "/cameras/CAM1",                  None,       *REVIEW, 404, 200),
    ("PATCH", "/cameras/CAM1",                  "rename",   *ADMIN_ONLY, 200, 403, 200),
    ("GET",   "/cameras/CAM1/snapshots",        None,       *REVIEW, 404, 200),
    ("POST",  "/cameras/CAM1/snapshots",        "snapshot", *ADMIN_ONLY, 201, 403, 201),
    ("PUT",   "/cameras/CAM1/references/A01/desk", "picture", *ADMIN_ONLY, 204, 403, 204),
    ("POST",  "/cameras/CAM1/picture-request",  None,       *ADMIN_ONLY, 202, 403, 202),
    ("GET",   "/camera-flags",                  None,       *REVIEW, 200, 200),
    ("GET",   "/camera-flags/{F1}",             None,       *REVIEW, 403, 200),
    ("POST",  "/camera-flags/{F1}/dismiss",     "dismiss",  *REVIEW, 403, 200),
    ("POST",  "/camera-flags/{F2}/confirm",     "confirm",  *REVIEW, 403, 200),
]

assert all(len(row) == 1 + len(USERS) for row in PAGES)
assert all(len(row) == 2 + len(USERS) for row in PAGE_POSTS)
assert all(len(row) == 3 + len(USERS) for row in API)


@pytest.fixture
def cameras(world, factory):
    camera = helpers.set_up_camera(world.a)
    helpers.set_up_camera(world.b, code="CAMB", regions=False)
    roster(world.alice)
    roster(world.carol)
    inputs = analysis_inputs(camera, local(DAY, 10))
    screened = screen(helpers.scene(), inputs.regions, inputs.refs, inputs.settings)
    snapshot, flags = record_snapshot(camera, screened, local(DAY, 10), SnapshotOrigin.upload)
    db.session.commit()
    by_window = {f.window.code: f.id for f in flags}
    picture = db.session.scalars(sa.select(CameraImage.id)).first()
    return {"S": snapshot.id, "F1": by_window["A01"], "F2": by_window["D01"], "P": picture}


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)


def _check(rows, send) -> list[str]:
    problems = []
    for row in rows:
        *request, expected = row
        response = send(*request)
        if response.status_code != expected:
            problems.append(f"{' '.join(str(p) for p in request if p)}: expected {expected}, "
                            f"got {response.status_code}")
    return problems


@pytest.mark.parametrize("username", USERS)
def test_pages(app_ctx, world, cameras, username):
    client = app_ctx.test_client()
    assert login(client, username).status_code == 302
    index = USERS.index(username)
    problems = _check([(_fill(path, cameras), statuses[index]) for path, *statuses in PAGES],
                      lambda path: client.get(path))
    token = csrf_token(client)
    problems += _check(
        [(_fill(path, cameras), form, statuses[index]) for path, form, *statuses in PAGE_POSTS],
        lambda path, form: client.post(path, data={**form, "csrf_token": token}))
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", USERS)
def test_api(app_ctx, world, cameras, username):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    index = USERS.index(username)
    minute = iter(range(1, 60))

    def send(method, path, body):
        url = "/api/v1" + _fill(path, cameras)
        if body == "snapshot":
            at = local(DAY, 11, next(minute)).isoformat()
            return client.post(url, headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(helpers.jpeg(helpers.scene())), "s.jpg"),
                                     "taken_at": at})
        if body == "picture":
            return client.put(url, headers=headers, content_type="multipart/form-data",
                              data=helpers.upload(helpers.empty_hall()))
        return client.open(url, method=method, headers=headers,
                           json=BODIES[body] if body else None)

    problems = _check([(method, path, body, statuses[index])
                       for method, path, body, *statuses in API], send)
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username, sees", [("inspector", {"CAM1"}), ("hr_b", {"CAMB"}),
                                            ("root", {"CAM1", "CAMB"})])
def test_lists_hold_only_the_centres_cameras_and_flags(app_ctx, world, cameras, username, sees):
    client = app_ctx.test_client()
    headers = api_token(client, username)
    listed = {c["code"] for c in client.get("/api/v1/cameras", headers=headers)
              .get_json()["items"]}
    assert listed == sees
    flags = client.get("/api/v1/camera-flags", headers=headers).get_json()["items"]
    assert {f["id"] for f in flags} == ({cameras["F1"], cameras["F2"]} if "CAM1" in sees
                                        else set())
    login(client, username)
    page = client.get("/camera-flags").get_data(as_text=True)
    assert (f"/camera-flags/{cameras['F1']}" in page) is ("CAM1" in sees)


def test_anonymous_callers_get_nothing(app_ctx, world, cameras):
    client = app_ctx.test_client()
    for path, *_ in PAGES:
        response = client.get(_fill(path, cameras))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for method, path, *_ in API:
        response = client.open("/api/v1" + _fill(path, cameras), method=method)
        assert response.status_code == 401, (method, path)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CameraFlag)) == 2
    assert operations.camera_by_code(world.a.id, "CAM1").name == "东大厅"
