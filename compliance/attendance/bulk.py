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
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..org.models import Staff
from . import inputs
from .models import SessionRecord, Shift, split_sessions
from .rules import (
    SessionStatus, ShiftDef, elapsed_us, evaluate_day, judge_marks, session_marks,
    session_windows, standard_shift,
)

SQLITE_BULK_CACHE_KIB = 256 * 1024  # page cache while loading (SQLite allocates it lazily)
CHUNK_PEOPLE = 250  # people per round of queries: bounds memory on a year of a big centre
POSTGRES_UPDATE_BATCH = 500  # changed rows updated one by one; more go through a temp table
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_US = 1_000_000
_COLUMNS = ("centre_id", "department_id", "staff_id", "day", "session", "position",
            "shift_code", "window_id", "status", "issues", "clock_in", "clock_out",
            "late_minutes", "early_minutes", "extended_minutes", "away_minutes", "leave_type")
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
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute(
                "SELECT staff_id, (at AT TIME ZONE %s)::date, "
                "array_agg(floor(extract(epoch FROM at))::bigint) FROM punch "
                f"WHERE staff_id IN ({id_list}) AND at >= %s AND at < %s "
                "AND source <> 'correction' GROUP BY 1, 2", (calendar.tz, opens, closes))
            for staff_id, day, epochs in cursor.fetchall():
                found[(staff_id, day)] = epochs
            return found
        day_number = calendar.offset_expression("e", first, last)
        cursor.execute(
            f"SELECT staff_id, {day_number} AS n, group_concat(e) FROM ("
            "SELECT staff_id, CAST(strftime('%s', at) AS INTEGER) AS e FROM punch "
            f"WHERE staff_id IN ({id_list}) AND at >= ? AND at < ? AND source <> 'correction'"
            ") GROUP BY staff_id, n", (_sqlite_text(opens), _sqlite_text(closes)))
        days: dict[int, date] = {}
        for staff_id, number, epochs in cursor.fetchall():
            day = days.get(number)
            if day is None:
                day = days[number] = date.fromordinal(number + _EPOCH_ORDINAL)
            found[(staff_id, day)] = list(map(int, epochs.split(",")))
        return found
    finally:
        cursor.close()


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


def _roster(conn, ids: list[int], first: date, last: date
            ) -> dict[tuple[int, date], tuple]:
    """Roster entries by (person, day) as plain tuples, read through the driver."""
    postgres = conn.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    id_list = ",".join(str(int(i)) for i in ids)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(
            "SELECT staff_id, day, shift_id, window_id, sessions, cover_window_id, "
            # by person (the unique index on staff, day): the centre's day index would scan
            # every person's roster for each chunk of people
            f"cover_sessions FROM roster_entry WHERE staff_id IN ({id_list}) "
            f"AND day >= {mark} AND day <= {mark}",
            (first if postgres else first.isoformat(), last if postgres else last.isoformat()))
        found = {}
        days: dict = {}
        for staff_id, day, *rest in cursor.fetchall():
            if day.__class__ is str:
                parsed = days.get(day)
                if parsed is None:
                    parsed = days[day] = date.fromisoformat(day)
                day = parsed
            found[(staff_id, day)] = tuple(rest)
        return found
    finally:
        cursor.close()


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
    roster = _roster(conn, ids, first, last)
    leaves = inputs.approved_leave(ids, first, last)
    corrections = inputs.approved_corrections(ids, first, last)
    opens, closes = inputs.day_bounds(first, tz)[0], inputs.day_bounds(last, tz)[1]
    absences = inputs.temporary_absences(ids, opens, closes)
    punches = _punches(calendar, ids, first, last)

    if wanted is None:
        todo: Iterable[tuple[int, date]] = sorted(set(roster) | set(punches))
    else:
        todo = sorted((i, d) for i, days in wanted.items() for d in days)
    # (shift id, own sessions, covered sessions) → how the day is rostered
    shapes: dict[tuple, tuple] = {}
    no_roster = (None, None, standard, frozenset(), ())
    issue_texts: dict[tuple, str] = {}
    origins, all_settings, layout = calendar.origin, calendar.settings, calendar.layout
    rows: list[tuple] = []
    append = rows.append
    for staff_id, day in todo:
        entry = roster.get((staff_id, day))
        epochs = punches.get((staff_id, day))
        if entry is None:
            if not epochs:
                continue
            key, code, shift, rostered, covered = no_roster
            window_id = cover_window_id = None
        else:
            shift_id, window_id, own, cover_window_id, cover_text = entry
            shape = shapes.get((shift_id, own, cover_text))
            if shape is None:
                code, shift = shifts[shift_id]
                own_names = split_sessions(own)
                covered = split_sessions(cover_text) or ()
                shape = shapes[(shift_id, own, cover_text)] = (
                    shift_id, code, shift,
                    frozenset(shift.session_names if own_names is None else own_names)
                    | frozenset(covered), covered)
            key, code, shift, rostered, covered = shape
        department_id = departments[staff_id]
        leave = inputs.leave_sessions(
            [lv for lv in leaves[staff_id] if lv.from_date <= day <= lv.to_date], day,
            shift) if staff_id in leaves else None
        settings = all_settings[day]
        if (staff_id, day) in corrections or (
                staff_id in absences and _absences_on(absences[staff_id], day, tz)):
            results = evaluate_day(
                day=day, tz=tz, shift=shift if entry else None,
                rostered_sessions=rostered if entry else None,
                punches=[_EPOCH + timedelta(seconds=e) for e in epochs or ()],
                leave_sessions=leave or {}, corrections=corrections.get((staff_id, day), ()),
                settings=settings,
                temporary_absences=_absences_on(absences.get(staff_id), day, tz) or ())
            for position, session in enumerate(shift.sessions):
                r = results[session.name]
                append((centre_id, department_id, staff_id, day, session.name, position, code,
                        (cover_window_id if session.name in covered else window_id)
                        if entry else None, _STATUS[r.status],
                        ",".join(i.value for i in r.issues), instants.of(r.clock_in),
                        instants.of(r.clock_out), r.late_minutes, r.early_minutes,
                        r.extended_minutes, r.away_minutes, r.leave_type))
            continue
        origin = origins[day]
        kept: list[int] = []  # elapsed microseconds since local midnight
        if epochs:
            window = settings.duplicate_window_seconds
            last_kept = None
            for e in sorted(epochs):
                if last_kept is not None and e - last_kept <= window:
                    continue
                kept.append((e - origin) * _US)
                last_kept = e
        for name, position, marks, lo, hi in layout(key, shift, day):
            own = [p for p in kept if lo <= p < hi]
            clock_in = clock_out = None
            if own:
                if len(own) == 1:
                    if own[0] < marks.midpoint:
                        clock_in = own[0]
                    else:
                        clock_out = own[0]
                else:
                    clock_in, clock_out = own[0], own[-1]
            if name not in rostered:
                status, issues, late, early, extended, leave_type = "off", "", 0, 0, 0, None
            elif leave and name in leave:
                status, issues, late, early, extended, leave_type = \
                    "leave", "", 0, 0, 0, leave[name]
            else:
                judged, found, late, early, extended = judge_marks(
                    marks, clock_in, clock_out, settings)
                issues = issue_texts.get(found)
                if issues is None:
                    issues = issue_texts[found] = ",".join(i.value for i in found)
                status, leave_type = _STATUS[judged], None
            # clock ends leave as epoch seconds; ``_write`` stores them as instants
            append((centre_id, department_id, staff_id, day, name, position, code,
                    (cover_window_id if name in covered else window_id) if entry else None,
                    status, issues,
                    None if clock_in is None else origin + clock_in // _US,
                    None if clock_out is None else origin + clock_out // _US,
                    late, early, extended, 0, leave_type))
    _write(conn, ids, first, last, rows, wanted)
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
           wanted: dict[int, set[date]] | None) -> None:
    """Make the stored rows of the recomputed days equal ``rows``. A row equal to the stored
    one is left alone (no write); a changed row is updated in place, keeping its id (a
    score's explanation points at it); new rows are loaded in bulk through the driver
    (``executemany`` / ``COPY``) and rows a day no longer has are deleted."""
    postgres = conn.dialect.name == "postgresql"
    table = SessionRecord.__tablename__
    mark = "%s" if postgres else "?"
    id_list = ",".join(str(int(i)) for i in ids)
    instants = _Instants(postgres)
    as_stored = _instant_value(instants, postgres)
    cursor = conn.connection.dbapi_connection.cursor()
    if postgres:
        try:
            _write_postgres(cursor, table, id_list, first, last, rows, wanted, instants)
        finally:
            cursor.close()
        return
    try:
        cursor.execute(
            f"SELECT id, {', '.join(_COLUMNS)} FROM {table} WHERE staff_id IN ({id_list}) "
            f"AND day >= {mark} AND day <= {mark}",
            (first, last) if postgres else (first.isoformat(), last.isoformat()))
        stored: dict[tuple, tuple] = {}
        for row_id, *values in cursor.fetchall():
            day = values[3]
            if wanted is None or (date.fromisoformat(day) if day.__class__ is str else day) \
                    in wanted.get(values[2], ()):
                stored[(values[2], str(day), values[4])] = (row_id, tuple(values))
        new: list[tuple] = []
        changed: list[tuple] = []
        pop = stored.pop
        for r in rows:
            day = r[3] if postgres else r[3].isoformat()
            values = (*r[:3], day, *r[4:10], as_stored(r[10]), as_stored(r[11]), *r[12:])
            found = pop((r[2], str(r[3]), r[4]), None)
            if found is None:
                new.append(values)
            elif found[1] != values:
                changed.append((*values, found[0]))
        if stored:
            cursor.executemany(f"DELETE FROM {table} WHERE id = {mark}",
                               [(row_id,) for row_id, _values in stored.values()])
        if changed:
            assignments = ", ".join(f"{c} = {mark}" for c in _COLUMNS)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = {mark}", changed)
        if new:
            _insert_rows(cursor, postgres, table, new)
    finally:
        cursor.close()


def _write_postgres(cursor, table: str, id_list: str, first: date, last: date,
                    rows: list[tuple], wanted: dict[int, set[date]] | None,
                    instants: _Instants) -> None:
    """The PostgreSQL side of :func:`_write`: the stored rows of the chunk are fetched in one
    range query on the (staff, day, session) index, with only the compared columns and the
    clock ends as whole microseconds since the epoch (no ``datetime`` per row), and compared
    in Python; only the differences are written: changed rows updated by id, new rows
    copied (``COPY``), stale rows deleted by id. Comparing in SQL instead (every new row
    copied into a temporary table and joined with the stored ones) cost the server more
    than twice this on a year of 2,000 people, growing faster than the rows."""
    text = instants.text
    cursor.execute(
        f"SELECT id, {', '.join(_COLUMNS[:10])}, "
        "(extract(epoch FROM clock_in) * 1000000)::bigint, "
        "(extract(epoch FROM clock_out) * 1000000)::bigint, "
        f"{', '.join(_COLUMNS[12:])} FROM {table} WHERE staff_id IN ({id_list}) "
        "AND day >= %s AND day <= %s", (first, last))
    # (staff, day, session) → (id, *compared columns)
    if wanted is None:
        stored = {(v[3], v[4], v[5]): v for v in cursor.fetchall()}
    else:
        stored = {(v[3], v[4], v[5]): v for v in cursor.fetchall()
                  if v[4] in wanted.get(v[3], ())}
    new: list[tuple] = []
    changed: list[tuple] = []
    pop = stored.pop
    for r in rows:
        clock_in, clock_out = r[10], r[11]
        found = pop((r[2], r[3], r[4]), None)
        if found is not None and found[1:] == (
                *r[:10],
                clock_in * _US if clock_in.__class__ is int else _microseconds(clock_in),
                clock_out * _US if clock_out.__class__ is int else _microseconds(clock_out),
                *r[12:]):
            continue
        values = (*r[:10], text(clock_in) if clock_in.__class__ is int else clock_in,
                  text(clock_out) if clock_out.__class__ is int else clock_out, *r[12:])
        if found is None:
            new.append(values)
        else:
            changed.append((found[0], *values))
    if stored:
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)",
                       ([v[0] for v in stored.values()],))
    if changed:
        _update_rows(cursor, table, changed)
    if new:
        _insert_rows(cursor, True, table, new)


def _microseconds(value) -> int | None:
    """A clock end of the general path (stored text) as whole microseconds since the epoch,
    as :func:`_write_postgres` reads the stored ones (the fast path's epoch seconds × 10⁶)."""
    if value is None:
        return None
    return (datetime.fromisoformat(value) - _EPOCH) // timedelta(microseconds=1)


def _update_rows(cursor, table: str, changed: list[tuple]) -> None:
    """Write changed rows ``(id, *columns)`` in place: a few by ``executemany`` (pipelined),
    many through a temporary table and one ``UPDATE … FROM`` (a rules change rewrites a
    year of rows)."""
    if len(changed) <= POSTGRES_UPDATE_BATCH:
        assignments = ", ".join(f"{c} = %s" for c in _COLUMNS)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s",
                           [(*values, row_id) for row_id, *values in changed])
        return
    cursor.execute(
        "CREATE TEMPORARY TABLE recompute_rows (id INTEGER, centre_id INTEGER, "
        "department_id INTEGER, staff_id INTEGER, day DATE, session VARCHAR(16), "
        "position INTEGER, shift_code VARCHAR(32), window_id INTEGER, status VARCHAR(16), "
        "issues VARCHAR(64), clock_in TIMESTAMPTZ, clock_out TIMESTAMPTZ, "
        "late_minutes INTEGER, early_minutes INTEGER, extended_minutes INTEGER, "
        "away_minutes INTEGER, leave_type VARCHAR(16))")
    try:
        with cursor.copy(f"COPY recompute_rows (id, {', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for values in changed:
                copy.write_row(values)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = t.{c}' for c in _COLUMNS)} "
            f"FROM recompute_rows t WHERE t.id = {table}.id")
    finally:
        cursor.execute("DROP TABLE recompute_rows")


def _instant_value(instants: _Instants, postgres: bool):
    """A clock end as the engine returns it: epoch seconds (the fast path) or stored text
    (the general path) → SQLite's stored text, or an aware datetime for PostgreSQL."""
    if not postgres:
        text = instants.text

        def sqlite_value(value):
            return text(value) if value.__class__ is int else value
        return sqlite_value
    cache: dict[int, datetime] = {}

    def postgres_value(value):
        if value is None:
            return None
        if value.__class__ is int:
            found = cache.get(value)
            if found is None:
                found = cache[value] = _EPOCH + timedelta(seconds=value)
            return found
        return datetime.fromisoformat(value).astimezone(timezone.utc)
    return postgres_value


def _insert_rows(cursor, postgres: bool, table: str, rows: list[tuple]) -> None:
    names = ", ".join(_COLUMNS)
    if postgres:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
        return
    # Status and issues come from the rules' enums, so the per-row CHECK of the status is
    # skipped (it doubles the cost of the insert); the table's day indexes take the rows in
    # random places, so a page cache the size of the load keeps them from being written out
    # and read back again.
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute("PRAGMA ignore_check_constraints = ON")
    cursor.execute(f"PRAGMA cache_size = {-max(abs(cache), SQLITE_BULK_CACHE_KIB)}")
    try:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(_COLUMNS))})", rows)
    finally:
        cursor.execute("PRAGMA ignore_check_constraints = OFF")
        cursor.execute(f"PRAGMA cache_size = {cache}")
