"""The attendance workbooks (API.md ``attendance-month``, ``weekly-bulletin``,
``contact-sheets``): they open with openpyxl, hold a sheet per department (per home unit),
Chinese headers under a title row, a frozen header, and the report's values."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from tests.conftest import api_token, login

from .report_fixture import build_week


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=3, values_only=True))


def test_month_workbook(client, world):
    build_week(world)
    login(client, "hr_a")
    book = _book(client.get("/exports/attendance-month.xlsx?month=2026-03"))
    assert book.sheetnames == ["汇总", "市税务局", "综合受理科"]
    summary = book["汇总"]
    assert summary.freeze_panes == "A3"
    assert [c.value for c in summary[2]][:5] == ["部门", "类型", "人数", "排班时段", "迟到"]
    lines = {row[0]: row for row in _rows(summary)}
    assert lines["综合受理科"][2:5] == (2, 10, 1) and lines["全部部门"][2] == 3
    sheet = book["综合受理科"]
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["工号", "姓名", "1", "2"] and header[33] == "排班时段"
    assert sheet.column_dimensions["A"].width == 11
    rows = {row[0]: row for row in _rows(sheet)}
    bob = rows["S2"]
    assert bob[2:5] == (None, "旷/√", "缺/早")  # 1, 2 and 3 March
    absent = header.index("旷工时段")
    assert (bob[absent], bob[header.index("缺卡次数")], bob[header.index("早退分钟")]) == \
        (1, 1, 20)
    assert rows["S1"][header.index("请假天数")] == 1 and \
        rows["S1"][header.index("延时服务分钟")] == 20
    assert rows["部门合计"][absent] == 1


def test_weekly_workbook_over_the_api(client, world):
    build_week(world)
    headers = api_token(client, "hr_a")
    book = _book(client.get("/api/v1/exports/weekly-bulletin.xlsx?date=2026-03-05",
                            headers=headers))
    assert book.sheetnames == ["汇总", "市税务局", "综合受理科"]
    sheet = book["综合受理科"]
    assert sheet.freeze_panes == "A3" and "2026-03-02 至 2026-03-08" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    assert header == ["日期", "时段", "工号", "姓名", "部门", "状态", "异常情况", "迟到分钟",
                      "早退分钟", "签到", "签退"]
    rows = _rows(sheet)
    assert [(r[0], r[1], r[2], r[6]) for r in rows] == [
        (datetime(2026, 3, 2), "上午", "S2", "旷工(无打卡)"),
        (datetime(2026, 3, 3), "上午", "S1", "迟到 10 分钟"),
        (datetime(2026, 3, 3), "上午", "S2", "下班缺卡"),
        (datetime(2026, 3, 3), "下午", "S2", "早退 20 分钟")]
    assert sheet.cell(3, 1).number_format == "yyyy-mm-dd"
    late = rows[1]
    assert late[9] == datetime(2026, 3, 3, 9, 5) and late[10] == datetime(2026, 3, 3, 12, 0)
    assert sheet.cell(4, 10).number_format == "hh:mm"


def test_contact_sheets_workbook(client, world):
    build_week(world)
    login(client, "hr_a")
    book = _book(client.get("/exports/contact-sheets.xlsx?month=2026-03"))
    assert book.sheetnames == ["市税务局"]
    sheet = book["市税务局"]
    assert sheet["A1"].value.startswith("工作联系单") and sheet.freeze_panes == "A3"
    assert [(r[0].date(), r[2], r[6]) for r in _rows(sheet)] == \
        [(date(2026, 3, 2), "S3", "旷工:迟到 45 分钟")]


def test_the_lead_gets_their_unit_and_bad_queries_are_refused(client, world):
    build_week(world)
    headers = api_token(client, "lead_sw")
    book = _book(client.get("/api/v1/exports/attendance-month.xlsx?month=2026-03",
                            headers=headers))
    assert book.sheetnames == ["汇总", "市税务局"]
    bad = client.get("/api/v1/exports/attendance-month.xlsx?month=2026-3", headers=headers)
    assert bad.status_code == 400 and "month" in bad.get_json()["error"]["fields"]
    bad = client.get("/api/v1/exports/weekly-bulletin.xlsx", headers=headers)
    assert bad.status_code == 400 and "date" in bad.get_json()["error"]["fields"]
    staff = api_token(client, "staff_alice")
    assert client.get("/api/v1/exports/contact-sheets.xlsx?month=2026-03",
                      headers=staff).status_code == 403
    other = api_token(client, "hr_b")
    book = _book(client.get("/api/v1/exports/weekly-bulletin.xlsx?date=2026-03-02",
                            headers=other))
    assert book.sheetnames == ["汇总", "乙综合科"] and not _rows(book["乙综合科"])


def test_a_login_of_every_centre_names_the_centre(client, world):
    build_week(world)
    headers = api_token(client, "root")
    book = _book(client.get("/api/v1/exports/attendance-month.xlsx?month=2026-03"
                            "&centre_code=CB", headers=headers))
    assert book.sheetnames == ["汇总", "乙综合科"]
    everything = _book(client.get("/api/v1/exports/attendance-month.xlsx?month=2026-03",
                                  headers=headers))
    assert everything.sheetnames == ["汇总", "市税务局", "综合受理科", "乙综合科"]
    assert [c.value for c in everything["汇总"][2]][0] == "中心"
    bad = client.get("/api/v1/exports/attendance-month.xlsx?month=2026-03&centre_code=NOPE",
                     headers=headers)
    assert bad.status_code == 400 and "centre_code" in bad.get_json()["error"]["fields"]
