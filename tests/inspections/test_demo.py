"""The demo centre (``seed-demo``) holds a week of patrols: findings with photos, an appeal
waiting for HR, decided appeals, today's roster and spot checks."""
from __future__ import annotations

import sqlalchemy as sa

from compliance import audit
from compliance.conduct.models import Evidence, Finding, FindingSource, FindingState
from compliance.db import utcnow
from compliance.demo import seed_demo
from compliance.extensions import db
from compliance.org.models import Window
from inspections.models import Inspection, SpotCheckTask, TaskState
from inspections.operations import person_on_duty


def test_the_demo_has_patrols_appeals_and_spot_checks(app_ctx):
    audit.acting_as("seed-demo")
    seed_demo()
    db.session.commit()
    inspections = db.session.scalars(sa.select(Inspection)).all()
    assert len(inspections) >= 18
    assert {i.template.code for i in inspections} >= {"staff_conduct", "window_desk"}
    findings = db.session.scalars(sa.select(Finding).where(
        Finding.source.in_([FindingSource.patrol, FindingSource.spot_check]))).all()
    states = {f.state for f in findings}
    assert {FindingState.appealed, FindingState.overturned, FindingState.upheld} <= states
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) >= 3
    tasks = db.session.scalars(sa.select(SpotCheckTask)).all()
    assert tasks  # one done and one overdue when the day allows, one still to come
    assert all(t.state is TaskState.done for t in tasks if t.inspection is not None)
    assert {t.state for t in tasks if t.due_at > utcnow()} <= {TaskState.open}
    a01 = db.session.scalars(sa.select(Window).where(Window.code == "A01")).one()
    assert person_on_duty(a01, utcnow()) is not None
