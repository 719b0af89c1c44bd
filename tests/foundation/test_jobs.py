"""The job registry: runs recorded, failures retried with back-off, one scheduler at a time."""
from datetime import timedelta

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from compliance import jobs
from compliance.db import utcnow
from compliance.extensions import db
from tests.conftest import csrf_token, login


@pytest.fixture
def flaky_job():
    """A registered job that fails the first ``fail_times`` calls."""
    state = {"calls": 0, "fail_times": 1}

    @jobs.register_job("test_flaky", "test job", trigger="interval", hours=1)
    def flaky():
        state["calls"] += 1
        if state["calls"] <= state["fail_times"]:
            raise ValueError("boom")
        return f"call {state['calls']}"

    yield state
    jobs.REGISTRY.pop("test_flaky", None)


def _runs():
    """The runs as plain values; the read transaction is ended so jobs can write."""
    db.session.expire_all()
    runs = [jobs.RunOutcome.of(r) for r in
            db.session.scalars(sa.select(jobs.JobRun).order_by(jobs.JobRun.id))]
    queued = {r.id: (r.queued_at, r.trigger, r.requested_by)
              for r in db.session.scalars(sa.select(jobs.JobRun))}
    db.session.rollback()
    return [SimpleNamespace(**vars(r), queued_at=queued[r.id][0], trigger=queued[r.id][1],
                            requested_by=queued[r.id][2]) for r in runs]


def test_failure_is_recorded_and_retried_until_success(app_ctx, flaky_job):
    jobs.scheduled(app_ctx, "test_flaky")
    first, retry = _runs()
    assert (first.status, first.attempt, first.error) == ("failed", 1, "ValueError: boom")
    assert (retry.status, retry.attempt, retry.trigger) == ("queued", 2, "retry")
    assert retry.queued_at > utcnow()  # back-off: not yet due
    assert jobs.run_queued(app_ctx) == 0
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert jobs.run_queued(app_ctx) == 1
    assert [(r.status, r.attempt) for r in _runs()] == [("failed", 1), ("succeeded", 2)]
    assert _runs()[-1].result == "call 2"


def test_retries_stop_after_the_last_attempt(app_ctx, flaky_job):
    flaky_job["fail_times"] = 99
    jobs.scheduled(app_ctx, "test_flaky")
    start = utcnow()
    for hour in range(1, jobs.MAX_ATTEMPTS + 1):
        with time_machine.travel(start + timedelta(hours=hour)):
            jobs.run_queued(app_ctx)
    runs = _runs()
    assert [r.attempt for r in runs] == list(range(1, jobs.MAX_ATTEMPTS + 1))
    assert all(r.status == "failed" for r in runs)


def test_interrupted_run_is_failed_and_retried(app_ctx, flaky_job):
    flaky_job["fail_times"] = 0
    db.session.add(jobs.JobRun(job="test_flaky", trigger="schedule", status="running",
                               started_at=utcnow()))
    db.session.commit()
    db.session.rollback()
    assert jobs.recover_interrupted(app_ctx) == 1
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        jobs.run_queued(app_ctx)
    assert [r.status for r in _runs()] == ["failed", "succeeded"]
    assert "interrupted" in _runs()[0].error


def test_only_one_scheduler_holds_the_lock(app_ctx):
    first, second = jobs.SchedulerLock(app_ctx), jobs.SchedulerLock(app_ctx)
    second.holder = "other-host:1"
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.heartbeat()
    finally:
        first.release()
    try:
        assert second.acquire()  # the lock is free again once released
    finally:
        second.release()


def test_a_dead_schedulers_lock_is_taken_over(app_ctx):
    """SQLite: the lease expires without heartbeats. PostgreSQL: the advisory lock goes with
    the dead process's connection."""
    first, second = jobs.SchedulerLock(app_ctx), jobs.SchedulerLock(app_ctx)
    second.holder = "other-host:1"
    assert first.acquire()
    if db.engine.dialect.name == "postgresql":
        first._connection.invalidate()  # the server sees the connection drop, as on kill -9
        assert second.acquire()
    else:
        assert not second.acquire()
        with time_machine.travel(utcnow() + jobs.LEASE * 2):
            assert second.acquire()
    second.release()


def test_jobs_page_queues_a_run_now_for_admins_only(client, world, flaky_job):
    login(client, "inspector")
    assert client.get("/jobs").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "admin_a")
    page = client.get("/jobs")
    assert page.status_code == 200 and "audit_chain_check" in page.get_data(as_text=True)
    client.post("/jobs", data={"csrf_token": csrf_token(client, "/jobs"), "job": "test_flaky"})
    queued = _runs()[-1]
    assert (queued.status, queued.trigger, queued.requested_by) == ("queued", "manual", "admin_a")
    flaky_job["fail_times"] = 0
    jobs.run_queued(client.application)
    assert _runs()[-1].status == "succeeded"


def test_audit_chain_check_job(app_ctx, world):
    run = jobs.execute(app_ctx, "audit_chain_check")
    assert run.status == "succeeded" and "intact" in run.result


def test_every_registered_job_runs_on_an_empty_database(app_ctx):
    """Each job of the registry is idempotent and copes with nothing to do."""
    for name in sorted(jobs.REGISTRY):
        if name.startswith("test_"):
            continue
        first = jobs.execute(app_ctx, name)
        second = jobs.execute(app_ctx, name)
        assert (first.status, second.status) == ("succeeded", "succeeded"), (name, first.error)
