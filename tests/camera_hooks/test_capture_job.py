"""The capture job against real local cameras (HTTP servers in threads, a drop folder): a
hanging camera never holds up the others, failures back off and show as down, the schedule
keeps to capture hours with its random extra times, and reference pictures are served."""
from __future__ import annotations

import os
import random
import shutil
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from camera_hooks import capture, credentials, operations
from camera_hooks.models import Camera, CameraImage, Snapshot, SnapshotOrigin
from compliance.extensions import db
from compliance.jobs import REGISTRY, JobRun, execute
from tests.attendance.helpers import DAY, local

from . import helpers
from .servers import Camera as FakeCamera
from .servers import http_camera

GUARD = 30  # seconds; only a hang reaches it


def _camera(world, code, source, **changes):
    data = operations.CameraData(code, f"摄像头{code}", source, **changes)
    camera = operations.save_camera(world.a.id, data)
    operations.set_regions(camera, operations.parse_regions(world.a.id, helpers.regions(), None))
    picture = operations.add_picture(camera, helpers.empty_hall(), "upload", check_faces=False)
    operations.set_references(camera, picture, [(r.window, r.kind) for r in camera.regions])
    db.session.commit()
    return camera


def _fresh(model, **where):
    db.session.rollback()  # end the read transaction: see what the job committed
    return db.session.scalars(sa.select(model).filter_by(**where)).all()


def _count_snapshots(camera_id) -> int:
    """Read and end the transaction at once: on SQLite a reader that writes-locks (BEGIN
    IMMEDIATE outside a GET request) must not hold the lock while the job writes."""
    db.session.rollback()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot)
                              .where(Snapshot.camera_id == camera_id))
    db.session.rollback()
    return count


def _state(code):
    db.session.rollback()
    return db.session.scalars(sa.select(Camera).where(Camera.code == code)).one().state


@pytest.fixture
def drop_folder(app):
    """A fresh folder under the drop root: (name for ``folder:<name>``, absolute path)."""
    name = f"hall-{uuid.uuid4().hex[:8]}"
    path = os.path.join(app.config["CAMERA_DROP_ROOT"], name)
    os.makedirs(path)
    yield name, path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def picture_bytes():
    return helpers.jpeg(helpers.scene(occupied={"A01", "D01"}))


def test_a_hanging_camera_never_holds_up_the_others(app_ctx, world, picture_bytes):
    good, hung = FakeCamera(picture_bytes, auth="basic"), FakeCamera(picture_bytes, hang=True)
    with http_camera(good) as good_url, http_camera(hung) as hung_url:
        _camera(world, "GOOD", good_url, username="viewer", password="s3cret")
        _camera(world, "HUNG", hung_url, timeout_seconds=60)
        ids = {c.code: c.id for c in db.session.scalars(sa.select(Camera))}
        now = local(DAY, 10)
        result = {}

        def run():
            with app_ctx.app_context():
                result["summary"] = capture.run_capture(now, random.Random(1))

        thread = threading.Thread(target=run, daemon=True)
        with time_machine.travel(now, tick=True):
            thread.start()
            deadline = time.monotonic() + GUARD
            while time.monotonic() < deadline and not _count_snapshots(ids["GOOD"]):
                time.sleep(0.05)
            # The good camera's snapshot is stored while the other still hangs.
            assert _count_snapshots(ids["GOOD"]) == 1
            assert thread.is_alive() and hung.requests == 1
            hung.release.set()  # the hung camera finally drops the connection
            thread.join(GUARD)
    assert not thread.is_alive()
    assert result["summary"].startswith("1 captured, 1 failed")
    assert _state("GOOD").last_success_at == now
    state = _state("HUNG")
    assert state.failures == 1 and state.last_error_code in ("unreachable", "timeout")
    assert state.next_capture_at == now + timedelta(minutes=1)
    assert capture.wait_idle()


def test_failures_back_off_show_as_down_and_recover(app_ctx, world, picture_bytes):
    fake = FakeCamera(picture_bytes, status=503)
    with http_camera(fake) as url:
        camera = _camera(world, "CAM1", url, timeout_seconds=5)
        start = local(DAY, 10)
        attempts = []
        for minutes in (0, 0.5, 1, 2, 3, 5, 6):
            at = start + timedelta(minutes=minutes)
            with time_machine.travel(at, tick=False):
                capture.run_capture(at, random.Random(1))
            state = _state("CAM1")
            attempts.append((minutes, state.failures, state.camera.health))
        assert attempts == [(0, 1, "retrying"), (0.5, 1, "retrying"), (1, 2, "retrying"),
                            (2, 2, "retrying"), (3, 3, "down"), (5, 3, "down"),
                            (6, 3, "down")]
        assert state.next_capture_at == start + timedelta(minutes=3 + 4)
        assert state.last_error_code == "http_status" and "503" in state.last_error
        fake.status = 200
        at = start + timedelta(minutes=7)
        with time_machine.travel(at, tick=False):
            capture.run_capture(at, random.Random(1))
    state = _state("CAM1")
    assert (state.failures, state.camera.health) == (0, "up")
    assert state.last_success_at == at and state.last_error_code == "http_status"
    assert [s.origin for s in _fresh(Snapshot, camera_id=camera.id)] == [SnapshotOrigin.retry]


def test_capture_keeps_to_the_hours_the_interval_and_the_extra_times(app_ctx, world,
                                                                    picture_bytes):
    fake = FakeCamera(picture_bytes)
    with http_camera(fake) as url:
        camera = _camera(world, "CAM1", url, interval_minutes=30, extra_per_day=3)
        rng = random.Random(5)
        with time_machine.travel(local(DAY, 8, 50), tick=False):
            assert capture.run_capture(local(DAY, 8, 50), rng).startswith("no camera due")
        extras = sorted(_state("CAM1").extra_times)
        assert len(extras) == 3
        minute, seen = local(DAY, 9), []
        while minute < local(DAY, 17, 31):
            with time_machine.travel(minute, tick=False):
                capture.run_capture(minute, rng)
            minute += timedelta(minutes=1)
        snapshots = _fresh(Snapshot, camera_id=camera.id)
        seen = [(s.taken_at.astimezone(local(DAY, 0).tzinfo).strftime("%H:%M"), s.origin.value)
                for s in sorted(snapshots, key=lambda s: s.taken_at)]
    regular = [t for t, origin in seen if origin == "schedule"]
    assert regular[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert "12:00" not in regular and "13:00" not in regular and regular[6] == "13:30"
    assert all("09:00" <= t < "12:00" or "13:30" <= t < "17:30" for t, _ in seen)
    extra = [t for t, origin in seen if origin == "extra"]
    assert 0 < len(extra) <= 3  # an extra time that falls on a regular one is used up by it
    assert len(regular) == 14 and fake.requests == len(seen)


def test_a_requested_picture_comes_from_the_drop_folder_and_is_face_checked(app_ctx, world,
                                                                           drop_folder):
    name, folder = drop_folder
    camera = _camera(world, "CAM1", f"folder:{name}")
    pictures_before = len(_fresh(CameraImage))

    def drop(image, name, age=60):
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(helpers.jpeg(image))
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))

    operations.request_picture(db.session.get(Camera, camera.id))
    db.session.commit()
    drop(helpers.scene(citizen=True), "0700.jpg")
    at = local(DAY, 7)  # before opening: no snapshot is due, the picture is
    capture.run_capture(at, random.Random(1))
    state = _state("CAM1")
    assert state.last_error_code == "face_found" and state.picture_requested_at is None
    assert len(_fresh(CameraImage)) == pictures_before
    assert not _fresh(Snapshot)
    assert not os.path.exists(os.path.join(folder, "0700.jpg"))  # read, refused, moved aside

    operations.request_picture(db.session.get(Camera, camera.id))
    db.session.commit()
    drop(helpers.empty_hall(), "0705.jpg")
    capture.run_capture(at + timedelta(minutes=5), random.Random(1))
    state = _state("CAM1")
    assert state.picture_requested_at is None and state.last_success_at is not None
    pictures = _fresh(CameraImage, camera_id=camera.id)
    assert [p.origin for p in pictures] == ["upload", "camera"]
    assert [name for name in os.listdir(folder) if name.endswith(".jpg")] == []
    processed = os.path.join(folder, "processed")
    assert sorted(os.listdir(os.path.join(processed, os.listdir(processed)[0]))) == [
        "0700.jpg", "0705.jpg"]
    assert not _fresh(Snapshot)


def test_a_drop_folder_snapshot_is_taken_at_the_files_time_and_moved_aside(app_ctx, world,
                                                                          drop_folder):
    name, folder = drop_folder
    camera = _camera(world, "CAMB", f"folder:{name}")
    now = local(DAY, 10)
    path = os.path.join(folder, "ch01_20260302100000.jpg")
    with open(path, "wb") as handle:
        handle.write(helpers.jpeg(helpers.scene(occupied={"A01"})))
    stamp = (now - timedelta(seconds=40)).timestamp()
    os.utime(path, (stamp, stamp))
    with time_machine.travel(now, tick=False):
        assert capture.run_capture(now, random.Random(1)).startswith("1 captured")
    (snapshot,) = _fresh(Snapshot, camera_id=camera.id)
    assert snapshot.taken_at == now - timedelta(seconds=40)
    assert snapshot.signals["A01"]["seat"] == "occupied"
    assert not os.path.exists(path)


def test_unreadable_credentials_and_switched_off_cameras(app_ctx, world, picture_bytes):
    fake = FakeCamera(picture_bytes, auth="digest")
    with http_camera(fake) as url:
        _camera(world, "CAM1", url, username="viewer", password="s3cret")
        _camera(world, "OFF", url, active=False)
        camera = db.session.scalars(sa.select(Camera).where(Camera.code == "CAM1")).one()
        camera.password_token = credentials.seal("s3cret", "another secret key")
        db.session.commit()
        capture.run_capture(local(DAY, 10), random.Random(1))
    state = _state("CAM1")
    assert state.last_error_code == "credentials" and state.failures == 1
    assert fake.requests == 0
    assert _state("OFF").last_attempt_at is None


def test_the_jobs_are_in_the_registry_and_run_through_it(app_ctx, world, picture_bytes):
    assert REGISTRY["camera_capture"].trigger == {"trigger": "interval", "minutes": 1}
    assert REGISTRY["camera_retention"].trigger["trigger"] == "cron"
    with http_camera(FakeCamera(picture_bytes)) as url:
        _camera(world, "CAM1", url)
        outcome = execute(app_ctx, "camera_capture", trigger="manual")
    assert outcome.status == "succeeded", outcome.error
    assert db.session.scalars(sa.select(JobRun.job)).all() == ["camera_capture"]


def test_the_web_app_never_talks_to_a_camera(app_ctx, world, client, picture_bytes):
    """Pages and API calls read stored snapshots and health; asking for a picture only queues
    the request for the scheduler, so a camera that hangs cannot hold up a web request."""
    from tests.conftest import api_token, csrf_token, login

    hung = FakeCamera(picture_bytes, hang=True)
    with http_camera(hung) as url:
        _camera(world, "CAM1", url, timeout_seconds=60)
        headers = api_token(client, "admin_a")
        assert client.get("/api/v1/cameras/CAM1", headers=headers).status_code == 200
        assert client.post("/api/v1/cameras/CAM1/picture-request",
                           headers=headers).status_code == 202
        login(client, "admin_a")
        assert client.get("/cameras/CAM1").status_code == 200
        token = csrf_token(client, "/cameras/CAM1")
        assert client.post("/cameras/CAM1/picture-request",
                           data={"csrf_token": token}).status_code == 302
        assert hung.requests == 0
    assert _state("CAM1").picture_requested_at is not None


def test_a_second_run_while_one_is_busy_leaves_the_cameras_to_it(app_ctx, world, picture_bytes):
    fake = FakeCamera(picture_bytes)
    with http_camera(fake) as url:
        _camera(world, "CAM1", url)
        with capture._run_lock:  # a run in progress (the schedule's, or a "run now")
            assert capture.run_capture(local(DAY, 10)) == "another capture run is busy"
        assert fake.requests == 0 and _state("CAM1").last_attempt_at is None
        assert capture.run_capture(local(DAY, 10), random.Random(1)).startswith("1 captured")
