"""Snapshot retention (SPEC §5): un-flagged and dismissed snapshots go after the rulebook's
``snapshot_retention_days``; open and confirmed flags keep theirs, a finding's evidence is
never touched, pictures in use stay, and the drop folders' moved-aside files go too."""
from __future__ import annotations

import io
import os
import shutil
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from camera_hooks import operations, retention
from camera_hooks.models import Camera, CameraFlag, CameraImage, FlagKind, FlagState, Snapshot
from compliance.conduct.models import Evidence
from compliance.db import utcnow
from compliance.extensions import db
from compliance.scoring.store import save_version
from compliance.uploads import absolute_path
from tests.attendance.helpers import DAY, local, roster
from tests.conftest import api_token

from . import helpers


def _post(client, headers, at, **scene):
    response = client.post("/api/v1/cameras/CAM1/snapshots", headers=headers,
                           content_type="multipart/form-data", data={
                               "file": (io.BytesIO(helpers.jpeg(helpers.scene(**scene))), "s.jpg"),
                               "taken_at": at.isoformat()})
    assert response.status_code == 201, response.get_json()
    return db.session.get(Snapshot, response.get_json()["id"])


def _exists(path: str) -> bool:
    return os.path.exists(absolute_path(path))


def test_retention_keeps_what_is_under_review_or_evidence(client, world, app):
    with time_machine.travel(local(DAY, 18), tick=True):
        camera = helpers.set_up_camera(world.a, source="folder:retained")
        admin = api_token(client, "admin_a")
        inspector = api_token(client, "inspector")
        roster(world.alice)
        open_one = _post(client, admin, local(DAY, 10), occupied={"D01"})
        quiet = _post(client, admin, local(DAY, 10, 10), occupied={"A01", "D01"})
        confirmed = _post(client, admin, local(DAY, 10, 20), occupied={"A01", "D01"},
                          deviation={"D01"})
        dismissed = _post(client, admin, local(DAY, 10, 30), occupied={"A01", "D01"},
                          deviation={"A01"})
        flags = {f.snapshot_id: f for f in db.session.scalars(sa.select(CameraFlag))}
        assert set(flags) == {open_one.id, confirmed.id, dismissed.id}
        assert client.post(f"/api/v1/camera-flags/{flags[confirmed.id].id}/confirm",
                           headers=inspector, json={"item": "desk.work.no_private_items"}
                           ).status_code == 200
        assert client.post(f"/api/v1/camera-flags/{flags[dismissed.id].id}/dismiss",
                           headers=inspector, json={"reason": "规定物品"}).status_code == 200
        # A second picture replaces the first as every reference: the first is unused.
        response = client.put("/api/v1/cameras/CAM1/references/A01/seat", headers=admin,
                              data=helpers.upload(helpers.empty_hall()),
                              content_type="multipart/form-data")
        assert response.status_code == 204
    with time_machine.travel(local(DAY, 18) + timedelta(days=35), tick=True):
        admin = api_token(client, "admin_a")  # tokens last hours, not weeks
        recent = _post(client, admin, local(DAY, 10) + timedelta(days=35),
                       occupied={"A01", "D01"})
    evidence = db.session.scalars(sa.select(Evidence)).one()
    folder = os.path.join(app.config["CAMERA_DROP_ROOT"], "retained")
    old_day = os.path.join(folder, "processed", "2026-03-02")
    os.makedirs(old_day, exist_ok=True)
    dropped = os.path.join(old_day, "ch01.jpg")
    with open(dropped, "wb") as handle:
        handle.write(b"\xff\xd8raw frame\xff\xd9")
    stamp = local(DAY, 10).timestamp()
    os.utime(dropped, (stamp, stamp))
    pictures = db.session.scalars(sa.select(CameraImage).order_by(CameraImage.id)).all()
    rows = {s.id: (s.path, s.thumb_path) for s in (open_one, quiet, confirmed, dismissed, recent)}

    try:
        counts = retention.purge(local(DAY, 12) + timedelta(days=40))
        assert counts == {"snapshots": 2, "pictures": 0, "dropped_files": 1}
        kept = set(db.session.scalars(sa.select(Snapshot.id)))
        assert kept == {open_one.id, confirmed.id, recent.id}
        for ident, paths in rows.items():
            assert all(_exists(p) for p in paths) is (ident in kept), ident
        assert _exists(evidence.path) and _exists(evidence.thumb_path)
        decided = db.session.get(CameraFlag, flags[dismissed.id].id)
        assert decided.state is FlagState.dismissed and decided.snapshot_id is None
        assert decided.reason == "规定物品"  # the decision stays on record
        assert not os.path.exists(dropped)
        # The replaced picture is still the reference of the other windows and kinds.
        assert all(_exists(p.path) for p in pictures)
        assert retention.purge(local(DAY, 12) + timedelta(days=40)) == {
            "snapshots": 0, "pictures": 0, "dropped_files": 0}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert db.session.get(CameraFlag, flags[open_one.id].id).kind is FlagKind.seat_empty


def test_retention_days_come_from_the_rulebook_and_unused_pictures_go(client, world):
    with time_machine.travel(local(DAY, 18), tick=True):
        helpers.set_up_camera(world.a)
        admin = api_token(client, "admin_a")
        quiet = _post(client, admin, local(DAY, 10), occupied={"A01", "D01"})
        for kind in ("seat", "desk"):  # every reference moves to a new picture
            for code in ("A01", "D01"):
                assert client.put(f"/api/v1/cameras/CAM1/references/{code}/{kind}",
                                  headers=admin, data=helpers.upload(helpers.empty_hall()),
                                  content_type="multipart/form-data").status_code == 204
        newest = operations.add_picture(db.session.get(Camera, quiet.camera_id),
                                        helpers.empty_hall(), "camera", check_faces=False)
        db.session.commit()
    save_version(world.a.id, DAY, {"camera": {"snapshot_retention_days": 60}}, "keep longer",
                 "test")
    db.session.commit()
    assert retention.purge(local(DAY, 12) + timedelta(days=40)) == {
        "snapshots": 0, "pictures": 0, "dropped_files": 0}
    pictures = db.session.scalars(sa.select(CameraImage).order_by(CameraImage.id)).all()
    assert len(pictures) == 6 and pictures[-1].id == newest.id
    counts = retention.purge(local(DAY, 12) + timedelta(days=61))
    # The snapshot goes; of the pictures, the first (no reference uses it any more) goes, the
    # four references and the newest (unused, but the one regions are drawn on) stay.
    assert counts["snapshots"] == 1 and counts["pictures"] == 1
    assert db.session.get(Snapshot, quiet.id) is None
    left = db.session.scalars(sa.select(CameraImage.id).order_by(CameraImage.id)).all()
    assert left == [p.id for p in pictures[1:]]
    assert not _exists(pictures[0].path) and all(_exists(p.path) for p in pictures[1:])


def test_the_retention_job_reports_what_it_deleted(client, world):
    long_ago = utcnow() - timedelta(days=45)
    with time_machine.travel(long_ago, tick=True):
        helpers.set_up_camera(world.a)
        _post(client, api_token(client, "admin_a"), long_ago - timedelta(hours=1),
              occupied={"A01", "D01"})
    assert retention.camera_retention_job() == \
        "1 snapshots, 0 pictures and 0 dropped files deleted"
