"""Setting up a camera over the API and the pages: source, credentials (stored encrypted,
never shown back: pages, answers, audit log), regions (bad polygons refused with nothing
stored), reference pictures (a picture with a face refused)."""
from __future__ import annotations

import io
import json
import os

import pytest
import sqlalchemy as sa

from camera_hooks import credentials
from camera_hooks.models import (Camera, CameraFlag, CameraImage, CameraReference, CameraRegion,
                                 FlagKind, FlagState)
from compliance.audit import AuditEntry
from compliance.extensions import db
from compliance.jobs import JobRun
from tests.conftest import api_token, csrf_token, login

from . import helpers

API = "/api/v1/cameras"
SECRET_USER, SECRET_PASSWORD = "hall-viewer-7", "Pa55-w0rd!x"


def _camera_body(**changes) -> dict:
    body = {"code": "CAM1", "name": "东大厅", "source": "rtsp://10.0.0.5:554/Streaming/101",
            "username": SECRET_USER, "password": SECRET_PASSWORD, "regions": helpers.regions()}
    body.update(changes)
    return body


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _uploads(app) -> set[str]:
    found = set()
    for root, _dirs, names in os.walk(app.config["UPLOAD_FOLDER"]):
        found.update(os.path.join(root, n) for n in names)
    return found


def test_create_camera_over_the_api_keeps_the_credentials_secret(client, world):
    headers = api_token(client, "admin_a")
    response = client.post(API, json=_camera_body(), headers=headers)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["source"] == "rtsp://10.0.0.5:554/Streaming/101"
    assert answer["source_kind"] == "rtsp"
    assert answer["has_username"] is True and answer["has_password"] is True
    assert {(r["window_code"], r["kind"]) for r in answer["regions"]} == {
        ("A01", "seat"), ("A01", "desk"), ("D01", "seat"), ("D01", "desk")}
    assert answer["health"]["state"] == "never"
    text = response.get_data(as_text=True)
    assert SECRET_PASSWORD not in text and SECRET_USER not in text

    camera = db.session.scalars(sa.select(Camera)).one()
    assert SECRET_PASSWORD not in camera.password_token  # encrypted at rest
    assert credentials.unseal(camera.password_token) == SECRET_PASSWORD
    assert credentials.unseal(camera.username_token) == SECRET_USER

    for path in (API, f"{API}/CAM1"):
        text = client.get(path, headers=headers).get_data(as_text=True)
        assert SECRET_PASSWORD not in text and SECRET_USER not in text
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "camera")).all()
    assert entries and all(e.after["password_token"] == "***" for e in entries)
    logged = json.dumps([e.after for e in db.session.scalars(sa.select(AuditEntry))],
                        ensure_ascii=False)
    assert SECRET_PASSWORD not in logged and SECRET_USER not in logged
    assert camera.password_token not in logged


def test_credentials_never_appear_on_the_pages(client, world):
    helpers.set_up_camera(world.a, references=False)
    login(client, "admin_a")
    token = csrf_token(client, "/cameras/CAM1/edit")
    form = {"csrf_token": token, "code": "CAM1", "name": "东大厅",
            "source": "http://10.0.0.9/snapshot.jpg", "username": SECRET_USER,
            "password": SECRET_PASSWORD, "timeout_seconds": "8", "extra_per_day": "2",
            "pixelate_block": "16", "active": "y"}
    assert client.post("/cameras/CAM1/edit", data=form).status_code == 302
    for path in ("/cameras", "/cameras/CAM1", "/cameras/CAM1/edit", "/cameras/CAM1/regions",
                 "/audit?entity=camera"):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page.get_data(as_text=True)
        assert SECRET_PASSWORD not in text and SECRET_USER not in text, path
    camera = db.session.scalars(sa.select(Camera)).one()
    # Saving again with the fields left empty keeps them; the box removes them.
    assert client.post("/cameras/CAM1/edit", data={**form, "username": "", "password": ""}
                       ).status_code == 302
    db.session.refresh(camera)
    assert credentials.unseal(camera.password_token) == SECRET_PASSWORD
    assert client.post("/cameras/CAM1/edit", data={**form, "username": "", "password": "",
                                                   "clear_credentials": "y"}).status_code == 302
    db.session.refresh(camera)
    assert not camera.has_username and not camera.has_password


@pytest.mark.parametrize("source, field_part", [
    ("rtsp://admin:pw@10.0.0.5/live", "user name and password"),
    ("ftp://10.0.0.5/x.jpg", "http://"),
    ("folder:../../etc", "drop folder"),
    ("/etc", "drop folder"),
    ("http:///nohost", "not a valid address"),
])
def test_bad_sources_are_refused(client, world, source, field_part):
    headers = api_token(client, "admin_a")
    client.get("/")  # english messages below
    response = client.post(API, json=_camera_body(source=source),
                           headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 400, response.get_json()
    assert field_part in response.get_json()["error"]["fields"]["source"]
    assert _count(Camera) == 0 and _count(CameraRegion) == 0


def test_folder_sources_live_under_the_drop_root(client, world, app):
    headers = api_token(client, "admin_a")
    root = os.path.realpath(app.config["CAMERA_DROP_ROOT"])
    for number, source in enumerate(("folder:hall/east", f"{root}/hall/west",
                                     f"file://{root}/hall/north")):
        response = client.post(API, json=_camera_body(code=f"F{number}", source=source),
                               headers=headers)
        assert response.status_code == 201, response.get_json()
    assert [c["source"] for c in client.get(API, headers=headers).get_json()["items"]] == [
        "folder:hall/east", "folder:hall/west", "folder:hall/north"]


BAD_POLYGONS = {
    "two points": [[10, 10], [50, 50]],
    "crossing": [[0, 0], [100, 100], [100, 0], [0, 100]],
    "negative": [[-5, 10], [50, 10], [50, 60]],
    "not numbers": [["a", 1], [50, 10], [50, 60]],
    "flat": [[10, 10], [60, 10], [110, 10], [60, 10.4]],
    "tiny": [[10, 10], [14, 10], [14, 14]],
    "not a list": "10,10 50,50 10,50",
    "too many points": [[i, (i * 7) % 13 + i] for i in range(80)],
}


@pytest.mark.parametrize("name", sorted(BAD_POLYGONS))
def test_bad_polygons_are_refused_and_nothing_is_stored(client, world, name):
    headers = api_token(client, "admin_a")
    regions = helpers.regions()
    regions[2]["polygon"] = BAD_POLYGONS[name]
    response = client.post(API, json=_camera_body(regions=regions), headers=headers)
    assert response.status_code == 400, response.get_json()
    assert "regions.2.polygon" in response.get_json()["error"]["fields"]
    assert _count(Camera) == 0 and _count(CameraRegion) == 0


def test_unknown_window_bad_kind_and_twice_the_same_region_are_refused(client, world):
    headers = api_token(client, "admin_a")
    regions = helpers.regions()
    regions[0]["window_code"] = "Z99"
    regions[1]["kind"] = "floor"
    regions.append(dict(regions[3]))
    regions.append({**regions[2], "window_code": "B01"})  # centre B's window
    response = client.post(API, json=_camera_body(regions=regions), headers=headers)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert {"regions.0.window_code", "regions.1.kind", "regions.4", "regions.5.window_code"} \
        <= set(fields)
    assert _count(Camera) == 0


def test_regions_must_fit_the_picture_once_the_camera_has_one(client, world):
    helpers.set_up_camera(world.a)
    headers = api_token(client, "admin_a")
    regions = helpers.regions()
    regions[0]["polygon"] = [[1200, 600], [1300, 600], [1300, 700]]  # the picture is 1280 wide
    response = client.patch(f"{API}/CAM1", json={"regions": regions}, headers=headers)
    assert response.status_code == 400
    assert "1280×720" in response.get_json()["error"]["fields"]["regions.0.polygon"]
    before = {(r.window_id, r.kind): r.polygon for r in db.session.scalars(sa.select(CameraRegion))}
    assert len(before) == 4
    response = client.patch(f"{API}/CAM1", json={"regions": helpers.regions()[:2]},
                            headers=headers)
    assert response.status_code == 200
    assert [(r["window_code"], r["kind"]) for r in response.get_json()["regions"]] == [
        ("A01", "seat"), ("A01", "desk")]


def test_duplicate_code_is_a_conflict(client, world):
    headers = api_token(client, "admin_a")
    assert client.post(API, json=_camera_body(), headers=headers).status_code == 201
    response = client.post(API, json=_camera_body(), headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate"
    hr_b = api_token(client, "hr_b")  # the code is per centre: HR of B may not create anyway
    assert client.post(API, json=_camera_body(), headers=hr_b).status_code == 403


def test_reference_upload_refuses_faces_and_bad_files_with_nothing_stored(client, world, app):
    helpers.set_up_camera(world.a, references=False)
    headers = api_token(client, "admin_a")
    url = f"{API}/CAM1/references/A01/seat"
    before = _uploads(app)
    cases = [
        (helpers.upload(helpers.scene(citizen=True)), 400, "file"),
        ({"file": (io.BytesIO(b"GIF89a not really"), "x.jpg")}, 400, "file"),
    ]
    for data, status, field in cases:
        response = client.put(url, data=data, headers=headers, content_type="multipart/form-data")
        assert response.status_code == status, response.get_json()
        assert field in response.get_json()["error"]["fields"]
    response = client.put(f"{API}/CAM1/references/Z99/seat", headers=headers,
                          data=helpers.upload(helpers.empty_hall()),
                          content_type="multipart/form-data")
    assert response.status_code == 400 and "window_code" in response.get_json()["error"]["fields"]
    response = client.put(f"{API}/CAM1/references/A01/floor", headers=headers,
                          data=helpers.upload(helpers.empty_hall()),
                          content_type="multipart/form-data")
    assert response.status_code == 400 and "kind" in response.get_json()["error"]["fields"]
    assert _uploads(app) == before
    assert _count(CameraImage) == 0 and _count(CameraReference) == 0


def test_reference_upload_sets_it_and_resolves_a_moved_camera(client, world):
    camera = helpers.set_up_camera(world.a, references=False)
    moved = CameraFlag(centre_id=camera.centre_id, camera_id=camera.id, kind=FlagKind.camera_moved,
                       score=0.9, at=sa.func.now(), last_seen_at=sa.func.now())
    db.session.add(moved)
    db.session.commit()
    headers = api_token(client, "admin_a")
    response = client.put(f"{API}/CAM1/references/A01/seat", headers=headers,
                          data=helpers.upload(helpers.empty_hall()),
                          content_type="multipart/form-data")
    assert response.status_code == 204, response.get_json()
    refs = client.get(f"{API}/CAM1", headers=headers).get_json()["references"]
    assert [(r["window_code"], r["kind"]) for r in refs] == [("A01", "seat")]
    db.session.refresh(moved)
    assert moved.state is FlagState.resolved and "admin_a" in moved.reason


def test_set_up_a_camera_in_the_browser_forms(client, world, app):
    """The admin's path without JavaScript: create, request a picture, upload one, draw the
    regions (the JSON field), make the picture the references."""
    login(client, "admin_a")
    token = csrf_token(client, "/cameras/new")
    response = client.post("/cameras/new", data={
        "csrf_token": token, "code": "CAM9", "name": "西大厅", "source": "folder:west",
        "timeout_seconds": "10", "extra_per_day": "3", "hours": "08:30-12:00 13:00-18:00",
        "pixelate_block": "20", "active": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cameras/CAM9")
    camera = db.session.scalars(sa.select(Camera)).one()
    assert camera.hours == "08:30-12:00 13:00-18:00" and camera.extra_per_day == 3

    assert client.post("/cameras/CAM9/picture-request", data={"csrf_token": token}
                       ).status_code == 302
    db.session.refresh(camera)
    assert camera.state.picture_requested_at is not None
    assert db.session.scalars(sa.select(JobRun.job).where(JobRun.status == "queued")).all() == [
        "camera_capture"]
    page = client.get("/cameras/CAM9").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page  # waits for the scheduler

    response = client.post("/cameras/CAM9/pictures", data={
        "csrf_token": token, "file": (io.BytesIO(helpers.jpeg(helpers.empty_hall())), "e.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    picture = db.session.scalars(sa.select(CameraImage)).one()
    assert (picture.width, picture.height) == (1280, 720)

    editor = client.get("/cameras/CAM9/regions").get_data(as_text=True)
    assert "data-region-editor" in editor and f"/camera/pictures/{picture.id}/full" in editor
    response = client.post("/cameras/CAM9/regions", data={
        "csrf_token": token, "regions": json.dumps(helpers.regions())})
    assert response.status_code == 302
    assert _count(CameraRegion) == 4
    bad = client.post("/cameras/CAM9/regions", data={
        "csrf_token": token, "regions": json.dumps([{"window_code": "A01", "kind": "seat",
                                                     "polygon": [[0, 0], [5000, 0], [0, 9]]}])})
    assert bad.status_code == 200 and "regions.0.polygon" in bad.get_data(as_text=True)
    assert _count(CameraRegion) == 4

    response = client.post("/cameras/CAM9/references", data={
        "csrf_token": token, "picture_id": picture.id,
        "target": ["A01:seat", "A01:desk", "D01:seat"]})
    assert response.status_code == 302
    assert sorted((r.window.code, r.kind.value) for r in
                  db.session.scalars(sa.select(CameraReference))) == [
        ("A01", "desk"), ("A01", "seat"), ("D01", "seat")]
    page = client.get("/cameras/CAM9").get_data(as_text=True)
    assert page.count("/camera/pictures/") >= 3
