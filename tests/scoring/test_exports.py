"""Score workbooks (SPEC §8, API.md ``scores-quarterly`` / ``scores-annual``) and the feedback
to the home units of seconded staff: a summary sheet with a native chart, one sheet per
department, frozen headers, widths, formats, Chinese headers, formula-looking text as text."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from compliance import audit
from compliance.extensions import db
from compliance.scoring import operations
from tests.conftest import api_token

from .helpers import finding, sessions, working_days


@pytest.fixture
def scored(app_ctx, world, factory):
    audit.acting_as("test")
    tricky = factory.staff(world.dept1, "S7", name="=HYPERLINK(\"http://x\")")
    for person in (world.alice, world.bob, world.carol, tricky):
        working_days(person, date(2026, 1, 5), 3)
        working_days(person, date(2026, 4, 6), 3)
    sessions(world.carol, date(2026, 1, 9), "abnormal", "absent", issues_am="late", late=6)
    finding(world, world.carol, date(2026, 1, 12), points=5)
    operations.recompute_year(world.a, 2026, today=date(2026, 6, 30))
    db.session.commit()
    return world


def _book(client, username, path):
    response = client.get(path, headers=api_token(client, username))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    return load_workbook(io.BytesIO(response.data))


def test_quarterly_workbook(client, scored):
    book = _book(client, "hr_a", "/api/v1/exports/scores-quarterly.xlsx?year=2026&quarter=1")
    assert book.sheetnames == ["汇总", "市税务局", "综合受理科"]  # departments by code
    summary = book["汇总"]
    assert summary["A1"].value.startswith("甲中心")
    assert [c.value for c in summary[2]][:5] == ["部门", "类型", "人数", "参评人数", "平均分"]
    assert summary.freeze_panes == "A3" and len(summary._charts) == 1
    assert [summary.cell(r, 1).value for r in range(3, 6)] == ["市税务局", "综合受理科", "全部部门"]
    assert summary["C5"].value == 4 and summary["A5"].font.b  # the total line
    sheet = book["综合受理科"]
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["中心排名", "部门排名", "工号", "姓名"] and "总分" in header
    assert sheet.freeze_panes == "A3" and sheet.column_dimensions["D"].width == 10
    rows = {sheet.cell(r, 3).value: r for r in range(3, sheet.max_row + 1)}
    assert set(rows) == {"S1", "S2", "S7"}
    tricky = sheet.cell(rows["S7"], 4)
    assert tricky.value == "=HYPERLINK(\"http://x\")" and tricky.data_type == "s"
    total = sheet.cell(rows["S1"], header.index("总分") + 1)
    assert total.value == 100 and total.number_format == "0.00"
    tax = book["市税务局"]
    carol = [c.value for c in tax[3]]
    assert carol[2] == "S3" and carol[header.index("迟到")] == 1 and carol[header.index("旷工")] == 1
    assert carol[header.index("参与评优")] == "是"  # an absence bars the annual honour only
    assert carol[header.index("扣分合计")] == 17  # late 2 + absent 10 + finding 5


def test_annual_workbook_and_the_unit_leads_share(client, scored):
    book = _book(client, "hr_a", "/api/v1/exports/scores-annual.xlsx?year=2026")
    sheet = book["综合受理科"]
    header = [c.value for c in sheet[2]]
    assert header[4:9] == ["一季度", "二季度", "三季度", "四季度", "年度得分"]
    assert "（暂定" in book["汇总"]["A1"].value or "暂定" in book["汇总"]["A1"].value
    tax = book["市税务局"]
    tax_header = [c.value for c in tax[2]]
    assert tax.cell(3, tax_header.index("具备年度评先资格") + 1).value == "否"
    assert "未履行请假手续擅自离岗外出" in tax.cell(3, tax_header.index("取消评先原因") + 1).value
    lead = _book(client, "lead_sw", "/api/v1/exports/scores-annual.xlsx?year=2026")
    assert lead.sheetnames == ["汇总", "市税务局"]
    assert [lead["市税务局"].cell(r, 3).value for r in range(3, lead["市税务局"].max_row + 1)] == \
        ["S3"]


def test_feedback_to_the_home_unit_of_seconded_staff(client, scored):
    book = _book(client, "hr_a", "/api/v1/exports/scores-home-unit.xlsx?year=2026&quarter=1")
    assert book.sheetnames == ["反馈单 市税务局", "明细 市税务局"]  # the seconded unit only
    feedback = book["反馈单 市税务局"]
    assert "反馈" in feedback["A1"].value and "市税务局" in feedback["A1"].value
    row = [c.value for c in feedback[3]]
    assert row[:2] == ["S3", "李娜"] and row[3:7] == [1, 0, 0, 1]  # late, early, missing, absent
    details = book["明细 市税务局"]
    lines = [(details.cell(r, 1).value.date(), details.cell(r, 4).value, details.cell(r, 5).value)
             for r in range(3, details.max_row + 1)]
    assert lines == [(date(2026, 1, 9), "迟到", 2), (date(2026, 1, 9), "旷工", 10),
                     (date(2026, 1, 12), "问题记录", 5)]
    assert details["A3"].number_format == "yyyy-mm-dd"
    yearly = _book(client, "lead_sw", "/api/v1/exports/scores-home-unit.xlsx?year=2026")
    assert [c.value for c in yearly["反馈单 市税务局"][3]][:2] == ["S3", "李娜"]


def test_an_export_of_nothing_is_still_a_workbook(client, world):
    book = _book(client, "hr_a", "/api/v1/exports/scores-quarterly.xlsx?year=2025&quarter=4")
    assert book.sheetnames == ["汇总"]
