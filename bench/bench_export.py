"""The annual scores workbook (API.md ``scores-annual``) for 10,000 staff, against a raw
openpyxl write-only workbook of the same cells, and its memory at two sizes.

Run from the repository root:  python bench/bench_export.py [--staff 10000]

Data (a fresh SQLite file, migrated by Alembic): one centre, 20 departments, ``--staff``
people with their stored annual scores (four quarters, ranks, honours; one in ten not
qualified, with its reasons), and a second file with half as many people.

Measured, each in its own process (so that peak memory is the export's own):

* ours: ``exports.scores.annual_workbook`` as an HR user asks for it — the summary query,
  the summary sheet with its native chart, then one sheet per department streamed from the
  database, written in write-only mode to a temporary file;
* baseline: the same cells — every value, number format and bold header of the same sheets,
  read beforehand into memory — written by openpyxl's write-only workbook directly.

Goals: ours ≤ 1.5 × the baseline's time; memory that does not grow with the row count: the
peak RSS (``ru_maxrss``) of the process and the peak of the Python heap during the export
alone (tracemalloc, a separate run) are printed at N/2 and N people. Exit status 1 when the
time goal is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GOAL_RATIO = 1.5
YEAR = 2025


def build(path: str, staff_count: int, seed: int = 11) -> None:
    from flask_migrate import upgrade

    from compliance import create_app
    from compliance.auth.models import Role
    from compliance.auth.operations import create_user
    from compliance.config import TestConfig
    from compliance.extensions import db
    from compliance.org import operations as org
    from compliance.org.models import DepartmentKind

    app = create_app(TestConfig(os.path.dirname(path), f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        centre = org.create_centre("BENCH", "基准测试中心")
        for d in range(20):
            org.save_department(centre.id, f"D{d:02d}", f"部门{d:02d}",
                                DepartmentKind.seconded if d >= 15 else DepartmentKind.centre)
        create_user("hr", "bench-password", Role.hr, centre_id=centre.id)
        db.session.commit()
        centre_id = centre.id
        db.engine.dispose()
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    departments = [d for d, in con.execute("SELECT id FROM department ORDER BY code")]
    now = "2026-01-05 03:30:00.000000"
    con.executemany(
        "INSERT INTO staff (centre_id, staff_no, name, gender, department_id, employment, "
        "active, created_at, updated_at) VALUES (?,?,?,?,?,?,1,?,?)",
        [(centre_id, f"E{n:05d}", f"员工{n}", "F", departments[n % 20], "direct", now, now)
         for n in range(staff_count)])
    rows = []
    staff = con.execute("SELECT id, department_id FROM staff ORDER BY id").fetchall()
    totals = sorted(((rng.randint(8500, 10000), sid, dept) for sid, dept in staff), reverse=True)
    for rank, (total, staff_id, dept) in enumerate(totals, start=1):
        parts = {f"q{q}": f"{(total + rng.randint(-200, 200)) / 100:.2f}" for q in (1, 2, 3, 4)}
        reasons = [] if rng.random() > 0.1 else [
            {"code": "disqualifier.unapproved_absence", "ref_type": "session", "ref_id": rank,
             "detail": "am absent", "on": "2025-05-06"}]
        rows.append((centre_id, dept, staff_id, YEAR, 4, 250, total, json.dumps(parts), "[]",
                     rng.randint(0, 4000), json.dumps(reasons), 1, int(not reasons), rank, None,
                     int(rank <= staff_count * 0.15 and not reasons), "2025.1", "0" * 64, now))
    con.executemany(
        "INSERT INTO score_annual (centre_id, department_id, staff_id, year, assessed_quarters, "
        "rostered_days, total, parts, deductions, deduction_points, reasons, assessed, "
        "eligible, rank_centre, rank_department, honour, rulebook_version, fingerprint, "
        "computed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("UPDATE score_annual SET rank_department = (SELECT COUNT(*) + 1 FROM "
                "score_annual o WHERE o.department_id = score_annual.department_id AND "
                "o.total > score_annual.total)")
    con.commit()
    con.close()


def _capture_cells(book):
    """Every sheet of a write-only ExcelBook as (title, [[(value, number_format, bold)]]),
    by wrapping the appends: the baseline then writes exactly these cells."""
    from compliance.exports import workbook as wb

    sheets = []
    original_sheet = wb.ExcelBook.sheet

    def sheet(self, name, columns, *, title_row=None):
        made = original_sheet(self, name, columns, title_row=title_row)
        rows = []
        sheets.append((made.worksheet.title, [c.width for c in columns], rows))
        original_append = made.worksheet.append

        def append(cells):
            rows.append([(c.value, c.number_format, bool(c.font and c.font.b), c.data_type)
                         for c in cells])
            original_append(cells)

        made.worksheet.append = append
        return made

    return sheets, sheet


def child(kind: str, path: str, trace: bool = False) -> dict:
    """Run one export in this process and report its time and peak memory (with ``trace``,
    also the peak of the Python heap during the export alone, by tracemalloc)."""
    import tracemalloc

    import sqlalchemy as sa
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from compliance import create_app
    from compliance.auth.models import User
    from compliance.config import TestConfig
    from compliance.exports import scores, workbook
    from compliance.extensions import db

    app = create_app(TestConfig(os.path.dirname(path), f"sqlite:///{path}"))
    with app.test_request_context():
        user = db.session.scalars(sa.select(User).where(User.username == "hr")).one()
        if trace:
            tracemalloc.start()
        if kind == "ours":
            start = time.perf_counter()
            export = scores.annual_workbook(user, {"year": YEAR})
            elapsed = time.perf_counter() - start
            size = os.path.getsize(export.path)
            os.unlink(export.path)
        else:
            sheets, capture = _capture_cells(None)
            original = workbook.ExcelBook.sheet
            workbook.ExcelBook.sheet = capture
            try:
                os.unlink(scores.annual_workbook(user, {"year": YEAR}).path)
            finally:
                workbook.ExcelBook.sheet = original
            bold = Font(bold=True)
            start = time.perf_counter()
            book = Workbook(write_only=True)
            for title, widths, rows in sheets:
                ws = book.create_sheet(title)
                for i, width in enumerate(widths, start=1):
                    ws.column_dimensions[get_column_letter(i)].width = width
                for row in rows:
                    cells = []
                    for value, number_format, is_bold, data_type in row:
                        cell = WriteOnlyCell(ws, value=value)
                        cell.data_type = data_type
                        cell.number_format = number_format
                        if is_bold:
                            cell.font = bold
                        cells.append(cell)
                    ws.append(cells)
            handle, target = tempfile.mkstemp(suffix=".xlsx")
            os.close(handle)
            book.save(target)
            elapsed = time.perf_counter() - start
            size = os.path.getsize(target)
            os.unlink(target)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    return {"seconds": elapsed, "peak_mib": peak_kib / 1024, "bytes": size, "heap_mib": heap}


def run_child(kind: str, path: str, trace: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--db", path] +
                         (["--trace"] if trace else []), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each, median kept")
    parser.add_argument("--child", choices=["ours", "raw"])
    parser.add_argument("--db")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.trace)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for staff in (args.staff // 2, args.staff):
            paths[staff] = os.path.join(folder, f"export-{staff}.sqlite3")
            build(paths[staff], staff)
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"{platform.machine()}, {os.cpu_count()} CPUs; openpyxl write-only with lxml")
        results: dict = {}
        for staff, path in paths.items():
            runs: dict[str, list] = {"raw": [], "ours": []}
            for _round in range(args.rounds):  # interleaved: load from elsewhere hits both
                for kind in runs:
                    runs[kind].append(run_child(kind, path))
            for kind, done in runs.items():
                done.sort(key=lambda r: r["seconds"])
                results[(staff, kind)] = done[len(done) // 2] | {
                    "peak_mib": max(r["peak_mib"] for r in done),
                    "heap_mib": run_child(kind, path, trace=True)["heap_mib"]}
        print(f"\n{'':46}{'time':>8}{'peak RSS':>13}{'heap peak':>13}{'file':>10}")
        for (staff, kind), r in results.items():
            label = ("baseline: raw openpyxl, same cells" if kind == "raw"
                     else "ours: scores-annual export") + f", {staff:,} staff"
            print(f"{label:46}{r['seconds']:7.2f}s{r['peak_mib']:9.1f} MiB"
                  f"{r['heap_mib']:9.1f} MiB{r['bytes'] / 1024:8.0f} KiB")
        big, small = args.staff, args.staff // 2
        ratio = results[(big, "ours")]["seconds"] / results[(big, "raw")]["seconds"]
        growth = results[(big, "ours")]["peak_mib"] - results[(small, "ours")]["peak_mib"]
        heap = results[(big, "ours")]["heap_mib"] - results[(small, "ours")]["heap_mib"]
        print(f"\nours / baseline at {big:,} staff: {ratio:.2f} x (goal ≤ {GOAL_RATIO})")
        print(f"ours, growth from {small:,} to {big:,} staff: peak RSS {growth:+.1f} MiB, "
              f"Python heap peak during the export {heap:+.1f} MiB (the baseline holds its "
              f"cells in memory, so its own grows)")
        return 0 if ratio <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
