"""What the attendance reports read (SPEC §3.4 reporting rhythm): a department's month sheet
(rows people, columns days), the monthly summary per department (按月汇总), the weekly
bulletin of anomalies per department (每周通报) and the work contact sheet (工作联系单) per
home unit of seconded staff. The pages, the Excel exports and the scheduled jobs all call
these functions, so they show the same figures.

Everything is read from the stored session results (``attendance_session``) within the
user's own visibility: a unit lead gets their department, HR and admin their centre.

Counting (the rule of the daily score, SPEC §7): an ``absent`` session (旷工) counts once as
absent whatever its issues; an ``abnormal`` session counts each of its issues — late, early
leave, and one missing punch (缺卡) per missing clock-in or clock-out. Leave is counted in
days (a half-day session is 0.5); official business (公出) is counted apart, since it is
present. Extended service (延时服务) minutes are credit, never an anomaly.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..org.models import Centre, Department, DepartmentKind, Staff
from ..timeutil import local_today
from .models import SessionRecord
from .pending import settle
from .report_terms import (HALF, code_legend, codes, day_code, days_between,  # noqa: F401
                           is_pending, issue_label, leave_label, month_last, next_month,
                           parse_month, previous_month, session_code, session_label,
                           status_label, week_first)
from .rules import OFFICIAL_BUSINESS, SessionStatus


# --- totals -------------------------------------------------------------------------------

@dataclass
class Totals:
    """One person's (or a department's) counts over a period."""

    rostered: int = 0  # rostered sessions (not off)
    normal: int = 0
    late: int = 0
    late_minutes: int = 0
    early: int = 0
    early_minutes: int = 0
    absent: int = 0  # absent sessions (旷工)
    missing: int = 0  # missing punches (缺卡)
    leave_sessions: int = 0
    official_sessions: int = 0
    extended_minutes: int = 0
    people: int = 0

    def add(self, record, today: date | None = None) -> None:
        """Count one stored session (a session still to come counts for nothing yet)."""
        status = record.status
        if status is SessionStatus.off or is_pending(record, today):
            return
        self.rostered += 1
        if status is SessionStatus.leave:
            if record.leave_type == OFFICIAL_BUSINESS:
                self.official_sessions += 1
            else:
                self.leave_sessions += 1
            return
        self.extended_minutes += record.extended_minutes or 0
        if status is SessionStatus.normal:
            self.normal += 1
        elif status is SessionStatus.absent:
            self.absent += 1
        else:
            issues = record.issue_list
            if "late" in issues:
                self.late += 1
                self.late_minutes += record.late_minutes or 0
            if "early_leave" in issues:
                self.early += 1
                self.early_minutes += record.early_minutes or 0
            self.missing += sum(1 for i in issues if i in ("missing_in", "missing_out"))

    def absorb(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def leave_days(self) -> Decimal:
        return self.leave_sessions * HALF

    @property
    def official_days(self) -> Decimal:
        return self.official_sessions * HALF

    @property
    def anomalies(self) -> int:
        return self.late + self.early + self.absent + self.missing


@dataclass(frozen=True)
class Anomaly:
    """One session with an anomaly (abnormal or absent), as a report lists it."""

    day: date
    session: str
    staff: Staff
    status: SessionStatus
    issues: tuple[str, ...]
    late_minutes: int
    early_minutes: int
    clock_in: object
    clock_out: object

    @property
    def description(self) -> str:
        """What happened, in the user's language (e.g. "Late 7 min; No clock-out")."""
        parts = []
        for issue in self.issues:
            if issue == "late":
                parts.append(_("Late %(n)d min", n=self.late_minutes))
            elif issue == "early_leave":
                parts.append(_("Early leave %(n)d min", n=self.early_minutes))
            else:
                parts.append(issue_label(issue))
        if self.status is SessionStatus.absent:
            text = _("Absent (no punch)") if not parts else _("Absent: %(why)s",
                                                            why="; ".join(parts))
            return text
        return "; ".join(parts)


# --- queries ------------------------------------------------------------------------------

def visible_departments(user, centre: Centre | None = None, code: str | None = None,
                        seconded_only: bool = False) -> list[Department]:
    """Departments the user may see, by centre and code; narrowed to one centre and/or one
    department code when given."""
    stmt = (sa.select(Department).where(Department.visible_clause(user))
            .join(Centre, Department.centre_id == Centre.id)
            .order_by(Centre.code, Department.code))
    if centre is not None:
        stmt = stmt.where(Department.centre_id == centre.id)
    if code:
        stmt = stmt.where(Department.code == code)
    if seconded_only:
        stmt = stmt.where(Department.kind == DepartmentKind.seconded)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A stored session result as the reports count it: plain values read without
    SQLAlchemy's per-row type processing (a month of a large centre holds a hundred thousand
    of them; the few anomalies are read again with their clock times)."""

    staff_id: int
    department_id: int
    day: date
    session: str
    position: int
    status: SessionStatus
    issues: str
    late_minutes: int
    early_minutes: int
    extended_minutes: int
    leave_type: str | None
    punched: bool

    @property
    def issue_list(self) -> tuple[str, ...]:
        return tuple(i for i in self.issues.split(",") if i) if self.issues else ()


def _in_scope(user, department_ids: list[int], first: date, last: date):
    """The clauses of the user's sessions in the range, after settling its pending days."""
    settle(centre_id=user.centre_id, first=first, last=last)
    return (SessionRecord.visible_clause(user), SessionRecord.department_id.in_(department_ids),
            SessionRecord.day.between(first, last))


def _records(user, department_ids: list[int], first: date, last: date) -> list[SessionRow]:
    from ..scoring.gather import as_date, raw

    if not department_ids:
        return []
    r = SessionRecord
    stmt = (sa.select(r.staff_id, r.department_id, raw(r.day), r.session, r.position,
                      raw(r.status), r.issues, r.late_minutes, r.early_minutes,
                      r.extended_minutes, r.leave_type,
                      sa.or_(r.clock_in.is_not(None), r.clock_out.is_not(None)))
            .where(*_in_scope(user, department_ids, first, last))
            .order_by(r.day, r.staff_id, r.position))
    days: dict = {}
    statuses = {s.value: s for s in SessionStatus}
    out = []
    for (staff_id, department_id, day, session, position, status, issues, late, early,
         extended, leave_type, punched) in db.session.connection().execute(stmt):
        if day not in days:
            days[day] = as_date(day)
        out.append(SessionRow(staff_id, department_id, days[day], session, position or 0,
                              statuses[status], issues or "", late or 0, early or 0,
                              extended or 0, leave_type, bool(punched)))
    return out


def _anomaly_records(user, department_ids: list[int], first: date, last: date):
    """The abnormal and absent sessions with their clock times, by (department, person)."""
    found: dict[tuple[int, int], list] = defaultdict(list)
    if not department_ids:
        return found
    stmt = (sa.select(SessionRecord)
            .where(*_in_scope(user, department_ids, first, last),
                   SessionRecord.status.in_([SessionStatus.abnormal, SessionStatus.absent]))
            .order_by(SessionRecord.day, SessionRecord.position))
    for record in db.session.scalars(stmt):
        found[(record.department_id, record.staff_id)].append(record)
    return found


def _people(department_ids: list[int], records) -> dict[int, list[Staff]]:
    """By department: its active staff, plus anyone with records of it in the period (a
    person who moved keeps their old department's rows there)."""
    if not department_ids:
        return {}
    with_records: dict[int, set[int]] = defaultdict(set)
    for record in records:
        with_records[record.department_id].add(record.staff_id)
    ids = set().union(*with_records.values()) if with_records else set()
    stmt = sa.select(Staff).where(sa.or_(
        sa.and_(Staff.department_id.in_(department_ids), Staff.active.is_(True)),
        Staff.id.in_(ids or {0}))).order_by(Staff.staff_no)
    found: dict[int, list[Staff]] = defaultdict(list)
    for person in db.session.scalars(stmt):
        for department_id in department_ids:
            if (person.department_id == department_id and person.active) or \
                    person.id in with_records.get(department_id, ()):
                found[department_id].append(person)
    return found


def anomaly_of(record, staff: Staff) -> Anomaly:
    return Anomaly(record.day, record.session, staff, record.status,
                   record.issue_list,
                   record.late_minutes, record.early_minutes, record.clock_in, record.clock_out)


def is_anomaly(record, today: date | None = None) -> bool:
    return record.status in (SessionStatus.abnormal, SessionStatus.absent) and \
        not is_pending(record, today)


@dataclass
class PersonMonth:
    staff: Staff
    days: dict[date, str]
    totals: Totals


@dataclass
class DepartmentPeriod:
    """One department's part of a report: each person's totals and cells, the anomalies."""

    department: Department
    first: date
    last: date
    people: list[PersonMonth] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def days(self) -> list[date]:
        return days_between(self.first, self.last)


def department_periods(user, departments: list[Department], first: date, last: date,
                       *, everyone: bool = True) -> list[DepartmentPeriod]:
    """Per department: each person's day codes and totals over ``[first, last]`` and the
    anomalies in date order. ``everyone`` False keeps only people with an anomaly."""
    ids = [d.id for d in departments]
    records = _records(user, ids, first, last)
    anomalous = _anomaly_records(user, ids, first, last)
    code = codes()
    by_person: dict[int, list] = defaultdict(list)
    for record in records:
        by_person[record.staff_id].append(record)
    people = _people(ids, records)
    out = []
    for department in departments:
        today = local_today(department.centre.timezone)
        part = DepartmentPeriod(department, first, last)
        for person in people.get(department.id, []):
            own = [r for r in by_person.get(person.id, []) if r.department_id == department.id]
            if not person.can_view(user):
                continue
            totals = Totals()
            per_day: dict[date, list] = defaultdict(list)
            for record in own:
                totals.add(record, today)
                per_day[record.day].append(record)
            if not everyone and not totals.anomalies:
                continue
            part.anomalies += [anomaly_of(record, person)
                               for record in anomalous.get((department.id, person.id), ())
                               if is_anomaly(record, today)]
            totals.people = 1
            part.totals.absorb(totals)
            part.people.append(PersonMonth(person, {d: day_code(rs, code, today)
                                                    for d, rs in per_day.items()}, totals))
        part.anomalies.sort(key=lambda a: (a.day, a.staff.staff_no, a.session))
        out.append(part)
    return out


def month_sheet(user, department: Department, first: date) -> DepartmentPeriod:
    """A department's month: rows people, columns days (compact codes), totals per person."""
    return department_periods(user, [department], first, month_last(first))[0]


def monthly_summary(user, departments: list[Department], first: date) -> list[DepartmentPeriod]:
    """按月汇总: every department's people with their month totals."""
    return department_periods(user, departments, first, month_last(first))


def weekly_bulletin(user, departments: list[Department], monday: date
                    ) -> list[DepartmentPeriod]:
    """每周通报: per department, the week's anomalies (Monday to Sunday) and the people who
    had them, with their counts."""
    return department_periods(user, departments, monday, monday + timedelta(days=6),
                              everyone=False)


def contact_sheets(user, first: date, centre: Centre | None = None, code: str | None = None
                   ) -> list[DepartmentPeriod]:
    """工作联系单: per seconded (home) unit, each anomaly of its staff in the month."""
    units = visible_departments(user, centre, code, seconded_only=True)
    return department_periods(user, units, first, month_last(first), everyone=False)
