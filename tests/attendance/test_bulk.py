"""The bulk recompute (bulk.py) gives the very rows of the per-person recompute, keeps row
ids, drops rows a day no longer has, and gives the same rows when run twice."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.attendance.bulk import recompute_days, recompute_range
from compliance.attendance.compute import recompute
from compliance.attendance.models import Punch, PunchSource, RosterEntry, SessionRecord
from compliance.attendance.requests import (CorrectionKind, HalfDay, LeaveRequest, LeaveType,
                                            PunchCorrection, RequestState, TemporaryAbsence)
from compliance.attendance.roster import RosterLine, save_roster
from compliance.extensions import db

from .helpers import DAY, local

DAYS = [DAY + timedelta(days=n) for n in range(6)]
COLUMNS = [c.key for c in SessionRecord.__table__.columns if c.key != "id"]


def _rows(people):
    ids = [p.id for p in people]
    found = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id.in_(ids)).order_by(SessionRecord.staff_id, SessionRecord.day,
                                                    SessionRecord.position)).all()
    return [tuple(getattr(r, c) for c in COLUMNS) for r in found]


def _random_inputs(world, seed):
    """Roster lines (shifts, session subsets, days off), random punches around the marks
    (double reads, lone punches, far late), a leave, a correction and a temporary absence."""
    rng = random.Random(seed)
    people = [world.alice, world.bob, world.carol]
    lines = []
    for person in people:
        for day in DAYS:
            choice = rng.random()
            if choice < 0.15:
                continue  # not rostered: punches of the day are "off"
            shift = "standard" if choice < 0.8 else rng.choice(["weekend_duty", "lunch_duty"])
            sessions = ("pm",) if choice > 0.95 and shift == "standard" else None
            lines.append(RosterLine(person.staff_no, day, shift, None, sessions))
    save_roster(world.a.id, lines)
    for person in people:
        for day in DAYS:
            for hour in sorted(rng.sample(range(7, 20), rng.randint(0, 5))):
                at = local(day, hour, rng.randint(0, 59), rng.randint(0, 59))
                db.session.add(Punch(centre_id=world.a.id, staff_id=person.id, at=at,
                                     source=PunchSource.device))
                if rng.random() < 0.2:  # a double read 30 s later: stored punches may hold one
                    db.session.add(Punch(centre_id=world.a.id, staff_id=person.id,
                                         at=at + timedelta(seconds=30),
                                         source=PunchSource.device))
    db.session.add(LeaveRequest(
        centre_id=world.a.id, staff_id=world.bob.id, department_id=world.dept1.id,
        type=LeaveType.sick, from_date=DAYS[1], from_session=HalfDay.pm, to_date=DAYS[2],
        to_session=HalfDay.am, reason="病", state=RequestState.approved))
    db.session.add(PunchCorrection(
        centre_id=world.a.id, staff_id=world.alice.id, department_id=world.dept1.id,
        day=DAYS[3], session="am", kind=CorrectionKind.in_, at=local(DAYS[3], 8, 50), reason="忘记打卡",
        state=RequestState.approved))
    db.session.add(TemporaryAbsence(
        centre_id=world.a.id, staff_id=world.carol.id, department_id=world.dept2.id,
        started_at=local(DAYS[4], 14, 0), ended_at=local(DAYS[4], 14, 20)))
    db.session.commit()
    return people


def test_bulk_equals_per_person_recompute_over_random_inputs(world):
    for seed in range(3):
        people = _random_inputs(world, seed)
        for person in people:
            recompute(person, DAYS)
        db.session.commit()
        exact = _rows(people)
        ids = {r.id for r in db.session.scalars(sa.select(SessionRecord))}
        recompute_range(world.a.id, DAYS[0], DAYS[-1])
        db.session.commit()
        assert _rows(people) == exact, f"seed {seed}"
        # rows that stay keep their ids (a score's explanation points at them)
        assert {r.id for r in db.session.scalars(sa.select(SessionRecord))} == ids
        db.session.execute(sa.delete(SessionRecord))
        db.session.commit()
        recompute_days((p.id, d) for p in people for d in DAYS)  # into an empty table
        db.session.commit()
        assert _rows(people) == exact, f"seed {seed}"
        recompute_days((p.id, d) for p in people for d in DAYS)  # twice: the same rows
        db.session.commit()
        assert _rows(people) == exact, f"seed {seed}"
        for model in (SessionRecord, Punch, RosterEntry, LeaveRequest, PunchCorrection,
                      TemporaryAbsence):
            db.session.execute(sa.delete(model))
        db.session.commit()


def test_only_the_given_days_change_and_stale_rows_go(world):
    save_roster(world.a.id, [RosterLine("S1", DAYS[0]), RosterLine("S1", DAYS[1])])
    db.session.commit()
    recompute_days([(world.alice.id, DAYS[0]), (world.alice.id, DAYS[1])])
    db.session.commit()
    db.session.execute(sa.delete(RosterEntry))
    db.session.commit()
    recompute_days([(world.alice.id, DAYS[1])])  # the day lost its roster: its rows go
    db.session.commit()
    days = set(db.session.scalars(sa.select(SessionRecord.day)))
    assert days == {DAYS[0]}


@pytest.mark.parametrize("batch", [500, 0], ids=["one-by-one", "temporary-table"])
def test_a_changed_row_is_updated_in_place(world, monkeypatch, batch):
    # PostgreSQL writes a few changed rows one by one and many through a temporary table
    monkeypatch.setattr("compliance.attendance.bulk.POSTGRES_UPDATE_BATCH", batch)
    save_roster(world.a.id, [RosterLine("S1", DAYS[0])])
    db.session.commit()
    before = {r.session: (r.id, r.status) for r in db.session.scalars(sa.select(SessionRecord))}
    db.session.execute(sa.update(SessionRecord).values(status="normal", late_minutes=99))
    db.session.commit()
    recompute_range(world.a.id, DAYS[0], DAYS[0])
    db.session.commit()
    db.session.expire_all()
    after = {r.session: (r.id, r.status) for r in db.session.scalars(sa.select(SessionRecord))}
    assert after == before and {r.late_minutes for r in db.session.scalars(
        sa.select(SessionRecord))} == {0}


def test_a_zone_with_daylight_saving_gives_the_same_rows(factory):
    from datetime import date

    centre = factory.centre("DST", "夏令时中心", timezone="Europe/Berlin")
    person = factory.staff(factory.department(centre), "B1")
    days = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 25)]  # both changes of 2026
    save_roster(centre.id, [RosterLine("B1", d) for d in days])
    for day in days:
        for hour, minute in ((0, 30), (2, 30), (8, 56), (12, 50), (17, 31), (23, 50)):
            at = local(day, hour, minute, tz="Europe/Berlin")
            db.session.add(Punch(centre_id=centre.id, staff_id=person.id, at=at,
                                 source=PunchSource.device))
    db.session.commit()
    recompute(person, days)
    db.session.commit()
    exact = _rows([person])
    db.session.execute(sa.delete(SessionRecord))
    db.session.commit()
    recompute_range(centre.id, days[0], days[-1])
    db.session.commit()
    assert _rows([person]) == exact and len(exact) == 6
