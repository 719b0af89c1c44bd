"""Punches from time clock files (SPEC §3.2, §8): CSV and Excel as time clocks export them.

Understood layouts (the header row is found among the first rows, below any title lines):

* ZKTeco-style exports: a person column (人员编号 / 考勤号码 / 工号 / AC-No.), optionally 姓名,
  the time as one column (打卡时间 / 签到时间 / 考勤时间) or as 日期 + 时间, and optionally the
  device (设备 / 机器号);
* a plain ``staff_no,at,device`` file.

CSV may be UTF-8 (with or without BOM) or GBK/GB18030. A person is matched on their time
clock number (``Staff.device_user_id``) or staff number, within the centre. Times without an
offset are local to the centre's zone. The load is all or nothing: every bad row is reported
(row and field, in the user's language) and nothing is stored. A file already loaded (same
SHA-256) adds nothing; punches within the rulebook's duplicate window (60 s) of a stored or
earlier punch are dropped, so overlapping files add only their new punches. Punches are
written in bulk (driver ``executemany`` / ``COPY``), the load is audited as its
:class:`PunchBatch`, and exactly the (person, day)s that gained punches are recomputed.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from bisect import bisect_left
from operator import itemgetter
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..importing import ImportFileError, RowError, _normalise
from ..org.models import Staff
from . import inputs
from .bulk import _EPOCH, _Instants, recompute_days
from .models import PunchBatch, PunchSource
from .punches import FUTURE_TOLERANCE

HEADER_SEARCH_ROWS = 30  # title lines a time clock may print above the header
MAX_REPORTED_ERRORS = 500  # a file of a wrong kind would otherwise list a million errors

_PERSON_DEVICE = ("人员编号", "考勤号码", "考勤号", "用户编号", "用户id", "登记号码", "ac-no.",
                  "ac-no", "acno", "userid", "deviceuserid", "enrollnumber", "badgenumber")
_PERSON_STAFF = ("工号", "staffno", "员工编号", "职工号", "staffnumber", "employeeno")
_INSTANT = ("打卡时间", "签到时间", "考勤时间", "刷卡时间", "at", "datetime", "timestamp",
            "checktime", "punchtime")
_DATE = ("日期", "打卡日期", "date")
_TIME = ("时间", "time")
_DEVICE = ("设备", "设备号", "设备名称", "机器号", "机器", "考勤机", "device", "terminal",
           "machine", "deviceid")
_NAME = ("姓名", "name")

_STAMP = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})"
                    r"(?::(\d{1,2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?")


@dataclass
class DeviceImportReport:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    days: int = 0
    already_imported: bool = False
    batch_id: int | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(row, field_name, message))

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "duplicates": self.duplicates,
                "days": self.days, "already_imported": self.already_imported,
                "batch_id": self.batch_id, "errors": [e.as_dict() for e in self.errors]}


# --- reading -----------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or GBK/GB18030, the encodings Chinese time clocks write."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))


def _raw_rows(filename: str, data: bytes):
    from ..importing import _iter_xlsx

    if data[:2] == b"PK":
        return _iter_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError(_("The file is not a readable Excel workbook."))
    text = decode(data)
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count) if sample else ","
    return csv.reader(io.StringIO(text), delimiter=delimiter)


@dataclass
class _Layout:
    person: int
    person_is_device: bool
    instant: int | None
    date: int | None
    time: int | None
    device: int | None
    header_row: int  # as the user numbers rows (1 = first line)


def _find(cells: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {_normalise(n) for n in names}
    for index, cell in enumerate(cells):
        if cell in wanted:
            return index
    return None


def _layout(cells: list[str], number: int) -> _Layout | None:
    device_person = _find(cells, _PERSON_DEVICE)
    staff_person = _find(cells, _PERSON_STAFF)
    person = device_person if device_person is not None else staff_person
    instant = _find(cells, _INSTANT)
    day, clock = _find(cells, _DATE), _find(cells, _TIME)
    if person is None or (instant is None and (day is None or clock is None)):
        return None
    return _Layout(person, device_person is not None, instant, day if instant is None else None,
                   clock if instant is None else None, _find(cells, _DEVICE), number)


# --- times -------------------------------------------------------------------------------

class _Clock:
    """Local wall times of the centre → epoch seconds, with a cache per local date (a day
    without a DST change has one offset; a day with one is converted exactly)."""

    def __init__(self, tz: str):
        self.zone = ZoneInfo(tz)
        self._days: dict[tuple[int, int, int], tuple[date, int, int | None]] = {}

    def day(self, y: int, m: int, d: int) -> tuple[date, int, int | None]:
        """(date, epoch of local midnight, fixed offset or None on a DST day); raises
        ValueError for an impossible date."""
        key = (y, m, d)
        found = self._days.get(key)
        if found is None:
            day = date(y, m, d)
            start = datetime.combine(day, time(0), tzinfo=self.zone)
            end = datetime.combine(day, time(23, 59, 59), tzinfo=self.zone)
            offset = int(start.utcoffset().total_seconds())
            fixed = offset if offset == int(end.utcoffset().total_seconds()) else None
            midnight = int((start - _EPOCH).total_seconds())
            found = self._days[key] = (day, midnight, fixed)
        return found

    def epoch(self, y, m, d, hh, mm, ss, offset_text) -> tuple[int, date]:
        """Epoch seconds and local date of a wall time; raises ValueError when impossible."""
        if hh > 23 or mm > 59 or ss > 59:
            raise ValueError("time")
        day, midnight, fixed = self.day(y, m, d)
        seconds = hh * 3600 + mm * 60 + ss
        if offset_text:
            if offset_text == "Z":
                offset = 0
            else:
                sign = -1 if offset_text[0] == "-" else 1
                digits = offset_text[1:].replace(":", "")
                offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
            epoch = int((datetime(y, m, d, tzinfo=timezone.utc) - _EPOCH).total_seconds()) \
                + seconds - offset
            local = (_EPOCH + timedelta(seconds=epoch)).astimezone(self.zone).date()
            return epoch, local
        if fixed is not None:
            # midnight is local 00:00 as UTC: the wall time is that many seconds later
            return midnight + seconds, day
        wall = datetime(y, m, d, hh, mm, ss, tzinfo=self.zone)
        return int((wall - _EPOCH).total_seconds()), day


def _parse_instant(clock: _Clock, value) -> tuple[int, date]:
    """A time clock's stamp (text or an Excel datetime) → (epoch seconds, local date)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            epoch = int((value - _EPOCH).total_seconds())
            return epoch, value.astimezone(clock.zone).date()
        return clock.epoch(value.year, value.month, value.day, value.hour, value.minute,
                           value.second, None)
    text = str(value).strip()
    if len(text) == 19 and text[4] == "-" and text[10] == " " and text[13] == ":":
        return clock.epoch(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                           int(text[14:16]), int(text[17:19]), None)
    match = _STAMP.fullmatch(text)
    if match is None or match.group(4) is None:
        raise ValueError("format")
    y, m, d, hh, mm, ss, offset = match.groups()
    return clock.epoch(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0), offset)


def _parse_parts(clock: _Clock, day_value, time_value) -> tuple[int, date]:
    if isinstance(day_value, datetime):
        y, m, d = day_value.year, day_value.month, day_value.day
    elif isinstance(day_value, date):
        y, m, d = day_value.year, day_value.month, day_value.day
    else:
        match = _STAMP.fullmatch(str(day_value).strip())
        if match is None or match.group(4) is not None:
            raise ValueError("date")
        y, m, d = (int(g) for g in match.groups()[:3])
    if isinstance(time_value, (time, datetime)):
        hh, mm, ss = time_value.hour, time_value.minute, time_value.second
    else:
        match = _CLOCK.fullmatch(str(time_value).strip())
        if match is None:
            raise ValueError("time")
        hh, mm, ss = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return clock.epoch(y, m, d, hh, mm, ss, None)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- the import --------------------------------------------------------------------------

def import_device_file(centre_id: int, filename: str, data: bytes, *, now: datetime,
                       user_id: int | None = None, recompute: bool = True
                       ) -> DeviceImportReport:
    """Load a time clock file into the centre's punches (see the module docstring).

    Raises ``ImportFileError`` for an unreadable file or one without a recognisable header; a
    report with errors means nothing was written. ``recompute=False`` leaves the session
    results alone (the benchmark times the load by itself).
    """
    report = DeviceImportReport()
    if not data:
        raise ImportFileError(_("The file is empty."))
    digest = hashlib.sha256(data).hexdigest()
    earlier = db.session.scalar(sa.select(PunchBatch.id).where(
        PunchBatch.centre_id == centre_id, PunchBatch.sha256 == digest).limit(1))
    if earlier is not None:
        report.already_imported, report.batch_id = True, earlier
        return report

    tz = inputs.centre_zone(centre_id)
    clock = _Clock(tz)
    by_device: dict[str, int] = {}
    by_staff_no: dict[str, int] = {}
    for staff_id, staff_no, device_user_id in db.session.execute(
            sa.select(Staff.id, Staff.staff_no, Staff.device_user_id)
            .where(Staff.centre_id == centre_id)):
        by_staff_no[staff_no] = staff_id
        if device_user_id:
            by_device[device_user_id] = staff_id
    limit = int((now + FUTURE_TOLERANCE - _EPOCH).total_seconds())

    rows = _raw_rows(filename, data)
    layout = None
    number = 0
    for number, raw in enumerate(rows, start=1):
        layout = _layout([_normalise(c) for c in raw], number)
        if layout is not None or number >= HEADER_SEARCH_ROWS:
            break
    if layout is None:
        raise ImportFileError(_("No header row with a person column (人员编号, 考勤号码 or 工号) "
                                "and a time column (打卡时间, or 日期 and 时间) was found."))
    first, second = (by_device, by_staff_no) if layout.person_is_device else \
        (by_staff_no, by_device)
    person_field = "person"
    time_field = "at" if layout.instant is not None else "time"
    wanted_width = max(i for i in (layout.person, layout.instant, layout.date, layout.time)
                       if i is not None)

    punches: dict[int, list[tuple[int, str | None, date]]] = defaultdict(list)
    errors = report.errors
    # The common stamp "2026-03-02 08:51:23" is read through two caches (its date and its
    # time of day) instead of a parse per row: a device file repeats both endlessly.
    day_cache: dict[str, tuple[date, int, int | None]] = {}
    clock_cache: dict[str, int] = {}
    p_col, i_col, d_col = layout.person, layout.instant, layout.device
    counted = 0
    for number, raw in enumerate(rows, start=layout.header_row + 1):
        if len(raw) <= wanted_width:
            if not any(_text(c) for c in raw):
                continue  # blank line
            errors.append(RowError(number, time_field, _("The row has too few columns.")))
            continue
        person = raw[p_col]
        person = person.strip() if person.__class__ is str else _text(person)
        if not person:
            if not any(_text(c) for c in raw):
                continue
            errors.append(RowError(number, person_field, _("The person is empty.")))
            continue
        counted += 1
        staff_id = first.get(person)
        if staff_id is None:
            staff_id = second.get(person)
            if staff_id is None:
                errors.append(RowError(number, person_field, _(
                    "Unknown person %(id)s: no time clock number or staff number of this "
                    "centre.", id=person)))
                if len(errors) >= MAX_REPORTED_ERRORS:
                    break
                continue
        stamp = raw[i_col] if i_col is not None else None
        epoch = None
        if stamp.__class__ is str and len(stamp) == 19 and stamp[10] == " ":
            info = day_cache.get(stamp[:10])
            seconds = clock_cache.get(stamp[11:])
            if info is not None and seconds is not None and info[2] is not None:
                epoch, day = info[1] + seconds, info[0]
        if epoch is None:
            try:
                if i_col is not None:
                    epoch, day = _parse_instant(clock, stamp)
                    text = stamp.strip() if stamp.__class__ is str else ""
                    if len(text) == 19 and text[4] == "-" and text[10] == " " \
                            and text[13] == ":" and text[16] == ":":
                        info = clock.day(int(text[:4]), int(text[5:7]), int(text[8:10]))
                        day_cache[text[:10]] = info
                        clock_cache[text[11:]] = int(text[11:13]) * 3600 + \
                            int(text[14:16]) * 60 + int(text[17:19])
                else:
                    epoch, day = _parse_parts(clock, raw[layout.date], raw[layout.time])
            except (ValueError, OverflowError):
                shown = _text(raw[i_col]) if i_col is not None else \
                    f"{_text(raw[layout.date])} {_text(raw[layout.time])}"
                errors.append(RowError(number, time_field, _(
                    "“%(value)s” is not a possible date and time (expected like "
                    "2026-03-02 08:51:23).", value=shown)))
                if len(errors) >= MAX_REPORTED_ERRORS:
                    break
                continue
        if epoch > limit:
            errors.append(RowError(number, time_field, _(
                "%(at)s is in the future.",
                at=(_EPOCH + timedelta(seconds=epoch)).astimezone(clock.zone).isoformat())))
            if len(errors) >= MAX_REPORTED_ERRORS:
                break
            continue
        device = None
        if d_col is not None and d_col < len(raw):
            device = raw[d_col]
            device = (device.strip() if device.__class__ is str else _text(device))[:64] or None
        punches[staff_id].append((epoch, device, day))
    report.rows = counted
    if report.rows == 0 and not errors:
        errors.append(RowError(layout.header_row, "file",
                               _("The file holds no rows below its header.")))
    if errors:
        return report

    new_rows, touched = _deduplicate(centre_id, punches, report)
    batch = PunchBatch(centre_id=centre_id, source=PunchSource.device, filename=filename[:200],
                       sha256=digest, rows=report.rows, created=report.created,
                       duplicates=report.duplicates, days=len(touched) if recompute else 0,
                       created_by_id=user_id)
    db.session.add(batch)
    db.session.flush()
    report.batch_id = batch.id
    _insert(centre_id, batch.id, new_rows)
    if recompute:
        recompute_days(touched)
        report.days = len(touched)
    return report


def _deduplicate(centre_id: int, punches: dict[int, list[tuple[int, str | None, date]]],
                 report: DeviceImportReport):
    """Drop punches within the duplicate window of a stored punch or of an earlier punch of
    the file (the first is kept). Returns the rows to insert and the (person, day)s touched."""
    from ..scoring.store import rules_for

    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    windows: dict[date, int] = {}
    new_rows: list[tuple[int, int, str | None]] = []
    touched: set[tuple[int, date]] = set()
    ids = list(punches)
    first_epoch = itemgetter(0)
    for own in punches.values():
        own.sort(key=first_epoch)
    stored: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        lo = min(punches[i][0][0] for i in chunk) - 86400
        hi = max(punches[i][-1][0] for i in chunk) + 86400
        id_list = ",".join(str(int(i)) for i in chunk)
        if postgres:
            query = ("SELECT staff_id, floor(extract(epoch FROM at))::bigint FROM punch "
                     f"WHERE staff_id IN ({id_list}) AND at >= to_timestamp({lo}) "
                     f"AND at <= to_timestamp({hi})")
        else:
            bounds = [(_EPOCH + timedelta(seconds=x)).strftime("%Y-%m-%d %H:%M:%S")
                      for x in (lo, hi)]
            query = ("SELECT staff_id, CAST(strftime('%s', at) AS INTEGER) FROM punch "
                     f"WHERE staff_id IN ({id_list}) AND at >= '{bounds[0]}' "
                     f"AND at <= '{bounds[1]}'")
        for staff_id, epoch in conn.exec_driver_sql(query):
            stored[staff_id].append(epoch)
    duplicates = 0
    append, touch = new_rows.append, touched.add
    for staff_id, own in punches.items():
        existing = sorted(stored.get(staff_id, ()))
        last_kept = None
        last_day = None
        for epoch, device, day in own:
            if day is not last_day:
                window = windows.get(day)
                if window is None:
                    window = windows[day] = \
                        rules_for(centre_id, day).attendance.duplicate_punch_seconds
                last_day = day
            if last_kept is not None and epoch - last_kept <= window:
                duplicates += 1
                continue
            if existing:
                at = bisect_left(existing, epoch - window)
                if at < len(existing) and existing[at] <= epoch + window:
                    duplicates += 1
                    continue
            last_kept = epoch
            append((staff_id, epoch, device))
            touch((staff_id, day))  # only days that gained a punch are recomputed
    report.duplicates += duplicates
    report.created = len(new_rows)
    return new_rows, touched


def _insert(centre_id: int, batch_id: int, rows: list[tuple[int, int, str | None]]) -> None:
    """Write the punches in bulk through the driver (COPY on PostgreSQL)."""
    if not rows:
        return
    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    text = _Instants(postgres).text
    source = PunchSource.device.value
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if postgres:
            with cursor.copy("COPY punch (centre_id, staff_id, at, source, device, batch_id) "
                             "FROM STDIN") as copy:
                for staff_id, epoch, device in rows:
                    copy.write_row((centre_id, staff_id, text(epoch), source, device, batch_id))
        else:
            # SQLite evaluates the source CHECK per row, which doubles the cost of the insert;
            # every row here carries the one constant ``device``, so it is skipped.
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                cursor.executemany(
                    "INSERT INTO punch (centre_id, staff_id, at, source, device, batch_id) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(centre_id, staff_id, text(epoch), source, device, batch_id)
                     for staff_id, epoch, device in rows])
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    finally:
        cursor.close()
