"""Writing workbooks the way HR expects them (SPEC §8), always in openpyxl's write-only mode.

Write-only mode streams rows to the file, so memory does not grow with the row count
(ARCHITECTURE: normal mode held 750 MB for 2M cells). Every sheet gets Chinese headers in
bold, a frozen header row, column widths, number and date formats, and an auto-filter; text
that Excel would take for a formula (starting with ``=``, ``+``, ``-`` or ``@``) is written
as text, never as a formula.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INTEGER_FORMAT = "0"
DECIMAL_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Col:
    """One column: its header (already translated), width in characters and number format.

    ``number_format`` None picks one from the value (dates, instants, decimals)."""

    header: str
    width: float = 12
    number_format: str | None = None
    wrap: bool = False


_NO_COLUMN = Col("")


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet title: at most 31 characters, none of ``[]:*?/\\``."""
    base = _SHEET_TITLE_BAD.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in {u.lower() for u in used}:
        suffix = f"~{n}"
        title = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


class ExcelBook:
    """A write-only workbook built sheet by sheet.

    >>> book = ExcelBook()
    >>> sheet = book.sheet("汇总", [Col("工号", 10), Col("得分", 8, DECIMAL_FORMAT)])
    >>> sheet.append(["S1001", Decimal("95.5")])
    >>> data = book.save()
    """

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._titles: set[str] = set()

    def sheet(self, name: str, columns: Sequence[Col], *, title_row: str | None = None
              ) -> Sheet:
        worksheet = self.workbook.create_sheet(sheet_title(name, self._titles))
        return Sheet(worksheet, columns, title_row)

    def save(self, target=None) -> bytes | None:
        """The workbook's bytes; with ``target`` (a path or a binary file) it is written
        there instead and nothing is returned."""
        if not self.workbook.worksheets:
            self.workbook.create_sheet("Sheet")
        if target is not None:
            self.workbook.save(target)
            return None
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()

    def save_to_temporary_file(self) -> str:
        """Write the workbook to a new temporary file and return its path (the caller
        removes it): a large export then never holds the whole file in memory."""
        handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
        os.close(handle)
        try:
            self.save(path)
        except BaseException:
            os.unlink(path)
            raise
        return path


class Sheet:
    """One worksheet: an optional title line, the bold frozen header, then rows."""

    def __init__(self, worksheet, columns: Sequence[Col], title_row: str | None) -> None:
        self.worksheet = worksheet
        self.columns = list(columns)
        self.rows = 0
        for index, column in enumerate(self.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = column.width
        header_row = 2 if title_row else 1
        # Write-only sheets write their view with the first row: freeze before appending.
        worksheet.freeze_panes = f"A{header_row + 1}"
        if title_row:
            worksheet.append([self._cell(title_row, font=Font(bold=True, size=13))])
        self.header_row = header_row
        worksheet.append([self._cell(c.header, font=_HEADER_FONT, fill=_HEADER_FILL)
                          for c in self.columns])
        if self.columns:
            last = get_column_letter(len(self.columns))
            worksheet.auto_filter.ref = f"A{header_row}:{last}{header_row}"

    def _cell(self, value: Any, *, number_format: str | None = None, font=None, fill=None,
              wrap: bool = False) -> WriteOnlyCell:
        value = excel_value(value)
        cell = WriteOnlyCell(self.worksheet, value=value)
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"  # text, not a formula
            cell.quotePrefix = True
        if number_format is None:
            number_format = _default_format(value)
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = _WRAP
        return cell

    def append(self, values: Sequence[Any], *, bold: bool = False) -> None:
        """One row; ``bold`` for a total line."""
        cells = []
        font = _HEADER_FONT if bold else None
        for index, value in enumerate(values):
            column = self.columns[index] if index < len(self.columns) else _NO_COLUMN
            cells.append(self._cell(value, number_format=column.number_format,
                                    wrap=column.wrap, font=font))
        self.worksheet.append(cells)
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    @property
    def last_row(self) -> int:
        return self.header_row + self.rows

    def add_chart(self, chart, anchor: str) -> None:
        self.worksheet.add_chart(chart, anchor)

    def bar_chart(self, title: str, *, categories: int, values: int, first_row: int,
                  last_row: int, anchor: str, y_title: str = "", y_max: float | None = None
                  ) -> BarChart:
        """A native Excel bar chart of column ``values`` (1-based; its header names the
        series) over the categories of column ``categories``, rows ``first_row`` to
        ``last_row`` of this sheet; placed with its top-left corner at ``anchor``."""
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.y_axis.title = y_title
        chart.legend = None
        if y_max is not None:
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = y_max
        chart.add_data(Reference(self.worksheet, min_col=values, min_row=first_row - 1,
                                 max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(self.worksheet, min_col=categories, min_row=first_row,
                                       max_row=last_row))
        chart.width, chart.height = 18, 9
        self.add_chart(chart, anchor)
        return chart


def excel_value(value: Any) -> Any:
    """A value openpyxl writes as intended: Decimal as float, enums by their value, lazy
    strings as text. Excel has no time zones: the caller converts instants to the centre's
    local wall time first; an aware instant is refused rather than written in UTC."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("convert instants to the centre's local time before writing them")
    if hasattr(value, "value") and not isinstance(value, (str, int, float, date)):
        return value.value
    if isinstance(value, (str, int, float, date, bool)):
        return value
    return str(value)


def _default_format(value: Any) -> str | None:
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, float):
        return DECIMAL_FORMAT
    return None
