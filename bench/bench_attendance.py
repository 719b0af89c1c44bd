"""Attendance benchmarks (issue 3): a device file of 1,000,000 punches, and recomputing a year
for 2,000 rostered staff (~2.9 M punches), on SQLite and PostgreSQL.

Run from the repository root:  python bench/bench_attendance.py [--engines sqlite,postgresql]
PostgreSQL: ``COMPLIANCE_BENCH_POSTGRES_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); the bench creates and drops its own
scratch database there.

(a) Import: ``device_import.import_device_file`` of a CSV (``staff_no,at,device``, local
    times) of ``--punches`` punches for ``--staff`` people, into an empty punch table: parsing,
    validating every row, mapping people, de-duplicating against stored punches, the
    ``PunchBatch`` and the bulk insert, committed. Reported without and with the recompute of
    the touched days. Baseline, same run: Python's ``csv`` reader plus raw ``sqlite3``
    ``executemany`` of the rows (staff number mapped through a dict, time stored as read)
    into an equivalent table (same columns, same unique index) in a fresh SQLite file.
    Goal: ≤ 2.5 × the baseline.
(b) Recompute: ``bulk.recompute_range`` of 2025 for ``--staff`` people rostered every day
    (standard shift) with four punches a day (some late, early or missing: ~2.9 M punches),
    committed — over the year's stored results (the recompute: every day judged again, equal
    rows left alone) and, reported beside, the first computation into an empty result table
    (1.46 M rows inserted). Baseline, same run and database: one raw SQL
    ``GROUP BY staff, day, session window`` computing the first and last punch (and the
    count) of each window, fetched. Goal: ≤ 3 × the baseline on each engine.

Data is generated with driver-level bulk inserts (``executemany`` / ``COPY``), not through the
service. Each figure is the fastest of ``--rounds`` (wall and CPU of this process).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

IMPORT_GOAL = 2.5
RECOMPUTE_GOAL = 3.0
YEAR = 2025
TZ_OFFSET = timedelta(hours=8)  # Asia/Shanghai, the bench centre's zone
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- data --------------------------------------------------------------------------------

def punch_times(rng: random.Random, day: date):
    """A day's punches as local naive datetimes: 4 around the marks, with faults."""
    base = datetime(day.year, day.month, day.day)
    marks = [(8, 45), (12, 5), (13, 20), (17, 40)]
    out = []
    for hour, minute in marks:
        r = rng.random()
        if r < 0.01:
            continue  # a missing punch
        jitter = rng.randint(-600, 600) if r > 0.06 else rng.randint(600, 2400)  # some late
        at = base + timedelta(hours=hour, minutes=minute, seconds=jitter)
        out.append(at)
        if rng.random() < 0.005:
            out.append(at + timedelta(seconds=20))  # a double read (dropped on import)
    return out


def device_csv(staff_nos: list[str], punches: int, seed: int = 3) -> bytes:
    rng = random.Random(seed)
    per_person = max(1, punches // len(staff_nos))
    days = per_person // 4 + 1
    out = io.StringIO()
    out.write("staff_no,at,device\n")
    written = 0
    for staff_no in staff_nos:
        count = 0
        for d in range(days):
            for at in punch_times(rng, date(YEAR, 1, 1) + timedelta(days=d)):
                if count >= per_person or written >= punches:
                    break
                out.write(f"{staff_no},{at:%Y-%m-%d %H:%M:%S},T{rng.randint(1, 4)}\n")
                count += 1
                written += 1
    return out.getvalue().encode()


def make_app(url: str, instance: str):
    from compliance import create_app
    from compliance.config import TestConfig

    return create_app(TestConfig(instance, url))


def build(app, staff_count: int) -> tuple[int, list[str]]:
    """Migrate, one centre with 10 departments and ``staff_count`` people (Core inserts)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from compliance.extensions import db
    from compliance.org import operations as org
    from compliance.org.models import DepartmentKind, Staff, Zone

    with app.app_context():
        upgrade()
        centre = org.create_centre("BENCH", "基准测试中心")
        for d in range(10):
            org.save_department(centre.id, f"D{d}", f"部门{d}", DepartmentKind.centre)
            org.save_window(centre.id, f"W{d}", f"窗口{d}", Zone.window, f"D{d}")
        db.session.commit()
        departments = dict(db.session.execute(sa.text("SELECT code, id FROM department")).all())
        now = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
        db.session.execute(sa.insert(Staff), [
            {"centre_id": centre.id, "staff_no": f"B{n:05d}", "name": f"员工{n}",
             "gender": "F" if n % 2 else "M", "department_id": departments[f"D{n % 10}"],
             "employment": "direct", "active": True, "created_at": now, "updated_at": now}
            for n in range(staff_count)])
        db.session.commit()
        return centre.id, [f"B{n:05d}" for n in range(staff_count)]


def bulk_rows(app, table: str, columns: tuple[str, ...], rows) -> None:
    from compliance.extensions import db

    with app.app_context():
        conn = db.session.connection()
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                               rows)
        cursor.close()
        db.session.commit()


def year_data(app, centre_id: int, seed: int = 11) -> int:
    """Roster every day of the year (standard shift) and ~4 punches a day per person."""
    from compliance.extensions import db

    with app.app_context():
        import sqlalchemy as sa

        postgres = db.engine.dialect.name == "postgresql"
        shift_id = db.session.scalar(sa.text(
            "SELECT id FROM shift WHERE centre_id = :c AND code = 'standard'"), {"c": centre_id})
        staff = db.session.execute(sa.text(
            "SELECT id, window_id FROM staff WHERE centre_id = :c ORDER BY id"),
            {"c": centre_id}).all()
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    stamp = "2025-01-01 00:00:00+00" if postgres else "2025-01-01 00:00:00.000000"
    bulk_rows(app, "roster_entry", ("centre_id", "staff_id", "day", "shift_id", "created_at",
                                    "updated_at"),
              [(centre_id, s, d if postgres else d.isoformat(), shift_id, stamp, stamp)
               for s, _w in staff for d in days])
    rng = random.Random(seed)
    suffix = "+00" if postgres else ".000000"
    rows = []
    for staff_id, _w in staff:
        for day in days:
            last = None
            for at in punch_times(rng, day):
                utc = at - TZ_OFFSET
                if last is not None and (utc - last).total_seconds() <= 60:
                    continue  # stored punches hold no double reads (every writer drops them)
                last = utc
                rows.append((centre_id, staff_id, f"{utc:%Y-%m-%d %H:%M:%S}{suffix}", "device"))
    bulk_rows(app, "punch", ("centre_id", "staff_id", "at", "source"), rows)
    return len(rows)


# --- measurements ------------------------------------------------------------------------

def timed(work) -> tuple[float, float, object]:
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - start, time.process_time() - cpu, result


def fastest(rounds: int, work, before=None):
    best = None
    for _ in range(rounds):
        if before:
            before()
        measured = timed(work)
        if best is None or measured[0] < best[0]:
            best = measured
    return best


def import_baseline(data: bytes, staff_nos: list[str], directory: str) -> int:
    path = os.path.join(directory, f"baseline-{uuid.uuid4().hex[:6]}.sqlite3")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE punch (id INTEGER PRIMARY KEY, centre_id INTEGER NOT NULL, "
                "staff_id INTEGER NOT NULL, at DATETIME NOT NULL, source VARCHAR(10) NOT NULL, "
                "device VARCHAR(64), batch_id INTEGER, UNIQUE (staff_id, at))")
    ids = {no: n + 1 for n, no in enumerate(staff_nos)}
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(reader)
    con.executemany("INSERT OR IGNORE INTO punch (centre_id, staff_id, at, source, device) "
                    "VALUES (1, ?, ?, 'device', ?)",
                    ((ids[no], at, device) for no, at, device in reader))
    con.commit()
    count = con.execute("SELECT count(*) FROM punch").fetchone()[0]
    con.close()
    os.remove(path)
    return count


def bench_import(app, centre_id: int, data: bytes, rounds: int) -> dict:
    from compliance.attendance.device_import import import_device_file
    from compliance.extensions import db

    def clear():
        with app.app_context():
            import sqlalchemy as sa

            for table in ("attendance_session", "punch", "punch_batch"):
                db.session.execute(sa.text(f"DELETE FROM {table}"))
            db.session.commit()

    def load(recompute):
        def work():
            with app.app_context():
                report = import_device_file(centre_id, "bench.csv", data,
                                            now=datetime(YEAR + 1, 1, 1, tzinfo=timezone.utc),
                                            recompute=recompute)
                assert report.ok, report.errors[:3]
                db.session.commit()
                return report
        return work

    plain = fastest(rounds, load(False), clear)
    full = fastest(1, load(True), clear)
    clear()
    return {"load": plain, "with_recompute": full}


def group_baseline(app) -> tuple[float, float, int]:
    from compliance.extensions import db

    def work():
        with app.app_context():
            conn = db.session.connection()
            if conn.dialect.name == "postgresql":
                sql = ("SELECT staff_id, (at AT TIME ZONE 'Asia/Shanghai')::date AS d, "
                       "(at AT TIME ZONE 'Asia/Shanghai')::time >= '12:45' AS s, min(at), "
                       "max(at), count(*) FROM punch GROUP BY 1, 2, 3")
            else:
                sql = ("SELECT staff_id, date(at, '+8 hours') AS d, "
                       "time(at, '+8 hours') >= '12:45:00' AS s, min(at), max(at), count(*) "
                       "FROM punch GROUP BY staff_id, d, s")
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute(sql)
            rows = cursor.fetchall()
            cursor.close()
            db.session.rollback()
            return len(rows)
    return work


def bench_recompute(app, centre_id: int, rounds: int) -> dict:
    from compliance.attendance.bulk import recompute_range
    from compliance.extensions import db

    def clear():
        with app.app_context():
            import sqlalchemy as sa

            db.session.execute(sa.text("DELETE FROM attendance_session"))
            db.session.commit()

    def work():
        with app.app_context():
            written = recompute_range(centre_id, date(YEAR, 1, 1), date(YEAR, 12, 31))
            db.session.commit()
            return written

    baseline = fastest(rounds, group_baseline(app))
    first = fastest(rounds, work, clear)
    again = fastest(rounds, work)
    return {"baseline": baseline, "first": first, "again": again}


# --- engines -----------------------------------------------------------------------------

def postgres_database(url: str):
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"bench_attendance_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×"


def run_engine(engine: str, args, directory: str, csv_data: bytes, staff_nos, import_base):
    from compliance.extensions import db

    drop = None
    if engine == "sqlite":
        url = f"sqlite:///{os.path.join(directory, 'bench.sqlite3')}"
    else:
        url, drop = postgres_database(os.environ.get("COMPLIANCE_BENCH_POSTGRES_URL",
                                                     PG_DEFAULT))
    app = make_app(url, directory)
    ok = True
    try:
        centre_id, _nos = build(app, args.staff)
        if not args.skip_import:
            result = bench_import(app, centre_id, csv_data, args.rounds)
            wall, cpu, report = result["load"]
            full_wall, full_cpu, full = result["with_recompute"]
            good = wall <= IMPORT_GOAL * import_base[0]
            ok &= good or engine != "sqlite"
            print(f"[{engine}] (a) import {report.rows:,} rows → {report.created:,} punches "
                  f"({report.duplicates:,} duplicates): {wall:.2f} s wall, {cpu:.2f} s CPU = "
                  f"{ratio(wall, import_base[0])} the baseline, CPU "
                  f"{ratio(cpu, import_base[1])} ({'meets' if good else 'misses'} ≤ "
                  f"{IMPORT_GOAL}×; load average {os.getloadavg()[0]:.1f})")
            print(f"[{engine}]     import with the recompute of its {full.days:,} person-days: "
                  f"{full_wall:.2f} s wall, {full_cpu:.2f} s CPU")
        if not args.skip_recompute:
            t0 = time.perf_counter()
            punches = year_data(app, centre_id)
            print(f"[{engine}] (b) data: {args.staff:,} staff × 365 rostered days, "
                  f"{punches:,} punches (generated in {time.perf_counter() - t0:.1f} s)")
            result = bench_recompute(app, centre_id, args.rounds)
            b_wall, b_cpu, groups = result["baseline"]
            f_wall, f_cpu, written = result["first"]
            a_wall, a_cpu, _w = result["again"]
            good = a_wall <= RECOMPUTE_GOAL * b_wall
            ok &= good
            print(f"[{engine}]     baseline GROUP BY staff, day, window: {b_wall:.2f} s wall, "
                  f"{b_cpu:.2f} s CPU, {groups:,} groups")
            print(f"[{engine}]     recompute_range of the year over its stored rows: "
                  f"{a_wall:.2f} s wall, {a_cpu:.2f} s CPU = {ratio(a_wall, b_wall)} the "
                  f"baseline, CPU {ratio(a_cpu, b_cpu)} "
                  f"({'meets' if good else 'misses'} ≤ {RECOMPUTE_GOAL}×)")
            print(f"[{engine}]     the first computation into empty results ({written:,} rows "
                  f"inserted): {f_wall:.2f} s wall, {f_cpu:.2f} s CPU = "
                  f"{ratio(f_wall, b_wall)} the baseline, CPU {ratio(f_cpu, b_cpu)}")
            print(f"[{engine}]     load average {os.getloadavg()[0]:.1f}")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            drop()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--punches", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, fastest kept")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-recompute", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, load average "
          f"{os.getloadavg()[0]:.1f}")
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        staff_nos = [f"B{n:05d}" for n in range(args.staff)]
        csv_data = device_csv(staff_nos, args.punches)
        import_base = (0.0, 0.0, 0)
        if not args.skip_import:
            import_base = fastest(args.rounds, lambda: import_baseline(csv_data, staff_nos,
                                                                       directory))
            print(f"(a) baseline csv + sqlite3 executemany of {args.punches:,} rows: "
                  f"{import_base[0]:.2f} s wall, {import_base[1]:.2f} s CPU "
                  f"({import_base[2]:,} rows)")
        for engine in args.engines.split(","):
            ok &= run_engine(engine.strip(), args, directory, csv_data, staff_nos, import_base)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
