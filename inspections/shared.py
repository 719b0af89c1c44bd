"""What the pages and the API do alike: commit a submitted inspection (a retry racing its
first attempt still makes one inspection) and filter the lists."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from compliance.errors import Conflict
from compliance.extensions import db
from compliance.org.models import Centre, Staff, Window

from . import operations
from .models import Inspection, SpotCheckTask, TaskState


def save_submission(centre: Centre, data: operations.InspectionData) -> tuple[Inspection, bool]:
    """Record and commit; returns ``(inspection, created)``.

    Two copies of one submit can arrive together (a tablet retrying while the first answer
    is still on its way): the second then fails the ``(centre, client_id)`` unique constraint
    and gets the inspection the first one made.
    """
    try:
        inspection, created = operations.submit_inspection(centre, data)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = operations.by_client_id(centre.id, data.client_id) if data.client_id \
            else None
        if existing is None:
            raise
        if existing.payload_hash != data.payload_hash():
            raise Conflict(_("This submission id was already used for another inspection."),
                           code="client_id_reused") from None
        return existing, False
    return inspection, created


def filtered_inspections(stmt, first: date | None, last: date | None, staff_no: str | None,
                         window_code: str | None):
    if first:
        stmt = stmt.where(Inspection.day >= first)
    if last:
        stmt = stmt.where(Inspection.day <= last)
    if staff_no:
        stmt = stmt.join(Staff, Inspection.staff_id == Staff.id).where(
            Staff.staff_no == staff_no)
    if window_code:
        stmt = stmt.join(Window, Inspection.window_id == Window.id).where(
            Window.code == window_code)
    return stmt.order_by(Inspection.at.desc(), Inspection.id.desc())


def tasks_query(stmt, day: date | None, state: TaskState | None, overdue: bool | None,
                now: datetime):
    if day:
        stmt = stmt.where(SpotCheckTask.day == day)
    if state:
        stmt = stmt.where(SpotCheckTask.state == state)
    if overdue is not None:
        late = sa.and_(SpotCheckTask.state == TaskState.open, SpotCheckTask.due_at < now)
        stmt = stmt.where(late if overdue else sa.not_(late))
    return stmt.order_by(SpotCheckTask.day.desc(), SpotCheckTask.due_at)
