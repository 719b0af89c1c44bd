"""Who is on duty at a window, and where a person should be (duty.py): service hours, the
break, before opening and after closing, leave with a substitute, temporary absences, and the
centre's time zone."""
from __future__ import annotations

from datetime import date, timedelta, timezone

from compliance.attendance.duty import Presence, person_on_duty, presence
from compliance.attendance.leave import LeaveData, approve, request_leave
from compliance.attendance.requests import HalfDay, LeaveType, TemporaryAbsence
from compliance.extensions import db

from .helpers import DAY, local, roster


def leave(person, substitute=None, first=("am", DAY), last=("pm", DAY), kind="sick",
          approver=None):
    made = request_leave(LeaveData(person, LeaveType(kind), first[1], HalfDay(first[0]),
                                   last[1], HalfDay(last[0]), "就医", substitute))
    approve(made, approver)
    db.session.commit()
    return made


def test_person_rostered_in_the_session_is_on_duty(world):
    roster(world.carol)
    assert person_on_duty(world.win2, local(DAY, 10)) == world.carol
    assert person_on_duty(world.win2, local(DAY, 15)) == world.carol
    assert person_on_duty(world.win1, local(DAY, 10)) is None  # nobody rostered at A01


def test_nobody_rostered_that_day(world):
    roster(world.carol, DAY + timedelta(days=1))
    assert person_on_duty(world.win2, local(DAY, 10)) is None


def test_outside_service_hours_the_nearest_session_counts(world):
    roster(world.carol, sessions=["am"])
    roster(world.bob, window=world.win2, sessions=["pm"])
    expected = [((7, 0), world.carol), ((8, 59), world.carol), ((11, 59), world.carol),
                ((12, 0), world.carol), ((12, 44), world.carol),
                ((12, 45), world.bob),  # the break midpoint: the session about to start
                ((13, 29), world.bob), ((13, 30), world.bob), ((17, 30), world.bob),
                ((23, 0), world.bob)]
    for (hour, minute), person in expected:
        assert person_on_duty(world.win2, local(DAY, hour, minute)) == person, (hour, minute)


def test_instants_in_any_zone_use_the_centres_local_day(world):
    roster(world.carol, DAY)
    roster(world.bob, DAY + timedelta(days=1), window=world.win2)
    # 2026-03-02 02:00 UTC is 10:00 in Shanghai on the 2nd; 17:00 UTC is 01:00 on the 3rd.
    assert person_on_duty(world.win2, local(DAY, 2, tz="UTC")) == world.carol
    assert person_on_duty(world.win2, local(DAY, 17, tz="UTC")) == world.bob
    assert person_on_duty(world.win2, local(DAY, 3, tz="Europe/Berlin")) == world.carol


def test_substitute_is_on_duty_in_the_leave_takers_sessions(world):
    roster(world.carol)  # seconded, D01
    roster(world.alice, sessions=["am"])  # A01 in the morning only
    roster(world.bob)  # A01 all day
    leave(world.carol, world.alice, first=("pm", DAY), approver=world.users.hr)
    assert person_on_duty(world.win2, local(DAY, 10)) == world.carol
    assert person_on_duty(world.win2, local(DAY, 14)) == world.alice
    assert person_on_duty(world.win1, local(DAY, 10)) == world.alice  # shares A01 with bob
    assert person_on_duty(world.win1, local(DAY, 14)) == world.bob
    assert presence(world.carol, local(DAY, 14)).leave_type == "sick"
    sub = presence(world.alice, local(DAY, 14))
    assert (sub.session, sub.expected_at_seat, sub.shift_code) == ("pm", True, "standard")


def test_person_on_leave_without_substitute_is_not_on_duty(world):
    roster(world.alice)
    roster(world.bob, sessions=["pm"])
    leave(world.alice, first=("am", DAY), last=("am", DAY), kind="personal",
          approver=world.users.hr)
    assert person_on_duty(world.win1, local(DAY, 10)) is None
    # In the afternoon both sit at A01: the lower staff number first.
    assert person_on_duty(world.win1, local(DAY, 14)) == world.alice


def test_presence_in_sessions_and_on_the_break(world):
    roster(world.alice)
    cases = {(8, 59): (None, False), (9, 0): ("am", False), (11, 59): ("am", False),
             (12, 0): (None, True), (13, 29): (None, True), (13, 30): ("pm", False),
             (17, 29): ("pm", False), (17, 30): (None, False)}
    for (hour, minute), (session, on_break) in cases.items():
        seen = presence(world.alice, local(DAY, hour, minute))
        assert seen == Presence(DAY, "standard", session, on_break, None, False), (hour, minute)
        assert seen.expected_at_seat is (session is not None)


def test_presence_without_roster_and_with_one_session(world):
    assert presence(world.alice, local(DAY, 10)) == Presence(DAY, None, None, False, None,
                                                              False)
    roster(world.alice, sessions=["am"])
    assert presence(world.alice, local(DAY, 12, 30)).on_break is False  # no later session
    assert presence(world.alice, local(DAY, 14)).session is None


def test_presence_on_leave_and_official_business(world):
    roster(world.alice)
    leave(world.alice, first=("pm", DAY), kind="official", approver=world.users.hr)
    morning, afternoon = presence(world.alice, local(DAY, 10)), presence(world.alice,
                                                                         local(DAY, 14))
    assert (morning.leave_type, morning.expected_at_seat) == (None, True)
    assert (afternoon.leave_type, afternoon.expected_at_seat) == ("official", False)
    assert presence(world.alice, local(DAY, 12, 30)).leave_type is None  # the break


def test_presence_during_a_temporary_absence(world):
    roster(world.alice)
    db.session.add_all([
        TemporaryAbsence(centre_id=world.a.id, staff_id=world.alice.id,
                         department_id=world.dept1.id, started_at=local(DAY, 10),
                         ended_at=local(DAY, 10, 8), reason="取材料"),
        TemporaryAbsence(centre_id=world.a.id, staff_id=world.alice.id,
                         department_id=world.dept1.id, started_at=local(DAY, 15))])
    db.session.commit()
    assert presence(world.alice, local(DAY, 9, 59, 59)).temporary_absence is False
    away = presence(world.alice, local(DAY, 10))
    assert away.temporary_absence and away.session == "am" and not away.expected_at_seat
    assert presence(world.alice, local(DAY, 10, 8)).expected_at_seat  # ended: back
    assert not presence(world.alice, local(DAY, 16)).expected_at_seat  # still open


def test_presence_follows_the_centre_zone_across_dst(factory):
    centre = factory.centre("BER", "柏林中心", "Europe/Berlin")
    person = factory.staff(factory.department(centre, "D"), window=None)
    spring = date(2026, 3, 29)  # clocks go from 02:00 to 03:00
    roster(person, spring)
    # 09:00 local is 07:00 UTC after the change (08:00 UTC the day before).
    assert presence(person, local(spring, 7, tz="UTC")).session == "am"
    assert presence(person, local(spring, 6, 59, tz="UTC")).session is None
    assert presence(person, local(spring, 7, tz="UTC")).day == spring
    before = presence(person, local(spring, 22, 30, tz="UTC").astimezone(timezone.utc))
    assert before.day == spring + timedelta(days=1) and before.shift_code is None
