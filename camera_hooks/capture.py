"""The capture job (SPEC §5, §9): every minute, the scheduler process takes the snapshots that
are due, in parallel, each camera bounded by its own timeout.

* Web requests never talk to a camera: pages read stored snapshots and health, and an
  admin's "take a picture now" is a request this job serves.
* Cameras are fetched and screened in a thread pool: a camera that hangs holds one worker,
  never the others. Results are stored as they arrive, one commit per camera, so one
  camera's failure loses nothing of another's. A fetch still running when the run ends is
  abandoned (its own socket or stream timeout ends it); the camera is skipped until it has.
* A failed capture is recorded as the camera's health (last error) and retried with
  back-off (``schedule.backoff``); ``models.DOWN_AFTER`` failures in a row show it as
  down.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from compliance.db import utcnow
from compliance.errors import DomainError
from compliance.extensions import db
from compliance.jobs import register_job
from compliance.org.models import Centre
from compliance.scoring.store import rules_for
from compliance.timeutil import local_date

from . import sources
from .credentials import CredentialError, unseal
from .models import Camera, CameraState, SnapshotOrigin
from .operations import add_picture, source_location
from .schedule import Due, backoff, draw_extra_times, due_now, parse_hours
from .screening import Screened, has_face, screen
from .snapshots import Inputs, analysis_inputs, record_snapshot

log = logging.getLogger("camera_hooks.capture")

SCREENING_ALLOWANCE = 30  # seconds on top of the longest timeout for screening and storing

_in_flight: dict[int, Future] = {}  # camera id → a fetch that has not returned yet
_in_flight_lock = threading.Lock()
_run_lock = threading.Lock()  # one capture run at a time (the schedule and a "run now")


@dataclass(frozen=True)
class Plan:
    camera_id: int
    code: str
    due: Due
    config: sources.SourceConfig
    inputs: Inputs | None  # None when taking a reference picture


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    frame: sources.Frame | None = None
    screened: Screened | None = None
    error: sources.SourceError | None = None


def work(plan: Plan) -> Outcome:
    """Fetch and screen one camera (a worker thread: no database, no app context)."""
    try:
        frame = sources.fetch(plan.config)
        if plan.inputs is None:  # a reference picture: must show nobody
            if has_face(frame.image):
                return Outcome(plan, frame, error=sources.SourceError(
                    "face_found", "the picture shows a face: take it while the hall is empty"))
            return Outcome(plan, frame)
        inputs = plan.inputs
        return Outcome(plan, frame, screen(frame.image, inputs.regions, inputs.refs,
                                           inputs.settings))
    except sources.SourceError as error:
        return Outcome(plan, error=error)
    except Exception as exc:  # a bug or an OpenCV error must not end the run
        log.exception("camera %s: capture failed", plan.code)
        return Outcome(plan, error=sources.SourceError(
            "internal", f"{type(exc).__name__}: {exc}"[:300]))


def run_capture(now: datetime | None = None, rng: random.Random | None = None) -> str:
    """Capture every camera that is due; returns a one-line summary."""
    if not _run_lock.acquire(blocking=False):
        # The run in progress (or the next one, a minute later) takes what is due; waiting
        # here would hold up the scheduler's loop.
        return "another capture run is busy"
    try:
        return _run(now or utcnow(), rng or random.SystemRandom())
    finally:
        _run_lock.release()


def _run(now: datetime, rng: random.Random) -> str:
    plans: list[Plan] = []
    skipped = 0
    cameras = db.session.scalars(sa.select(Camera).where(Camera.active.is_(True))
                                 .order_by(Camera.id)).all()
    for camera in cameras:
        if camera.state is None:
            camera.state = CameraState()
        with _in_flight_lock:
            hanging = camera.id in _in_flight
        if hanging:
            _failed(camera, now, sources.SourceError(
                "hanging", "the previous capture has not returned yet"), count=False)
            skipped += 1
            continue
        try:
            plan = _plan(camera, now, rng)
        except Exception as exc:  # one camera's broken set-up must not stop the others
            log.exception("camera %s: planning the capture failed", camera.code)
            _failed(camera, now, sources.SourceError(
                "internal", f"{type(exc).__name__}: {exc}"[:300]))
            continue
        if plan is not None:
            plans.append(plan)
    db.session.commit()
    if not plans:
        return f"no camera due ({len(cameras)} active, {skipped} still busy)"
    done = failed = flags = 0
    workers = max(1, min(int(current_app.config.get("CAMERA_CAPTURE_WORKERS", 8)), len(plans)))
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="camera")
    futures: dict[Future, Plan] = {}
    for plan in plans:
        future = executor.submit(work, plan)
        futures[future] = plan
        with _in_flight_lock:
            _in_flight[plan.camera_id] = future
        future.add_done_callback(lambda _f, ident=plan.camera_id: _release(ident))
    # Workers run at most ``workers`` cameras at once: the wait covers the queue too.
    rounds = -(-len(plans) // workers)
    budget = rounds * (max(p.config.timeout for p in plans) + SCREENING_ALLOWANCE)
    try:
        for future in as_completed(futures, timeout=budget):
            ok, raised = _store(future.result(), now)
            done, failed, flags = done + ok, failed + (not ok), flags + raised
    except FuturesTimeout:
        for future, plan in futures.items():
            if not future.done():
                camera = db.session.get(Camera, plan.camera_id)
                _failed(camera, now, sources.SourceError(
                    "timeout", f"no picture within {budget:g} s"), purpose=plan.due.purpose)
                db.session.commit()
                failed += 1
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return f"{done} captured, {failed} failed, {flags} flags, {skipped} still busy"


def _release(camera_id: int) -> None:
    with _in_flight_lock:
        _in_flight.pop(camera_id, None)


def _plan(camera: Camera, now: datetime, rng: random.Random) -> Plan | None:
    state = camera.state
    centre = db.session.get(Centre, camera.centre_id)
    rules = rules_for(camera.centre_id, local_date(now, centre.timezone)).camera
    hours = parse_hours(camera.hours or list(rules.capture_hours))
    today = local_date(now, centre.timezone)
    if state.extra_day != today:
        state.extra_day = today
        state.extra_times = [t.isoformat() for t in draw_extra_times(
            today, hours, camera.extra_per_day, centre.timezone, rng) if t > now]
    due = due_now(now, tz=centre.timezone, hours=hours, next_capture_at=state.next_capture_at,
                  failures=state.failures,
                  extra_times=tuple(datetime.fromisoformat(t) for t in state.extra_times),
                  picture_requested=state.picture_requested_at is not None)
    if due is None:
        return None
    try:
        username, password = unseal(camera.username_token), unseal(camera.password_token)
    except CredentialError as error:
        _failed(camera, now, sources.SourceError("credentials", str(error)),
                purpose=due.purpose)
        return None
    config = sources.SourceConfig(camera.source_kind.value, source_location(camera),
                                  username, password, float(camera.timeout_seconds))
    inputs = None if due.purpose == "picture" else analysis_inputs(camera, now)
    return Plan(camera.id, camera.code, due, config, inputs)


def interval_of(camera: Camera, at: datetime) -> timedelta:
    if camera.interval_minutes:
        return timedelta(minutes=camera.interval_minutes)
    centre = db.session.get(Centre, camera.centre_id)
    rules = rules_for(camera.centre_id, local_date(at, centre.timezone)).camera
    return timedelta(minutes=rules.snapshot_interval_minutes)


def _failed(camera: Camera, now: datetime, error: sources.SourceError, *,
            purpose: str | None = None, count: bool = True) -> None:
    state = camera.state
    state.last_attempt_at, state.last_error_at = now, now
    state.last_error_code, state.last_error = error.code, error.detail[:2000]
    if purpose == "picture":
        state.picture_requested_at = None  # shown as the last error; the admin asks again
        return
    if count:
        state.failures += 1
        state.next_capture_at = now + backoff(state.failures, interval_of(camera, now))
    log.warning("camera %s: %s", camera.code, error)


def _store(outcome: Outcome, now: datetime) -> tuple[bool, int]:
    """Write one camera's result (its own commit); returns (succeeded, flags raised)."""
    plan = outcome.plan
    camera = db.session.get(Camera, plan.camera_id)
    state = camera.state
    purpose = plan.due.purpose
    if outcome.error is not None:
        _failed(camera, now, outcome.error, purpose=purpose)
        if purpose != "picture":
            state.extra_times = [t.isoformat() for t in plan.due.extra_left]
        db.session.commit()
        if outcome.frame is not None:  # read but refused (a face): handled, moved aside
            sources.archive(outcome.frame, now)
        return False, 0
    raised = 0
    try:
        if purpose == "picture":
            add_picture(camera, outcome.frame.image, "camera", outcome.frame.taken_at,
                        check_faces=False)
            state.picture_requested_at = None
        else:
            origin = SnapshotOrigin(purpose)
            try:
                _snapshot, flags = record_snapshot(camera, outcome.screened,
                                                   outcome.frame.taken_at, origin)
                raised = len(flags)
            except DomainError as error:  # e.g. the drop folder's picture was seen before
                if error.code != "duplicate":
                    raise
            if purpose != "extra":  # random extra times leave the regular rhythm alone
                state.next_capture_at = now + interval_of(camera, now)
            state.extra_times = [t.isoformat() for t in plan.due.extra_left]
        state.last_attempt_at = state.last_success_at = now
        state.failures = 0
        db.session.commit()
    except Exception as exc:  # storing failed: nothing of it is kept, the camera retries
        db.session.rollback()
        log.exception("camera %s: storing the capture failed", plan.code)
        camera = db.session.get(Camera, plan.camera_id)
        _failed(camera, now, sources.SourceError("internal",
                                                 f"{type(exc).__name__}: {exc}"[:300]),
                purpose=purpose)
        db.session.commit()
        return False, 0
    sources.archive(outcome.frame, now)
    return True, raised


@register_job("camera_capture", "Take the camera snapshots that are due (SPEC §5)",
              label=_l("Camera snapshots"), trigger="interval", minutes=1)
def camera_capture_job():
    return run_capture()


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until no camera fetch is running (tests and shutdown)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _in_flight_lock:
            if not _in_flight:
                return True
        time.sleep(0.05)
    return False
