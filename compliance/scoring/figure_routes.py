"""Monthly case figures pages: the month's figures per person, and the import of the business
system's export (all rows or none, with a per-row report)."""
from __future__ import annotations

from datetime import date

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Optional

from ..auth.models import Role
from ..auth.permissions import roles_required, visible
from ..extensions import db
from ..importing import ImportFileError
from ..org.models import Department, Staff
from ..org.forms import ImportForm
from . import figures
from .models import CaseFigure
from .routes import bp, today_here, write_centre


class FigureImportForm(ImportForm):
    month = StringField(_l("Month (YYYY-MM), when the file has no 月份 column"),
                        validators=[Optional()])


@bp.route("/performance")
@roles_required(Role.unit_lead, Role.hr, Role.admin)
def figures_list():
    today = today_here()
    month = figures.parse_month(request.args.get("month", "")) or date(today.year, today.month, 1)
    department = request.args.get("department", "").strip()
    stmt = (visible(CaseFigure).where(CaseFigure.month == month)
            .join(Staff, CaseFigure.staff_id == Staff.id))
    if department:
        stmt = stmt.join(Department, CaseFigure.department_id == Department.id).where(
            Department.code == department)
    rows = db.session.scalars(stmt.order_by(Staff.staff_no)).all()
    totals = {"handled": sum(r.handled for r in rows), "on_time": sum(r.on_time for r in rows),
              "on_spot": sum(r.on_spot for r in rows)}
    departments = db.session.scalars(visible(Department).order_by(Department.code)).all()
    previous = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return render_template("scores/figures.html", rows=rows, month=month, totals=totals,
                           departments=departments, department=department, previous=previous,
                           following=following if following <= today else None)


@bp.route("/performance/import", methods=["GET", "POST"])
@roles_required(Role.hr, Role.admin)
def figures_import():
    form = FigureImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        month = figures.parse_month(form.month.data) if form.month.data else None
        if form.month.data and month is None:
            form.month.errors.append(_("Give the month as YYYY-MM."))
            status = 400
        else:
            upload = form.file.data
            try:
                report, _written = figures.import_figures(
                    current_user, write_centre(), upload.filename, upload.read(), month)
            except ImportFileError as error:
                db.session.rollback()
                form.file.errors.append(str(error))
                status = 400
            else:
                if report.ok:
                    db.session.commit()
                    flash(_("Imported %(rows)d rows: %(created)d new, %(updated)d changed, "
                            "%(unchanged)d unchanged.", rows=report.rows,
                            created=report.created, updated=report.updated,
                            unchanged=report.unchanged), "success")
                else:
                    db.session.rollback()
                    flash(_("Nothing was imported: %(count)d errors. Correct the file and "
                            "import it again.", count=len(report.errors)), "error")
                    status = 400
    elif request.method == "POST":
        status = 400
    return render_template("scores/figures_import.html", form=form, report=report), status
