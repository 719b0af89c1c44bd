"""Recording a screened snapshot and the flags it raises (SPEC §5).

Rules, in the order they are applied to each snapshot:

* camera moved (the whole view no longer matches the references): one ``camera_moved`` flag
  asking for new references, kept open (and extended) until they are set; no window flags;
* seat empty: only while the window's person is rostered in a service session with no
  leave, temporary absence or break recorded at that instant (``roster.duty_at``); the seat
  must be found empty in ``seat_empty_consecutive`` snapshots in a row (rulebook) before it
  is flagged, and one absence is one flag however long it lasts. A face in the seat region
  proves presence; its absence proves nothing (``analysis``);
* desk deviation: the desk differs from the standard layout beyond the rulebook's
  threshold; one flag per episode, against the person on duty (or the window).

Snapshots taken before the camera's latest one (a late upload) are recorded and can raise a
flag on their own, but do not continue or break a streak.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import cv2
import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.audit import current_actor
from compliance.db import utcnow
from compliance.errors import Conflict, Invalid
from compliance.extensions import db
from compliance.org.models import Centre, Window
from compliance.scoring.store import rules_for
from compliance.timeutil import local_date
from compliance.uploads import absolute_path, decode_upload, store_image

from .analysis import Analysis, AnalysisSettings, References, Region
from .models import (Camera, CameraFlag, FlagKind, FlagState, RegionKind, Snapshot,
                     SnapshotOrigin, WindowStreak)
from .roster import Duty, duty_at
from .screening import Screened, screen

FUTURE_TOLERANCE = timedelta(minutes=5)  # camera clocks drift; later than this is refused


@dataclass(frozen=True)
class Inputs:
    """Everything the pure screening needs about a camera, as plain values."""

    regions: tuple[Region, ...]
    refs: References
    settings: AnalysisSettings


def analysis_inputs(camera: Camera, at: datetime) -> Inputs:
    centre = db.session.get(Centre, camera.centre_id)
    rules = rules_for(camera.centre_id, local_date(at, centre.timezone)).camera
    regions = tuple(Region(r.window.code, r.kind.value, tuple(tuple(p) for p in r.polygon))
                    for r in camera.regions)
    seats, desks = {}, {}
    for ref in camera.references:
        image = load_picture(ref.image.path)
        (seats if ref.kind is RegionKind.seat else desks)[ref.window.code] = image
    settings = AnalysisSettings(
        seat_similarity_threshold=rules.seat_similarity_threshold,
        desk_deviation_threshold=1.0 - rules.desk_deviation_threshold,
        pixelate_block=camera.pixelate_block)
    return Inputs(regions, References(seats, desks), settings)


def load_picture(relative: str) -> np.ndarray | None:
    """A stored picture, decoded once per process (files never change: new ones get new
    names)."""
    return _load(absolute_path(relative))


@lru_cache(maxsize=64)
def _load(path: str) -> np.ndarray | None:
    if not os.path.exists(path):
        return None
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is not None:
        image.flags.writeable = False
    return image


def check_taken_at(taken_at: datetime, field: str = "taken_at") -> None:
    """An instant with its offset, not later than now (give or take a camera clock's drift)."""
    if taken_at.tzinfo is None:
        message = _("The instant needs an offset, e.g. +08:00.")
        raise Invalid(message, {field: message})
    if taken_at > utcnow() + FUTURE_TOLERANCE:
        message = _("The snapshot cannot be taken in the future.")
        raise Invalid(message, {field: message})


def upload_snapshot(camera: Camera, data: bytes, taken_at: datetime | None
                    ) -> tuple[Snapshot, list[CameraFlag]]:
    """A snapshot sent by a recorder or from the camera page: refused unless the camera is
    active, ``taken_at`` (default: now) is not in the future and ``data`` is a picture; then
    screened and recorded like a captured one."""
    if not camera.active:
        raise Conflict(_("Camera %(code)s is switched off.", code=camera.code),
                       code="inactive")
    taken_at = taken_at or utcnow()
    check_taken_at(taken_at)
    image = decode_upload(data)
    inputs = analysis_inputs(camera, taken_at)
    screened = screen(image, inputs.regions, inputs.refs, inputs.settings)
    del image  # the raw frame goes no further
    return record_snapshot(camera, screened, taken_at, SnapshotOrigin.upload)


def record_snapshot(camera: Camera, screened: Screened, taken_at: datetime,
                    origin: SnapshotOrigin) -> tuple[Snapshot, list[CameraFlag]]:
    """Store the private picture and the signals, and raise the flags (rules above).

    Returns the snapshot and the flags it newly raised.
    """
    if db.session.scalar(sa.select(Snapshot.id).where(Snapshot.camera_id == camera.id,
                                                      Snapshot.taken_at == taken_at)):
        message = _("Camera %(code)s already has a snapshot taken at this instant.",
                    code=camera.code)
        raise Conflict(message, {"taken_at": message}, code="duplicate")
    analysis = screened.analysis
    stored = store_image(screened.private, "camera/snapshots")
    _user_id, actor = current_actor()
    windows = {r.window.code: r.window for r in camera.regions}
    duties = {code: duty_at(window, taken_at) for code, window in windows.items()}
    snapshot = Snapshot(
        centre_id=camera.centre_id, camera_id=camera.id, taken_at=taken_at, origin=origin,
        path=stored.path, thumb_path=stored.thumb_path, sha256=stored.sha256, size=stored.size,
        width=screened.width, height=screened.height, camera_moved=analysis.camera_moved,
        moved_score=analysis.moved_score, shift_px=analysis.shift_px,
        background_similarity=analysis.background_similarity,
        signals=_signals(analysis, duties),
        regions=[{"window_code": r.window.code, "kind": r.kind.value, "polygon": r.polygon}
                 for r in camera.regions],
        created_by=actor)
    db.session.add(snapshot)
    db.session.flush()
    flags = _raise_flags(camera, snapshot, analysis, windows, duties)
    db.session.flush()
    return snapshot, flags


def _signals(analysis: Analysis, duties: dict[str, Duty]) -> dict:
    out = {}
    for code, signals in analysis.windows.items():
        duty = duties.get(code)
        seat = {True: "occupied", False: "empty", None: "unknown"}[signals.seat_occupied]
        out[code] = {
            "seat": seat, "seat_similarity": signals.seat_similarity, "face": signals.face_found,
            "person": signals.person_found, "desk_similarity": signals.desk_similarity,
            "desk_deviation": signals.desk_deviation,
            "staff_no": duty.staff.staff_no if duty and duty.staff else None,
            "expected": bool(duty and duty.expected),
            "why_not": duty.why_not if duty else None,
            "session": duty.session if duty else None,
        }
    return out


def _raise_flags(camera: Camera, snapshot: Snapshot, analysis: Analysis,
                 windows: dict[str, Window], duties: dict[str, Duty]) -> list[CameraFlag]:
    centre = db.session.get(Centre, camera.centre_id)
    rules = rules_for(camera.centre_id, local_date(snapshot.taken_at, centre.timezone)).camera
    if analysis.camera_moved:
        flag = _moved_flag(camera, snapshot, analysis)
        return [flag] if flag is not None else []
    raised = []
    for code, signals in analysis.windows.items():
        if code not in windows:
            continue  # the region was removed while the snapshot was being screened
        window, duty = windows[code], duties[code]
        if signals.seat_occupied is not None:
            empty = signals.seat_occupied is False and duty.expected
            flag = _streak(camera, window, RegionKind.seat, snapshot, empty,
                           duty, rules.seat_empty_consecutive, FlagKind.seat_empty,
                           signals.seat_similarity or 0.0,
                           {"similarity": signals.seat_similarity, "face": signals.face_found,
                            "threshold": rules.seat_similarity_threshold,
                            "consecutive": rules.seat_empty_consecutive,
                            "session": duty.session, "shift": duty.shift})
            if flag is not None:
                raised.append(flag)
        if signals.desk_similarity is not None:
            score = round(min(1.0, max(0.0, 1.0 - signals.desk_similarity)), 4)
            flag = _streak(camera, window, RegionKind.desk, snapshot, signals.desk_deviation,
                           duty, 1, FlagKind.desk_deviation, score,
                           {"similarity": signals.desk_similarity,
                            "threshold": rules.desk_deviation_threshold})
            if flag is not None:
                raised.append(flag)
    return raised


def _streak(camera: Camera, window: Window, kind: RegionKind, snapshot: Snapshot, hit: bool,
            duty: Duty, needed: int, flag_kind: FlagKind, score: float,
            detail: dict) -> CameraFlag | None:
    """Count ``hit`` snapshots in a row for one window and kind; at ``needed`` in a row,
    raise one flag for the episode (later hits of the same episode extend it)."""
    streak = db.session.get(WindowStreak, (camera.id, window.id, kind))
    if streak is None:
        streak = WindowStreak(camera_id=camera.id, window_id=window.id, kind=kind, count=0)
        db.session.add(streak)
    staff_id = duty.staff.id if duty.staff else None
    if streak.last_taken_at is not None and snapshot.taken_at <= streak.last_taken_at:
        # A late snapshot: judged on its own, the streak is left as it is.
        if hit and needed <= 1:
            return _new_flag(camera, window, snapshot, flag_kind, score, duty, 1, detail)
        return None
    streak.last_taken_at = snapshot.taken_at
    if not hit:
        streak.count, streak.flag_id, streak.staff_id = 0, None, None
        return None
    if streak.count and streak.staff_id != staff_id:
        streak.count, streak.flag_id = 0, None  # another person's episode starts
    streak.count += 1
    streak.staff_id = staff_id
    if streak.count < needed:
        return None
    if streak.flag_id is not None:
        flag = db.session.get(CameraFlag, streak.flag_id)
        if flag is not None and flag.state.is_open:
            flag.streak, flag.last_snapshot_id = streak.count, snapshot.id
            flag.last_seen_at = snapshot.taken_at
        return None  # one flag per episode, even once it has been decided
    flag = _new_flag(camera, window, snapshot, flag_kind, score, duty, streak.count, detail)
    streak.flag_id = flag.id
    return flag


def _new_flag(camera: Camera, window: Window | None, snapshot: Snapshot, kind: FlagKind,
              score: float, duty: Duty | None, streak: int, detail: dict) -> CameraFlag:
    flag = CameraFlag(
        centre_id=camera.centre_id, camera_id=camera.id, snapshot_id=snapshot.id,
        last_snapshot_id=snapshot.id, window_id=window.id if window else None,
        staff_id=duty.staff.id if duty and duty.staff else None, kind=kind,
        state=FlagState.open, score=round(float(score), 4), at=snapshot.taken_at,
        last_seen_at=snapshot.taken_at, streak=streak, detail=detail)
    db.session.add(flag)
    db.session.flush()
    return flag


def _moved_flag(camera: Camera, snapshot: Snapshot, analysis: Analysis) -> CameraFlag | None:
    """One open ``camera_moved`` flag per camera, extended by every moved snapshot."""
    flag = db.session.scalars(sa.select(CameraFlag).where(
        CameraFlag.camera_id == camera.id, CameraFlag.kind == FlagKind.camera_moved,
        CameraFlag.state == FlagState.open)).first()
    if flag is not None:
        if snapshot.taken_at > flag.last_seen_at:
            flag.streak += 1
            flag.last_snapshot_id, flag.last_seen_at = snapshot.id, snapshot.taken_at
        return None
    return _new_flag(camera, None, snapshot, FlagKind.camera_moved, analysis.moved_score, None,
                     1, {"shift_px": analysis.shift_px,
                         "similarity": analysis.background_similarity})
