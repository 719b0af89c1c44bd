"""The demo attendance: weeks of roster and punches with anomalies, leave (a seconded
person's with a substitute covering), corrections, and everything computed."""
from __future__ import annotations

import random

import sqlalchemy as sa

from compliance import audit
from compliance.attendance.demo import seed_demo_attendance
from compliance.attendance.models import Punch, PunchSource, RosterEntry, SessionRecord
from compliance.attendance.requests import LeaveRequest, PunchCorrection, RequestState
from compliance.attendance.rules import SessionStatus
from compliance.db import utcnow
from compliance.extensions import db
from compliance.timeutil import local_today


def test_demo_attendance_on_a_small_centre(world, factory):
    for n in range(3):
        factory.staff(world.dept2, f"S4{n}", employment="seconded", window=world.win2)
    audit.acting_as("seed-demo")
    users = {"hr": world.users.hr, "lead": world.users.unit_lead, "staff": world.users.staff}
    seed_demo_attendance(world.a, users, random.Random(7))
    db.session.commit()

    statuses = dict(db.session.execute(
        sa.select(SessionRecord.status, sa.func.count()).where(
            SessionRecord.centre_id == world.a.id).group_by(SessionRecord.status)).all())
    assert statuses[SessionStatus.normal] > 100
    assert statuses[SessionStatus.abnormal] >= 1 and statuses[SessionStatus.leave] >= 4
    today = local_today(world.a.timezone)
    assert db.session.scalar(sa.select(sa.func.min(SessionRecord.day))).toordinal() <= \
        today.toordinal() - 42
    latest = db.session.scalar(sa.select(Punch.at).order_by(Punch.at.desc()).limit(1))
    assert latest <= utcnow()  # nobody punches in the future
    # the seconded leave is approved with its substitute rostered into it
    leaves = db.session.scalars(sa.select(LeaveRequest)).all()
    covered = [leave for leave in leaves if leave.substitute_id is not None]
    assert len(covered) == 1 and covered[0].state is RequestState.approved
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry).where(
        RosterEntry.cover_leave_id == covered[0].id)) == 2
    assert {leave.state for leave in leaves} == {RequestState.approved, RequestState.pending}
    # the staff login's correction: approved (with its punch) and one pending
    corrections = db.session.scalars(sa.select(PunchCorrection).where(
        PunchCorrection.staff_id == world.alice.id)).all()
    assert {c.state for c in corrections} == {RequestState.approved, RequestState.pending}
    approved = next(c for c in corrections if c.state is RequestState.approved)
    record = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == world.alice.id, SessionRecord.day == approved.day,
        SessionRecord.session == "am")).one()
    assert record.status is SessionStatus.normal and record.clock_out == approved.at
    # The approved correction is the corrected clock by itself: no punch stands in for it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Punch).where(
        Punch.source == PunchSource.correction)) == 0
