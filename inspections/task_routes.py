"""Spot-check pages (明查暗访): today's and past tasks with their state and overdue mark; HR
and admin draw the day's tasks now (the scheduler does it each morning) or cancel one."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.auth.permissions import MANAGERS, get_visible_or_404, roles_required, visible
from compliance.db import utcnow
from compliance.errors import DomainError
from compliance.extensions import db
from compliance.timeutil import local_today

from . import spot_checks as spot_check_ops
from .forms import CancelTaskForm
from .models import SpotCheckTask, TaskState
from .routes import INSPECTORS, bp, working_centre
from .shared import tasks_query


@bp.route("/spot-checks")
@roles_required(*INSPECTORS)
def spot_checks():
    centre = working_centre()
    today = local_today(centre.timezone)
    day = request.args.get("date", type=date.fromisoformat)
    state = request.args.get("state", "")
    overdue = request.args.get("overdue") == "1"
    stmt = tasks_query(visible(SpotCheckTask).where(SpotCheckTask.centre_id == centre.id),
                       day if day or state or overdue else today,
                       TaskState(state) if state in {s.value for s in TaskState} else None,
                       True if overdue else None, utcnow())
    tasks = db.session.scalars(stmt.limit(500)).all()
    return render_template("inspections/spot_checks.html", tasks=tasks, day=day or today,
                           today=today, state=state, overdue=overdue, now=utcnow(),
                           states=list(TaskState), cancel_form=CancelTaskForm(),
                           centre=centre, may_manage=current_user.is_manager)


@bp.route("/spot-checks/draw", methods=["POST"])
@roles_required(*MANAGERS)
def draw_spot_checks():
    """Draw today's spot checks now (once a day: a second draw makes none)."""
    centre = working_centre()
    day = local_today(centre.timezone)
    tasks = spot_check_ops.draw_for_day(centre, day)
    db.session.commit()
    if tasks:
        flash(_("%(count)d spot checks drawn for today.", count=len(tasks)), "success")
    elif spot_check_ops.tasks_of_day(centre.id, day):
        flash(_("Today's spot checks were drawn already."), "info")
    else:
        flash(_("No spot check could be drawn: nobody is rostered at a hall window for the "
                "rest of today."), "info")
    return redirect(url_for(".spot_checks"))


@bp.route("/spot-checks/<int:task_id>/cancel", methods=["POST"])
@roles_required(*MANAGERS)
def cancel_spot_check(task_id: int):
    task = get_visible_or_404(SpotCheckTask, task_id, edit=True)
    form = CancelTaskForm()
    if form.validate_on_submit():
        try:
            spot_check_ops.cancel(task, form.reason.data)
            db.session.commit()
            flash(_("Spot check cancelled."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
    else:
        flash(_("Give the reason."), "error")
    return redirect(url_for(".spot_checks", date=task.day.isoformat()))
