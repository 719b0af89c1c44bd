"""Snapshots through the API: roster-aware seat flags, the consecutive rule, desk deviations,
one camera_moved flag, privacy of what is stored, and bad input refused with nothing stored.

The world's A01 (alice's window) and D01 (carol's) are the hall's first two windows; DAY is a
Monday with the standard shift (am 09:00–12:00, pm 13:30–17:30)."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from camera_hooks.models import Camera, CameraFlag, FlagKind, FlagState, Snapshot
from compliance.attendance.leave import LeaveData, approve, request_leave
from compliance.attendance.requests import HalfDay, LeaveType, TemporaryAbsence
from compliance.extensions import db
from compliance.scoring.store import save_version
from compliance.uploads import absolute_path
from tests.attendance.helpers import DAY, local, roster
from tests.conftest import api_token, csrf_token, login

from . import helpers

URL = "/api/v1/cameras/CAM1/snapshots"


@pytest.fixture
def camera(world):
    return helpers.set_up_camera(world.a)


@pytest.fixture
def admin(client, world):
    return api_token(client, "admin_a")


def post(client, headers, image, at, name="snap.jpg"):
    data = {"file": (io.BytesIO(helpers.jpeg(image)), name)}
    if at is not None:
        data["taken_at"] = at.isoformat()
    return client.post(URL, data=data, headers=headers, content_type="multipart/form-data")


def flags(kind=None, state=None) -> list[CameraFlag]:
    stmt = sa.select(CameraFlag).order_by(CameraFlag.id)
    if kind:
        stmt = stmt.where(CameraFlag.kind == kind)
    if state:
        stmt = stmt.where(CameraFlag.state == state)
    db.session.expire_all()
    return db.session.scalars(stmt).all()


def raised(response) -> set[tuple[str, str | None]]:
    assert response.status_code == 201, response.get_json()
    return {(f["kind"], f["window_code"]) for f in response.get_json()["flags"]}


# --- roster-aware seat flags -----------------------------------------------------------------

def test_empty_seats_are_flagged_while_their_people_are_rostered(client, world, camera, admin):
    roster(world.alice)
    roster(world.carol)
    response = post(client, admin, helpers.scene(), local(DAY, 10))
    assert raised(response) == {("seat_empty", "A01"), ("seat_empty", "D01")}
    answer = response.get_json()
    assert answer["camera_moved"] is False
    assert answer["signals"]["A01"]["seat"] == "empty"
    assert answer["signals"]["A01"]["staff_no"] == "S1"
    assert answer["signals"]["A01"]["expected"] is True
    flag = flags(FlagKind.seat_empty)[0]
    assert flag.staff == world.alice and flag.window == world.win1
    assert flag.detail["session"] == "am" and flag.detail["face"] is False


def test_occupied_seats_raise_nothing(client, world, camera, admin):
    roster(world.alice)
    roster(world.carol)
    assert raised(post(client, admin, helpers.scene(occupied={"A01", "D01"}),
                       local(DAY, 10))) == set()
    assert raised(post(client, admin, helpers.scene(occupied={"A01"}), local(DAY, 10, 10))) == {
        ("seat_empty", "D01")}


def test_nobody_rostered_break_and_outside_service_hours_raise_nothing(client, world, camera,
                                                                      admin):
    empty = helpers.scene()
    assert raised(post(client, admin, empty, local(DAY, 10))) == set()  # no roster at all
    roster(world.alice)
    roster(world.carol)
    for hour, minute in ((12, 30), (8, 30), (18, 0)):
        response = post(client, admin, empty, local(DAY, hour, minute))
        assert raised(response) == set(), (hour, minute)
        assert response.get_json()["signals"]["A01"]["expected"] is False
    assert post(client, admin, empty, local(DAY, 12, 31)).get_json()["signals"]["A01"][
        "why_not"] == "break"


def test_leave_and_temporary_absence_excuse_an_empty_seat(client, world, camera, admin, factory):
    hr = factory.user("hr", "hr_x", centre=world.a)
    roster(world.alice)
    roster(world.carol, sessions=["am"])
    approve(request_leave(LeaveData(world.alice, LeaveType.sick, DAY, HalfDay.am, DAY,
                                    HalfDay.am, "就医")), hr)
    db.session.add(TemporaryAbsence(centre_id=world.a.id, staff_id=world.carol.id,
                                    department_id=world.carol.department_id,
                                    window_id=world.win2.id, started_at=local(DAY, 10, 55),
                                    ended_at=local(DAY, 11, 5), reason="取材料"))
    db.session.commit()
    # 10:00: alice on sick leave (nobody on duty at A01); carol at her seat's time: flagged.
    assert raised(post(client, admin, helpers.scene(), local(DAY, 10))) == {
        ("seat_empty", "D01")}
    # 11:00: carol is away with the 暂停服务牌 shown: not a fault.
    response = post(client, admin, helpers.scene(), local(DAY, 11))
    assert raised(response) == set()
    assert response.get_json()["signals"]["D01"]["why_not"] == "temporary_absence"
    # 15:00: alice is back (pm), carol was rostered for the morning only.
    assert raised(post(client, admin, helpers.scene(), local(DAY, 15))) == {
        ("seat_empty", "A01")}


def test_a_substitute_covering_a_leave_is_the_person_on_duty(client, world, camera, admin,
                                                            factory):
    hr = factory.user("hr", "hr_x", centre=world.a)
    roster(world.carol)
    roster(world.bob, sessions=["pm"])
    approve(request_leave(LeaveData(world.carol, LeaveType.personal, DAY, HalfDay.am, DAY,
                                    HalfDay.am, "家事", world.bob)), hr)
    db.session.commit()
    raised(post(client, admin, helpers.scene(occupied={"A01"}), local(DAY, 10)))
    flag = flags(FlagKind.seat_empty)[0]
    assert flag.window == world.win2 and flag.staff == world.bob


# --- the consecutive rule --------------------------------------------------------------------

def test_seat_must_be_empty_in_consecutive_snapshots_and_one_absence_is_one_flag(
        client, world, camera, admin):
    save_version(world.a.id, DAY - timedelta(days=30),
                 {"camera": {"seat_empty_consecutive": 3}}, "three in a row", "test")
    db.session.commit()
    roster(world.alice)
    seen = []
    plan = [(10, 0, set()), (10, 10, set()), (10, 20, set()), (10, 30, set()),
            (10, 40, {"A01"}), (10, 50, set()), (11, 0, set()), (11, 10, set())]
    for hour, minute, occupied in plan:
        response = post(client, admin, helpers.scene(occupied=occupied | {"D01"}),
                        local(DAY, hour, minute))
        seen.append(raised(response))
    assert seen == [set(), set(), {("seat_empty", "A01")}, set(), set(), set(), set(),
                    {("seat_empty", "A01")}]
    first, second = flags(FlagKind.seat_empty)
    assert (first.streak, first.at, first.last_seen_at) == (4, local(DAY, 10, 20),
                                                           local(DAY, 10, 30))
    assert first.last_snapshot_id != first.snapshot_id
    assert (second.streak, second.at) == (3, local(DAY, 11, 10))
    assert first.detail["consecutive"] == 3


def test_a_late_snapshot_neither_continues_nor_breaks_a_streak(client, world, camera, admin):
    save_version(world.a.id, DAY - timedelta(days=30),
                 {"camera": {"seat_empty_consecutive": 2}}, "two in a row", "test")
    db.session.commit()
    roster(world.alice)
    occupied_d = {"D01"}
    assert raised(post(client, admin, helpers.scene(occupied=occupied_d),
                       local(DAY, 10, 10))) == set()
    # Uploaded late: taken before the 10:10 one. It does not count towards the streak.
    assert raised(post(client, admin, helpers.scene(occupied={"A01"} | occupied_d),
                       local(DAY, 10, 5))) == set()
    assert raised(post(client, admin, helpers.scene(occupied=occupied_d),
                       local(DAY, 10, 20))) == {("seat_empty", "A01")}


def test_a_reviewed_flag_is_not_raised_again_within_the_same_absence(client, world, camera,
                                                                     admin):
    roster(world.alice)
    roster(world.carol)
    post(client, admin, helpers.scene(occupied={"D01"}), local(DAY, 10))
    flag = flags(FlagKind.seat_empty)[0]
    inspector = api_token(client, "inspector")
    assert client.post(f"/api/v1/camera-flags/{flag.id}/dismiss", headers=inspector,
                       json={"reason": "外出取件,已报备"}).status_code == 200
    assert raised(post(client, admin, helpers.scene(occupied={"D01"}), local(DAY, 10, 10))) \
        == set()
    post(client, admin, helpers.scene(occupied={"A01", "D01"}), local(DAY, 10, 20))
    assert raised(post(client, admin, helpers.scene(occupied={"D01"}), local(DAY, 10, 30))) \
        == {("seat_empty", "A01")}


# --- desk and camera position ----------------------------------------------------------------

def test_desk_deviation_is_one_flag_per_episode_roster_or_not(client, world, camera, admin):
    occupied = {"A01", "D01"}
    results = [raised(post(client, admin, helpers.scene(occupied=occupied, deviation=dev),
                           local(DAY, 10, minute)))
               for minute, dev in ((0, {"D01"}), (10, {"D01"}), (20, set()), (30, {"D01"}))]
    assert results == [{("desk_deviation", "D01")}, set(), set(), {("desk_deviation", "D01")}]
    first = flags(FlagKind.desk_deviation)[0]
    assert first.staff is None and first.window == world.win2  # nobody rostered: the window
    assert first.score > 0.35 and first.detail["threshold"] == 0.35


def test_a_moved_camera_is_one_flag_asking_for_new_references(client, world, camera, admin):
    roster(world.alice)
    roster(world.carol)
    shifted = helpers.scene(shift=6)
    response = post(client, admin, shifted, local(DAY, 10))
    assert raised(response) == {("camera_moved", None)}
    assert response.get_json()["camera_moved"] is True
    assert raised(post(client, admin, shifted, local(DAY, 10, 10))) == set()
    (moved,) = flags()
    assert moved.kind is FlagKind.camera_moved and moved.streak == 2
    response = client.put("/api/v1/cameras/CAM1/references/A01/seat", headers=admin,
                          data=helpers.upload(helpers.empty_hall()),
                          content_type="multipart/form-data")
    assert response.status_code == 204
    assert flags()[0].state is FlagState.resolved
    assert raised(post(client, admin, shifted, local(DAY, 10, 20))) == {("camera_moved", None)}


# --- privacy ---------------------------------------------------------------------------------

def _face_at(image: np.ndarray, x: int, y: int, size: int) -> bool:
    """The frontal face detector tuned to find rather than to be sure, around (x, y)."""
    detector = cv2.CascadeClassifier(cv2.data.haarcascades +
                                     "haarcascade_frontalface_default.xml")
    x0, y0 = max(0, x - 40), max(0, y - size)
    area = cv2.cvtColor(image[y0:y + size + 40, x0:x + size + 40], cv2.COLOR_BGR2GRAY)
    return len(detector.detectMultiScale(area, scaleFactor=1.05, minNeighbors=2,
                                         minSize=(16, 16))) > 0


def _spread(block: np.ndarray) -> float:
    """The largest per-channel standard deviation inside a block."""
    return float(block.reshape(-1, 3).std(axis=0).max())


def _stored_files(app) -> list[str]:
    out = []
    for root, _dirs, names in os.walk(app.config["UPLOAD_FOLDER"]):
        out += [os.path.join(root, n) for n in names if "camera/snapshots" in root]
    return out


def test_no_stored_file_shows_what_lies_outside_the_regions(client, world, camera, admin, app):
    raw = helpers.scene(citizen=True, occupied={"A01"})
    x, y, size = helpers.CITIZEN
    assert _face_at(raw, x, y - size // 2, size)  # the citizen is recognisable in the frame
    response = post(client, admin, raw, local(DAY, 10))
    snapshot = db.session.get(Snapshot, response.get_json()["id"])
    stored = cv2.imread(absolute_path(snapshot.path))
    assert stored.shape == raw.shape
    assert not _face_at(stored, x, y - size // 2, size)
    # Outside every region: 16×16 blocks of one colour (JPEG ringing aside) ...
    inside = np.zeros(raw.shape[:2], np.uint8)
    for region in helpers.regions():
        cv2.fillPoly(inside, [np.array(region["polygon"], np.int32)], 255)
    spreads = []
    for by in range(0, 720 - 16, 16):
        for bx in range(0, 1280 - 16, 16):
            if inside[by:by + 16, bx:bx + 16].any():
                continue
            spreads.append(_spread(stored[by + 2:by + 14, bx + 2:bx + 14]))
    assert len(spreads) > 2000 and np.percentile(spreads, 99) < 4.0
    raw_spreads = [_spread(raw[by + 2:by + 14, bx + 2:bx + 14])
                   for by in range(0, 704, 16) for bx in range(0, 1264, 16)
                   if not inside[by:by + 16, bx:bx + 16].any()]
    assert np.percentile(raw_spreads, 75) > 15.0  # the raw frame had detail there
    # ... and inside the seat region, the picture as taken (the reviewer sees the seat).
    seat = np.zeros(raw.shape[:2], np.uint8)
    cv2.fillPoly(seat, [helpers.region_of("A01", "seat").astype(np.int32)], 255)
    seat = cv2.erode(seat, np.ones((5, 5), np.uint8)) > 0
    assert float(np.abs(stored[seat].astype(int) - raw[seat].astype(int)).mean()) < 6
    for path in _stored_files(app):  # the thumbnail too
        picture = cv2.imread(path)
        scale = picture.shape[1] / raw.shape[1]
        assert not _face_at(picture, int(x * scale), int((y - size // 2) * scale),
                            max(16, int(size * scale))), path


def test_a_snapshot_upload_never_touches_the_disk(client, world, camera, admin, monkeypatch):
    """Werkzeug spools uploads over 500 KB into a temporary file; camera uploads stay in
    memory (a raw frame is never written), other uploads keep the default."""
    import werkzeug.formparser as formparser

    spooled = []

    def spool(*args, **kwargs):
        spooled.append(args)
        return io.BytesIO()

    monkeypatch.setattr(formparser, "SpooledTemporaryFile", spool)
    raw = cv2.imencode(".png", helpers.scene(citizen=True))[1].tobytes()
    assert len(raw) > 600 * 1024
    response = client.post(URL, headers=admin, content_type="multipart/form-data", data={
        "file": (io.BytesIO(raw), "frame.png"), "taken_at": local(DAY, 10).isoformat()})
    assert response.status_code == 201, response.get_json()
    assert spooled == []
    client.post("/api/v1/staff/import", headers=admin, content_type="multipart/form-data",
                data={"file": (io.BytesIO(raw), "frame.png")})
    assert len(spooled) == 1  # the default path would have spooled the frame to disk


# --- bad input -------------------------------------------------------------------------------

def _state(app) -> tuple:
    files = set()
    for root, _dirs, names in os.walk(app.config["UPLOAD_FOLDER"]):
        files.update(os.path.join(root, n) for n in names)
    counts = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Snapshot, CameraFlag))
    db.session.rollback()
    return files, counts


def test_bad_snapshots_are_refused_with_nothing_stored(client, world, camera, admin, app):
    roster(world.alice)
    assert post(client, admin, helpers.scene(), local(DAY, 9, 30)).status_code == 201
    before = _state(app)
    picture = helpers.jpeg(helpers.scene())
    big = app.config["MAX_CONTENT_LENGTH"] + 1

    def send(data, url=URL):
        return client.post(url, headers=admin, content_type="multipart/form-data", data=data)

    at = local(DAY, 10).isoformat()
    cases = {
        "not an image": (send({"file": (io.BytesIO(b"%PDF-1.4 nope"), "x.jpg"),
                               "taken_at": at}), 400, "file"),
        "empty": (send({"file": (io.BytesIO(b""), "x.jpg"), "taken_at": at}), 400, "file"),
        "oversized": (send({"file": (io.BytesIO(b"\xff" * big), "x.jpg"), "taken_at": at}),
                      413, None),
        "no file": (send({"taken_at": at}), 400, "file"),
        "future": (send({"file": (io.BytesIO(picture), "x.jpg"),
                         "taken_at": "2099-01-01T10:00:00+08:00"}), 400, "taken_at"),
        "naive instant": (send({"file": (io.BytesIO(picture), "x.jpg"),
                                "taken_at": "2026-03-02T10:00:00"}), 400, "taken_at"),
        "same instant": (send({"file": (io.BytesIO(picture), "x.jpg"),
                               "taken_at": local(DAY, 9, 30).isoformat()}), 409, "taken_at"),
        "unknown camera": (send({"file": (io.BytesIO(picture), "x.jpg"), "taken_at": at},
                                "/api/v1/cameras/NOPE/snapshots"), 404, None),
        "unknown field": (send({"file": (io.BytesIO(picture), "x.jpg"), "taken_at": at,
                                "window": "A01"}), 400, "window"),
    }
    for name, (response, status, field) in cases.items():
        assert response.status_code == status, (name, response.get_json())
        error = response.get_json()["error"]
        if field:
            assert field in error["fields"], (name, error)
    camera.active = False
    db.session.commit()
    response = send({"file": (io.BytesIO(picture), "x.jpg"), "taken_at": at})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "inactive"
    assert _state(app) == before


def test_test_snapshot_from_the_camera_page(client, world, camera):
    roster(world.alice)
    login(client, "admin_a")
    token = csrf_token(client, "/cameras/CAM1")
    response = client.post("/cameras/CAM1/snapshots", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(helpers.jpeg(helpers.scene())), "s.jpg")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="region seat' in page and "A01" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)) == 1
    assert db.session.get(Camera, camera.id).state is not None
