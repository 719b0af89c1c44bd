"""Every scheduled job in one registry (SPEC §9), run by ``flask --app compliance scheduler``.

- A job is a plain function of the app context, idempotent by itself; it is registered with
  ``@register_job(name, trigger)`` here or by a feature package in its ``init_app``.
- Exactly one scheduler runs: it holds a database lock (a PostgreSQL advisory lock, or a lease
  row on SQLite renewed by a heartbeat); a second scheduler waits idle and takes over when the
  first stops.
- Every run is recorded (``JobRun``: start, end, result, error). A failed run is retried with
  back-off up to ``MAX_ATTEMPTS`` times; its error stays visible on the jobs page, which also
  queues a "run now" that the scheduler picks up within seconds.
"""
from __future__ import annotations

import logging
import os
import socket
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, mapped_column

from . import audit
from .db import utcnow
from .extensions import db

log = logging.getLogger("compliance.jobs")

MAX_ATTEMPTS = 3
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5))
LEASE = timedelta(seconds=60)
QUEUE_POLL_SECONDS = 10


class JobRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # schedule / manual / retry
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(20))  # queued / running / succeeded / failed
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by: Mapped[str] = mapped_column(sa.String(100), default="scheduler")
    host: Mapped[str] = mapped_column(sa.String(100), default="")


class SchedulerLease(db.Model):
    """The one row saying which scheduler process runs the jobs (SQLite; PostgreSQL uses an
    advisory lock instead)."""

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(100))
    expires_at: Mapped[datetime]


@dataclass(frozen=True)
class RunOutcome:
    """What a run ended with (plain values: usable after its app context has gone)."""

    id: int
    job: str
    status: str
    attempt: int
    result: str
    error: str

    @classmethod
    def of(cls, run: JobRun) -> RunOutcome:
        return cls(run.id, run.job, run.status, run.attempt, run.result, run.error)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[], object]
    trigger: dict  # APScheduler trigger: {"trigger": "cron", "hour": 1, ...}
    description: str = ""
    label: object = None


REGISTRY: dict[str, JobSpec] = {}


def register_job(name: str, description: str = "", label=None, **trigger):
    """Register a job function under ``name`` with an APScheduler trigger (cron/interval)."""

    def decorator(func):
        REGISTRY[name] = JobSpec(name, func, trigger, description, label)
        return func

    return decorator


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(app: Flask, name: str, *, trigger: str = "schedule", attempt: int = 1,
            run_id: int | None = None, requested_by: str = "scheduler") -> RunOutcome:
    """Run one job now, recording the run; the job's own changes commit or roll back whole."""
    spec = REGISTRY[name]
    with app.app_context():
        audit.acting_as(f"job:{name}")
        run = db.session.get(JobRun, run_id) if run_id else None
        if run is None:
            run = JobRun(job=name, trigger=trigger, attempt=attempt, status="running",
                         requested_by=requested_by)
            db.session.add(run)
        run.status, run.started_at, run.host = "running", utcnow(), _holder()
        db.session.commit()
        run_id = run.id
        try:
            result = spec.func()
            db.session.commit()
        except Exception as exc:  # a job failure is recorded, never lost
            db.session.rollback()
            log.exception("job %s failed", name)
            run = db.session.get(JobRun, run_id)
            run.status, run.finished_at = "failed", utcnow()
            run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            db.session.commit()
            return RunOutcome.of(run)
        run = db.session.get(JobRun, run_id)
        run.status, run.finished_at = "succeeded", utcnow()
        run.result = "" if result is None else str(result)[:4000]
        db.session.commit()
        log.info("job %s succeeded: %s", name, run.result)
        return RunOutcome.of(run)


def queue_run(name: str, requested_by: str) -> JobRun:
    """Queue a manual run for the scheduler process (the jobs page's "run now")."""
    if name not in REGISTRY:
        raise KeyError(name)
    run = JobRun(job=name, trigger="manual", status="queued", requested_by=requested_by)
    db.session.add(run)
    db.session.flush()
    return run


class SchedulerLock:
    """Held by the one active scheduler process."""

    def __init__(self, app: Flask):
        self.app = app
        self.holder = _holder()
        self._connection = None

    def acquire(self) -> bool:
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                if self._connection is None:
                    self._connection = engine.connect()
                got = self._connection.execute(
                    sa.text("SELECT pg_try_advisory_lock(7262002)")).scalar()
                self._connection.commit()
                return bool(got)
            return self._renew_lease()

    def _renew_lease(self) -> bool:
        now = utcnow()
        lease = db.session.get(SchedulerLease, "scheduler")
        if lease is None:
            db.session.add(SchedulerLease(name="scheduler", holder=self.holder,
                                          expires_at=now + LEASE))
        elif lease.holder == self.holder or lease.expires_at < now:
            lease.holder, lease.expires_at = self.holder, now + LEASE
        else:
            db.session.rollback()
            return False
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            return False
        return True

    def heartbeat(self) -> bool:
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                return True  # the advisory lock lasts as long as the connection
            return self._renew_lease()

    def release(self) -> None:
        with self.app.app_context():
            if self._connection is not None:
                self._connection.execute(sa.text("SELECT pg_advisory_unlock(7262002)"))
                self._connection.commit()
                self._connection.close()
                self._connection = None
            else:
                db.session.execute(sa.delete(SchedulerLease).where(
                    SchedulerLease.name == "scheduler", SchedulerLease.holder == self.holder))
                db.session.commit()


def run_queued(app: Flask) -> int:
    """Run manual requests and due retries; returns how many ran."""
    with app.app_context():
        ids = db.session.scalars(sa.select(JobRun.id).where(JobRun.status == "queued")
                                 .where(JobRun.queued_at <= utcnow())
                                 .order_by(JobRun.id)).all()
        names = {i: db.session.get(JobRun, i).job for i in ids}
        db.session.commit()
    for run_id, name in names.items():
        if name in REGISTRY:
            run = execute(app, name, run_id=run_id)
            _schedule_retry(app, run)
    return len(names)


def _schedule_retry(app: Flask, run: RunOutcome, *, at_once: bool = False) -> None:
    if run.status != "failed" or run.attempt >= MAX_ATTEMPTS:
        return
    with app.app_context():
        delay = timedelta(0) if at_once else \
            RETRY_DELAYS[min(run.attempt - 1, len(RETRY_DELAYS) - 1)]
        db.session.add(JobRun(job=run.job, trigger="retry", attempt=run.attempt + 1,
                              status="queued", queued_at=utcnow() + delay,
                              requested_by="retry"))
        db.session.commit()


def scheduled(app: Flask, name: str) -> None:
    run = execute(app, name)
    _schedule_retry(app, run)


def recover_interrupted(app: Flask) -> int:
    """Runs left 'running' by a scheduler that died are marked failed and retried at once
    (the job did not fail; its process did): every job is idempotent and commits as a whole,
    so the retry completes what the killed run began."""
    with app.app_context():
        stale = db.session.scalars(sa.select(JobRun).where(JobRun.status == "running")).all()
        for run in stale:
            run.status, run.finished_at = "failed", utcnow()
            run.error = "interrupted: the scheduler process stopped during the run"
        db.session.commit()
        runs = [RunOutcome.of(run) for run in stale]
    for run in runs:
        _schedule_retry(app, run, at_once=True)
    return len(runs)


@register_job("audit_chain_check", "Recompute the audit log's hash chain", hour=2, minute=30,
              trigger="cron")
def audit_chain_check():
    checked, bad = audit.verify_chain()
    if bad is not None:
        raise RuntimeError(f"audit chain broken at entry {bad}")
    return f"{checked} entries intact"


@register_job("deadline_reminders", "Remind who is responsible for overdue cases",
              trigger="cron", hour=8, minute=0)
def deadline_reminders():
    from flask import current_app

    from .cases.reminders import send_deadline_reminders
    from .timeutil import local_today

    today = local_today(current_app.config.get("COMPLIANCE_TIMEZONE", "Asia/Shanghai"))
    return f"{send_deadline_reminders(today)} reminders for {today.isoformat()}"


def serve(app: Flask, *, once: bool = False) -> None:  # pragma: no cover - long-running loop
    """The scheduler process: wait for the lock, then run the registry until stopped."""
    import time

    from apscheduler.schedulers.background import BackgroundScheduler

    lock = SchedulerLock(app)
    while not lock.acquire():
        log.info("another scheduler holds the lock; waiting")
        if once:
            return
        time.sleep(LEASE.total_seconds() / 2)
    recover_interrupted(app)
    timezone = app.config.get("COMPLIANCE_TIMEZONE", "Asia/Shanghai")
    scheduler = BackgroundScheduler(timezone=timezone,
                                    job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 3600})
    for spec in REGISTRY.values():
        scheduler.add_job(scheduled, args=(app, spec.name), id=spec.name, **spec.trigger)
    scheduler.start()
    log.info("scheduler running %d jobs", len(REGISTRY))
    try:
        while True:
            if not lock.heartbeat():
                log.error("lost the scheduler lock; stopping")
                break
            run_queued(app)
            if once:
                break
            time.sleep(QUEUE_POLL_SECONDS)
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
