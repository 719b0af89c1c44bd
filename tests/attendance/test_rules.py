"""Exhaustive tests of the pure attendance rules (SPEC §3.2, seed 004 第十二条)."""
from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from compliance.attendance.rules import (
    AttendanceSettings,
    Issue,
    SessionDef,
    SessionStatus,
    ShiftDef,
    dedupe_punches,
    evaluate_day,
    session_windows,
    standard_shift,
)

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
DAY = date(2024, 5, 6)
UTC = timezone.utc
LENIENT = AttendanceSettings(late_to_absent_minutes=10_000)

N, AB, ABS, LV, OFF = (SessionStatus.normal, SessionStatus.abnormal, SessionStatus.absent,
                       SessionStatus.leave, SessionStatus.off)
LATE, EARLY, MISS_IN, MISS_OUT = Issue.late, Issue.early_leave, Issue.missing_in, Issue.missing_out


def at(h: int, m: int = 0, s: int = 0, us: int = 0, *, day: date = DAY, tz: str = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, s, us, tzinfo=ZoneInfo(tz))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def evaluate(punches, *, day=DAY, tz=SHANGHAI, shift=..., rostered=None, **kw):
    return evaluate_day(day=day, tz=tz, shift=standard_shift() if shift is ... else shift,
                        rostered_sessions=rostered, punches=punches, **kw)


FULL_DAY = [at(8, 50), at(12, 0), at(13, 20), at(17, 30)]

LUNCH_DUTY = ShiftDef("lunch_duty", (SessionDef("lunch", time(12), time(13, 30), time(11, 55), time(13, 30)),))
WEEKEND = ShiftDef("weekend_5_2", (
    SessionDef("am", time(8, 30), time(12), time(8, 25), time(12)),
    SessionDef("pm", time(14), time(17), time(13, 55), time(17)),
))
THREE = ShiftDef("three", (
    SessionDef("early", time(7), time(9), time(6, 55), time(9)),
    SessionDef("mid", time(9), time(12), time(9), time(12)),
    SessionDef("late", time(14), time(18), time(13, 55), time(18)),
))


# --- definitions ------------------------------------------------------------------------------

def test_standard_shift_is_seed_004_hours():
    am, pm = standard_shift().sessions
    assert standard_shift().code == "standard"
    assert (am.name, am.start, am.end, am.clock_in_by, am.clock_out_from) == ("am", time(9), time(12), time(8, 55), time(12))
    assert (pm.name, pm.start, pm.end, pm.clock_in_by, pm.clock_out_from) == (
        "pm", time(13, 30), time(17, 30), time(13, 25), time(17, 30))


def test_enum_values_and_issue_order():
    assert [s.value for s in SessionStatus] == ["normal", "abnormal", "absent", "leave", "off"]
    assert [i.value for i in Issue] == ["late", "early_leave", "missing_in", "missing_out"]
    assert SessionStatus("absent") is ABS and SessionStatus.absent == "absent"
    assert ABS.is_absent and not ABS.is_normal and OFF.is_off and LV.is_leave and AB.is_abnormal


def test_default_settings():
    assert AttendanceSettings() == AttendanceSettings(30, 15, 60)


@pytest.mark.parametrize("field", ["late_to_absent_minutes", "extended_service_minutes", "duplicate_window_seconds"])
def test_negative_settings_rejected(field):
    with pytest.raises(ValueError):
        AttendanceSettings(**{field: -1})


@pytest.mark.parametrize("sessions", [
    (),
    (SessionDef("am", time(9), time(12), time(8, 55), time(12)),) * 2,
    (SessionDef("a", time(9), time(12), time(9), time(12)), SessionDef("b", time(11), time(13), time(11), time(13))),
])
def test_invalid_shifts_rejected(sessions):
    with pytest.raises(ValueError):
        ShiftDef("bad", sessions)


@pytest.mark.parametrize("start,end", [(time(12), time(12)), (time(13), time(12))])
def test_session_must_start_before_it_ends(start, end):
    with pytest.raises(ValueError):
        SessionDef("x", start, end, start, end)


# --- dedupe -----------------------------------------------------------------------------------

@pytest.mark.parametrize("offsets,kept", [
    ([0, 59], [0]),
    ([0, 60], [0]),
    ([0, 61], [0, 61]),
    ([0, 30, 60], [0]),
    ([0, 50, 100], [0, 100]),           # 100 s is compared with the kept 0 s, not the dropped 50 s
    ([0, 61, 100], [0, 61]),
    ([0, 61, 122], [0, 61, 122]),
    ([0, 40, 80, 120, 160], [0, 80, 160]),
    ([120, 0, 59, 61], [0, 61]),       # unsorted input: 120 - 61 = 59 s
    ([0, 0, 0], [0]),
    ([], []),
])
def test_dedupe_keeps_first_within_window_of_kept_punch(offsets, kept):
    base = utc(2024, 5, 6, 0, 50)
    got = dedupe_punches(base + timedelta(seconds=o) for o in offsets)
    assert got == [base + timedelta(seconds=o) for o in kept]


def test_dedupe_converts_to_utc_and_matches_across_zones():
    got = dedupe_punches([at(8, 50), utc(2024, 5, 6, 0, 50, 30)])
    assert got == [utc(2024, 5, 6, 0, 50)] and got[0].tzinfo is UTC


@pytest.mark.parametrize("window,offsets,kept", [(0, [0, 0, 1], [0, 1]), (120, [0, 120, 121], [0, 121])])
def test_dedupe_window_is_configurable(window, offsets, kept):
    base = utc(2024, 5, 6)
    got = dedupe_punches([base + timedelta(seconds=o) for o in offsets], window_seconds=window)
    assert got == [base + timedelta(seconds=o) for o in kept]


def test_naive_punch_rejected():
    with pytest.raises(ValueError):
        dedupe_punches([datetime(2024, 5, 6, 8, 50)])
    with pytest.raises(ValueError):
        evaluate([datetime(2024, 5, 6, 8, 50)])


def test_evaluate_dedupes_before_assigning_clock_in_and_out():
    punches = [at(8, 50), at(8, 50, 40)]
    deduped = evaluate(punches)["am"]
    assert (deduped.status, deduped.issues, deduped.clock_out) == (AB, (MISS_OUT,), None)
    raw = evaluate(punches, settings=AttendanceSettings(duplicate_window_seconds=0))["am"]
    assert (raw.status, raw.issues, raw.early_minutes) == (ABS, (EARLY,), 190)


# --- windows ----------------------------------------------------------------------------------

def test_standard_windows_in_shanghai():
    (am, a0, a1), (pm, p0, p1) = session_windows(standard_shift(), DAY, SHANGHAI)
    assert (am.name, pm.name) == ("am", "pm")
    assert (a0, a1, p0, p1) == (utc(2024, 5, 5, 16), utc(2024, 5, 6, 4, 45), utc(2024, 5, 6, 4, 45), utc(2024, 5, 6, 16))


@pytest.mark.parametrize("day,opens,boundary,closes,hours", [
    (date(2024, 3, 30), utc(2024, 3, 29, 23), utc(2024, 3, 30, 11, 45), utc(2024, 3, 30, 23), 24),  # CET
    (date(2024, 3, 31), utc(2024, 3, 30, 23), utc(2024, 3, 31, 10, 45), utc(2024, 3, 31, 22), 23),  # spring forward
    (date(2024, 10, 27), utc(2024, 10, 26, 22), utc(2024, 10, 27, 11, 45), utc(2024, 10, 27, 23), 25),  # fall back
])
def test_windows_follow_the_centre_zone_across_dst(day, opens, boundary, closes, hours):
    (_, a0, a1), (_, p0, p1) = session_windows(standard_shift(), day, BERLIN)
    assert (a0, a1, p0, p1) == (opens, boundary, boundary, closes)
    assert p1 - a0 == timedelta(hours=hours)


def test_windows_of_data_defined_shifts():
    assert [(s.name, lo, hi) for s, lo, hi in session_windows(LUNCH_DUTY, DAY, SHANGHAI)] == [
        ("lunch", utc(2024, 5, 5, 16), utc(2024, 5, 6, 16))]
    assert [hi for _, _, hi in session_windows(WEEKEND, DAY, SHANGHAI)] == [utc(2024, 5, 6, 5), utc(2024, 5, 6, 16)]
    # back-to-back sessions split where one ends and the next starts; 12:00-14:00 break at 13:00
    assert [(s.name, hi) for s, _, hi in session_windows(THREE, DAY, SHANGHAI)] == [
        ("early", utc(2024, 5, 6, 1)), ("mid", utc(2024, 5, 6, 5)), ("late", utc(2024, 5, 6, 16))]


@pytest.mark.parametrize("boundary_punch,am,pm", [
    # 12:44:59 belongs to am: it becomes am's clock-out; pm holds only 17:30 -> clock-out, missing_in
    (at(12, 44, 59), (N, (), at(8, 50), at(12, 44, 59), 44), (AB, (MISS_IN,), None, at(17, 30), 0)),
    # from 12:45:00 on it belongs to pm: am holds only 08:50 -> clock-in, missing_out
    (at(12, 45), (AB, (MISS_OUT,), at(8, 50), None, 0), (N, (), at(12, 45), at(17, 30), 0)),
    (at(12, 45, 1), (AB, (MISS_OUT,), at(8, 50), None, 0), (N, (), at(12, 45, 1), at(17, 30), 0)),
])
def test_break_midpoint_splits_am_and_pm(boundary_punch, am, pm):
    results = evaluate([at(8, 50), boundary_punch, at(17, 30)])
    for name, (status, issues, clock_in, clock_out, extended) in (("am", am), ("pm", pm)):
        r = results[name]
        assert (r.status, r.issues, r.clock_in, r.clock_out, r.extended_minutes) == (
            status, issues, clock_in, clock_out, extended), name


def test_punches_outside_the_local_day_are_ignored():
    # 23:58 the evening before and 00:00 the next morning are other days
    results = evaluate([utc(2024, 5, 5, 15, 58), at(0, 0), utc(2024, 5, 6, 16)], settings=LENIENT)
    assert results["am"].clock_in == at(0, 0) and results["am"].issues == (MISS_OUT,)
    assert results["pm"].status is ABS


# --- single punch -----------------------------------------------------------------------------

@pytest.mark.parametrize("punch,session,clock_in,issues,late,early", [
    (at(8, 50), "am", True, (MISS_OUT,), 0, 0),
    (at(10, 29, 59), "am", True, (LATE, MISS_OUT), 95, 0),
    (at(10, 30), "am", False, (EARLY, MISS_IN), 0, 90),
    (at(12, 0), "am", False, (MISS_IN,), 0, 0),
    (at(13, 0), "pm", True, (MISS_OUT,), 0, 0),
    (at(15, 29, 59), "pm", True, (LATE, MISS_OUT), 125, 0),
    (at(15, 30), "pm", False, (EARLY, MISS_IN), 0, 120),
    (at(17, 30), "pm", False, (MISS_IN,), 0, 0),
])
def test_single_punch_is_in_before_session_midpoint_else_out(punch, session, clock_in, issues, late, early):
    r = evaluate([punch], settings=LENIENT)[session]
    assert (r.clock_in, r.clock_out) == ((punch, None) if clock_in else (None, punch))
    assert (r.status, r.issues, r.late_minutes, r.early_minutes) == (AB, issues, late, early)


# --- late / early / absent --------------------------------------------------------------------

@pytest.mark.parametrize("clock_in,status,issues,late", [
    (at(8, 55), N, (), 0),
    (at(8, 55, 0, 1), AB, (LATE,), 1),
    (at(8, 55, 1), AB, (LATE,), 1),
    (at(8, 56), AB, (LATE,), 1),
    (at(8, 56, 1), AB, (LATE,), 2),
    (at(9, 25), AB, (LATE,), 30),
    (at(9, 25, 1), ABS, (LATE,), 31),
    (at(9, 26), ABS, (LATE,), 31),
    (at(10, 0), ABS, (LATE,), 65),
])
def test_am_late_minutes_round_up_and_more_than_30_is_absent(clock_in, status, issues, late):
    r = evaluate([clock_in, at(12, 0)])["am"]
    assert (r.status, r.issues, r.late_minutes, r.early_minutes) == (status, issues, late, 0)


@pytest.mark.parametrize("clock_out,status,issues,early", [
    (at(12, 0), N, (), 0),
    (at(11, 59, 59, 999999), AB, (EARLY,), 1),
    (at(11, 59, 59), AB, (EARLY,), 1),
    (at(11, 59), AB, (EARLY,), 1),
    (at(11, 58, 59), AB, (EARLY,), 2),
    (at(11, 30), AB, (EARLY,), 30),
    (at(11, 29, 59), ABS, (EARLY,), 31),
    (at(11, 29), ABS, (EARLY,), 31),
])
def test_am_early_minutes_round_up_and_more_than_30_is_absent(clock_out, status, issues, early):
    r = evaluate([at(8, 50), clock_out])["am"]
    assert (r.status, r.issues, r.late_minutes, r.early_minutes) == (status, issues, 0, early)


@pytest.mark.parametrize("punches,status,issues,late,early", [
    ([at(13, 25), at(17, 30)], N, (), 0, 0),
    ([at(13, 55), at(17, 30)], AB, (LATE,), 30, 0),
    ([at(13, 55, 1), at(17, 30)], ABS, (LATE,), 31, 0),
    ([at(13, 20), at(17, 0)], AB, (EARLY,), 0, 30),
    ([at(13, 20), at(16, 59, 59)], ABS, (EARLY,), 0, 31),
    ([at(13, 40), at(17, 10)], AB, (LATE, EARLY), 15, 20),
    ([at(13, 55), at(17, 0)], AB, (LATE, EARLY), 30, 30),
    ([at(13, 56), at(17, 20)], ABS, (LATE, EARLY), 31, 10),
])
def test_pm_late_and_early(punches, status, issues, late, early):
    r = evaluate(punches)["pm"]
    assert (r.status, r.issues, r.late_minutes, r.early_minutes) == (status, issues, late, early)


@pytest.mark.parametrize("limit,clock_in,status", [
    (10, at(9, 5), AB), (10, at(9, 5, 1), ABS), (0, at(8, 55), N), (0, at(8, 55, 1), ABS), (60, at(9, 55), AB),
])
def test_late_to_absent_minutes_comes_from_settings(limit, clock_in, status):
    r = evaluate([clock_in, at(12)], settings=AttendanceSettings(late_to_absent_minutes=limit))["am"]
    assert r.status is status


def test_late_with_missing_out_and_early_with_missing_in_order():
    am = evaluate([at(9, 10)])["am"]
    assert (am.status, am.issues, am.late_minutes) == (AB, (LATE, MISS_OUT), 15)
    pm = evaluate([at(17, 20)])["pm"]
    assert (pm.status, pm.issues, pm.early_minutes) == (AB, (EARLY, MISS_IN), 10)


def test_no_punch_is_absent_without_issues():
    for r in evaluate([]).values():
        assert (r.status, r.issues, r.clock_in, r.clock_out, r.late_minutes, r.early_minutes, r.extended_minutes) == (
            ABS, (), None, None, 0, 0, 0)


def test_full_normal_day():
    results = evaluate(FULL_DAY)
    assert list(results) == ["am", "pm"]
    assert results["am"] == dataclasses.replace(results["am"], status=N, issues=(), clock_in=at(8, 50), clock_out=at(12))
    assert all(r.status is N and r.issues == () and r.leave_type is None for r in results.values())
    assert results["pm"].clock_in == utc(2024, 5, 6, 5, 20) and results["pm"].clock_out.tzinfo is UTC


def test_middle_punches_are_ignored():
    r = evaluate([at(8, 50), at(10, 0), at(11, 0), at(12, 1)])["am"]
    assert (r.status, r.clock_in, r.clock_out) == (N, at(8, 50), at(12, 1))


# --- extended service -------------------------------------------------------------------------

@pytest.mark.parametrize("clock_out,extended", [
    (at(17, 30), 0), (at(17, 45), 0), (at(17, 45, 59), 0), (at(17, 46), 16), (at(17, 46, 59), 16), (at(18, 30), 60),
])
def test_extended_service_needs_more_than_15_whole_minutes(clock_out, extended):
    r = evaluate([at(13, 20), clock_out])["pm"]
    assert (r.status, r.issues, r.extended_minutes) == (N, (), extended)


@pytest.mark.parametrize("threshold,clock_out,extended", [(0, at(17, 30, 59), 0), (0, at(17, 31), 1), (30, at(18, 0), 0),
                                                          (30, at(18, 1), 31)])
def test_extended_service_threshold_comes_from_settings(threshold, clock_out, extended):
    settings = AttendanceSettings(extended_service_minutes=threshold)
    assert evaluate([at(13, 20), clock_out], settings=settings)["pm"].extended_minutes == extended


def test_extended_service_is_credit_alongside_issues_but_not_for_absent():
    late = evaluate([at(13, 40), at(18, 0)])["pm"]
    assert (late.status, late.issues, late.late_minutes, late.extended_minutes) == (AB, (LATE,), 15, 30)
    out_only = evaluate([at(18, 0)])["pm"]
    assert (out_only.status, out_only.issues, out_only.extended_minutes) == (AB, (MISS_IN,), 30)
    absent = evaluate([at(14, 0), at(18, 0)])["pm"]
    assert (absent.status, absent.late_minutes, absent.extended_minutes) == (ABS, 35, 0)


# --- leave, off, roster -----------------------------------------------------------------------

@pytest.mark.parametrize("leave_type,present", [("personal", False), ("sick", False), ("annual", False), ("official", True)])
def test_leave_covers_the_session(leave_type, present):
    results = evaluate([at(9, 40), at(13, 20), at(17, 30)], leave_sessions={"am": leave_type})
    am = results["am"]
    assert (am.status, am.leave_type, am.issues, am.late_minutes, am.early_minutes, am.extended_minutes) == (
        LV, leave_type, (), 0, 0, 0)
    assert am.counts_as_present is present
    assert (results["pm"].status, results["pm"].leave_type, results["pm"].counts_as_present) == (N, None, True)


def test_leave_wins_over_absent_and_unknown_leave_keys_are_ignored():
    results = evaluate([], leave_sessions={"am": "sick", "pm": "sick", "lunch": "annual"})
    assert [(r.status, r.leave_type) for r in results.values()] == [(LV, "sick"), (LV, "sick")]


def test_no_roster_means_every_standard_session_is_off():
    results = evaluate(FULL_DAY, shift=None, leave_sessions={"am": "sick"})
    assert list(results) == ["am", "pm"]
    for r in results.values():
        assert (r.status, r.issues, r.late_minutes, r.early_minutes, r.extended_minutes, r.leave_type) == (
            OFF, (), 0, 0, 0, None)
        assert not r.counts_as_present
    assert results["am"].clock_in == at(8, 50)  # punches on an off day stay visible


def test_unrostered_session_in_a_rostered_day_is_off():
    results = evaluate([at(13, 40)], rostered=frozenset({"pm"}), leave_sessions={"am": "annual"})
    assert (results["am"].status, results["am"].issues, results["am"].leave_type) == (OFF, (), None)
    assert (results["pm"].status, results["pm"].issues) == (AB, (LATE, MISS_OUT))


def test_empty_roster_is_all_off_and_unknown_rostered_session_rejected():
    assert {r.status for r in evaluate([], rostered=frozenset()).values()} == {OFF}
    with pytest.raises(ValueError):
        evaluate([], rostered=frozenset({"night"}))


# --- corrections ------------------------------------------------------------------------------

@pytest.mark.parametrize("punches,corrections,status,issues,clock_in,clock_out", [
    ([at(8, 50)], [("am", "out", at(12))], N, (), at(8, 50), at(12)),                 # fills missing_out
    ([at(12, 1)], [("am", "in", at(8, 50))], N, (), at(8, 50), at(12, 1)),            # fills missing_in
    ([], [("am", "in", at(8, 50)), ("am", "out", at(12))], N, (), at(8, 50), at(12)),  # turns absent to normal
    ([], [("am", "in", at(8, 50))], AB, (MISS_OUT,), at(8, 50), None),
    ([at(9, 10), at(12, 5)], [("am", "in", at(8, 50))], N, (), at(8, 50), at(12, 5)),  # overrides first punch
    ([at(8, 50), at(11, 0)], [("am", "out", at(12))], N, (), at(8, 50), at(12)),       # overrides last punch
    ([at(8, 40)], [("am", "in", at(8, 50))], AB, (MISS_OUT,), at(8, 50), None),        # earlier punch is no clock-out
    ([at(12, 10)], [("am", "out", at(12))], AB, (MISS_IN,), None, at(12)),             # later punch is no clock-in
    ([at(9, 0), at(11, 0)], [("am", "in", at(8, 50)), ("am", "out", at(12))], N, (), at(8, 50), at(12)),
    ([at(8, 50)], [("am", "out", utc(2024, 5, 6, 4))], N, (), at(8, 50), at(12)),      # any zone
])
def test_approved_corrections_fix_their_end(punches, corrections, status, issues, clock_in, clock_out):
    r = evaluate(punches, corrections=corrections)["am"]
    assert (r.status, r.issues, r.clock_in, r.clock_out) == (status, issues, clock_in, clock_out)


def test_correction_belongs_to_named_session_whatever_its_instant():
    results = evaluate([at(8, 50), at(12), at(17, 30)], corrections=[("pm", "in", at(12, 40))])
    assert (results["am"].clock_out, results["pm"].clock_in, results["pm"].status) == (at(12), at(12, 40), N)


def test_repeated_corrections_take_earliest_in_and_latest_out():
    corrections = [("am", "in", at(8, 54)), ("am", "in", at(8, 50)), ("am", "out", at(12)), ("am", "out", at(12, 20))]
    r = evaluate([], corrections=corrections)["am"]
    assert (r.clock_in, r.clock_out, r.extended_minutes) == (at(8, 50), at(12, 20), 20)


@pytest.mark.parametrize("correction", [("night", "in", at(8, 50)), ("am", "both", at(8, 50)),
                                        ("am", "in", datetime(2024, 5, 6, 8, 50))])
def test_invalid_corrections_rejected(correction):
    with pytest.raises(ValueError):
        evaluate([], corrections=[correction])


# --- zones ------------------------------------------------------------------------------------

def test_same_instants_in_any_zone_give_equal_results():
    as_utc = [p.astimezone(UTC) for p in FULL_DAY]
    as_offset = [p.astimezone(timezone(timedelta(hours=8))) for p in FULL_DAY]
    as_berlin = [p.astimezone(ZoneInfo(BERLIN)) for p in FULL_DAY]
    assert evaluate(FULL_DAY) == evaluate(as_utc) == evaluate(as_offset) == evaluate(as_berlin)


@pytest.mark.parametrize("day,punch_utc,status,late", [
    (date(2024, 3, 30), utc(2024, 3, 30, 7, 50), N, 0),     # 08:50 CET
    (date(2024, 3, 31), utc(2024, 3, 31, 7, 50), ABS, 55),  # 09:50 CEST on the spring-forward day
    (date(2024, 3, 31), utc(2024, 3, 31, 6, 56), AB, 1),    # 08:56 CEST
    (date(2024, 10, 27), utc(2024, 10, 27, 7, 50), N, 0),   # 08:50 CET after fall-back
])
def test_berlin_centre_reads_local_times_across_dst(day, punch_utc, status, late):
    r = evaluate([punch_utc, at(12, day=day, tz=BERLIN)], day=day, tz=BERLIN)["am"]
    assert (r.status, r.late_minutes) == (status, late)


def test_berlin_dst_day_late_evening_punch_and_next_day():
    day = date(2024, 3, 31)
    results = evaluate([at(13, 20, day=day, tz=BERLIN), at(23, 30, day=day, tz=BERLIN),
                        at(0, 30, day=day + timedelta(days=1), tz=BERLIN)], day=day, tz=BERLIN)
    assert results["pm"].clock_out == utc(2024, 3, 31, 21, 30)
    assert results["pm"].extended_minutes == 6 * 60


# --- shifts as data ---------------------------------------------------------------------------

@pytest.mark.parametrize("punches,status,issues,clock_in,clock_out,late,early,extended", [
    ([at(11, 50), at(13, 30)], N, (), at(11, 50), at(13, 30), 0, 0, 0),
    ([at(12, 20)], AB, (LATE, MISS_OUT), at(12, 20), None, 25, 0, 0),
    ([at(12, 44, 59)], ABS, (LATE, MISS_OUT), at(12, 44, 59), None, 50, 0, 0),  # midpoint of 12:00-13:30
    ([at(12, 45)], ABS, (EARLY, MISS_IN), None, at(12, 45), 0, 45, 0),
    ([at(13, 10)], AB, (EARLY, MISS_IN), None, at(13, 10), 0, 20, 0),
    ([at(8, 0), at(20, 0)], N, (), at(8), at(20), 0, 0, 390),  # one session owns the whole day
])
def test_lunch_duty_single_session_shift(punches, status, issues, clock_in, clock_out, late, early, extended):
    results = evaluate(punches, shift=LUNCH_DUTY)
    assert list(results) == ["lunch"]
    r = results["lunch"]
    assert (r.status, r.issues, r.clock_in, r.clock_out, r.late_minutes, r.early_minutes, r.extended_minutes) == (
        status, issues, clock_in, clock_out, late, early, extended)


SATURDAY = date(2024, 5, 11)


@pytest.mark.parametrize("punch,am_out,pm_in", [
    (at(12, 59, 59, day=SATURDAY), at(12, 59, 59, day=SATURDAY), None),  # break 12:00-14:00 splits at 13:00
    (at(13, day=SATURDAY), None, at(13, day=SATURDAY)),
])
def test_weekend_shift_uses_its_own_hours_and_break(punch, am_out, pm_in):
    results = evaluate([at(8, 25, day=SATURDAY), punch, at(17, day=SATURDAY)], day=SATURDAY, shift=WEEKEND)
    assert (results["am"].clock_in, results["am"].late_minutes) == (at(8, 25, day=SATURDAY), 0)
    assert (results["am"].clock_out, results["pm"].clock_in) == (am_out, pm_in)
    assert (results["pm"].clock_out, results["pm"].early_minutes) == (at(17, day=SATURDAY), 0)
    late = evaluate([at(8, 26, day=SATURDAY)], day=SATURDAY, shift=WEEKEND)["am"]
    assert (late.issues, late.late_minutes) == ((LATE, MISS_OUT), 1)


def test_three_session_shift():
    # early and mid are back to back at 09:00: 08:59 is early's clock-out, 09:00:30 mid's clock-in
    results = evaluate([at(6, 50), at(8, 59), at(9, 0, 30), at(12), at(13, 55), at(18)], shift=THREE)
    assert [(n, r.status, r.clock_in, r.clock_out) for n, r in results.items()] == [
        ("early", AB, at(6, 50), at(8, 59)), ("mid", AB, at(9, 0, 30), at(12)), ("late", N, at(13, 55), at(18))]
    assert (results["early"].issues, results["early"].early_minutes) == ((EARLY,), 1)
    assert results["mid"].issues == (LATE,)
    assert results["mid"].late_minutes == 1


# --- purity -----------------------------------------------------------------------------------

def test_computing_twice_gives_identical_results_and_inputs_are_untouched():
    punches = FULL_DAY + [at(8, 50, 30), at(18, 10)]
    before = list(punches)
    kwargs = dict(leave_sessions={"pm": "official"}, corrections=[("am", "out", at(12, 5))])
    first, second = evaluate(punches, **kwargs), evaluate(punches, **kwargs)
    assert first == second and punches == before
    shuffled = list(punches)
    random.Random(4).shuffle(shuffled)
    assert evaluate(shuffled, **kwargs) == first


def test_results_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        evaluate(FULL_DAY)["am"].status = ABS  # type: ignore[misc]


def test_module_imports_neither_flask_nor_sqlalchemy():
    path = Path(__file__).resolve().parents[2] / "compliance" / "attendance" / "rules.py"
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('rules', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); sys.modules['rules'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'compliance')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
