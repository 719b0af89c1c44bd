"""Recording punches (打卡, SPEC §3.2) from the window PC, the API and corrections.

Every writer keeps the stored punches free of device double-reads: a punch within the
rulebook's ``duplicate_punch_seconds`` (60 s) of a stored or earlier punch of the same person
is a duplicate and is not stored (the first is kept), so sending the same punches again adds
nothing. Punches are recorded to the second. Device files load in bulk (``device_import.py``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Invalid
from ..extensions import db
from ..org.models import Staff
from ..timeutil import local_date
from .. import audit
from . import inputs, pending
from .compute import recompute
from .models import Punch, PunchSource

# A punch more than this ahead of the server's clock is refused as "in the future" (clocks of
# time clocks drift by seconds to a few minutes; a wrong year or a wrong zone is far more).
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class PunchIn:
    staff: Staff
    at: datetime
    source: PunchSource
    device: str | None = None


@dataclass(frozen=True)
class PunchOutcome:
    created: int
    duplicates: int
    punches: list[Punch]


def normalise_instant(at: datetime) -> datetime:
    """UTC, to the second (a punch is recorded to the second)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime")
    return at.astimezone(timezone.utc).replace(microsecond=0)


def check_not_future(at: datetime, now: datetime, field: str) -> None:
    if at > now + FUTURE_TOLERANCE:
        message = _("%(at)s is in the future.", at=at.isoformat())
        raise Invalid(message, {field: message})


def duplicate_window(centre_id: int, at: datetime) -> timedelta:
    from ..scoring.store import rules_for

    tz = inputs.centre_zone(centre_id)
    seconds = rules_for(centre_id, local_date(at, tz)).attendance.duplicate_punch_seconds
    return timedelta(seconds=seconds)


def record_punches(items: list[PunchIn], *, now: datetime, batch_id: int | None = None,
                   correction_id: int | None = None, field_prefix: str = "punches",
                   defer: bool = False) -> PunchOutcome:
    """Store punches (already validated for access), dropping duplicates, and recompute the
    days they touch — or, with ``defer`` (the API), mark them pending (``pending.py``) for
    the next reader or the settle job. All or nothing: a punch in the future raises
    ``Invalid`` naming it."""
    for index, item in enumerate(items):
        field = f"{field_prefix}.{index}.at" if len(items) > 1 else "at"
        check_not_future(normalise_instant(item.at), now, field)
    by_staff: dict[int, list[PunchIn]] = defaultdict(list)
    for item in items:
        by_staff[item.staff.id].append(item)
    created: list[Punch] = []
    duplicates = 0
    for staff_id, own in by_staff.items():
        staff = own[0].staff
        window = duplicate_window(staff.centre_id, own[0].at)
        wanted = sorted(own, key=lambda p: normalise_instant(p.at))
        lo = normalise_instant(wanted[0].at) - window
        hi = normalise_instant(wanted[-1].at) + window
        stored = list(db.session.scalars(sa.select(Punch.at).where(
            Punch.staff_id == staff_id, Punch.at >= lo, Punch.at <= hi)))
        own_created = []
        for item in wanted:  # in time order, so the first of a double-read is the one kept
            at = normalise_instant(item.at)
            if any(abs(at - other) <= window for other in stored):
                duplicates += 1
                continue
            punch = Punch(centre_id=staff.centre_id, staff_id=staff_id, at=at,
                          source=item.source, device=item.device, batch_id=batch_id,
                          correction_id=correction_id)
            db.session.add(punch)
            stored.append(at)
            own_created.append(punch)
        db.session.flush()
        if own_created:
            tz = inputs.centre_zone(staff.centre_id)
            days = {local_date(p.at, tz) for p in own_created}
            if defer:
                pending.mark(db.session.connection(),
                             [(staff.centre_id, staff_id, day) for day in days])
            else:
                recompute(staff, days)
        created.extend(own_created)
    return PunchOutcome(len(created), duplicates, created)


_PUNCH = Punch.__table__


def record_api_punch(*, centre_id: int, timezone_name: str, staff_id: int, at: datetime,
                     source: PunchSource, device: str | None) -> bool:
    """The clock-in API's single punch, lean: Core statements in the request's transaction —
    the insert unless a stored punch lies within the duplicate window (one statement), its
    audit entry and the day marked pending (no recompute on the request path). Returns False
    for a duplicate (nothing stored).

    The audit entry is the same one the ORM hook writes for a ``Punch`` created through the
    session (action ``create``, entity ``punch``, the row's columns as ``after``), appended
    to the hash chain with ``audit.append``: every punch stays accountable one by one, and
    ``audit-verify`` checks it like any other entry."""
    from ..scoring.store import rules_for

    at = normalise_instant(at)
    day = local_date(at, timezone_name)
    window = timedelta(
        seconds=rules_for(centre_id, day).attendance.duplicate_punch_seconds)
    connection = db.session.connection()
    values = {"centre_id": centre_id, "staff_id": staff_id, "at": at, "source": source,
              "device": device, "batch_id": None, "correction_id": None}
    punch_id = connection.execute(
        _INSERT_UNLESS_NEAR, {**values, "lo": at - window, "hi": at + window}).scalar()
    if punch_id is None:  # a stored punch within the duplicate window: nothing inserted
        return False
    # the pending mark before the audit entry: on PostgreSQL the entry takes the chain's lock,
    # held until the commit, so it is held for the least work
    pending.mark(connection, [(centre_id, staff_id, day)])
    entry = audit._base_entry("create", Punch.__tablename__, str(punch_id), centre_id)
    after = {"id": punch_id, **values}
    entry.update(before=None, after={key: audit._plain(after[key]) for key in _COLUMNS})
    audit.append(connection, [entry])
    return True


# built once (the statement of the hot path; its parameters bound at execution): the insert
# of a punch unless the person has one within the duplicate window [lo, hi], in one statement
_INSERT_UNLESS_NEAR = _PUNCH.insert().from_select(
    [column.key for column in _PUNCH.columns if column.key != "id"],
    sa.select(*[sa.bindparam(column.key, type_=column.type)
                for column in _PUNCH.columns if column.key != "id"])
    .where(~sa.exists().where(_PUNCH.c.staff_id == sa.bindparam("staff_id"),
                              _PUNCH.c.at >= sa.bindparam("lo", type_=_PUNCH.c.at.type),
                              _PUNCH.c.at <= sa.bindparam("hi", type_=_PUNCH.c.at.type))),
).returning(_PUNCH.c.id)
# the keys of the ORM hook's snapshot of a Punch (its attributes are named as its columns)
_COLUMNS = [column.key for column in _PUNCH.columns]


def clock(staff: Staff, *, now: datetime, device: str | None = None) -> PunchOutcome:
    """The one-tap clock-in/out of the window PC for the logged-in person: a punch now."""
    return record_punches([PunchIn(staff, now, PunchSource.web, device)], now=now)


def committed_with_retry(work, attempts: int = 3):
    """For request handlers: run ``work`` and commit. When a concurrent request stored the
    same punch or the same day's results first (a unique constraint), roll back and run it
    again: the second run sees those rows (a duplicate punch, a result row to update), so
    the answer is the same as if the requests had come one after the other."""
    for attempt in range(attempts):
        try:
            answer = work()
            db.session.commit()
            return answer
        except sa.exc.IntegrityError:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
