"""Working days on the mainland China calendar (SPEC §6): public holidays and make-up working
days (调休) from the maintained ``chinesecalendar`` package, with admin overrides for days it
does not know yet (a new year's schedule is published each November)."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import AuditedMixin, TimestampMixin
from ..extensions import db


class WorkdayOverride(AuditedMixin, TimestampMixin, db.Model):
    """An admin's ruling on one day: a working day or not, whatever the package says."""

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")


def package_knows(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday_by_rule(day: date, overrides: dict[date, bool]) -> bool:
    """PURE: an override first, then the package; for years the package does not cover yet,
    Monday to Friday (until the admin enters that year's holidays)."""
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days_by_rule(start: date, days: int, overrides: dict[date, bool]) -> date:
    """PURE: the date ``days`` working days after ``start`` (``start`` itself not counted).

    A deadline of 1 working day for a case opened on Friday falls on Monday; opened on the last
    day before the Spring Festival, it falls on the first working day after it.
    """
    if days < 0:
        raise ValueError("days must be ≥ 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_workday_by_rule(current, overrides):
            remaining -= 1
    return current


def working_days_between_by_rule(start: date, end: date, overrides: dict[date, bool]) -> int:
    """PURE: working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday_by_rule(current, overrides):
            count += 1
    return count


def _overrides(start: date, end: date) -> dict[date, bool]:
    rows = db.session.execute(
        sa.select(WorkdayOverride.day, WorkdayOverride.is_workday)
        .where(WorkdayOverride.day.between(start, end))).all()
    return dict(rows)


def is_workday(day: date) -> bool:
    return is_workday_by_rule(day, _overrides(day, day))


def add_working_days(start: date, days: int) -> date:
    # Enough calendar days for any holiday stretch in China (the longest is 8-9 days).
    horizon = start + timedelta(days=days * 2 + 20)
    return add_working_days_by_rule(start, days, _overrides(start, horizon))


def working_days_between(start: date, end: date) -> int:
    return working_days_between_by_rule(start, end, _overrides(start, end))


# --- admin overrides -----------------------------------------------------------------------

def package_years() -> list[int]:
    """The years whose holidays and make-up working days the installed package knows."""
    days = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    return sorted({d.year for d in days})


def save_override(day: date, is_workday: bool, note: str, today: date) -> WorkdayOverride:
    """Set (or change) the admin's ruling on a day. A day before ``today`` is refused:
    deadlines already counted over it must not move."""
    from flask_babel import gettext as _

    from ..errors import Invalid

    if day < today:
        message = _("%(day)s is in the past; only today or later days can be overridden.",
                    day=day.isoformat())
        raise Invalid(message, {"day": message})
    override = db.session.get(WorkdayOverride, day)
    if override is None:
        override = WorkdayOverride(day=day)
        db.session.add(override)
    override.is_workday, override.note = bool(is_workday), (note or "").strip()[:200]
    db.session.flush()
    return override


def remove_override(day: date, today: date) -> None:
    """Remove an override of today or a later day (past ones stay, as above)."""
    from flask_babel import gettext as _

    from ..errors import Invalid, NotFound

    override = db.session.get(WorkdayOverride, day)
    if override is None:
        raise NotFound(_("No override for %(day)s.", day=day.isoformat()))
    if day < today:
        message = _("%(day)s is in the past; its override stays.", day=day.isoformat())
        raise Invalid(message, {"day": message})
    db.session.delete(override)
    db.session.flush()
