"""The report jobs tell the unit leads and HR once per period, with a link to the report."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import time_machine

from compliance.attendance.jobs import send_monthly_reports, send_weekly_bulletin
from compliance.extensions import db
from compliance.jobs import REGISTRY
from compliance.notifications import Notification

from .helpers import local
from .report_fixture import build_week


def _notes(user) -> list[tuple[str, str]]:
    return [(n.text, n.link) for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id))]


def test_jobs_are_registered_with_their_schedule():
    weekly = REGISTRY["attendance_weekly_bulletin"].trigger
    monthly = REGISTRY["attendance_monthly_reports"].trigger
    assert (weekly["trigger"], weekly["day_of_week"], weekly["hour"]) == ("cron", "mon", 7)
    assert (monthly["trigger"], monthly["day"]) == ("cron", 1)


def test_weekly_bulletin_is_told_once(world, factory):
    build_week(world)
    lead_zh = factory.user("unit_lead", "lead_zh", centre=world.a, department=world.dept1)
    monday = date(2026, 3, 9)
    assert send_weekly_bulletin(world.a, monday) == 3
    db.session.commit()
    assert send_weekly_bulletin(world.a, monday) == 0  # a second run tells nobody again
    assert send_weekly_bulletin(world.a, date(2026, 3, 11)) == 0  # same week, later day
    assert _notes(world.users.unit_lead) == [(
        "市税务局 2026-03-02 至 2026-03-08 考勤每周通报已生成。",
        "/attendance/reports/weekly/2026-03-02?department=SW")]
    assert _notes(lead_zh)[0][1] == "/attendance/reports/weekly/2026-03-02?department=ZH"
    assert _notes(world.users.hr) == [(
        "甲中心 2026-03-02 至 2026-03-08 考勤每周通报已生成。",
        "/attendance/reports/weekly/2026-03-02?centre=CA")]
    assert _notes(world.users.hr_b) == []  # centre B is not told about centre A
    # a week without anomalies tells the leads nothing, HR still gets the bulletin
    assert send_weekly_bulletin(world.a, date(2026, 3, 16)) == 1


def test_monthly_reports_are_told_once(world, factory):
    build_week(world)
    lead_zh = factory.user("unit_lead", "lead_zh", centre=world.a, department=world.dept1)
    assert send_monthly_reports(world.a, date(2026, 4, 1)) == 5
    db.session.commit()
    assert send_monthly_reports(world.a, date(2026, 4, 1)) == 0
    links = [link for _text, link in _notes(world.users.unit_lead)]
    assert links == ["/attendance/reports/monthly/2026-03?department=SW",
                     "/attendance/reports/contact-sheets/2026-03?department=SW"]
    assert [link for _t, link in _notes(lead_zh)] == [
        "/attendance/reports/monthly/2026-03?department=ZH"]  # no contact sheet: not seconded
    assert len(_notes(world.users.hr)) == 2


def test_the_scheduled_job_runs_for_every_centre(world):
    build_week(world)
    with time_machine.travel(local(date(2026, 3, 9), 7, 30), tick=False):
        result = REGISTRY["attendance_weekly_bulletin"].func()
        db.session.commit()
    assert result == "CA: 2 told; CB: 1 told"
