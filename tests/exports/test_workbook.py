"""The workbook writer: formula-looking text stays text, frozen header, widths, formats."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference

from compliance.exports.workbook import DECIMAL_FORMAT, Col, ExcelBook, sheet_title


def _read(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_formula_looking_text_is_written_as_text():
    book = ExcelBook()
    sheet = book.sheet("名单", [Col("姓名", 10), Col("备注", 30)])
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)"):
        sheet.append(["张丽", text])
    ws = _read(book.save())["名单"]
    values = [(ws.cell(row, 2).value, ws.cell(row, 2).data_type) for row in range(2, 6)]
    assert values == [("=HYPERLINK(\"http://x\")", "s"), ("+1", "s"), ("-2+3", "s"),
                      ("@SUM(A1)", "s")]


def test_header_frozen_bold_with_widths_formats_and_filter():
    book = ExcelBook()
    sheet = book.sheet("季度", [Col("工号", 11), Col("日期", 12), Col("得分", 9, DECIMAL_FORMAT)],
                       title_row="2026年第一季度")
    sheet.append(["S1", date(2026, 3, 2), Decimal("95.5")])
    sheet.append(["S2", datetime(2026, 3, 2, 8, 57), 7])
    ws = _read(book.save())["季度"]
    assert ws["A1"].value == "2026年第一季度"
    assert [c.value for c in ws[2]] == ["工号", "日期", "得分"] and ws["A2"].font.b
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:C2"
    assert ws.column_dimensions["A"].width == 11 and ws.column_dimensions["C"].width == 9
    assert ws["B3"].number_format == "yyyy-mm-dd" and ws["B4"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C3"].value == 95.5 and ws["C3"].number_format == "0.00"
    assert ws["C4"].number_format == "0.00"


def test_aware_instants_are_refused_rather_than_written_in_utc():
    sheet = ExcelBook().sheet("x", [Col("时间")])
    with pytest.raises(ValueError):
        sheet.append([datetime(2026, 3, 2, tzinfo=timezone.utc)])


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    assert sheet_title("市税务局/办税[一]", used) == "市税务局_办税_一_"
    long = "很长的部门名称" * 6
    first, second = sheet_title(long, used), sheet_title(long, used)
    assert len(first) == 31 and len(second) == 31 and first != second


def test_native_chart_is_kept():
    book = ExcelBook()
    sheet = book.sheet("汇总", [Col("部门"), Col("平均分", number_format=DECIMAL_FORMAT)])
    sheet.extend([["综合科", 95.0], ["税务局", 91.5]])
    chart = BarChart()
    chart.add_data(Reference(sheet.worksheet, min_col=2, min_row=1, max_row=sheet.last_row),
                   titles_from_data=True)
    sheet.add_chart(chart, "D2")
    ws = _read(book.save())["汇总"]
    assert len(ws._charts) == 1
