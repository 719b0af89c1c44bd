"""Reading tabular uploads (CSV or Excel) for all-or-nothing imports.

Each import declares its columns with the header names people use (Chinese and English);
rows come back as dicts keyed by the column's field name, numbered as the user sees them in
the file (the header is row 1). The import validates every row, collects every error, and
writes nothing unless all rows are good.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from flask_babel import gettext as _
from openpyxl import load_workbook


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, missing columns)."""


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]
    required: bool = True


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": str(self.message)}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(row, field_name, message))

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }


def _normalise(header) -> str:
    return str(header or "").strip().lower().replace(" ", "").replace("_", "")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 1001 as 1001.0
    return str(value).strip()


def _iter_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _iter_xlsx(data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise ImportFileError(_("The file is not a readable Excel workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def iter_rows(filename: str, data: bytes):
    """Raw rows of a CSV or .xlsx file, chosen by content (a zip is a workbook)."""
    if data[:2] == b"PK":
        return _iter_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is not a readable Excel workbook."))
    return _iter_csv(data)


def read_table(filename: str, stream: IO[bytes] | bytes, columns: list[Column]):
    """Yield ``(row_number, {field: text})`` for each non-empty row of the upload."""
    data = stream if isinstance(stream, bytes) else stream.read()
    if not data:
        raise ImportFileError(_("The file is empty."))
    rows = iter_rows(filename, data)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(_("The file is empty."))
    positions: dict[str, int] = {}
    normalised = [_normalise(h) for h in header]
    for column in columns:
        names = {_normalise(h) for h in column.headers} | {_normalise(column.field)}
        for index, name in enumerate(normalised):
            if name in names:
                positions[column.field] = index
                break
        else:
            if column.required:
                raise ImportFileError(
                    _("Column %(name)s is missing from the header row.", name=column.headers[0])
                )
    for number, raw in enumerate(rows, start=2):
        values = {f: _cell_text(raw[i]) if i < len(raw) else "" for f, i in positions.items()}
        if any(values.values()):
            yield number, values


def upserted_message(report) -> str:
    """The success line of an import that creates, updates or leaves rows as they were."""
    return _("Imported %(rows)d rows: %(created)d new, %(updated)d changed, "
             "%(unchanged)d unchanged.", rows=report.rows, created=report.created,
             updated=report.updated, unchanged=report.unchanged)


def run_import_form(form, run, done_message):
    """The upload step of every import page: validate ``form`` (its ``file`` field), run
    ``run(filename, data)`` and keep the result only when every row is good — commit and
    flash ``done_message(report)`` — otherwise roll back and say how many rows failed. An
    unreadable file is reported on the form's field. Returns ``(report or None, status)``."""
    from flask import flash, request

    from .extensions import db

    if not form.validate_on_submit():
        return None, 400 if request.method == "POST" else 200
    upload = form.file.data
    try:
        report = run(upload.filename or "", upload.read())
    except ImportFileError as error:
        db.session.rollback()
        form.file.errors.append(str(error))
        return None, 400
    if report.ok:
        db.session.commit()
        flash(done_message(report), "success")
        return report, 200
    db.session.rollback()
    flash(_("Nothing was imported: %(count)d errors. Correct the file and import it again.",
            count=len(report.errors)), "error")
    return report, 400
