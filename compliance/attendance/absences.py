"""Temporary absence from post (暂离, SPEC §3.2, seed 003): a person records leaving the window
(the 暂停服务牌 is shown) and coming back. An absence longer than the rulebook's
``temporary_absence_notify_minutes`` (10) has the unit lead of the person's department told,
once: when the person comes back, or earlier by the ``absence_lead_notices`` job while they
are still away. Absences show in the presence questions (``duty.presence``) and in the
recompute (``away_minutes`` of the sessions they fall in).

One person has at most one open absence, and absences of one person never overlap.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit import current_actor
from ..auth.models import Role, User
from ..db import utcnow
from ..errors import Conflict, Invalid
from ..extensions import db
from ..jobs import register_job
from ..notifications import notify
from ..org.models import Staff
from ..timeutil import local_date
from . import inputs
from .access import check_may_file
from .compute import recompute
from .models import RosterEntry
from .requests import TemporaryAbsence
from .rules import absence_needs_lead

# How far a recorded instant may run ahead of the server clock (a PC's clock drifting).
CLOCK_TOLERANCE = timedelta(minutes=5)


def notify_minutes(staff: Staff, at: datetime) -> int:
    """The rulebook's ``temporary_absence_notify_minutes`` in force on the local day."""
    from ..scoring.store import rules_for

    day = local_date(at, inputs.centre_zone(staff.centre_id))
    return rules_for(staff.centre_id, day).attendance.temporary_absence_notify_minutes


def open_absence(staff_id: int) -> TemporaryAbsence | None:
    return db.session.scalars(sa.select(TemporaryAbsence).where(
        TemporaryAbsence.staff_id == staff_id, TemporaryAbsence.ended_at.is_(None))
        .order_by(TemporaryAbsence.started_at.desc())).first()


def _normalise(at: datetime, field: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        message = _("Give the time with its zone.")
        raise Invalid(message, {field: message})
    return at.astimezone(utcnow().tzinfo).replace(microsecond=0)


def _not_future(at: datetime, now: datetime, field: str) -> None:
    if at > now + CLOCK_TOLERANCE:
        message = _("%(at)s is in the future.", at=at.isoformat())
        raise Invalid(message, {field: message})


def _overlapping(staff_id: int, start: datetime, end: datetime | None,
                 exclude_id: int | None = None) -> TemporaryAbsence | None:
    """An absence of the person overlapping ``[start, end)`` (``end`` None: open-ended)."""
    stmt = sa.select(TemporaryAbsence).where(
        TemporaryAbsence.staff_id == staff_id,
        sa.or_(TemporaryAbsence.ended_at.is_(None), TemporaryAbsence.ended_at > start))
    if end is not None:
        stmt = stmt.where(TemporaryAbsence.started_at < end)
    if exclude_id is not None:
        stmt = stmt.where(TemporaryAbsence.id != exclude_id)
    return db.session.scalars(stmt.order_by(TemporaryAbsence.started_at)).first()


def _window_id(staff: Staff, at: datetime) -> int | None:
    """The window the person is rostered at that day (a cover's window first), else their
    default window."""
    day = local_date(at, inputs.centre_zone(staff.centre_id))
    entry = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == staff.id, RosterEntry.day == day)).first()
    if entry is not None:
        return entry.cover_window_id or entry.window_id or staff.window_id
    return staff.window_id


def start_absence(user, staff: Staff, *, at: datetime | None = None, reason: str = "",
                  now: datetime | None = None) -> TemporaryAbsence:
    """Record that ``staff`` left the window at ``at`` (default now). Refused: an open
    absence already, an overlap with a recorded one, or a time in the future."""
    check_may_file(user, staff)
    now = now or utcnow()
    at = _normalise(at, "at") if at is not None else now.replace(microsecond=0)
    _not_future(at, now, "at")
    if len(reason) > 200:
        message = _("At most %(n)d characters.", n=200)
        raise Invalid(message, {"reason": message})
    current = open_absence(staff.id)
    if current is not None:
        message = _("%(name)s is already away since %(at)s.", name=staff.name,
                    at=current.started_at.isoformat())
        raise Conflict(message, {"at": message}, code="already_away")
    other = _overlapping(staff.id, at, None)
    if other is not None:
        message = _("This overlaps the absence from %(start)s to %(end)s.",
                    start=other.started_at.isoformat(), end=other.ended_at.isoformat())
        raise Invalid(message, {"at": message})
    user_id, _actor = current_actor()
    absence = TemporaryAbsence(
        centre_id=staff.centre_id, staff_id=staff.id, department_id=staff.department_id,
        window_id=_window_id(staff, at), started_at=at, reason=reason.strip(),
        recorded_by_id=user_id)
    absence.staff = staff
    db.session.add(absence)
    db.session.flush()
    _recompute(absence, now)
    return absence


def end_absence(user, absence: TemporaryAbsence, *, at: datetime | None = None,
                now: datetime | None = None) -> TemporaryAbsence:
    """Record that the person is back at ``at`` (default now); longer than the rulebook's
    minutes tells the unit lead (once)."""
    check_may_file(user, absence.staff)
    now = now or utcnow()
    if not absence.is_open:
        raise Conflict(_("This absence has already ended."), code="illegal_state")
    at = _normalise(at, "at") if at is not None else now.replace(microsecond=0)
    _not_future(at, now, "at")
    if at < absence.started_at:
        message = _("The return must not be before the start (%(at)s).",
                    at=absence.started_at.isoformat())
        raise Invalid(message, {"at": message})
    other = _overlapping(absence.staff_id, absence.started_at, at, exclude_id=absence.id)
    if other is not None:
        message = _("This overlaps the absence from %(start)s to %(end)s.",
                    start=other.started_at.isoformat(),
                    end=other.ended_at.isoformat() if other.ended_at else "—")
        raise Invalid(message, {"at": message})
    absence.ended_at = at
    db.session.flush()
    tell_lead_if_due(absence, at)
    _recompute(absence, now)
    return absence


def _recompute(absence: TemporaryAbsence, now: datetime) -> None:
    tz = inputs.centre_zone(absence.centre_id)
    end = absence.ended_at or max(now, absence.started_at)
    first, last = local_date(absence.started_at, tz), local_date(end, tz)
    days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    recompute(absence.staff, days)


def lead_ids(staff: Staff) -> list[int]:
    """Who is told: the active unit leads of the person's department; without one, the HR
    of the centre (somebody must be)."""
    leads = list(db.session.scalars(sa.select(User.id).where(
        User.active, User.role == Role.unit_lead, User.department_id == staff.department_id)
        .order_by(User.id)))
    if leads:
        return leads
    return list(db.session.scalars(sa.select(User.id).where(
        User.active, User.role == Role.hr, User.centre_id == staff.centre_id)
        .order_by(User.id)))


def _link() -> str:
    if has_request_context():
        return url_for("attendance.absences")
    with current_app.test_request_context("/"):
        return url_for("attendance.absences")


def tell_lead_if_due(absence: TemporaryAbsence, until: datetime) -> int:
    """Notify the lead when the absence (ended, or still open at ``until``) is longer than
    the rulebook's minutes, unless they were told already. Returns notifications made."""
    if absence.lead_told:
        return 0
    end = absence.ended_at or until
    limit = notify_minutes(absence.staff, absence.started_at)
    if not absence_needs_lead(absence.started_at, end, limit):
        return 0
    tz = inputs.centre_zone(absence.centre_id)
    started = absence.started_at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
    with force_locale("zh_CN"):
        if absence.ended_at is None:
            text = _("%(name)s (%(no)s) has been away from the window since %(start)s, "
                     "longer than %(n)d minutes.", name=absence.staff.name,
                     no=absence.staff.staff_no, start=started, n=limit)
        else:
            minutes = int((absence.ended_at - absence.started_at).total_seconds() // 60)
            text = _("%(name)s (%(no)s) was away from the window for %(minutes)d minutes "
                     "from %(start)s (more than %(n)d).", name=absence.staff.name,
                     no=absence.staff.staff_no, minutes=minutes, start=started, n=limit)
    made = 0
    link = _link()
    for user_id in lead_ids(absence.staff):
        made += notify(user_id, text, link, key=f"absence:{absence.id}") is not None
    absence.lead_told = True
    absence.lead_told_at = until if absence.ended_at is None else absence.ended_at
    db.session.flush()
    return made


def notify_overdue_absences(now: datetime | None = None) -> int:
    """Tell the leads about open absences already longer than the rulebook's minutes
    (idempotent: each absence is told once). Returns notifications made."""
    now = now or utcnow()
    made = 0
    for absence in db.session.scalars(sa.select(TemporaryAbsence).where(
            TemporaryAbsence.ended_at.is_(None), TemporaryAbsence.lead_told.is_(False),
            TemporaryAbsence.started_at < now).order_by(TemporaryAbsence.id)):
        made += tell_lead_if_due(absence, now)
    return made


@register_job("absence_lead_notices", "Tell unit leads about temporary absences longer than "
              "the rulebook allows", _l("Temporary absence notices"), trigger="interval",
              minutes=1)
def absence_lead_notices():
    return f"{notify_overdue_absences()} notifications"
