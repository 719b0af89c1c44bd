"""Spot checks (明查暗访, SPEC §4 and §9): each day the scheduler draws the rulebook's
``spot_checks.per_day`` random windows and times per centre and hands them to the centre's
inspectors as tasks. A task is due at its time; an open task past it is overdue. The
inspection made for a task closes it (``operations.submit_inspection``)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _

from compliance.audit import current_actor
from compliance.auth.models import Role, User
from compliance.db import utcnow
from compliance.errors import Conflict, Invalid
from compliance.extensions import db
from compliance.notifications import notify
from compliance.org.models import Centre, Window, Zone
from compliance.scoring.store import rules_for
from compliance.timeutil import at_local, local_today

from .draw import draw_spot_checks
from .models import SpotCheckTask, TaskState
from .operations import in_service

# Back offices serve no one at a counter: spot checks go to the hall.
HALL_ZONES = (Zone.window, Zone.help)


def tasks_of_day(centre_id: int, day: date) -> list[SpotCheckTask]:
    return db.session.scalars(sa.select(SpotCheckTask).where(
        SpotCheckTask.centre_id == centre_id, SpotCheckTask.day == day)
        .order_by(SpotCheckTask.due_at)).all()


def draw_for_day(centre: Centre, day: date, *, rng: random.Random | None = None,
                 now: datetime | None = None) -> list[SpotCheckTask]:
    """Draw the day's spot checks for a centre once (a second call draws nothing).

    Times lie between now and the end of the day, in the service hours of someone rostered
    at the window (``operations.in_service``); the inspectors of the centre are notified.
    """
    if db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheckTask).where(
            SpotCheckTask.centre_id == centre.id, SpotCheckTask.day == day)):
        return []
    count = rules_for(centre.id, day).spot_checks.per_day
    windows = db.session.scalars(sa.select(Window).where(
        Window.centre_id == centre.id, Window.zone.in_(HALL_ZONES))
        .order_by(Window.code)).all()
    start = at_local(day, time(0), centre.timezone)
    end = at_local(day + timedelta(days=1), time(0), centre.timezone)
    start = max(start, (now or utcnow()).replace(second=0, microsecond=0))
    drawn = draw_spot_checks(rng or random.SystemRandom(), windows, start, end, count,
                             in_service)
    _user_id, actor = current_actor()
    tasks = [SpotCheckTask(centre_id=centre.id, day=day, window=window, due_at=at,
                           drawn_by=actor) for window, at in drawn]
    db.session.add_all(tasks)
    db.session.flush()
    _notify_inspectors(centre, tasks)
    return tasks


def _notify_inspectors(centre: Centre, tasks: list[SpotCheckTask]) -> None:
    inspectors = db.session.scalars(sa.select(User.id).where(
        User.role == Role.inspector, User.centre_id == centre.id, User.active)).all()
    if has_request_context():
        link = url_for("inspections.spot_checks")
    else:  # the scheduled job: a neutral request builds the path
        with current_app.test_request_context("/"):
            link = url_for("inspections.spot_checks")
    zone = ZoneInfo(centre.timezone)
    for task in tasks:
        text = _("Spot check: window %(window)s at %(time)s.", window=task.window.code,
                 time=task.due_at.astimezone(zone).strftime("%H:%M"))
        for user_id in inspectors:
            notify(user_id, text, link, key=f"spot_check:{task.id}")


def draw_today_everywhere() -> str:
    """The scheduled job: today's draw in every centre (by each centre's own date)."""
    lines = []
    for centre in db.session.scalars(sa.select(Centre).order_by(Centre.code)):
        day = local_today(centre.timezone)
        tasks = draw_for_day(centre, day)
        lines.append(f"{centre.code} {day.isoformat()}: {len(tasks)}")
    return "; ".join(lines) or "no centre"


def cancel(task: SpotCheckTask, reason: str) -> SpotCheckTask:
    """HR or admin cancels an open task (the window is closed, say), with the reason."""
    if not reason or not reason.strip():
        message = _("Give the reason.")
        raise Invalid(message, {"reason": message})
    if task.state is not TaskState.open:
        raise Conflict(_("Only an open spot check can be cancelled."), code="illegal_state")
    task.state, task.cancel_reason = TaskState.cancelled, reason.strip()
    db.session.flush()
    return task
