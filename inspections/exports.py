"""Excel export of findings (SPEC §8, openpyxl): Chinese headers, a frozen header row, column
widths, date and time formats, and every text that starts with ``=``, ``+``, ``-`` or ``@``
written as text, never as a formula (a note typed by a person must not run in Excel)."""
from __future__ import annotations

from io import BytesIO
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from compliance.conduct.models import Finding

FORMULA_STARTS = ("=", "+", "-", "@")

# (header, width in characters, number format or None)
COLUMNS = [
    (_l("Date"), 12, "yyyy-mm-dd"),
    (_l("Time"), 8, "hh:mm"),
    (_l("Staff number"), 10, None),
    (_l("Name of the person"), 10, None),
    (_l("Department"), 18, None),
    (_l("Window"), 8, None),
    (_l("Source"), 10, None),
    (_l("Item code"), 22, None),
    (_l("Item"), 48, None),
    (_l("Severity"), 8, None),
    (_l("Points"), 7, "0"),
    (_l("Ten prohibitions"), 8, None),
    (_l("State"), 10, None),
    (_l("Note"), 40, None),
    (_l("Appeal until"), 12, "yyyy-mm-dd"),
    (_l("Recorded by"), 12, None),
]


def put(sheet, row: int, column: int, value, number_format: str | None = None):
    """Write one cell; a text that Excel would read as a formula stays text."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif number_format and value is not None:
        cell.number_format = number_format
    return cell


def findings_workbook(findings: list[Finding], timezones: dict[int, str],
                      departments: dict[int, str], recorders: dict[int, str],
                      title: str) -> bytes:
    """One sheet of findings in the given order; times in each finding's centre zone; the
    department is the one the finding was filed under (the person may have moved since)."""
    book = Workbook()
    sheet = book.active
    with force_locale("zh_CN"):  # the workbook goes to the centre's offices: Chinese headers
        sheet.title = str(_l("Findings"))
        for column, (header, width, _fmt) in enumerate(COLUMNS, start=1):
            cell = put(sheet, 1, column, str(header))
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF1F5")
            cell.alignment = Alignment(vertical="center")
            sheet.column_dimensions[get_column_letter(column)].width = width
        yes = str(_l("Yes"))
        for row, finding in enumerate(findings, start=2):
            local = finding.at.astimezone(ZoneInfo(timezones[finding.centre_id]))
            values = [
                finding.day, local.time().replace(second=0, microsecond=0),
                finding.staff.staff_no if finding.staff else "",
                finding.staff.name if finding.staff else "",
                departments.get(finding.department_id or 0, ""),
                finding.window.code if finding.window else "",
                str(finding.source.label), finding.item_code, finding.item_text_zh,
                str(finding.severity.label), finding.points,
                yes if finding.ten_prohibitions else "", str(finding.state.label), finding.note,
                finding.appeal_due, recorders.get(finding.recorded_by_id or 0, ""),
            ]
            for column, (value, (_h, _w, fmt)) in enumerate(zip(values, COLUMNS), start=1):
                put(sheet, row, column, value, fmt)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(findings) + 1)}"
    book.properties.title = title
    out = BytesIO()
    book.save(out)
    return out.getvalue()
