"""Recompute (compute.py): exactly the days touched, from the stored inputs, the same rows
when computed twice, row ids kept across recomputes."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from compliance.attendance.compute import recompute
from compliance.attendance.models import RosterEntry, SessionRecord
from compliance.attendance.requests import (CorrectionKind, PunchCorrection, RequestState,
                                            TemporaryAbsence)
from compliance.attendance.rules import SessionStatus
from compliance.extensions import db

from .helpers import DAY, local, punch, record_values, records, roster

NEXT = DAY + timedelta(days=1)


def test_a_punch_computes_its_day(world):
    roster(world.alice)
    punch(world.alice, local(DAY, 8, 50), local(DAY, 12, 1), local(DAY, 13, 31),
          local(DAY, 17, 50))
    am, pm = records(world.alice)["am"], records(world.alice)["pm"]
    assert (am.status, am.issues, am.clock_in, am.clock_out) == (
        SessionStatus.normal, "", local(DAY, 8, 50), local(DAY, 12, 1))
    assert (pm.status, pm.issues, pm.late_minutes, pm.extended_minutes) == (
        SessionStatus.abnormal, "late", 6, 20)
    assert (am.shift_code, am.window_id, am.department_id, am.centre_id, am.position) == (
        "standard", world.win1.id, world.dept1.id, world.a.id, 0)


def test_rostered_day_without_punches_is_absent_and_unrostered_day_has_no_rows(world):
    roster(world.alice)
    assert {s: r.status for s, r in records(world.alice).items()} == {
        "am": SessionStatus.absent, "pm": SessionStatus.absent}
    assert records(world.alice, NEXT) == {}


def test_punches_on_a_day_off_are_kept_as_off(world):
    punch(world.bob, local(NEXT, 9, 0))
    am = records(world.bob, NEXT)["am"]
    assert (am.status, am.clock_in, am.shift_code) == (SessionStatus.off, local(NEXT, 9), None)


def test_computing_twice_gives_the_same_rows(world):
    roster(world.alice)
    roster(world.alice, NEXT)
    punch(world.alice, local(DAY, 9, 10), local(NEXT, 8, 40), local(NEXT, 17, 40))
    before = record_values(world.alice)
    assert recompute(world.alice, {DAY, NEXT}) == 4
    db.session.commit()
    assert record_values(world.alice) == before  # ids included: rows are updated in place


def test_only_the_given_days_are_recomputed(world):
    roster(world.alice)
    roster(world.alice, NEXT)
    # An input changed behind the recompute's back on both days ...
    db.session.execute(sa.delete(RosterEntry).where(RosterEntry.staff_id == world.alice.id))
    db.session.commit()
    recompute(world.alice, {NEXT})
    db.session.commit()
    # ... only the day named is recomputed.
    assert set(records(world.alice)) == {"am", "pm"} and records(world.alice, NEXT) == {}


def test_a_roster_change_recomputes_and_keeps_row_ids(world):
    roster(world.alice)
    ids = {s: r.id for s, r in records(world.alice).items()}
    roster(world.alice, sessions=["pm"])
    stored = records(world.alice)
    assert stored["am"].status is SessionStatus.off and stored["pm"].status.is_absent
    assert {s: r.id for s, r in stored.items()} == ids


def test_approved_correction_and_temporary_absence_are_inputs(world):
    roster(world.alice)
    punch(world.alice, local(DAY, 8, 50), local(DAY, 13, 20), local(DAY, 17, 31))
    assert records(world.alice)["am"].issues == "missing_out"
    db.session.add(PunchCorrection(
        centre_id=world.a.id, staff_id=world.alice.id, department_id=world.dept1.id, day=DAY,
        session="am", kind=CorrectionKind.out, at=local(DAY, 12, 2), reason="忘记打卡",
        state=RequestState.approved))
    db.session.add(TemporaryAbsence(
        centre_id=world.a.id, staff_id=world.alice.id, department_id=world.dept1.id,
        started_at=local(DAY, 14, 0), ended_at=local(DAY, 14, 12, 30)))
    db.session.flush()
    recompute(world.alice, {DAY})
    db.session.commit()
    am, pm = records(world.alice)["am"], records(world.alice)["pm"]
    assert (am.status, am.clock_out) == (SessionStatus.normal, local(DAY, 12, 2))
    assert (pm.away_minutes, am.away_minutes, pm.status) == (13, 0, SessionStatus.normal)


def test_rows_of_other_people_are_untouched(world):
    roster(world.alice)
    roster(world.bob)
    bob_before = record_values(world.bob)
    recompute(world.alice, {DAY})
    db.session.commit()
    assert record_values(world.bob) == bob_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRecord)) == 4
