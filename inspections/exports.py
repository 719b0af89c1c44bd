"""Excel export of findings (SPEC §8), registered in the core export registry as ``findings``:
``GET /api/v1/exports/findings.xlsx`` and the page download ``/exports/findings.xlsx``.

Every deduction the user may see, whatever produced it (patrol, spot check, camera,
complaint), with the person, window, item, points, state and note. The core workbook writer
gives the Chinese headers, frozen header row, widths and formats, and keeps text that starts
with ``=``, ``+``, ``-`` or ``@`` as text, never a formula (a note typed by a person must not
run in Excel).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from compliance.api.schemas import StrictSchema, code_field
from compliance.auth.models import Role, User
from compliance.auth.permissions import visible
from compliance.conduct.models import Finding, FindingSource, FindingState
from compliance.exports import ExportFile, register_export
from compliance.exports.workbook import DATE_FORMAT, INTEGER_FORMAT, Col, ExcelBook
from compliance.extensions import db
from compliance.org.models import Centre, Department, Staff

EXPORT_LIMIT = 50_000
EXPORTERS = (Role.inspector, Role.unit_lead, Role.hr, Role.admin)


class FindingsQuery(StrictSchema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    staff_no = code_field(32)
    department_code = code_field(32)
    state = fields.String(validate=validate.OneOf([s.value for s in FindingState]))
    source = fields.String(validate=validate.OneOf([s.value for s in FindingSource]))


COLUMNS = [
    (_l("Date"), 11, DATE_FORMAT), (_l("Time"), 7, "hh:mm"), (_l("Staff number"), 10, None),
    (_l("Name of the person"), 10, None), (_l("Department"), 18, None),
    (_l("Window"), 8, None), (_l("Source"), 10, None), (_l("Item code"), 22, None),
    (_l("Item"), 48, None), (_l("Severity"), 8, None), (_l("Points"), 7, INTEGER_FORMAT),
    (_l("Ten prohibitions"), 8, None), (_l("State"), 10, None), (_l("Note"), 40, None),
    (_l("Appeal until"), 12, DATE_FORMAT), (_l("Recorded by"), 12, None),
]


def selected_findings(user, query) -> sa.Select:
    """The findings the user may see, filtered, oldest first."""
    stmt = visible(Finding, user)
    if query.get("from_"):
        stmt = stmt.where(Finding.day >= query["from_"])
    if query.get("to"):
        stmt = stmt.where(Finding.day <= query["to"])
    if query.get("staff_no"):
        stmt = stmt.join(Staff, Finding.staff_id == Staff.id).where(
            Staff.staff_no == query["staff_no"])
    if query.get("department_code"):
        stmt = stmt.join(Department, Finding.department_id == Department.id).where(
            Department.code == query["department_code"])
    if query.get("state"):
        stmt = stmt.where(Finding.state == FindingState(query["state"]))
    if query.get("source"):
        stmt = stmt.where(Finding.source == FindingSource(query["source"]))
    return stmt.order_by(Finding.at, Finding.id)


def _names(model, column, ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))).all())


@register_export("findings", _l("Findings"), EXPORTERS, FindingsQuery)
def findings_workbook(user, query) -> ExportFile:
    """One sheet of findings; times in each finding's centre zone; the department is the one
    the finding was filed under (the person may have moved since)."""
    findings = db.session.scalars(selected_findings(user, query).limit(EXPORT_LIMIT)).all()
    zones = {k: ZoneInfo(v) for k, v in
             _names(Centre, Centre.timezone, {f.centre_id for f in findings}).items()}
    departments = _names(Department, Department.name, {f.department_id for f in findings})
    recorders = _names(User, User.username, {f.recorded_by_id for f in findings})
    book = ExcelBook()
    with force_locale("zh_CN"):  # the workbook goes to the centre's offices: Chinese headers
        sheet = book.sheet(str(_l("Findings")),
                           [Col(str(h), w, fmt) for h, w, fmt in COLUMNS])
        yes = str(_l("Yes"))
        for f in findings:
            local = f.at.astimezone(zones[f.centre_id]).replace(tzinfo=None, second=0,
                                                                microsecond=0)
            sheet.append([
                f.day, local, f.staff.staff_no if f.staff else "",
                f.staff.name if f.staff else "", departments.get(f.department_id, ""),
                f.window.code if f.window else "", str(f.source.label), f.item_code,
                f.item_text_zh, str(f.severity.label), f.points,
                yes if f.ten_prohibitions else "", str(f.state.label), f.note, f.appeal_due,
                recorders.get(f.recorded_by_id, ""),
            ])
        span = "_".join(d.isoformat() for d in (query.get("from_"), query.get("to")) if d)
        filename = f"{_l('Findings')}{'_' + span if span else ''}.xlsx"
    return ExportFile(book.save(), filename)
