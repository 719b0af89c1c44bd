"""Days pending recompute: the clock-in API off the recompute path (issue 8).

A punch from ``POST /api/v1/punches`` is stored with its audit entry and its (person, local
day) is marked pending in ``attendance_pending_day`` in the same transaction (``mark``)
instead of recomputing the day's ``SessionRecord`` rows on the request path. The days are
settled (recomputed with ``compute.recompute`` and unmarked) by

* ``settle(...)``, which every reader of stored session results calls for its range first —
  the API and pages of results (``day_results.py``), the board, calendars and day evidence,
  the reports and their exports, the scoring gather and the score explanation — so nobody
  reads a stale day; it costs one indexed query when nothing is pending;
* the ``attendance_settle_pending`` job, every minute, for whatever no one read.

Every other writer (the one-tap clock page, corrections, leave, roster, device files)
still recomputes at once; recomputing a settled day again gives the same rows.

Concurrency: ``settle`` deletes the pending rows it takes *before* recomputing, and ``mark``
touches an existing row (an upsert, not insert-or-ignore), so a punch committed while a
settle runs either waits for the settle's delete and marks the day again, or makes the
settle's delete wait until the punch is committed and visible to the recompute.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Iterable

import sqlalchemy as sa
from flask import has_request_context, request

from ..extensions import db
from ..org.models import Staff
from .compute import recompute
from .models import PendingDay

_TABLE = PendingDay.__table__


# The upsert as text: the same SQL on SQLite and PostgreSQL, and (unlike the dialects'
# ``insert().on_conflict_do_update()``) a statement SQLAlchemy compiles once and caches.
_UPSERT = sa.text(
    "INSERT INTO attendance_pending_day (centre_id, staff_id, day) "
    "VALUES (:centre_id, :staff_id, :day) "
    "ON CONFLICT (staff_id, day) DO UPDATE SET centre_id = excluded.centre_id"
).bindparams(sa.bindparam("centre_id", type_=sa.Integer),
             sa.bindparam("staff_id", type_=sa.Integer),
             sa.bindparam("day", type_=sa.Date))


def mark(connection, rows: Iterable[tuple[int, int, date]]) -> None:
    """Mark (centre id, staff id, local day) pending, in the caller's transaction."""
    values = [{"centre_id": c, "staff_id": s, "day": d} for c, s, d in set(rows)]
    if values:
        connection.execute(_UPSERT, values)


def settle(*, centre_id: int | None = None, staff_ids: Iterable[int] | None = None,
           first: date | None = None, last: date | None = None) -> int:
    """Recompute the pending days matching the filters (all of them when none is given) and
    unmark them; returns the days settled. Cheap when nothing is pending (one query).

    Inside a GET/HEAD request (a reader) the work is committed here, since such a request
    never commits; elsewhere (jobs, writes) the caller's transaction commits it."""
    where = []
    if centre_id is not None:
        where.append(_TABLE.c.centre_id == centre_id)
    if staff_ids is not None:
        ids = sorted(set(staff_ids))
        if not ids:
            return 0
        where.append(_TABLE.c.staff_id.in_(ids) if len(ids) <= 900 else sa.true())
    if first is not None:
        where.append(_TABLE.c.day >= first)
    if last is not None:
        where.append(_TABLE.c.day <= last)
    connection = db.session.connection()
    if connection.execute(sa.select(_TABLE.c.staff_id).where(*where).limit(1)).first() is None:
        return 0
    taken = connection.execute(
        sa.delete(_TABLE).where(*where).returning(_TABLE.c.staff_id, _TABLE.c.day)).all()
    days: dict[int, set[date]] = defaultdict(set)
    for staff_id, day in taken:
        days[staff_id].add(day)
    people = {s.id: s for s in db.session.scalars(
        sa.select(Staff).where(Staff.id.in_(list(days))))} if days else {}
    for staff_id, own in days.items():
        person = people.get(staff_id)
        if person is not None:
            recompute(person, own)
    if has_request_context() and request.method in ("GET", "HEAD"):
        db.session.commit()
    return len(taken)


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_TABLE)) or 0
