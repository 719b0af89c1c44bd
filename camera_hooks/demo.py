"""Demo cameras for ``flask --app compliance seed-demo`` (registered from ``init_app``).

HALL-A watches windows A01–A04 through a drop folder. Its pictures are drawn here (the demo
needs no photographs): the empty hall is its reference, and a morning of snapshots runs
through the real screening, so the review queue holds what the analysis found — an empty seat
while its person was rostered, a cup on a desk, a moved camera — and one confirmed flag is a
finding the demo staff login (S1001, window A01) sees with its evidence. HALL-D has an HTTP
source that does not answer, to show a camera that is down.
"""
from __future__ import annotations

import os
import random
from datetime import time, timedelta

import cv2
import numpy as np
import sqlalchemy as sa

from compliance import audit
from compliance.extensions import db
from compliance.org.models import Centre, Staff, Window
from compliance.timeutil import at_local, local_now

from . import operations
from .models import CameraFlag, FlagKind, SnapshotOrigin
from .review import confirm
from .screening import screen
from .snapshots import analysis_inputs, record_snapshot

WIDTH, HEIGHT, TOP = 1280, 720, 430
CODES = ("A01", "A02", "A03", "A04")
CENTRES = (160, 480, 800, 1120)
# (local time, seats taken, desks off their layout, citizens at the counter, camera shift px)
MORNING = [
    (time(9, 10), {"A01", "A02", "A03", "A04"}, set(), 2, 0),
    (time(9, 20), {"A02", "A03", "A04"}, set(), 3, 0),
    (time(9, 30), {"A01", "A02", "A04"}, set(), 1, 0),
    (time(9, 40), {"A01", "A02", "A03", "A04"}, {"A02"}, 2, 0),
    (time(9, 50), {"A01", "A02", "A03", "A04"}, {"A02"}, 2, 7),
]


def regions() -> list[dict]:
    out = []
    for code, cx in zip(CODES, CENTRES):
        out.append({"window_code": code, "kind": "seat", "polygon": [
            [cx - 105, 115], [cx + 105, 115], [cx + 118, TOP - 4], [cx - 118, TOP - 4]]})
        out.append({"window_code": code, "kind": "desk", "polygon": [
            [cx - 135, TOP + 6], [cx + 135, TOP + 6], [cx + 148, TOP + 122],
            [cx - 148, TOP + 122]]})
    return out


def _background(rng: np.random.Generator) -> np.ndarray:
    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 3)
    texture = texture / max(1e-6, float(np.abs(texture).max()))
    wall = 185 + 40 * texture[:TOP, :, None]
    img[:TOP] = np.clip(wall * np.array([0.95, 1.0, 1.05]), 0, 255).astype(np.uint8)
    counter = 120 + 35 * texture[TOP:, :, None]
    img[TOP:] = np.clip(counter * np.array([0.75, 0.9, 1.1]), 0, 255).astype(np.uint8)
    cv2.line(img, (0, TOP), (WIDTH, TOP), (60, 60, 60), 3)
    cv2.line(img, (0, TOP + 130), (WIDTH, TOP + 130), (40, 40, 40), 4)
    img[TOP + 130:] = (img[TOP + 130:].astype(np.float32) * 0.6).astype(np.uint8)
    for x in range(0, WIDTH + 1, 320):
        cv2.rectangle(img, (x - 12, 0), (x + 12, TOP), (90, 95, 100), -1)
    for code, cx in zip(CODES, CENTRES):
        cv2.rectangle(img, (cx - 90, 30), (cx + 90, 78), (150, 40, 30), -1)
        cv2.putText(img, code, (cx - 40, 68), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 2,
                    cv2.LINE_AA)
        chair = np.array([[cx - 62, TOP], [cx - 58, 215], [cx - 40, 195], [cx + 40, 195],
                          [cx + 58, 215], [cx + 62, TOP]])
        cv2.fillPoly(img, [chair], (70, 60, 55))
        cv2.polylines(img, [chair], False, (35, 30, 28), 3)
        cv2.line(img, (cx - 45, 250), (cx + 45, 250), (110, 100, 95), 3)
        kx = cx - 20
        cv2.rectangle(img, (kx, TOP + 40), (kx + 110, TOP + 74), (45, 45, 45), -1)
        for col in range(kx + 4, kx + 110, 9):
            cv2.line(img, (col, TOP + 42), (col, TOP + 72), (95, 95, 95), 1)
        cv2.rectangle(img, (cx + 70, TOP + 20), (cx + 130, TOP + 60), (205, 205, 210), -1)
        cv2.rectangle(img, (cx + 70, TOP + 20), (cx + 130, TOP + 60), (80, 80, 80), 2)
        cv2.rectangle(img, (cx - 120, TOP + 70), (cx - 30, TOP + 104), (30, 30, 150), -1)
        cv2.putText(img, "SERVICE", (cx - 116, TOP + 94), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return img


def _person(img: np.ndarray, cx: int, shirt: tuple[int, int, int]) -> None:
    torso = np.array([[cx - 110, TOP], [cx - 100, 330], [cx - 45, 290], [cx + 45, 290],
                      [cx + 100, 330], [cx + 110, TOP]])
    cv2.fillPoly(img, [torso], shirt)
    cv2.fillPoly(img, [np.array([[cx - 18, 290], [cx, 330], [cx + 18, 290]])], (240, 240, 240))
    cv2.ellipse(img, (cx, 230), (42, 56), 0, 0, 360, (150, 175, 215), -1)
    cv2.ellipse(img, (cx, 205), (46, 36), 0, 180, 360, (30, 30, 35), -1)
    for dx in (-16, 16):
        cv2.circle(img, (cx + dx, 228), 5, (40, 40, 40), -1)
    cv2.ellipse(img, (cx, 258), (14, 6), 0, 0, 180, (80, 80, 160), 2)


def _cup(img: np.ndarray, cx: int) -> None:
    cv2.ellipse(img, (cx - 80, TOP + 50), (26, 30), 0, 0, 360, (40, 120, 220), -1)
    cv2.ellipse(img, (cx - 52, TOP + 50), (10, 14), 0, -90, 90, (40, 120, 220), 5)
    cv2.rectangle(img, (cx + 20, TOP + 80), (cx + 60, TOP + 118), (20, 20, 20), -1)


def _citizen(img: np.ndarray, x: int) -> None:
    y = TOP + 215
    cv2.ellipse(img, (x, y + 120), (90, 70), 0, 180, 360, (90, 60, 120), -1)
    cv2.ellipse(img, (x, y), (40, 52), 0, 0, 360, (140, 170, 210), -1)
    cv2.ellipse(img, (x, y - 24), (44, 32), 0, 180, 360, (25, 25, 30), -1)
    for dx in (-15, 15):
        cv2.circle(img, (x + dx, y - 2), 5, (30, 30, 30), -1)
    cv2.line(img, (x - 12, y + 24), (x + 12, y + 24), (60, 60, 140), 3)


def picture(base: np.ndarray, rng: np.random.Generator, occupied=(), deviation=(),
            citizens: int = 0, shift: int = 0) -> np.ndarray:
    img = base.copy()
    shirts = ((110, 50, 20), (60, 60, 60), (150, 120, 90), (40, 40, 140))
    for index, (code, cx) in enumerate(zip(CODES, CENTRES)):
        if code in occupied:
            _person(img, cx, shirts[index])
        if code in deviation:
            _cup(img, cx)
    for _ in range(citizens):
        _citizen(img, int(rng.integers(80, WIDTH - 80)))
    if shift:
        matrix = np.float32([[1, 0, shift], [0, 1, shift / 2]])
        img = cv2.warpAffine(img, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT)
    noisy = np.clip(img.astype(np.float32) + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
    return cv2.imdecode(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])[1],
                        cv2.IMREAD_COLOR)


def seed_demo_cameras(centre: Centre, users: dict, rng: random.Random) -> None:
    from compliance.attendance.models import RosterEntry
    from compliance.attendance.roster import RosterLine, save_roster

    pixels = np.random.default_rng(rng.randrange(2**32))
    now = local_now(centre.timezone)
    day = now.date() if now.time() >= time(10, 30) else now.date() - timedelta(days=1)
    windows = {w.code: w for w in db.session.scalars(
        sa.select(Window).where(Window.centre_id == centre.id, Window.code.in_(CODES)))}
    people = {w: db.session.scalars(sa.select(Staff).where(Staff.window_id == windows[w].id)
                                    .order_by(Staff.staff_no)).first() for w in CODES}
    unrostered = [p for p in people.values() if p is not None and not db.session.scalar(
        sa.select(RosterEntry.id).where(RosterEntry.staff_id == p.id, RosterEntry.day == day))]
    save_roster(centre.id, [RosterLine(p.staff_no, day) for p in unrostered])

    os.makedirs(os.path.join(operations.drop_root(), "hall-a"), exist_ok=True)
    camera = operations.save_camera(centre.id, operations.CameraData(
        "HALL-A", "综合受理区 A01–A04", "folder:hall-a", extra_per_day=2))
    operations.set_regions(camera, operations.parse_regions(centre.id, regions(), None))
    base = _background(pixels)
    empty = picture(base, pixels)
    reference = operations.add_picture(camera, empty, "camera", at_local(day, time(8, 30),
                                                                          centre.timezone))
    operations.set_references(camera, reference, [(r.window, r.kind) for r in camera.regions])
    last = None
    for clock, occupied, deviation, citizens, shift in MORNING:
        at = at_local(day, clock, centre.timezone)
        inputs = analysis_inputs(camera, at)
        screened = screen(picture(base, pixels, occupied, deviation, citizens, shift),
                          inputs.regions, inputs.refs, inputs.settings)
        record_snapshot(camera, screened, at, SnapshotOrigin.schedule)
        last = at
    camera.state.last_attempt_at = camera.state.last_success_at = last
    inspector = users["inspector"]
    flag = db.session.scalars(sa.select(CameraFlag).where(
        CameraFlag.camera_id == camera.id, CameraFlag.kind == FlagKind.seat_empty,
        CameraFlag.window_id == windows["A01"].id)).first()
    if flag is not None:
        previous = audit.current_actor()
        audit.acting_as(inspector.username, inspector.id)
        confirm(flag, inspector, "ten_prohibitions.01", note="监控抽查:窗口无人,未登记暂离")
        audit.acting_as(previous[1], previous[0])

    down = operations.save_camera(centre.id, operations.CameraData(
        "HALL-D", "税务区 D01–D04", "http://192.0.2.10/ISAPI/Streaming/channels/101/picture",
        username="viewer", password="demo-only", timeout_seconds=5))
    failed_at = at_local(day, time(10, 5), centre.timezone)
    down.state.last_attempt_at = down.state.last_error_at = failed_at
    down.state.failures = 3
    down.state.last_error_code = "timeout"
    down.state.last_error = "192.0.2.10: no answer in 5 s"
    down.state.next_capture_at = failed_at + timedelta(minutes=4)
    db.session.flush()

