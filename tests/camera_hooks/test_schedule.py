"""When cameras capture (camera_hooks.schedule, pure): capture hours, the regular interval,
random extra times, back-off after failures, and reference pictures at any hour."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from camera_hooks.schedule import (backoff, draw_extra_times, due_now, format_hours, in_hours,
                                   parse_hours)

TZ = "Asia/Shanghai"
HOURS = parse_hours("09:00-12:00 13:30-17:30")


def local(hour: int, minute: int = 0, day: date = date(2026, 3, 2)) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def test_hours_parse_format_and_contain():
    assert format_hours(HOURS) == "09:00-12:00 13:30-17:30"
    assert parse_hours(["13:30-17:30", "09:00-12:00"]) == HOURS
    assert format_hours(parse_hours("08:00-24:00")) == "08:00-24:00"
    assert parse_hours("09:00-12:00，13:30-17:30") == HOURS  # a Chinese comma too
    assert in_hours(datetime(2026, 3, 2, 9, 0), HOURS)
    assert not in_hours(datetime(2026, 3, 2, 12, 0), HOURS)
    assert not in_hours(datetime(2026, 3, 2, 12, 45), HOURS)
    assert in_hours(datetime(2026, 3, 2, 17, 29), HOURS)


@pytest.mark.parametrize("text", ["", "9-12", "09:00-08:00", "09:00-12:00 11:00-13:00",
                                  "25:00-26:00", "09:00-24:30"])
def test_bad_hours_are_refused(text):
    with pytest.raises(ValueError):
        parse_hours(text)


def test_backoff_doubles_and_never_exceeds_the_interval():
    interval = timedelta(minutes=10)
    assert [backoff(n, interval) for n in range(1, 7)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]
    assert backoff(0, interval) == interval
    assert backoff(400, interval) == interval


def test_extra_times_fall_inside_the_hours_and_vary():
    rng = random.Random(7)
    day = date(2026, 3, 2)
    draws = [draw_extra_times(day, HOURS, 3, TZ, rng) for _ in range(200)]
    instants = [t for draw in draws for t in draw]
    assert all(len(draw) == 3 and draw == sorted(draw) for draw in draws)
    shanghai = timezone(timedelta(hours=8))
    assert all(in_hours(t.astimezone(shanghai).replace(tzinfo=None), HOURS) for t in instants)
    afternoon = sum(t.astimezone(shanghai).hour >= 13 for t in instants)
    assert 0.4 < afternoon / len(instants) < 0.7  # 4 of the 7 hours are in the afternoon
    assert len({tuple(d) for d in draws}) == len(draws)
    assert draw_extra_times(day, HOURS, 0, TZ, rng) == []


def _due(now, **kw):
    args = {"tz": TZ, "hours": HOURS, "next_capture_at": None, "failures": 0,
            "extra_times": (), "picture_requested": False}
    args.update(kw)
    return due_now(now, **args)


def test_regular_capture_only_during_hours_and_when_its_time_has_come():
    assert _due(local(9, 5)).purpose == "schedule"  # never captured: due
    assert _due(local(12, 30)) is None  # lunch break
    assert _due(local(7, 0)) is None
    assert _due(local(9, 5), next_capture_at=local(9, 10)) is None
    assert _due(local(9, 10), next_capture_at=local(9, 10)).purpose == "schedule"


def test_extra_times_are_used_up_once_they_pass():
    extras = (local(10, 17), local(15, 3))
    assert _due(local(10, 0), next_capture_at=local(10, 5), extra_times=extras) is None
    due = _due(local(10, 18), next_capture_at=local(10, 25), extra_times=extras)
    assert due.purpose == "extra" and due.extra_left == (local(15, 3),)
    # The regular capture also uses up an extra time that passed meanwhile.
    due = _due(local(10, 25), next_capture_at=local(10, 25), extra_times=extras)
    assert due.purpose == "schedule" and due.extra_left == (local(15, 3),)


def test_failures_wait_for_their_back_off():
    assert _due(local(10, 0), failures=2, next_capture_at=local(10, 2)) is None
    assert _due(local(10, 2), failures=2, next_capture_at=local(10, 2)).purpose == "retry"
    assert _due(local(12, 10), failures=2, next_capture_at=local(12, 1)) is None


def test_a_requested_picture_is_taken_at_any_hour():
    assert _due(local(7, 30), picture_requested=True).purpose == "picture"
    assert _due(local(10, 0), failures=3, next_capture_at=local(10, 30),
                picture_requested=True).purpose == "picture"


def test_midnight_range():
    hours = parse_hours("00:00-24:00")
    assert in_hours(datetime.combine(date(2026, 1, 1), time(23, 59, 30)), hours)
