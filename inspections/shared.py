"""What the pages and the API do alike: commit a submitted inspection (a retry racing its
first attempt still makes one inspection), filter lists, and build the findings export."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from compliance import audit
from compliance.auth.models import User
from compliance.auth.permissions import visible
from compliance.conduct.models import Finding, FindingSource, FindingState
from compliance.errors import Conflict
from compliance.extensions import db
from compliance.org.models import Centre, Department, Staff, Window

from . import operations
from .exports import findings_workbook
from .models import Inspection, SpotCheckTask, TaskState

EXPORT_LIMIT = 50_000


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


def filtered_findings(first: date | None, last: date | None, staff_no: str | None,
                      department_code: str | None, state: str | None, source: str | None):
    """The findings the current user may see, filtered (any source: the export is of every
    deduction, wherever it came from)."""
    stmt = visible(Finding)
    if first:
        stmt = stmt.where(Finding.day >= first)
    if last:
        stmt = stmt.where(Finding.day <= last)
    if staff_no:
        stmt = stmt.join(Staff, Finding.staff_id == Staff.id).where(Staff.staff_no == staff_no)
    if department_code:
        stmt = stmt.join(Department, Finding.department_id == Department.id).where(
            Department.code == department_code)
    if state:
        stmt = stmt.where(Finding.state == FindingState(state))
    if source:
        stmt = stmt.where(Finding.source == FindingSource(source))
    return stmt.order_by(Finding.at, Finding.id)


def findings_export(stmt, first: date | None, last: date | None) -> tuple[BytesIO, str]:
    """The workbook of the selected findings and its file name; the export is logged."""
    findings = db.session.scalars(stmt.limit(EXPORT_LIMIT)).all()
    centre_ids = {f.centre_id for f in findings}
    timezones = dict(db.session.execute(sa.select(Centre.id, Centre.timezone)
                                        .where(Centre.id.in_(centre_ids))).all())
    departments = dict(db.session.execute(sa.select(Department.id, Department.name).where(
        Department.id.in_({f.department_id for f in findings if f.department_id}))).all())
    recorders = dict(db.session.execute(sa.select(User.id, User.username).where(
        User.id.in_({f.recorded_by_id for f in findings if f.recorded_by_id}))).all())
    span = "_".join(d.isoformat() for d in (first, last) if d) or "all"
    name = f"findings_{span}.xlsx"
    data = findings_workbook(findings, timezones, departments, recorders, name)
    audit.log_event("export", "finding", None, centre_id=current_user.centre_id,
                    after={"file": name, "rows": len(findings)})
    db.session.commit()
    return BytesIO(data), name
