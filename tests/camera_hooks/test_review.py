"""The review queue over HTTP (pages) and the API: confirm a flag under a checklist item (a
finding against the person on duty, the snapshot as evidence, visible to that person), dismiss
it with a reason, filters, the next flag after a decision, and what cannot be done."""
from __future__ import annotations

import io
import re

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from camera_hooks.models import CameraFlag, FlagKind, FlagState
from compliance.audit import AuditEntry
from compliance.conduct.models import Evidence, Finding, FindingSource
from compliance.extensions import db
from tests.attendance.helpers import DAY, local, roster
from tests.conftest import api_token, csrf_token, login

from . import helpers

FLAGS = "/api/v1/camera-flags"


def snap(client, headers, at, **scene):
    response = client.post("/api/v1/cameras/CAM1/snapshots", headers=headers,
                           content_type="multipart/form-data", data={
                               "file": (io.BytesIO(helpers.jpeg(helpers.scene(**scene))), "s.jpg"),
                               "taken_at": at.isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def flagged(client, world):
    """Three open flags: A01 seat empty (alice), D01 seat empty (carol) at 10:00, and a D01
    desk deviation at 10:10; plus a moved camera at 10:20 on a second camera."""
    helpers.set_up_camera(world.a)
    roster(world.alice)
    roster(world.carol)
    admin = api_token(client, "admin_a")
    snap(client, admin, local(DAY, 10))
    snap(client, admin, local(DAY, 10, 10), occupied={"A01", "D01"}, deviation={"D01"})
    return {(f.kind.value, f.window.code if f.window else None): f
            for f in db.session.scalars(sa.select(CameraFlag))}


def test_confirm_over_the_api_makes_a_finding_the_person_sees_with_its_evidence(
        client, world, flagged):
    flag = flagged[("seat_empty", "A01")]
    inspector = api_token(client, "inspector")
    response = client.post(f"{FLAGS}/{flag.id}/confirm", headers=inspector,
                           json={"item": "ten_prohibitions.01", "note": "连续两次巡查无人"})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["state"] == "confirmed" and answer["item"] == "ten_prohibitions.01"
    finding = answer["finding"]
    assert finding["staff_no"] == "S1" and finding["window_code"] == "A01"
    assert finding["source"] == "camera" and finding["item"] == "ten_prohibitions.01"
    assert finding["points"] == 5 and finding["state"] == "open"
    assert finding["at"].startswith("2026-03-02T02:00:00")  # 10:00 in Shanghai
    assert len(finding["evidence"]) == 1

    stored = db.session.get(Finding, finding["id"])
    assert stored.source is FindingSource.camera and stored.ten_prohibitions
    assert stored.source_ref == f"camera-flag:{flag.id}"
    evidence = stored.evidence[0]
    assert evidence.kind == "snapshot" and evidence.source_ref.startswith("snapshot:")

    # alice sees her finding and its evidence; the picture shows her seat outlined in red.
    alice = api_token(client, "staff_alice")
    mine = client.get("/api/v1/findings", headers=alice).get_json()["items"]
    assert [f["id"] for f in mine] == [finding["id"]]
    login(client, "staff_alice")
    page = client.get(f"/findings/{finding['id']}").get_data(as_text=True)
    assert f"/evidence/{evidence.id}/thumb" in page
    picture = client.get(f"/evidence/{evidence.id}/full")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(picture.data, np.uint8), cv2.IMREAD_COLOR)
    seat = helpers.region_of("A01", "seat")
    x, y = int(seat[:, 0].mean()), int(seat[:, 1].min())
    red = image[y - 2:y + 3, x - 20:x + 20]
    assert (red[:, :, 2] > 170).any() and (red[:, :, 1] < 90).any()
    # She may not see the review queue or the snapshot itself.
    assert client.get("/camera-flags").status_code == 403
    assert client.get(f"/camera/snapshots/{flag.snapshot_id}/full").status_code == 403


def test_confirm_against_another_person_and_under_a_desk_item(client, world, flagged):
    flag = flagged[("desk_deviation", "D01")]
    hr = api_token(client, "hr_a")
    response = client.post(f"{FLAGS}/{flag.id}/confirm", headers=hr, json={
        "item": "desk.work.no_private_items", "staff_no": "S2"})
    assert response.status_code == 200, response.get_json()
    finding = response.get_json()["finding"]
    assert finding["staff_no"] == "S2" and finding["item"] == "desk.work.no_private_items"


def test_dismiss_needs_a_reason_and_a_decided_flag_stays_decided(client, world, flagged):
    flag = flagged[("seat_empty", "D01")]
    inspector = api_token(client, "inspector")
    response = client.post(f"{FLAGS}/{flag.id}/dismiss", headers=inspector, json={"reason": ""})
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]
    response = client.post(f"{FLAGS}/{flag.id}/dismiss", headers=inspector,
                           json={"reason": "李娜在后台复印材料,已报备"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "dismissed"
    assert response.get_json()["finding"] is None
    again = client.post(f"{FLAGS}/{flag.id}/confirm", headers=inspector,
                        json={"item": "ten_prohibitions.01"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "illegal_state"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 0
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity == "camera_flag", AuditEntry.action == "update")).all()
    assert any(e.after.get("state") == "dismissed" and e.actor == "inspector" for e in entries)


def test_bad_confirmations_change_nothing(client, world, flagged, app):
    flag = flagged[("seat_empty", "A01")]
    inspector = api_token(client, "inspector")
    cases = [({"item": "no.such_item"}, 400, "item"), ({"item": "ten_prohibitions.01",
                                                        "staff_no": "S9"}, 400, "staff_no"),
             ({}, 400, "item"), ({"item": "ten_prohibitions.01", "points": 1}, 400, "points")]
    for body, status, field in cases:
        response = client.post(f"{FLAGS}/{flag.id}/confirm", headers=inspector, json=body)
        assert response.status_code == status, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"]
    db.session.refresh(flag)
    assert flag.state is FlagState.open
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert client.post(f"{FLAGS}/999999/confirm", headers=inspector,
                       json={"item": "ten_prohibitions.01"}).status_code == 404


def test_a_moved_camera_cannot_be_confirmed(client, world, flagged):
    admin = api_token(client, "admin_a")
    snap(client, admin, local(DAY, 10, 30), shift=6)
    moved = db.session.scalars(sa.select(CameraFlag).where(
        CameraFlag.kind == FlagKind.camera_moved)).one()
    response = client.post(f"{FLAGS}/{moved.id}/confirm", headers=admin,
                           json={"item": "ten_prohibitions.01"})
    assert response.status_code == 409
    assert client.post(f"{FLAGS}/{moved.id}/dismiss", headers=admin,
                       json={"reason": "画面未移动,光线变化"}).status_code == 200


def test_list_filters(client, world, flagged):
    inspector = api_token(client, "inspector")

    def ids(query):
        response = client.get(f"{FLAGS}?{query}", headers=inspector)
        assert response.status_code == 200, response.get_json()
        return {(i["kind"], i["window_code"]) for i in response.get_json()["items"]}

    assert ids("") == set(flagged)
    assert ids("window_code=D01") == {("seat_empty", "D01"), ("desk_deviation", "D01")}
    assert ids("kind=desk_deviation&camera=CAM1") == {("desk_deviation", "D01")}
    assert ids("state=dismissed") == set()
    assert ids("camera=NOPE") == set()
    assert client.get(f"{FLAGS}?state=maybe", headers=inspector).status_code == 400


def test_review_queue_pages_confirm_dismiss_and_move_on(client, world, flagged):
    login(client, "inspector")
    queue = client.get("/camera-flags?window=D01")
    assert queue.status_code == 200
    text = queue.get_data(as_text=True)
    d_seat, d_desk = flagged[("seat_empty", "D01")], flagged[("desk_deviation", "D01")]
    assert f"/camera-flags/{d_seat.id}?" in text and f"/camera-flags/{d_desk.id}?" in text
    assert f"/camera-flags/{flagged[('seat_empty', 'A01')].id}?" not in text
    assert "李娜" in text and "data-queue" in text

    page = client.get(f"/camera-flags/{d_seat.id}?state=open&window=D01")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="region seat empty highlight"' in body  # the flagged seat is drawn
    suggested = re.search(r'<option[^>]*value="ten_prohibitions.01"[^>]*>', body).group(0)
    assert "selected" in suggested  # 十不准·无故离岗, preselected for an empty seat
    assert 'value="S3"' in body  # the person on duty, prefilled
    assert "review.js" in body and "<kbd>c</kbd>" in body
    token = csrf_token(client, f"/camera-flags/{d_seat.id}")
    response = client.post(f"/camera-flags/{d_seat.id}?state=open&window=D01", data={
        "csrf_token": token, "action": "dismiss", "dismiss-reason": "在岗,画面遮挡"})
    assert response.status_code == 302
    # The next open flag of the same filter opens.
    assert re.search(rf"/camera-flags/{d_desk.id}\?", response.headers["Location"])
    response = client.post(f"/camera-flags/{d_desk.id}?state=open&window=D01", data={
        "csrf_token": token, "action": "confirm", "confirm-item": "desk.work.no_private_items",
        "confirm-staff_no": "S3", "confirm-note": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/camera-flags?state=open&window=D01")
    db.session.expire_all()
    assert db.session.get(CameraFlag, d_seat.id).state is FlagState.dismissed
    desk = db.session.get(CameraFlag, d_desk.id)
    assert desk.state is FlagState.confirmed and desk.finding.staff == world.carol
    # Deciding again from a stale page is refused without a change.
    again = client.post(f"/camera-flags/{d_seat.id}", data={
        "csrf_token": token, "action": "confirm", "confirm-item": "ten_prohibitions.01"})
    assert again.status_code == 200
    assert db.session.get(CameraFlag, d_seat.id).state is FlagState.dismissed


def test_unknown_item_on_the_page_is_refused(client, world, flagged):
    flag = flagged[("seat_empty", "A01")]
    login(client, "hr_a")
    token = csrf_token(client, f"/camera-flags/{flag.id}")
    response = client.post(f"/camera-flags/{flag.id}", data={
        "csrf_token": token, "action": "confirm", "confirm-item": "made.up"})
    assert response.status_code == 200
    db.session.refresh(flag)
    assert flag.state is FlagState.open


def test_the_hr_dashboard_counts_the_flags_waiting_for_review(client, world, flagged):
    login(client, "hr_a")
    html = client.get("/scores/dashboard").get_data(as_text=True)
    waiting = sum(1 for f in flagged.values() if f.state is FlagState.open)
    assert re.search(rf'class="stat tile-camera_flags" href="/camera-flags\?state=open">'
                     rf'<span class="n">{waiting}<', html), html
    other = client.application.test_client()
    login(other, "hr_b")  # another centre's HR sees none of these
    assert re.search(r'tile-camera_flags"[^>]*><span class="n">0<',
                     other.get("/scores/dashboard").get_data(as_text=True))
