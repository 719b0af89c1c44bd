"""Leave with substitutes, punch corrections with the monthly cap, temporary absences with the
10-minute rule (SPEC §3.2–3.3): the services, committed as a request would."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from compliance.attendance import absences, corrections, leave
from compliance.attendance.duty import presence
from compliance.attendance.models import RosterEntry
from compliance.attendance.requests import (CorrectionKind, HalfDay, LeaveRequest, LeaveType,
                                            PunchCorrection, RequestState, TemporaryAbsence)
from compliance.attendance.rules import SessionStatus
from compliance.errors import Conflict, Forbidden, Invalid
from compliance.extensions import db
from compliance.notifications import Notification
from compliance.scoring.store import save_version

from .helpers import DAY, local, punch, records, roster

NOW = local(date(2026, 6, 1), 12)  # "now" of the requests (after the days they are about)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _correction(user, person, day=DAY, session="am", kind="in", at=time(8, 50), reason="忘记打卡"):
    made = corrections.request_correction(user, corrections.CorrectionData(
        person, day, session, CorrectionKind(kind), at, reason), now=NOW)
    db.session.commit()
    return made


def _leave(person, first=DAY, last=DAY, substitute=None, user=None, first_half="am",
           last_half="pm", kind="personal"):
    made = leave.request_leave(leave.LeaveData(
        person, LeaveType(kind), first, HalfDay(first_half), last, HalfDay(last_half), "家中有事",
        substitute), user)
    db.session.commit()
    return made


# --- corrections -------------------------------------------------------------------------

def test_the_cap_th_correction_is_approved_and_one_more_is_refused(world):
    # The cap comes from the rulebook: 2 from January on for centre A.
    save_version(world.a.id, date(2026, 1, 1), {"attendance": {"corrections_per_month": 2}},
                 "补卡上限", "test")
    db.session.commit()
    days = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    for day in days:
        roster(world.alice, day)
    made = [_correction(world.users.staff, world.alice, day) for day in days]
    corrections.approve(made[0], world.users.hr)
    corrections.approve(made[1], world.users.hr)  # the cap-th: still allowed
    db.session.commit()
    before = records(world.alice, days[2])["am"].status
    with pytest.raises(Invalid) as refused:
        corrections.approve(made[2], world.users.hr)
    db.session.rollback()
    assert "date" in refused.value.fields and refused.value.code == "over_cap"
    assert db.session.get(PunchCorrection, made[2].id).state is RequestState.pending
    assert records(world.alice, days[2])["am"].status == before == SessionStatus.absent
    assert corrections.cap_use(world.alice, DAY) == corrections.CapUse(2, 2)
    # Filing one more in the full month is refused too; the next month is free again.
    roster(world.alice, DAY + timedelta(days=3))
    with pytest.raises(Invalid) as full:
        _correction(world.users.staff, world.alice, DAY + timedelta(days=3))
    db.session.rollback()
    assert "date" in full.value.fields and _count(PunchCorrection) == 3
    april = date(2026, 4, 1)
    roster(world.alice, april)
    corrections.approve(_correction(world.users.staff, world.alice, april), world.users.hr)
    db.session.commit()


def test_an_approved_correction_is_the_clock_in_of_the_recompute(world):
    roster(world.alice)
    punch(world.alice, local(DAY, 12, 1), local(DAY, 13, 20), local(DAY, 17, 31))
    am = records(world.alice)["am"]
    assert (am.status, am.issues) == (SessionStatus.abnormal, "missing_in")
    made = _correction(world.users.staff, world.alice)
    assert records(world.alice)["am"].issues == "missing_in"  # pending: no effect yet
    corrections.approve(made, world.users.hr, "核实")
    db.session.commit()
    am = records(world.alice)["am"]
    assert (am.status, am.clock_in, am.clock_out) == (
        SessionStatus.normal, local(DAY, 8, 50), local(DAY, 12, 1))


@pytest.mark.parametrize("change, field", [
    ({"session": "pm", "at": time(9, 0)}, "time"),  # outside the pm punch window
    ({"day": DAY + timedelta(days=1)}, "date"),  # not rostered that day
    ({"session": "night"}, "session"),
    ({"reason": "  "}, "reason"),
    ({"day": NOW.date() + timedelta(days=1)}, "date"),
])
def test_bad_corrections_are_refused_and_store_nothing(world, change, field):
    roster(world.alice)
    values = {"day": DAY, "session": "am", "at": time(8, 50), "reason": "忘记"}
    values.update(change)
    with pytest.raises(Invalid) as refused:
        _correction(world.users.staff, world.alice, values["day"], values["session"], "in",
                    values["at"], values["reason"])
    db.session.rollback()
    assert field in refused.value.fields
    assert _count(PunchCorrection) == 0


def test_a_correction_in_the_future_the_same_end_twice_and_deciding_twice(world):
    roster(world.alice, NOW.date())
    with pytest.raises(Invalid) as future:
        _correction(world.users.staff, world.alice, NOW.date(), "pm", "out", time(17, 40))
    db.session.rollback()
    assert "time" in future.value.fields
    roster(world.alice)
    made = _correction(world.users.staff, world.alice)
    with pytest.raises(Invalid) as twice:
        _correction(world.users.staff, world.alice)
    db.session.rollback()
    assert "kind" in twice.value.fields
    corrections.reject(made, world.users.hr, "无依据")
    db.session.commit()
    for decide in (lambda: corrections.approve(made, world.users.hr),
                   lambda: corrections.reject(made, world.users.hr, "再次")):
        with pytest.raises(Conflict):
            decide()
        db.session.rollback()


def test_who_files_decides_and_withdraws_corrections(world, factory):
    roster(world.alice)
    roster(world.carol)
    with pytest.raises(Forbidden):  # staff file only for themselves
        _correction(world.users.staff, world.carol)
    db.session.rollback()
    made = _correction(world.users.staff_carol, world.carol)
    lead_zh = factory.user("unit_lead", "lead_zh", centre=world.a, department=world.dept1)
    for user in (world.users.staff_carol, world.users.inspector, lead_zh, world.users.hr_b):
        with pytest.raises(Forbidden):
            corrections.approve(made, user)
        db.session.rollback()
    with pytest.raises(Forbidden):  # not the requester
        corrections.cancel(made, world.users.staff)
    db.session.rollback()
    corrections.cancel(made, world.users.staff_carol)
    db.session.commit()
    assert made.state is RequestState.cancelled
    with pytest.raises(Conflict):
        corrections.cancel(made, world.users.staff_carol)
    db.session.rollback()
    other = _correction(world.users.staff, world.alice)
    corrections.approve(other, lead_zh)  # the unit lead of the person's own department
    db.session.commit()
    assert other.state is RequestState.approved


# --- leave and substitutes -----------------------------------------------------------------

def test_seconded_leave_needs_a_free_substitute_who_is_then_rostered(world, factory):
    erin = factory.staff(world.dept2, "S4", "F", "seconded", name="周敏")
    roster(world.carol, window=world.win2)
    roster(world.bob, window=world.win1)  # bob works his own sessions that day
    request = _leave(world.carol, user=world.users.staff_carol)
    with pytest.raises(Invalid) as missing:
        leave.approve(request, world.users.unit_lead)
    db.session.rollback()
    assert "substitute_staff_no" in missing.value.fields
    with pytest.raises(Invalid) as busy:  # rostered elsewhere in those sessions
        leave.approve(request, world.users.unit_lead, substitute=world.bob)
    db.session.rollback()
    assert "substitute_staff_no" in busy.value.fields
    assert db.session.get(LeaveRequest, request.id).state is RequestState.pending
    # A substitute on leave in those sessions is not free either.
    erin_leave = _leave(erin, user=world.users.hr)
    leave.approve(erin_leave, world.users.hr, substitute=world.alice)
    db.session.commit()
    with pytest.raises(Invalid):
        leave.approve(request, world.users.unit_lead, substitute=erin)
    db.session.rollback()
    leave.cancel(erin_leave, world.users.hr)
    db.session.commit()
    assert [s.staff_no for s in leave.free_substitutes(request)] == ["S4", "S1"]
    leave.approve(request, world.users.unit_lead, "同意", substitute=erin)
    db.session.commit()
    cover = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == erin.id, RosterEntry.day == DAY)).one()
    assert (cover.cover_leave_id, cover.cover_window_id, cover.covered_sessions()) == (
        request.id, world.win2.id, ("am", "pm"))
    assert {s: (r.status, r.leave_type) for s, r in records(world.carol).items()} == {
        "am": (SessionStatus.leave, "personal"), "pm": (SessionStatus.leave, "personal")}
    assert records(erin)["am"].status is SessionStatus.absent  # rostered now, no punches
    assert presence(world.carol, local(DAY, 10)).leave_type == "personal"
    # Withdrawing the approved leave takes the cover off the roster again.
    leave.cancel(request, world.users.unit_lead, "取消")
    db.session.commit()
    assert records(erin) == {} and records(world.carol)["am"].status is SessionStatus.absent


def test_overlapping_leave_is_refused_and_nothing_changes(world):
    first = _leave(world.alice, DAY, DAY + timedelta(days=1), user=world.users.staff,
                   last_half="am")
    with pytest.raises(Invalid) as overlap:
        _leave(world.alice, DAY + timedelta(days=1), DAY + timedelta(days=2),
               user=world.users.staff)
    db.session.rollback()
    assert "from_date" in overlap.value.fields and _count(LeaveRequest) == 1
    # The afternoon after the first leave's last half day is free.
    _leave(world.alice, DAY + timedelta(days=1), DAY + timedelta(days=1),
           user=world.users.staff, first_half="pm")
    assert first.state is RequestState.pending and _count(LeaveRequest) == 2


def test_leave_filing_and_deciding_rights_and_deciding_once(world, factory):
    with pytest.raises(Forbidden):
        _leave(world.carol, user=world.users.staff)  # alice for carol
    db.session.rollback()
    with pytest.raises(Invalid):
        _leave(world.alice, DAY + timedelta(days=1), DAY, user=world.users.staff)
    db.session.rollback()
    assert _count(LeaveRequest) == 0
    request = _leave(world.alice, user=world.users.staff)
    for user in (world.users.staff, world.users.unit_lead, world.users.inspector,
                 world.users.hr_b):
        with pytest.raises(Forbidden):
            leave.approve(request, user)
        db.session.rollback()
    leave.reject(request, world.users.hr, "人手不足")
    db.session.commit()
    with pytest.raises(Conflict):
        leave.approve(request, world.users.hr)
    db.session.rollback()
    with pytest.raises(Conflict):
        leave.reject(request, world.users.hr, "again")
    db.session.rollback()
    official = _leave(world.alice, DAY + timedelta(days=3), DAY + timedelta(days=3),
                      user=world.users.staff, kind="official")
    roster(world.alice, DAY + timedelta(days=3))
    leave.approve(official, world.users.hr)
    db.session.commit()
    with pytest.raises(Forbidden):  # an approved leave is withdrawn by a decider only
        leave.cancel(official, world.users.staff)
    db.session.rollback()
    am = records(world.alice, DAY + timedelta(days=3))["am"]
    assert (am.status, am.leave_type) == (SessionStatus.leave, "official")


# --- temporary absence ----------------------------------------------------------------------

def _lead_notes(user) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id)).all()


def test_an_absence_longer_than_ten_minutes_tells_the_lead_exactly_once(world):
    roster(world.carol, window=world.win2)
    start = local(DAY, 10)
    away = absences.start_absence(world.users.staff_carol, world.carol, at=start,
                                  now=start, reason="取材料")
    db.session.commit()
    assert presence(world.carol, local(DAY, 10, 5)).temporary_absence is True
    assert absences.notify_overdue_absences(local(DAY, 10, 10)) == 0  # exactly 10: not yet
    assert absences.notify_overdue_absences(local(DAY, 10, 10, 1)) == 1
    db.session.commit()
    assert absences.notify_overdue_absences(local(DAY, 10, 12)) == 0
    absences.end_absence(world.users.staff_carol, away, at=local(DAY, 10, 15),
                         now=local(DAY, 10, 15))
    db.session.commit()
    notes = _lead_notes(world.users.unit_lead)
    assert len(notes) == 1 and "李娜" in notes[0].text and away.lead_told
    assert records(world.carol)["am"].away_minutes == 15
    assert presence(world.carol, local(DAY, 10, 20)).temporary_absence is False


def test_an_absence_of_exactly_ten_minutes_tells_nobody(world):
    start = local(DAY, 14)
    away = absences.start_absence(world.users.staff_carol, world.carol, at=start, now=start)
    absences.end_absence(world.users.staff_carol, away, at=local(DAY, 14, 10),
                         now=local(DAY, 14, 10))
    db.session.commit()
    assert _count(Notification) == 0 and not away.lead_told
    later = absences.start_absence(world.users.staff_carol, world.carol,
                                   at=local(DAY, 15), now=local(DAY, 15))
    absences.end_absence(world.users.staff_carol, later, at=local(DAY, 15, 10, 1),
                         now=local(DAY, 15, 11))
    db.session.commit()
    assert len(_lead_notes(world.users.unit_lead)) == 1


def test_the_notify_minutes_come_from_the_rulebook(world):
    save_version(world.a.id, date(2026, 1, 1),
                 {"attendance": {"temporary_absence_notify_minutes": 5}}, "暂离五分钟", "test")
    db.session.commit()
    away = absences.start_absence(world.users.staff_carol, world.carol, at=local(DAY, 10),
                                  now=local(DAY, 10))
    absences.end_absence(world.users.staff_carol, away, at=local(DAY, 10, 6),
                         now=local(DAY, 10, 6))
    db.session.commit()
    assert len(_lead_notes(world.users.unit_lead)) == 1


def test_overlapping_or_bad_absences_are_refused(world):
    away = absences.start_absence(world.users.staff, world.alice, at=local(DAY, 10),
                                  now=local(DAY, 10))
    db.session.commit()
    with pytest.raises(Conflict):  # already away
        absences.start_absence(world.users.staff, world.alice, at=local(DAY, 10, 5),
                               now=local(DAY, 10, 5))
    db.session.rollback()
    with pytest.raises(Invalid) as early:
        absences.end_absence(world.users.staff, away, at=local(DAY, 9, 59),
                             now=local(DAY, 10, 5))
    db.session.rollback()
    assert "at" in early.value.fields
    absences.end_absence(world.users.staff, away, at=local(DAY, 10, 5), now=local(DAY, 10, 5))
    db.session.commit()
    with pytest.raises(Invalid):  # starts inside the recorded one
        absences.start_absence(world.users.staff, world.alice, at=local(DAY, 10, 3),
                               now=local(DAY, 10, 30))
    db.session.rollback()
    with pytest.raises(Invalid):  # in the future
        absences.start_absence(world.users.staff, world.alice, at=local(DAY, 12),
                               now=local(DAY, 11))
    db.session.rollback()
    with pytest.raises(Forbidden):
        absences.start_absence(world.users.staff, world.carol, now=local(DAY, 11))
    db.session.rollback()
    assert _count(TemporaryAbsence) == 1
