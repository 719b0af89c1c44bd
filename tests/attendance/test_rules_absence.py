"""The rules added for temporary absences (暂离), leave half days and the bulk judging form
(rules.py): exhaustive boundaries."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from compliance.attendance.rules import (AttendanceSettings, SessionDef, absence_needs_lead,
                                         away_minutes, day_start, elapsed_us, evaluate_day,
                                         half_day_of, judge_marks, judge_session,
                                         session_marks, standard_shift)

SHANGHAI = "Asia/Shanghai"
DAY = date(2024, 5, 6)
AM, PM = standard_shift().sessions


def at(h, m=0, s=0, us=0, day=DAY, tz=SHANGHAI):
    return datetime(day.year, day.month, day.day, h, m, s, us, tzinfo=ZoneInfo(tz))


# --- absence_needs_lead: longer than the notify minutes ----------------------------------------

@pytest.mark.parametrize("duration,needs", [
    (timedelta(0), False), (timedelta(minutes=9, seconds=59), False),
    (timedelta(minutes=10), False),  # exactly 10 minutes is within the rule
    (timedelta(minutes=10, microseconds=1), True), (timedelta(minutes=10, seconds=1), True),
    (timedelta(hours=2), True),
])
def test_absence_longer_than_ten_minutes_needs_the_lead(duration, needs):
    assert absence_needs_lead(at(10), at(10) + duration, 10) is needs


@pytest.mark.parametrize("minutes,duration,needs", [(0, timedelta(seconds=1), True),
                                                    (0, timedelta(0), False),
                                                    (30, timedelta(minutes=30), False),
                                                    (30, timedelta(minutes=31), True)])
def test_notify_minutes_come_from_the_rulebook(minutes, duration, needs):
    assert absence_needs_lead(at(10), at(10) + duration, minutes) is needs


def test_absence_rule_compares_instants_across_zones_and_refuses_naive():
    assert not absence_needs_lead(at(10), datetime(2024, 5, 6, 2, 10, tzinfo=timezone.utc), 10)
    with pytest.raises(ValueError):
        absence_needs_lead(datetime(2024, 5, 6, 10), at(10, 20), 10)


# --- away_minutes: clipped to service hours, rounded up, overlaps once --------------------------

@pytest.mark.parametrize("absences,am,pm", [
    ([], 0, 0),
    ([(at(10), at(10, 10))], 10, 0),
    ([(at(10), at(10, 10, 1))], 11, 0),  # any part of a minute counts
    ([(at(10), at(10))], 0, 0),
    ([(at(8, 30), at(9, 5))], 5, 0),  # clipped to 09:00
    ([(at(11, 55), at(13, 40))], 5, 10),  # over the break: only service hours count
    ([(at(12, 10), at(13, 20))], 0, 0),  # all on the break
    ([(at(17, 20), None)], 0, 10),  # open: runs to the end of the session
    ([(at(10), at(10, 20)), (at(10, 10), at(10, 30))], 30, 0),  # overlapping counted once
    ([(at(10), at(10, 5)), (at(11), at(11, 5))], 10, 0),
    ([(at(10, 10), at(10, 30)), (at(10), at(10, 15))], 30, 0),  # unsorted
])
def test_away_minutes(absences, am, pm):
    assert away_minutes(AM, DAY, SHANGHAI, absences) == am
    assert away_minutes(PM, DAY, SHANGHAI, absences) == pm


def test_away_minutes_in_evaluate_day_only_for_rostered_sessions_and_change_no_status():
    absences = [(at(10), at(10, 20)), (at(14), at(14, 5))]
    punches = [at(8, 50), at(12), at(13, 20), at(17, 30)]
    day = evaluate_day(day=DAY, tz=SHANGHAI, shift=standard_shift(), rostered_sessions=None,
                       punches=punches, temporary_absences=absences)
    assert [(r.status.value, r.away_minutes) for r in day.values()] == [("normal", 20),
                                                                        ("normal", 5)]
    half = evaluate_day(day=DAY, tz=SHANGHAI, shift=standard_shift(),
                        rostered_sessions=frozenset({"pm"}), punches=punches,
                        temporary_absences=absences)
    assert (half["am"].status.value, half["am"].away_minutes, half["pm"].away_minutes) == (
        "off", 0, 5)


# --- half_day_of: leave granularity ------------------------------------------------------------

@pytest.mark.parametrize("start,half", [(time(0), "am"), (time(9), "am"), (time(11, 59, 59), "am"),
                                        (time(12), "pm"), (time(13, 30), "pm"),
                                        (time(23), "pm")])
def test_half_day_of_a_session_is_decided_by_its_start(start, half):
    assert half_day_of(SessionDef("x", start, time(23, 59), start, time(23, 59))) == half


# --- judge_marks is judge_session on elapsed microseconds -------------------------------------

def test_marks_of_the_standard_morning():
    marks = session_marks(AM, DAY, SHANGHAI)
    hour = 3_600_000_000
    assert (marks.by, marks.release, marks.start, marks.end, marks.midpoint) == (
        8 * hour + 55 * 60_000_000, 12 * hour, 9 * hour, 12 * hour, 10 * hour + hour // 2)


@pytest.mark.parametrize("tz,day", [(SHANGHAI, DAY), ("Europe/Berlin", date(2024, 3, 31)),
                                    ("Europe/Berlin", date(2024, 10, 27))])
def test_judging_on_marks_equals_judging_on_instants(tz, day):
    rng = random.Random(7)
    settings = AttendanceSettings()
    origin = day_start(day, tz)
    for session in (AM, PM):
        marks = session_marks(session, day, tz)
        for _ in range(400):
            def instant():
                return origin + timedelta(seconds=rng.randint(5 * 3600, 20 * 3600),
                                          microseconds=rng.choice([0, 0, 1, 999_999]))
            clock_in = instant() if rng.random() < 0.8 else None
            clock_out = instant() if rng.random() < 0.8 else None
            expected = judge_session(session, day, tz, clock_in, clock_out, settings)
            got = judge_marks(marks, None if clock_in is None else elapsed_us(clock_in, origin),
                              None if clock_out is None else elapsed_us(clock_out, origin),
                              settings)
            assert got == (expected.status, expected.issues, expected.late_minutes,
                           expected.early_minutes, expected.extended_minutes)
