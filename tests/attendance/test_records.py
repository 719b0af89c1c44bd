"""A person's month calendar, one day as evidence (the page a score's deduction links to),
the department month sheet and its totals, and who may open which."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import url_for

from compliance.attendance.evidence import person_day, person_month
from compliance.attendance.models import SessionRecord
from compliance.attendance.reports import month_sheet
from compliance.extensions import db
from compliance.scoring.explain import ATTENDANCE_DAY_ENDPOINT
from tests.conftest import login

from .report_fixture import MON, TUE, WED, build_week


def test_the_score_explanation_links_to_the_day_page(app_ctx):
    with app_ctx.test_request_context():
        assert url_for(ATTENDANCE_DAY_ENDPOINT, staff_no="S1", day="2026-03-03") == \
            "/attendance/people/S1/days/2026-03-03"


def test_month_calendar_and_its_totals(world):
    build_week(world)
    cal = person_month(world.alice, MON.replace(day=1))
    days = {d.day: d for week in cal.weeks for d in week if d.in_month}
    assert len(days) == 31 and cal.weeks[0][0].day.weekday() == 0
    assert [r.status.value for r in days[MON].sessions] == ["normal", "normal"]
    tuesday = {r.session: r for r in days[TUE].sessions}
    assert tuesday["am"].issue_list == ("late",) and tuesday["am"].late_minutes == 10
    assert tuesday["pm"].extended_minutes == 20
    assert {r.leave_type for r in days[WED].sessions} == {"annual"}
    t = cal.totals
    assert (t.rostered, t.normal, t.late, t.late_minutes, t.absent, t.missing) == \
        (6, 3, 1, 10, 0, 0)
    assert (str(t.leave_days), t.extended_minutes) == ("1.0", 20)


def test_day_evidence_of_bob_on_tuesday(world):
    made = build_week(world)
    ev = person_day(world.bob, TUE)
    assert ev.entry.shift.code == "standard"
    assert [(p.session, p.used_as, p.punch.device, p.batch.filename) for p in ev.punches] == [
        ("am", "in", "GATE-1", "clock-0303.csv"), ("pm", "in", "GATE-1", "clock-0303.csv"),
        ("pm", "out", "GATE-1", "clock-0303.csv")]
    am, pm = ev.sessions
    assert am.record.issue_list == ("missing_out",)
    assert any("缺卡" in line for line in am.why)
    assert pm.record.early_minutes == 20 and any("20" in line for line in pm.why)
    assert [c.reason for c in ev.corrections] == ["打卡机故障"]
    assert ev.settings.late_to_absent_minutes == 30
    assert made["batch"].id == ev.punches[0].batch.id


def test_day_page_shows_the_evidence(client, world):
    build_week(world)
    login(client, "hr_a")
    page = client.get("/attendance/people/S2/days/2026-03-03").get_data(as_text=True)
    assert "clock-0303.csv" in page and "GATE-1" in page and "打卡机故障" in page
    assert '/attendance/corrections/' in page
    assert 'data-result="am"' in page and 'data-status="abnormal"' in page
    assert "早退 20 分钟" in page  # the "why" of the afternoon, in Chinese
    page = client.get("/attendance/people/S3/days/2026-03-02").get_data(as_text=True)
    assert 'data-status="absent"' in page and "迟到或早退超过 30 分钟" in page
    page = client.get("/attendance/people/S1/days/2026-03-04").get_data(as_text=True)
    assert 'data-leave="' in page and "探亲" in page
    assert '/attendance/leave/' in page  # the request itself is one click away
    page = client.get("/attendance/people/S1/days/2026-03-07").get_data(as_text=True)
    assert "data-no-roster" in page and "当天无打卡记录" in page


def test_month_sheet_rows_codes_and_totals(client, world):
    build_week(world)
    sheet = month_sheet(world.users.hr, world.dept1, MON.replace(day=1))
    rows = {row.staff.staff_no: row for row in sheet.people}
    assert set(rows) == {"S1", "S2"} and len(sheet.days) == 31
    # the compact codes in the default language (Chinese): √ normal, 迟 late, 假 leave,
    # 旷 absent, 缺 missing punch, 早 early leave; morning/afternoon
    assert rows["S1"].days == {MON: "√", TUE: "迟/√", WED: "假"}
    assert rows["S2"].days == {MON: "旷/√", TUE: "缺/早"}
    bob = rows["S2"].totals
    assert (bob.absent, bob.missing, bob.early, bob.early_minutes, bob.late) == (1, 1, 1, 20, 0)
    assert (sheet.totals.absent, sheet.totals.late, str(sheet.totals.leave_days)) == \
        (1, 1, "1.0")
    login(client, "hr_a")
    html = client.get("/attendance/departments/ZH/2026-03").get_data(as_text=True)
    row = re.search(r'<tr data-staff="S2">(.*?)</tr>', html, re.S).group(1)
    assert '<td data-total="absent" class="bad">1</td>' in row
    assert ">旷/√<" in row and ">缺/早<" in row


def test_recomputing_changes_the_pages(client, world):
    """The pages read the stored results: nothing is cached."""
    build_week(world)
    record = db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == world.bob.id, SessionRecord.day == MON,
        SessionRecord.session == "am")).one()
    assert record.status.value == "absent"
    login(client, "hr_a")
    from .helpers import local, punch

    punch(world.bob, local(MON, 8, 40), local(MON, 12, 5))
    html = client.get("/attendance/departments/ZH/2026-03").get_data(as_text=True)
    assert '<td data-total="absent" class="">0</td>' in html


# path, then the status for: alice carol inspector lead_sw hr_a admin_a hr_b root
MATRIX = [
    ("/attendance/people/S1/2026-03",            200, 403, 200, 403, 200, 200, 404, 200),
    ("/attendance/people/S3/2026-03",            403, 200, 200, 200, 200, 200, 404, 200),
    ("/attendance/people/S9/2026-03",            404, 404, 404, 404, 404, 404, 200, 200),
    ("/attendance/people/NOPE/2026-03",          404, 404, 404, 404, 404, 404, 404, 404),
    ("/attendance/people/S1/2026-13",            404, 403, 404, 403, 404, 404, 404, 404),
    ("/attendance/people/S1/days/2026-03-02",    200, 403, 200, 403, 200, 200, 404, 200),
    ("/attendance/people/S3/days/2026-03-02",    403, 200, 200, 200, 200, 200, 404, 200),
    ("/attendance/people/S1/days/2026-02-30",    404, 403, 404, 403, 404, 404, 404, 404),
    ("/attendance/departments/ZH/2026-03",       403, 403, 403, 403, 200, 200, 404, 200),
    ("/attendance/departments/SW/2026-03",       403, 403, 403, 200, 200, 200, 404, 200),
    ("/attendance/departments/ZHB/2026-03",      403, 403, 403, 404, 404, 404, 200, 200),
    ("/attendance/me",                           302, 302, 302, 302, 302, 302, 302, 302),
]
USERS = ("staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b",
         "root")


def test_who_may_open_which_record_page(app_ctx, world):
    build_week(world)
    wrong = {}
    for index, username in enumerate(USERS):
        client = app_ctx.test_client()
        login(client, username)
        for path, *codes in MATRIX:
            status = client.get(path).status_code
            if status != codes[index]:
                wrong[(username, path)] = (status, codes[index])
    assert not wrong, wrong


def test_an_approved_correction_is_named_in_the_evidence(world):
    build_week(world)
    from compliance.attendance.compute import recompute
    from compliance.attendance.requests import PunchCorrection, RequestState

    correction = db.session.scalars(sa.select(PunchCorrection)).one()
    assert not any("补卡" in line for line in person_day(world.bob, TUE).sessions[0].why)
    correction.state = RequestState.approved
    recompute(world.bob, {TUE})
    db.session.commit()
    am = person_day(world.bob, TUE).sessions[0]
    assert am.record.status.value == "normal"
    assert f"签退 12:00 由已批准的补卡 #{correction.id} 补记。" in am.why
