"""The Excel export of findings: Chinese headers, frozen header row, dates as dates, scope by
role, and text that looks like a formula kept as text."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import api_token, login

from .helpers import body

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+2", "-3+4", "@SUM(A1:A9)"]


@pytest.fixture
def findings(client, world):
    inspector = api_token(client, "inspector")
    data = body(fail=("posture.sit", "behaviour.both_hands", "behaviour.farewell",
                      "behaviour.colleagues"))
    for answer, note in zip([a for a in data["answers"] if a["result"] == "fail"], DANGEROUS):
        answer["note"] = note
    assert client.post("/api/v1/inspections", headers=inspector, json=data).status_code == 201
    carol = body(staff_no="S3", window_code="D01", fail=("posture.sit",))
    assert client.post("/api/v1/inspections", headers=inspector, json=carol).status_code == 201
    return inspector


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    return book.active, response.data


def test_the_workbook(client, findings):
    sheet, raw = _sheet(client.get("/api/v1/exports/findings.xlsx?from=2026-03-01&to=2026-03-31",
                                   headers=findings))
    header = [c.value for c in sheet[1]]
    assert header[:9] == ["日期", "时间", "工号", "姓名", "部门", "窗口", "来源", "检查项编码",
                          "检查项"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["I"].width == 48
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 5
    first = sheet[2]
    assert first[0].value.date() == date(2026, 3, 2) and first[0].number_format == "yyyy-mm-dd"
    assert first[1].value.strftime("%H:%M") == "10:15"  # Beijing time
    assert first[1].number_format == "hh:mm" and first[10].value == 1
    assert {r[2] for r in rows} == {"S1", "S3"} and {r[6] for r in rows} == {"日常巡查"}
    assert {r[4] for r in rows} == {"综合受理科", "市税务局"}
    # Notes that look like formulas stay text, never formulas.
    notes = {c.value: c for c in sheet["N"][1:]}
    for text in DANGEROUS:
        assert notes[text].data_type == "s" and notes[text].quotePrefix
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    # The same through the page, and an empty range is an empty sheet.
    login(client, "hr_a")
    page, _raw = _sheet(client.get("/exports/findings.xlsx?from=2026-03-01&to=2026-03-31"))
    assert page.max_row == 6
    empty, _raw = _sheet(client.get("/exports/findings.xlsx?from=2025-01-01&to=2025-01-31"))
    assert empty.max_row == 1


@pytest.mark.parametrize("username, staff_numbers", [
    ("lead_sw", {"S3"}), ("hr_a", {"S1", "S3"}), ("hr_b", set()), ("inspector", {"S1", "S3"})])
def test_the_export_holds_what_the_role_may_see(client, findings, username, staff_numbers):
    sheet, _raw = _sheet(client.get("/api/v1/exports/findings.xlsx?from=2026-03-01",
                                    headers=api_token(client, username)))
    assert {row[2].value for row in sheet.iter_rows(min_row=2)} == staff_numbers


def test_staff_export_nothing(client, findings):
    assert client.get("/api/v1/exports/findings.xlsx",
                      headers=api_token(client, "staff_alice")).status_code == 403
    login(client, "staff_alice")
    assert client.get("/exports/findings.xlsx").status_code == 403


def test_filters_and_bad_query(client, findings):
    sheet, _raw = _sheet(client.get("/api/v1/exports/findings.xlsx?staff_no=S3&source=patrol",
                                    headers=findings))
    assert sheet.max_row == 2
    bad = client.get("/api/v1/exports/findings.xlsx?source=gossip", headers=findings)
    assert bad.status_code == 400 and "source" in bad.get_json()["error"]["fields"]
