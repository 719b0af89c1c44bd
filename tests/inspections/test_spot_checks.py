"""Spot checks (明查暗访): the pure draw, the daily job (once a day, inspectors told), overdue
tasks, and the inspection that closes a task with spot-check findings."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from compliance.conduct.models import Finding, FindingSource
from compliance.extensions import db
from compliance.jobs import REGISTRY, execute
from compliance.notifications import Notification
from compliance.scoring.engine import FindingInput, disqualifying_events
from compliance.scoring.rulebook import Rules
from inspections import spot_checks
from inspections.draw import draw_spot_checks
from inspections.models import SpotCheckTask, TaskState
from tests.conftest import api_token, login

from .helpers import submit

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
END = START + timedelta(days=1)


def service_hours(_window, at):  # 09:00–12:00 and 13:30–17:30 as minutes of the UTC day
    minutes = at.hour * 60 + at.minute
    return 540 <= minutes < 720 or 810 <= minutes < 1050


def test_the_draw_keeps_to_staffed_times_and_different_windows():
    windows = ["A01", "A02", "A03", "A04", "D01"]
    for seed in range(50):
        drawn = draw_spot_checks(random.Random(seed), windows, START, END, 3, service_hours)
        assert len(drawn) == 3
        assert len({w for w, _ in drawn}) == 3
        assert all(service_hours(w, at) and at.second == 0 for w, at in drawn)
        assert [at for _, at in drawn] == sorted(at for _, at in drawn)


def test_the_draw_covers_the_service_hours_and_every_window():
    seen_windows, hours = set(), set()
    for seed in range(300):
        for window, at in draw_spot_checks(random.Random(seed), ["A01", "A02", "B01"], START,
                                           END, 1, service_hours):
            seen_windows.add(window)
            hours.add(at.hour)
    assert seen_windows == {"A01", "A02", "B01"}
    assert hours == {9, 10, 11, 13, 14, 15, 16, 17}


def test_the_draw_with_nobody_on_duty_or_nothing_to_draw():
    assert draw_spot_checks(random.Random(1), ["A01"], START, END, 3, lambda w, at: False) == []
    assert draw_spot_checks(random.Random(1), [], START, END, 3, service_hours) == []
    assert draw_spot_checks(random.Random(1), ["A01"], START, END, 0, service_hours) == []
    assert draw_spot_checks(random.Random(1), ["A01"], END, START, 3, service_hours) == []
    # More checks than windows: a window comes again, at another time.
    drawn = draw_spot_checks(random.Random(2), ["A01"], START, END, 2, service_hours)
    assert [w for w, _ in drawn] == ["A01", "A01"] and drawn[0][1] != drawn[1][1]


@pytest.fixture
def rostered(world):
    """Alice at A01 and carol at D01 on the standard shift (09:00–12:00, 13:30–17:30)."""
    from compliance.attendance.roster import RosterLine, save_roster

    save_roster(world.a.id, [RosterLine("S1", DAY), RosterLine("S3", DAY)])
    db.session.commit()


def test_the_job_draws_once_a_day_and_tells_the_inspectors(app, app_ctx, world, rostered):
    assert REGISTRY["spot_checks_draw"].trigger == {"trigger": "cron", "hour": 7, "minute": 0}
    with time_machine.travel(datetime(2026, 3, 2, 7, 0, tzinfo=timezone(timedelta(hours=8))),
                             tick=False):
        first = execute(app, "spot_checks_draw")
        again = execute(app, "spot_checks_draw")
    assert first.status == "succeeded", first.error
    assert "CA 2026-03-02: 3" in first.result
    assert "CA 2026-03-02: 0" in again.result
    tasks = spot_checks.tasks_of_day(world.a.id, DAY)
    # Two staffed windows for three checks: both drawn, one of them twice.
    assert len(tasks) == 3 and {t.window.code for t in tasks} == {"A01", "D01"}
    assert all(t.state is TaskState.open and t.drawn_by == "job:spot_checks_draw"
               for t in tasks)
    for task in tasks:
        local = task.due_at.astimezone(timezone(timedelta(hours=8)))
        assert time(9) <= local.time() < time(12) or time(13, 30) <= local.time() < time(17, 30)
    notes = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == world.users.inspector.id)).all()
    assert len(notes) == 3 and all("A01" in n.text or "D01" in n.text for n in notes)
    # Staff, their lead and HR are not told of unannounced checks.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id != world.users.inspector.id)) == 0
    # Centre B has windows but nobody rostered: nothing drawn there.
    assert spot_checks.tasks_of_day(world.b.id, DAY) == []


def test_a_task_is_overdue_after_its_time_until_an_inspection_closes_it(client, world):
    due = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
    task = SpotCheckTask(centre_id=world.a.id, day=DAY, window=world.win1, due_at=due,
                         drawn_by="test")
    db.session.add(task)
    db.session.commit()
    assert not task.is_overdue(due) and task.is_overdue(due + timedelta(minutes=1))
    inspector = api_token(client, "inspector")
    with time_machine.travel(due + timedelta(minutes=30)):
        overdue = client.get("/api/v1/spot-checks?date=2026-03-02&overdue=true",
                             headers=inspector).get_json()["items"]
        assert [t["id"] for t in overdue] == [task.id] and overdue[0]["overdue"]
        login(client, "inspector")
        page = client.get("/inspections/spot-checks?date=2026-03-02").get_data(as_text=True)
        assert "is-overdue" in page
        wrong = submit(client, inspector, window_code="D01", staff_no="S3", task_id=task.id)
        assert wrong.status_code == 400 and "task_id" in wrong.get_json()["error"]["fields"]
        done = submit(client, inspector, task_id=task.id, fail=("behaviour.pause_sign",),
                      at="2026-03-02T10:20:00+08:00")
        assert done.status_code == 201, done.get_json()
        listed = client.get("/api/v1/spot-checks?date=2026-03-02",
                            headers=inspector).get_json()["items"]
    db.session.expire_all()
    assert task.state is TaskState.done and task.inspection.id == done.get_json()["id"]
    assert task.done_late()
    assert listed[0]["state"] == "done" and not listed[0]["overdue"]
    assert listed[0]["inspection_id"] == done.get_json()["id"]
    # Its findings are spot-check findings: seed 003 五.3 "被明查暗访到" disqualifies.
    finding = db.session.get(Finding, done.get_json()["findings"][0]["id"])
    assert finding.source is FindingSource.spot_check
    reasons = disqualifying_events(Rules.default(), 2026, [FindingInput(
        id=finding.id, date=finding.day, points=finding.points, source=finding.source.value,
        category=finding.category, item_code=finding.item_code)], [], [])
    assert [r.code for r in reasons] == ["disqualifier.public_criticism"]
    # A closed task takes no second inspection.
    again = submit(client, inspector, task_id=task.id)
    assert again.status_code == 400 and "task_id" in again.get_json()["error"]["fields"]


def test_hr_draws_now_and_cancels_with_a_reason(client, world, rostered):
    from tests.conftest import csrf_token

    with time_machine.travel(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), tick=False):
        login(client, "hr_a")
        token = csrf_token(client, "/inspections/spot-checks")
        assert client.post("/inspections/spot-checks/draw",
                           data={"csrf_token": token}).status_code == 302
        tasks = spot_checks.tasks_of_day(world.a.id, DAY)
        assert len(tasks) == 3
        # Drawn at 09:00 local: every time is later today.
        assert all(t.due_at >= datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc) for t in tasks)
        client.post("/inspections/spot-checks/draw", data={"csrf_token": token})
        assert len(spot_checks.tasks_of_day(world.a.id, DAY)) == 3
        refused = client.post(f"/inspections/spot-checks/{tasks[0].id}/cancel",
                              data={"csrf_token": token, "reason": ""})
        assert refused.status_code == 302
        db.session.expire_all()
        assert tasks[0].state is TaskState.open
        client.post(f"/inspections/spot-checks/{tasks[0].id}/cancel",
                    data={"csrf_token": token, "reason": "窗口临时关闭"})
    db.session.expire_all()
    assert tasks[0].state is TaskState.cancelled and tasks[0].cancel_reason == "窗口临时关闭"
