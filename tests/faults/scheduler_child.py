"""A scheduler process for tests/faults/test_kill_scheduler.py: the real ``jobs.serve`` loop
with one extra job that writes a row, then (while FAULT_JOB_BLOCK is set) blocks forever
inside its transaction, so the test can kill the process mid-job."""
from __future__ import annotations

import os
import sys
import time

import sqlalchemy as sa

from compliance import create_app, jobs
from compliance.config import TestConfig
from compliance.extensions import db


@jobs.register_job("fault_test_job", "writes one audited change, blocking when asked",
                   trigger="interval", hours=24)
def fault_test_job():
    from compliance.org.models import Centre

    centre = db.session.scalars(sa.select(Centre).where(Centre.code == "CA")).one()
    centre.name = "甲中心(作业已完成)"
    db.session.flush()
    if os.environ.get("FAULT_JOB_BLOCK"):
        print("job-started", flush=True)
        while True:
            time.sleep(1)
    return "renamed"


if __name__ == "__main__":
    instance, url = sys.argv[1], sys.argv[2]
    app = create_app(TestConfig(instance, url))
    jobs.serve(app, once=bool(os.environ.get("FAULT_ONCE")))
