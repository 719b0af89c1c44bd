"""Recomputing session results for many people and days at once (SPEC §3.2), for device files
and for a whole period (``flask`` jobs, the benchmark).

Same results as :func:`compute.recompute`, in a few queries per chunk of people instead of a
few per person: the roster, leave, corrections and temporary absences are read for the whole
chunk and span; punches are grouped per person and local day in SQL and come back as whole
epoch seconds (no ``datetime`` per punch, ARCHITECTURE "aggregate in SQL"); each day is judged
with the pure rules on elapsed microseconds (:func:`rules.judge_marks`), and the rows are
written in bulk: an upsert on ``(staff, day, session)`` keeps the ids of rows that stay (a
score's explanation points at them), and rows of a recomputed day that the day no longer has
are deleted. Days with an approved correction or a temporary absence take the general path
(:func:`rules.evaluate_day`), so both paths give the very rows ``recompute`` gives.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..org.models import Staff
from . import inputs
from .models import RosterEntry, Shift, SessionRecord, split_sessions
from .rules import (
    SessionStatus, ShiftDef, elapsed_us, evaluate_day, judge_marks, session_marks,
    session_windows, standard_shift,
)

CHUNK_PEOPLE = 250  # people per round of queries: bounds memory on a year of a big centre
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_US = 1_000_000
_COLUMNS = ("centre_id", "department_id", "staff_id", "day", "session", "position",
            "shift_code", "window_id", "status", "issues", "clock_in", "clock_out",
            "late_minutes", "early_minutes", "extended_minutes", "away_minutes", "leave_type")
_UPDATED = [c for c in _COLUMNS if c not in ("staff_id", "day", "session")]
_STATUS = {s: s.value for s in SessionStatus}


def recompute_days(pairs: Iterable[tuple[int, date]]) -> int:
    """Recompute exactly the given ``(staff id, local day)`` pairs; returns the rows written."""
    wanted: dict[int, set[date]] = defaultdict(set)
    for staff_id, day in pairs:
        wanted[staff_id].add(day)
    if not wanted:
        return 0
    written = 0
    people = db.session.execute(sa.select(Staff.id, Staff.centre_id, Staff.department_id)
                                .where(Staff.id.in_(list(wanted)))).all()
    by_centre: dict[int, dict[int, int]] = defaultdict(dict)
    for staff_id, centre_id, department_id in people:
        by_centre[centre_id][staff_id] = department_id
    for centre_id, departments in by_centre.items():
        ids = sorted(departments)
        for start in range(0, len(ids), CHUNK_PEOPLE):
            chunk = {i: departments[i] for i in ids[start:start + CHUNK_PEOPLE]}
            days = {i: wanted[i] for i in chunk}
            first = min(min(d) for d in days.values())
            last = max(max(d) for d in days.values())
            written += _recompute(centre_id, chunk, first, last, days)
    return written


def recompute_range(centre_id: int, first: date, last: date,
                    staff_ids: Iterable[int] | None = None) -> int:
    """Recompute every day from ``first`` to ``last`` of the centre's staff (or of
    ``staff_ids``); returns the rows written."""
    stmt = sa.select(Staff.id, Staff.department_id).where(Staff.centre_id == centre_id)
    if staff_ids is not None:
        stmt = stmt.where(Staff.id.in_(list(staff_ids)))
    departments = dict(db.session.execute(stmt.order_by(Staff.id)).all())
    ids = list(departments)
    written = 0
    for start in range(0, len(ids), CHUNK_PEOPLE):
        chunk = {i: departments[i] for i in ids[start:start + CHUNK_PEOPLE]}
        written += _recompute(centre_id, chunk, first, last, None)
    return written


# --- one chunk ---------------------------------------------------------------------------

class _Calendar:
    """The span's local days: each day's midnight in epoch seconds, the rulebook settings,
    and per (shift, day) its sessions' marks and punch windows in elapsed microseconds."""

    def __init__(self, centre_id: int, tz: str, first: date, last: date):
        self.tz, self.zone = tz, ZoneInfo(tz)
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.origin = {d: int((inputs.day_bounds(d, tz)[0] - _EPOCH).total_seconds())
                       for d in self.days}
        self.settings = {d: inputs.settings_for(centre_id, d) for d in self.days}
        self._layouts: dict[tuple[int | None, date], list] = {}

    def layout(self, key: int | None, shift: ShiftDef, day: date) -> list:
        """[(name, position, marks, window opens, window closes)] in elapsed microseconds."""
        found = self._layouts.get((key, day))
        if found is None:
            origin = inputs.day_bounds(day, self.tz)[0]
            found = [(s.name, position, session_marks(s, day, self.tz),
                      elapsed_us(opens, origin), elapsed_us(closes, origin))
                     for position, (s, opens, closes)
                     in enumerate(session_windows(shift, day, self.tz))]
            self._layouts[(key, day)] = found
        return found

    def offset_expression(self, epoch: str, first: date, last: date) -> str:
        """SQL (SQLite) for the local day number of an epoch-seconds expression: the zone's
        UTC offsets over the span, as a CASE over its transitions (one term without DST)."""
        start = inputs.day_bounds(first, self.tz)[0]
        end = inputs.day_bounds(last, self.tz)[1]
        segments: list[tuple[int, int]] = []  # (from epoch, offset seconds)
        instant = start
        while instant <= end:
            offset = int(instant.astimezone(self.zone).utcoffset().total_seconds())
            if not segments or segments[-1][1] != offset:
                # the transition lies within the last hour: find its second by bisection
                lo = int((instant - _EPOCH).total_seconds()) - 3600 if segments else \
                    int((instant - _EPOCH).total_seconds())
                hi = int((instant - _EPOCH).total_seconds())
                while segments and hi - lo > 1:
                    mid = (lo + hi) // 2
                    at = (_EPOCH + timedelta(seconds=mid)).astimezone(self.zone)
                    if int(at.utcoffset().total_seconds()) == offset:
                        hi = mid
                    else:
                        lo = mid
                segments.append((hi, offset))
            instant += timedelta(hours=1)
        if len(segments) == 1:
            return f"(({epoch}) + {segments[0][1]}) / 86400"
        terms = " ".join(f"WHEN {epoch} < {segments[i + 1][0]} THEN ({epoch} + {off}) / 86400"
                         for i, (_from, off) in enumerate(segments[:-1]))
        return f"CASE {terms} ELSE ({epoch} + {segments[-1][1]}) / 86400 END"


def _punches(calendar: _Calendar, ids: list[int], first: date, last: date
             ) -> dict[tuple[int, date], list[int]]:
    """Per (person, local day) the epoch seconds of their punches (corrections excluded)."""
    opens = inputs.day_bounds(first, calendar.tz)[0]
    closes = inputs.day_bounds(last, calendar.tz)[1]
    conn = db.session.connection()
    found: dict[tuple[int, date], list[int]] = {}
    id_list = ",".join(str(int(i)) for i in ids)
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT staff_id, (at AT TIME ZONE %(tz)s)::date, "
            "array_agg(floor(extract(epoch FROM at))::bigint) FROM punch "
            f"WHERE staff_id IN ({id_list}) AND at >= %(opens)s AND at < %(closes)s "
            "AND source <> 'correction' GROUP BY 1, 2",
            {"tz": calendar.tz, "opens": opens, "closes": closes})
        for staff_id, day, epochs in rows:
            found[(staff_id, day)] = epochs
        return found
    day_number = calendar.offset_expression("e", first, last)
    rows = conn.exec_driver_sql(
        f"SELECT staff_id, {day_number} AS n, group_concat(e) FROM ("
        "SELECT staff_id, CAST(strftime('%s', at) AS INTEGER) AS e FROM punch "
        f"WHERE staff_id IN ({id_list}) AND at >= ? AND at < ? AND source <> 'correction'"
        ") GROUP BY staff_id, n",
        (_sqlite_text(opens), _sqlite_text(closes)))
    fromordinal = date.fromordinal
    for staff_id, number, epochs in rows:
        found[(staff_id, fromordinal(number + _EPOCH_ORDINAL))] = [
            int(e) for e in epochs.split(",")]
    return found


def _sqlite_text(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Instants:
    """Stored text of UTC instants given in epoch seconds, as each engine takes them."""

    def __init__(self, postgres: bool):
        self.suffix = "+00" if postgres else ".000000"
        self.postgres = postgres
        self._days: dict[int, str] = {}
        self._clocks: dict[int, str] = {}

    def text(self, epoch: int) -> str:
        number, seconds = divmod(epoch, 86400)
        prefix = self._days.get(number)
        if prefix is None:
            prefix = self._days[number] = \
                date.fromordinal(number + _EPOCH_ORDINAL).isoformat() + " "
        clock = self._clocks.get(seconds)
        if clock is None:
            hours, rest = divmod(seconds, 3600)
            clock = self._clocks[seconds] = \
                f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{self.suffix}"
        return prefix + clock

    def of(self, instant: datetime | None) -> str | None:
        if instant is None:
            return None
        instant = instant.astimezone(timezone.utc)
        if self.postgres:
            return instant.isoformat(sep=" ")
        return instant.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _recompute(centre_id: int, departments: dict[int, int], first: date, last: date,
               wanted: dict[int, set[date]] | None) -> int:
    tz = inputs.centre_zone(centre_id)
    calendar = _Calendar(centre_id, tz, first, last)
    ids = list(departments)
    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    instants = _Instants(postgres)

    shifts = {s.id: (s.code, s.definition()) for s in db.session.scalars(
        sa.select(Shift).where(Shift.centre_id == centre_id))}
    standard = standard_shift()
    roster: dict[tuple[int, date], tuple] = {}
    as_day: dict = {}
    for staff_id, day, shift_id, window_id, sessions, cover_window_id, cover_sessions in \
            conn.execute(sa.select(
                RosterEntry.staff_id, sa.type_coerce(RosterEntry.day, sa.String),
                RosterEntry.shift_id, RosterEntry.window_id, RosterEntry.sessions,
                RosterEntry.cover_window_id, RosterEntry.cover_sessions)
                .where(RosterEntry.centre_id == centre_id, RosterEntry.day.between(first, last),
                       RosterEntry.staff_id.in_(ids))):
        if not isinstance(day, date):
            day = as_day.get(day) or as_day.setdefault(day, date.fromisoformat(day))
        roster[(staff_id, day)] = (shift_id, window_id, sessions, cover_window_id,
                                   cover_sessions)
    leaves = inputs.approved_leave(ids, first, last)
    corrections = inputs.approved_corrections(ids, first, last)
    opens, closes = inputs.day_bounds(first, tz)[0], inputs.day_bounds(last, tz)[1]
    absences = inputs.temporary_absences(ids, opens, closes)
    punches = _punches(calendar, ids, first, last)

    if wanted is None:
        todo: Iterable[tuple[int, date]] = sorted(set(roster) | set(punches))
    else:
        todo = sorted((i, d) for i, days in wanted.items() for d in days)
    rows: list[tuple] = []
    append = rows.append
    for staff_id, day in todo:
        entry = roster.get((staff_id, day))
        epochs = punches.get((staff_id, day))
        if entry is None and not epochs:
            continue
        department_id = departments[staff_id]
        if entry is None:
            key, code, shift, rostered, window_id = None, None, standard, frozenset(), None
            cover_window_id, covered = None, ()
        else:
            shift_id, window_id, own, cover_window_id, cover_text = entry
            code, shift = shifts[shift_id]
            key = shift_id
            own_names = split_sessions(own)
            covered = split_sessions(cover_text) or ()
            rostered = frozenset(shift.session_names if own_names is None else own_names) \
                | frozenset(covered)
        leave = inputs.leave_sessions(
            [lv for lv in leaves[staff_id] if lv.from_date <= day <= lv.to_date], day,
            shift) if staff_id in leaves else {}
        day_corrections = corrections.get((staff_id, day))
        day_absences = _absences_on(absences.get(staff_id), day, tz) \
            if staff_id in absences else None
        settings = calendar.settings[day]
        origin = calendar.origin[day]
        if day_corrections or day_absences:
            results = evaluate_day(
                day=day, tz=tz, shift=shift if entry else None,
                rostered_sessions=rostered if entry else None,
                punches=[_EPOCH + timedelta(seconds=e) for e in epochs or ()],
                leave_sessions=leave, corrections=day_corrections or (), settings=settings,
                temporary_absences=day_absences or ())
            for position, session in enumerate(shift.sessions):
                r = results[session.name]
                append((centre_id, department_id, staff_id, day, session.name, position, code,
                        (cover_window_id if session.name in covered else window_id)
                        if entry else None, _STATUS[r.status],
                        ",".join(i.value for i in r.issues), instants.of(r.clock_in),
                        instants.of(r.clock_out), r.late_minutes, r.early_minutes,
                        r.extended_minutes, r.away_minutes, r.leave_type))
            continue
        kept: list[int] = []  # elapsed microseconds since local midnight
        if epochs:
            window = settings.duplicate_window_seconds
            last_kept = None
            for e in sorted(epochs):
                if last_kept is not None and e - last_kept <= window:
                    continue
                kept.append((e - origin) * _US)
                last_kept = e
        for name, position, marks, lo, hi in calendar.layout(key, shift, day):
            own = [p for p in kept if lo <= p < hi]
            clock_in = clock_out = None
            if len(own) == 1:
                if own[0] < marks.midpoint:
                    clock_in = own[0]
                else:
                    clock_out = own[0]
            elif own:
                clock_in, clock_out = own[0], own[-1]
            if name not in rostered:
                status, issues, late, early, extended, leave_type = "off", "", 0, 0, 0, None
            elif name in leave:
                status, issues, late, early, extended, leave_type = \
                    "leave", "", 0, 0, 0, leave[name]
            else:
                judged, found, late, early, extended = judge_marks(
                    marks, clock_in, clock_out, settings)
                status, issues, leave_type = _STATUS[judged], ",".join(
                    i.value for i in found), None
            append((centre_id, department_id, staff_id, day, name, position, code,
                    (cover_window_id if name in covered else window_id) if entry else None,
                    status, issues,
                    None if clock_in is None else instants.text(origin + clock_in // _US),
                    None if clock_out is None else instants.text(origin + clock_out // _US),
                    late, early, extended, 0, leave_type))
    _write(conn, ids, first, last, rows,
           None if wanted is None else [(i, d) for i, days in wanted.items() for d in days])
    return len(rows)


def _absences_on(absences, day: date, tz: str):
    if not absences:
        return None
    opens, closes = inputs.day_bounds(day, tz)
    found = [(a.started_at, a.ended_at) for a in absences
             if a.started_at < closes and (a.ended_at is None or a.ended_at > opens)]
    return found or None


# --- writing -----------------------------------------------------------------------------

def _write(conn, ids: list[int], first: date, last: date, rows: list[tuple],
           days: list[tuple[int, date]] | None) -> None:
    """Store ``rows`` for the recomputed days: upsert on (staff, day, session), then delete
    the rows of those days that were not written. An empty span is a plain bulk insert."""
    postgres = conn.dialect.name == "postgresql"
    table = SessionRecord.__tablename__
    columns = ", ".join(_COLUMNS)
    id_list = ",".join(str(int(i)) for i in ids)
    in_span = (f"staff_id IN ({id_list}) AND day >= '{first.isoformat()}' "
               f"AND day <= '{last.isoformat()}'")
    raw = conn.connection.dbapi_connection
    stored = conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE {in_span} LIMIT 1").first()
    if stored is None:
        _load(raw, postgres, table, rows)
        return
    conn.exec_driver_sql("DROP TABLE IF EXISTS recompute_rows")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE recompute_rows (centre_id INTEGER, department_id INTEGER, "
        "staff_id INTEGER, day DATE, session VARCHAR(16), position INTEGER, "
        "shift_code VARCHAR(32), window_id INTEGER, status VARCHAR(16), issues VARCHAR(64), "
        f"clock_in {'TIMESTAMPTZ' if postgres else 'DATETIME'}, "
        f"clock_out {'TIMESTAMPTZ' if postgres else 'DATETIME'}, late_minutes INTEGER, "
        "early_minutes INTEGER, extended_minutes INTEGER, away_minutes INTEGER, "
        "leave_type VARCHAR(16), PRIMARY KEY (staff_id, day, session))")
    _load(raw, postgres, "recompute_rows", rows)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM recompute_rows WHERE true "
        f"ON CONFLICT (staff_id, day, session) DO UPDATE SET {updates}")
    stale = (f"NOT EXISTS (SELECT 1 FROM recompute_rows r WHERE r.staff_id = {table}.staff_id "
             f"AND r.day = {table}.day AND r.session = {table}.session)")
    if days is None:
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE {in_span} AND {stale}")
    else:
        conn.exec_driver_sql("DROP TABLE IF EXISTS recompute_days")
        conn.exec_driver_sql("CREATE TEMPORARY TABLE recompute_days (staff_id INTEGER, "
                             "day DATE, PRIMARY KEY (staff_id, day))")
        _load(raw, postgres, "recompute_days", days, ("staff_id", "day"))
        conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE {in_span} AND EXISTS (SELECT 1 FROM recompute_days d "
            f"WHERE d.staff_id = {table}.staff_id AND d.day = {table}.day) AND {stale}")
        conn.exec_driver_sql("DROP TABLE recompute_days")
    conn.exec_driver_sql("DROP TABLE recompute_rows")


def _load(raw, postgres: bool, table: str, rows: list[tuple],
          columns: tuple[str, ...] = _COLUMNS) -> None:
    """Bulk insert through the driver: COPY on PostgreSQL, ``executemany`` on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        if postgres:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                               [(*r[:3], r[3].isoformat(), *r[4:]) for r in rows]
                               if len(columns) == len(_COLUMNS) else
                               [(s, d.isoformat()) for s, d in rows])
    finally:
        cursor.close()
