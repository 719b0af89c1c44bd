"""The reports HR sends out (SPEC §3.4): the weekly bulletin of anomalies per department, the
monthly summary per department and the work contact sheet per home unit — their content on
the small week of ``report_fixture``, the printable pages and who may open them."""
from __future__ import annotations

from datetime import timedelta

from compliance.attendance import reports
from tests.conftest import login

from .report_fixture import MON, TUE, build_week


def _by_code(parts):
    return {part.department.code: part for part in parts}


def test_weekly_bulletin_lists_each_anomaly_per_department(world):
    build_week(world)
    departments = reports.visible_departments(world.users.hr, world.a)
    parts = _by_code(reports.weekly_bulletin(world.users.hr, departments, MON))
    assert list(parts) == ["SW", "ZH"]
    zh = parts["ZH"]
    assert [(a.day, a.session, a.staff.staff_no, a.description) for a in zh.anomalies] == [
        (MON, "am", "S2", "旷工(无打卡)"),
        (TUE, "am", "S1", "迟到 10 分钟"),
        (TUE, "am", "S2", "下班缺卡"),
        (TUE, "pm", "S2", "早退 20 分钟")]
    assert [p.staff.staff_no for p in zh.people] == ["S1", "S2"]  # people with an anomaly
    assert (zh.totals.late, zh.totals.early, zh.totals.absent, zh.totals.missing) == (1, 1, 1, 1)
    assert [a.description for a in parts["SW"].anomalies] == ["旷工:迟到 45 分钟"]
    # the next week holds nothing
    later = reports.weekly_bulletin(world.users.hr, departments, MON + timedelta(days=7))
    assert all(not part.anomalies and not part.people for part in later)


def test_monthly_summary_totals_per_person_and_department(world):
    build_week(world)
    departments = reports.visible_departments(world.users.hr, world.a)
    zh = _by_code(reports.monthly_summary(world.users.hr, departments, MON.replace(day=1)))["ZH"]
    alice, bob = (p.totals for p in zh.people)
    assert (alice.rostered, alice.late, alice.extended_minutes, str(alice.leave_days)) == \
        (6, 1, 20, "1.0")
    assert (bob.rostered, bob.absent, bob.missing, bob.early) == (4, 1, 1, 1)
    assert (zh.totals.people, zh.totals.rostered, zh.totals.anomalies) == (2, 10, 4)


def test_contact_sheets_cover_seconded_units_only(world):
    build_week(world)
    parts = reports.contact_sheets(world.users.hr, MON.replace(day=1), world.a)
    assert [p.department.code for p in parts] == ["SW"]
    assert [(a.staff.staff_no, a.day, a.session) for a in parts[0].anomalies] == \
        [("S3", MON, "am")]


def test_a_unit_lead_gets_only_their_department(world):
    build_week(world)
    lead = world.users.unit_lead
    assert [d.code for d in reports.visible_departments(lead, world.a)] == ["SW"]
    parts = reports.weekly_bulletin(lead, reports.visible_departments(lead, world.a), MON)
    assert [a.staff.staff_no for p in parts for a in p.anomalies] == ["S3"]


def test_printable_pages(client, world):
    build_week(world)
    login(client, "hr_a")
    page = client.get("/attendance/reports/weekly/2026-03-04")
    assert page.status_code == 302 and page.headers["Location"].endswith(
        "/attendance/reports/weekly/2026-03-02")
    html = client.get("/attendance/reports/weekly/2026-03-02").get_data(as_text=True)
    assert "考勤异常每周通报" in html and "2026-03-02 至 2026-03-08" in html
    assert 'data-staff="S2" data-day="2026-03-03" data-session="pm"' in html
    assert "css/attendance-reports.css" in html and "data-print" in html
    assert "/exports/weekly-bulletin.xlsx?date=2026-03-02" in html
    html = client.get("/attendance/reports/weekly/2026-03-02?department=SW").get_data(
        as_text=True)
    assert 'data-department="SW"' in html and 'data-department="ZH"' not in html
    html = client.get("/attendance/reports/monthly/2026-03").get_data(as_text=True)
    assert "月度考勤汇总" in html and "data-department-total" in html
    html = client.get("/attendance/reports/contact-sheets/2026-03").get_data(as_text=True)
    assert "工作联系单" in html and 'data-unit="SW"' in html and 'data-unit="ZH"' not in html
    assert "贵单位派驻我中心人员本期考勤异常情况如下(共 1 条)" in html
    assert client.get("/attendance/reports").status_code == 200
    assert client.get("/attendance/reports/monthly/2026-3").status_code == 404
    assert client.get("/attendance/reports/weekly/2026-02-30").status_code == 404


REPORTS = ("/attendance/reports", "/attendance/reports/weekly/2026-03-02",
           "/attendance/reports/monthly/2026-03", "/attendance/reports/contact-sheets/2026-03")


def test_who_may_open_the_reports(app_ctx, world):
    build_week(world)
    expected = {"staff_alice": 403, "staff_carol": 403, "inspector": 403, "lead_sw": 200,
                "hr_a": 200, "admin_a": 200, "hr_b": 200, "root": 200}
    wrong = {}
    for username, status in expected.items():
        client = app_ctx.test_client()
        login(client, username)
        for path in REPORTS:
            got = client.get(path).status_code
            if got != status:
                wrong[(username, path)] = got
        other = client.get(REPORTS[1] + "?department=ZH").status_code
        want = {"lead_sw": 403, "hr_b": 404}.get(username, status)
        if other != want:
            wrong[(username, "ZH")] = other
    assert not wrong, wrong
    # another centre's HR sees nothing of centre A in their bulletin
    client = app_ctx.test_client()
    login(client, "hr_b")
    html = client.get(REPORTS[1]).get_data(as_text=True)
    assert "S2" not in html and "乙综合科" in html
