"""Attendance pages: loading time clock files (打卡机导出文件) and the history of loads.

HR and admins of the centre only. The page calls ``device_import.import_device_file`` and
commits once when the whole file loaded; a file with errors changes nothing and the page lists
every bad row.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from ..auth.permissions import MANAGERS, get_visible_or_404, roles_required, visible
from ..db import utcnow
from ..extensions import db
from ..importing import ImportFileError
from ..org.models import Centre, Staff
from ..web import add_nav
from .device_import import import_device_file
from .models import Punch, PunchBatch
from .routes import bp

BATCHES_SHOWN = 50
PUNCHES_SHOWN = 200


class DeviceFileForm(FlaskForm):
    file = FileField(_l("Time clock file (CSV or Excel)"), validators=[
        FileRequired(), FileAllowed(["csv", "txt", "xlsx"], _l("CSV or Excel files only."))])


def _centre_id() -> int:
    """The manager's centre; a deployment admin picks one with ``?centre=``."""
    if current_user.centre_id is not None:
        return current_user.centre_id
    chosen = request.args.get("centre", type=int)
    if chosen and db.session.get(Centre, chosen):
        return chosen
    first = db.session.scalar(sa.select(Centre.id).order_by(Centre.id))
    if first is None:
        abort(404)
    return first


@bp.route("/device-files", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def device_import():
    form = DeviceFileForm()
    centre_id = _centre_id()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_device_file(centre_id, upload.filename or "", upload.read(),
                                        now=utcnow(), user_id=current_user.id)
        except ImportFileError as error:
            db.session.rollback()
            form.file.errors.append(str(error))
            status = 400
        else:
            if report.already_imported:
                db.session.rollback()
                flash(_("This file was already imported (load %(id)d): nothing was added.",
                        id=report.batch_id), "info")
            elif report.ok:
                db.session.commit()
                flash(_("Imported %(rows)d rows: %(created)d new punches, %(duplicates)d "
                        "duplicates, %(days)d days recomputed.", rows=report.rows,
                        created=report.created, duplicates=report.duplicates,
                        days=report.days), "success")
            else:
                db.session.rollback()
                flash(_("Nothing was imported: %(count)d errors. Correct the file and import "
                        "it again.", count=len(report.errors)), "error")
                status = 400
    elif request.method == "POST":
        status = 400
    batches = db.session.scalars(
        visible(PunchBatch).where(PunchBatch.centre_id == centre_id)
        .order_by(PunchBatch.created_at.desc(), PunchBatch.id.desc()).limit(BATCHES_SHOWN)).all()
    tz = db.session.get(Centre, centre_id).timezone
    return render_template("attendance/device_import.html", form=form, report=report,
                           batches=batches, local=lambda at: _local(at, tz)), status


@bp.route("/device-files/<int:batch_id>")
@roles_required(*MANAGERS)
def device_batch(batch_id: int):
    batch = get_visible_or_404(PunchBatch, batch_id)
    centre = db.session.get(Centre, batch.centre_id)
    punches = db.session.execute(
        sa.select(Punch.at, Punch.device, Staff.staff_no, Staff.name)
        .join(Staff, Staff.id == Punch.staff_id)
        .where(Punch.batch_id == batch.id).order_by(Punch.at, Staff.staff_no)
        .limit(PUNCHES_SHOWN)).all()
    return render_template("attendance/device_batch.html", batch=batch, punches=punches,
                           local=lambda at: _local(at, centre.timezone), shown=PUNCHES_SHOWN)


def _local(at, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def init_nav() -> None:
    """Navigation entries of these pages."""
    add_nav("attendance.device_import", _l("Time clock files"), MANAGERS)
