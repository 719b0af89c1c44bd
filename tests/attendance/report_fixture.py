"""A small week for the report tests (the ``world`` of tests/conftest.py, centre A):

| person | dept | Mon 2026-03-02 | Tue 2026-03-03 | Wed 2026-03-04 |
|---|---|---|---|---|
| alice S1 | ZH | normal / normal | late 10 min / extended 20 min | annual leave all day |
| bob S2 | ZH | absent (no punch) / normal | no clock-out / early 20 min | not rostered |
| carol S3 | SW (seconded) | 45 min late → absent / normal | not rostered | not rostered |

Bob's Tuesday punches came in a device batch; he asked for a correction of the missing
clock-out (still pending).
"""
from __future__ import annotations

from datetime import date, timedelta

from compliance.attendance import leave as leave_ops
from compliance.attendance.models import PunchBatch, PunchSource
from compliance.attendance.punches import PunchIn, record_punches
from compliance.attendance.requests import (CorrectionKind, HalfDay, LeaveType,
                                            PunchCorrection)
from compliance.attendance.roster import RosterLine, save_roster
from compliance.extensions import db

from .helpers import DAY, local, punch

MON, TUE, WED = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)


def build_week(world) -> dict:
    a = world.a
    save_roster(a.id, [RosterLine("S1", MON), RosterLine("S1", TUE), RosterLine("S1", WED),
                       RosterLine("S2", MON), RosterLine("S2", TUE), RosterLine("S3", MON)])
    db.session.commit()
    punch(world.alice, local(MON, 8, 50), local(MON, 12, 1), local(MON, 13, 20),
          local(MON, 17, 31))
    punch(world.alice, local(TUE, 9, 5), local(TUE, 12, 0), local(TUE, 13, 20),
          local(TUE, 17, 50))
    punch(world.bob, local(MON, 13, 20), local(MON, 17, 31))
    batch = PunchBatch(centre_id=a.id, source=PunchSource.device, filename="clock-0303.csv",
                       rows=3, created=3)
    db.session.add(batch)
    db.session.flush()
    record_punches([PunchIn(world.bob, at, PunchSource.device, "GATE-1") for at in
                    (local(TUE, 8, 50), local(TUE, 13, 20), local(TUE, 17, 10))],
                   now=local(TUE, 17, 10), batch_id=batch.id)
    db.session.add(PunchCorrection(
        centre_id=a.id, staff_id=world.bob.id, department_id=world.bob.department_id, day=TUE,
        session="am", kind=CorrectionKind.out, at=local(TUE, 12, 0), reason="打卡机故障"))
    db.session.commit()
    punch(world.carol, local(MON, 9, 40), local(MON, 12, 0), local(MON, 13, 20),
          local(MON, 17, 31))
    leave = leave_ops.request_leave(leave_ops.LeaveData(
        world.alice, LeaveType.annual, WED, HalfDay.am, WED, HalfDay.pm, "探亲"))
    leave_ops.approve(leave, world.users.hr)
    db.session.commit()
    return {"batch": batch, "leave": leave}


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")
