"""A scheduler killed with SIGKILL in the middle of a job: the job's half-done work is not
kept, and the next scheduler run completes the job (SPEC §9: never silently lost)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from compliance import jobs
from compliance.audit import verify_chain
from compliance.extensions import db
from compliance.org.models import Centre

ROOT = Path(__file__).resolve().parents[2]
CHILD = [sys.executable, "-m", "tests.faults.scheduler_child"]


def _child_env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAULT_")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _runs():
    db.session.rollback()
    rows = db.session.execute(sa.select(jobs.JobRun.status, jobs.JobRun.trigger,
                                        jobs.JobRun.error)
                              .where(jobs.JobRun.job == "fault_test_job")
                              .order_by(jobs.JobRun.id)).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def test_killed_scheduler_leaves_no_half_job_and_the_next_run_completes_it(
        app_ctx, world, database_url, tmp_path):
    db.session.add(jobs.JobRun(job="fault_test_job", trigger="manual", status="queued",
                               requested_by="test"))
    db.session.commit()

    blocked = subprocess.Popen([*CHILD, str(tmp_path), database_url], cwd=ROOT,
                               env=_child_env(FAULT_JOB_BLOCK="1"), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert blocked.stdout.readline().strip() == "job-started"  # killed mid-job
    finally:
        blocked.send_signal(signal.SIGKILL)
        blocked.wait(timeout=30)

    db.session.expire_all()
    assert db.session.get(Centre, world.a.id).name == "甲中心"  # the half-done change is gone
    db.session.rollback()

    # On SQLite the dead scheduler's lease must expire before another takes over.
    lease = db.session.get(jobs.SchedulerLease, "scheduler")
    if lease is not None:
        lease.expires_at = lease.expires_at - jobs.LEASE
        db.session.commit()

    done = subprocess.run([*CHILD, str(tmp_path), database_url], cwd=ROOT,
                          env=_child_env(FAULT_ONCE="1"), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    runs = _runs()
    assert [r[:2] for r in runs] == [("failed", "manual"), ("succeeded", "retry")]
    assert "interrupted" in runs[0][2]
    db.session.expire_all()
    assert db.session.get(Centre, world.a.id).name == "甲中心(作业已完成)"
    assert verify_chain()[1] is None
    db.session.rollback()
