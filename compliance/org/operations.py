"""Organisation workflows: departments, windows and staff, and the staff list import.

Operations validate references and uniqueness, flush, and never commit: the request or the
command commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import Conflict, Invalid
from ..extensions import db
from ..importing import Column, ImportReport, read_table
from .models import Centre, Department, DepartmentKind, Employment, Gender, Staff, Window, Zone


def department_by_code(centre_id: int, code: str, field: str = "department_code") -> Department:
    dept = db.session.scalars(
        sa.select(Department).where(Department.centre_id == centre_id, Department.code == code)
    ).first()
    if dept is None:
        raise Invalid(_("Unknown department %(code)s.", code=code),
                      {field: _("Unknown department %(code)s.", code=code)})
    return dept


def window_by_code(centre_id: int, code: str, field: str = "window_code") -> Window:
    window = db.session.scalars(
        sa.select(Window).where(Window.centre_id == centre_id, Window.code == code)
    ).first()
    if window is None:
        raise Invalid(_("Unknown window %(code)s.", code=code),
                      {field: _("Unknown window %(code)s.", code=code)})
    return window


def _ensure_unique(model, where, field: str, value: str, exclude_id: int | None = None) -> None:
    stmt = sa.select(model.id).where(*where)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _("%(value)s is already in use.", value=value)
        raise Conflict(message, {field: message}, code="duplicate")


def create_centre(code: str, name: str, timezone: str = "Asia/Shanghai") -> Centre:
    _ensure_unique(Centre, [Centre.code == code], "code", code)
    centre = Centre(code=code, name=name, timezone=timezone)
    db.session.add(centre)
    db.session.flush()
    from ..attendance.shifts import create_default_shifts

    create_default_shifts(centre.id)  # every centre starts with the default shifts (SPEC §3.1)
    return centre


def save_department(centre_id: int, code: str, name: str, kind: DepartmentKind,
                    department: Department | None = None) -> Department:
    """Create a department, or update ``department``; codes are unique within a centre."""
    _ensure_unique(Department, [Department.centre_id == centre_id, Department.code == code],
                   "code", code, department.id if department else None)
    if department is None:
        department = Department(centre_id=centre_id)
        db.session.add(department)
    department.code, department.name, department.kind = code, name, kind
    db.session.flush()
    return department


def save_window(centre_id: int, code: str, name: str, zone: Zone, department_code: str,
                window: Window | None = None) -> Window:
    _ensure_unique(Window, [Window.centre_id == centre_id, Window.code == code],
                   "code", code, window.id if window else None)
    department = department_by_code(centre_id, department_code)
    if window is None:
        window = Window(centre_id=centre_id)
        db.session.add(window)
    window.code, window.name, window.zone, window.department_id = code, name, zone, department.id
    db.session.flush()
    return window


@dataclass
class StaffData:
    staff_no: str
    name: str
    gender: Gender
    department_code: str
    employment: Employment
    window_code: str | None = None
    active: bool = True


def save_staff(centre_id: int, data: StaffData, staff: Staff | None = None) -> Staff:
    """Create or update a person. Staff numbers (工号) are unique across the deployment."""
    _ensure_unique(Staff, [Staff.staff_no == data.staff_no], "staff_no", data.staff_no,
                   staff.id if staff else None)
    department = window = None
    unknown: dict[str, str] = {}
    try:
        department = department_by_code(centre_id, data.department_code)
    except Invalid as error:
        unknown.update(error.fields)
    if data.window_code:
        try:
            window = window_by_code(centre_id, data.window_code)
        except Invalid as error:
            unknown.update(error.fields)
    if unknown:  # name every unknown reference at once
        raise Invalid(next(iter(unknown.values())), unknown)
    if staff is None:
        staff = Staff(centre_id=centre_id)
        db.session.add(staff)
    _assign_staff(staff, data, department, window)
    db.session.flush()
    return staff


def _assign_staff(staff: Staff, data: StaffData, department: Department,
                  window: Window | None) -> None:
    # Assigning equal values leaves the row clean, so a re-import changes nothing.
    staff.staff_no = data.staff_no
    staff.name = data.name
    staff.gender = data.gender
    staff.department_id = department.id
    staff.employment = data.employment
    staff.window_id = window.id if window else None
    staff.active = data.active


# --- staff list import -------------------------------------------------------------------

STAFF_COLUMNS = [
    Column("staff_no", ("工号", "staff_no", "staff number")),
    Column("name", ("姓名", "name")),
    Column("gender", ("性别", "gender")),
    Column("department_code", ("部门编码", "department_code", "department")),
    Column("employment", ("用工类型", "employment")),
    Column("window_code", ("窗口编码", "window_code", "window"), required=False),
    Column("active", ("在岗", "active"), required=False),
    # The person's number on the time clocks; a file without this column leaves it as it is.
    Column("device_user_id", ("考勤号码", "device_user_id", "device user id", "考勤号"),
           required=False),
]

GENDER_WORDS = {"F": Gender.F, "女": Gender.F, "M": Gender.M, "男": Gender.M}
EMPLOYMENT_WORDS = {
    "direct": Employment.direct, "直管": Employment.direct, "中心直管": Employment.direct,
    "seconded": Employment.seconded, "派驻": Employment.seconded,
    "agency": Employment.agency, "劳务派遣": Employment.agency,
}
ACTIVE_WORDS = {"": True, "1": True, "是": True, "yes": True, "true": True, "y": True,
                "0": False, "否": False, "no": False, "false": False, "n": False}


def import_staff(centre_id: int, filename: str, data: bytes) -> ImportReport:
    """Load a staff list (CSV or Excel): every row or none (SPEC §8).

    Rows are matched on the staff number: new numbers are created, known ones updated; a row
    equal to the stored person changes nothing, so importing the same file twice is a no-op.
    Raises ``ImportFileError`` for an unreadable file; a report with errors means nothing
    was written (the caller rolls back).
    """
    report = ImportReport()
    departments = {d.code: d for d in db.session.scalars(
        sa.select(Department).where(Department.centre_id == centre_id))}
    windows = {w.code: w for w in db.session.scalars(
        sa.select(Window).where(Window.centre_id == centre_id))}
    existing = {s.staff_no: s for s in db.session.scalars(sa.select(Staff))}
    device_owners = {s.device_user_id: s.staff_no for s in existing.values()
                     if s.centre_id == centre_id and s.device_user_id}
    seen: dict[str, int] = {}
    seen_devices: dict[str, int] = {}
    parsed: list[tuple[StaffData, Department, Window | None, str | None]] = []

    for number, row in read_table(filename, data, STAFF_COLUMNS):
        report.rows += 1
        errors_before = len(report.errors)
        staff_no = row["staff_no"]
        if not staff_no:
            report.error(number, "staff_no", _("The staff number is empty."))
        elif len(staff_no) > 32:
            report.error(number, "staff_no", _("The staff number is longer than 32 characters."))
        elif staff_no in seen:
            report.error(number, "staff_no", _("Staff number %(no)s already appears in row "
                                               "%(row)d.", no=staff_no, row=seen[staff_no]))
        else:
            seen[staff_no] = number
            other = existing.get(staff_no)
            if other is not None and other.centre_id != centre_id:
                report.error(number, "staff_no",
                             _("Staff number %(no)s belongs to another centre.", no=staff_no))
        if not row["name"]:
            report.error(number, "name", _("The name is empty."))
        elif len(row["name"]) > 100:
            report.error(number, "name", _("The name is longer than 100 characters."))
        gender = GENDER_WORDS.get(row["gender"].upper() if row["gender"].isascii()
                                  else row["gender"])
        if gender is None:
            report.error(number, "gender", _("Gender must be F/M or 女/男, not “%(value)s”.",
                                             value=row["gender"]))
        department = departments.get(row["department_code"])
        if department is None:
            report.error(number, "department_code",
                         _("Unknown department %(code)s.", code=row["department_code"]))
        employment = EMPLOYMENT_WORDS.get(row["employment"].lower())
        if employment is None:
            report.error(number, "employment",
                         _("Employment must be direct, seconded or agency, not “%(value)s”.",
                           value=row["employment"]))
        window = None
        if row.get("window_code"):
            window = windows.get(row["window_code"])
            if window is None:
                report.error(number, "window_code",
                             _("Unknown window %(code)s.", code=row["window_code"]))
        active = ACTIVE_WORDS.get(row.get("active", "").lower())
        if active is None:
            report.error(number, "active", _("Active must be yes or no, not “%(value)s”.",
                                             value=row.get("active")))
        device_user_id = row.get("device_user_id")  # None: the file has no such column
        if device_user_id:
            owner = device_owners.get(device_user_id)
            if len(device_user_id) > 32:
                report.error(number, "device_user_id",
                             _("The time clock number is longer than 32 characters."))
            elif device_user_id in seen_devices:
                report.error(number, "device_user_id",
                             _("Time clock number %(no)s already appears in row %(row)d.",
                               no=device_user_id, row=seen_devices[device_user_id]))
            elif owner is not None and owner != staff_no:
                report.error(number, "device_user_id",
                             _("Time clock number %(no)s belongs to %(owner)s.",
                               no=device_user_id, owner=owner))
            seen_devices[device_user_id] = number
        if len(report.errors) == errors_before:
            parsed.append((StaffData(staff_no, row["name"], gender, department.code,
                                     employment, window.code if window else None, active),
                           department, window, device_user_id))

    if report.rows == 0:
        report.error(1, "file", _("The file holds no rows below its header."))
    if not report.ok:
        return report

    for data_row, department, window, device_user_id in parsed:
        staff = existing.get(data_row.staff_no)
        if staff is None:
            staff = Staff(centre_id=centre_id)
            _assign_staff(staff, data_row, department, window)
            if device_user_id is not None:
                staff.device_user_id = device_user_id or None
            db.session.add(staff)
            report.created += 1
        else:
            _assign_staff(staff, data_row, department, window)
            if device_user_id is not None:
                staff.device_user_id = device_user_id or None
            if db.session.is_modified(staff):
                report.updated += 1
            else:
                report.unchanged += 1
    db.session.flush()
    return report
