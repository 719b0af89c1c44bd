"""Demo scores for ``seed-demo``: a rulebook history, six months of case figures from the
business system, and the scores of the running and the previous quarter computed from
whatever the other demo data holds (attendance results, findings, reviews, complaints). It
runs last, after every other part of the demo centre is in place."""
from __future__ import annotations

import random
from datetime import date, timedelta

from ..org.models import Centre, Staff
from ..extensions import db
from ..timeutil import local_today
from . import engine, operations
from .models import CaseFigure
from .periods import quarter_of
from .store import save_version

MONTHS = 6


def _month_starts(today: date, count: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(months)


def seed_demo_scores(centre: Centre, rng: random.Random) -> None:
    import sqlalchemy as sa

    today = local_today(centre.timezone)
    # The rulebook as HR changed it: more service stars from the start of the year.
    save_version(centre.id, date(today.year, 1, 1),
                 {"quarterly": {"quarterly_honour_share": 12}},
                 "年度考评方案调整:季度服务之星比例由10%调整为12%", "hr")
    staff = db.session.scalars(sa.select(Staff).where(Staff.centre_id == centre.id)
                               .order_by(Staff.staff_no)).all()
    for month in _month_starts(today, MONTHS):
        for person in staff:
            handled = rng.randint(60, 260)
            on_time = handled - rng.choices([0, 1, 2, 5, 12], [50, 20, 15, 10, 5])[0]
            db.session.add(CaseFigure(centre_id=centre.id, staff_id=person.id,
                                      department_id=person.department_id, month=month,
                                      handled=handled, on_time=max(on_time, 0),
                                      on_spot=rng.randint(0, max(on_time, 0) // 3),
                                      source="import"))
    db.session.flush()
    yesterday = today - timedelta(days=1)
    running = (yesterday.year, quarter_of(yesterday))
    previous = (running[0] - 1, 4) if running[1] == 1 else (running[0], running[1] - 1)
    first, _last = engine.quarter_bounds(*previous)
    operations.recompute_days(centre, first, yesterday)
    for year, quarter in (previous, running):
        operations.recompute_quarter(centre, year, quarter)
    for year in sorted({previous[0], running[0]}):
        operations.recompute_annual(centre, year)
