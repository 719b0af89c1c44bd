"""Scheduled attendance reports (SPEC §3.4 reporting rhythm, §9 jobs).

Session results are recomputed on every write (a punch, a roster change, leave, a correction),
and the nightly score rollup (``scoring/jobs.py``) already reads them day by day, so no
separate daily rollup is needed here. These jobs tell people a report is ready, with a link
to its printable page (which also offers the Excel export):

- Monday 07:30: the weekly bulletin of last week (每周通报) — each unit lead of a department
  with an anomaly gets their department's, HR of the centre the whole centre's.
- 1st of the month 07:45: the monthly summary of last month (按月汇总) — each unit lead their
  department's, HR the centre's — and the work contact sheets (工作联系单): HR gets the
  centre's, the unit lead of each seconded unit their unit's.

Each notification has a key naming the report and its period, so a job that runs again (a
retry, a second scheduler) tells nobody twice.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Role, User
from ..extensions import db
from ..jobs import register_job
from ..notifications import notify
from ..org.models import Centre, Department, DepartmentKind
from ..timeutil import local_today
from . import reports
from .models import SessionRecord
from .rules import SessionStatus


def _link(endpoint: str, **values) -> str:
    from ..cases.reminders import _link as link

    return link(endpoint, **values)


def _centres() -> list[Centre]:
    return list(db.session.scalars(sa.select(Centre).order_by(Centre.code)))


def _hr_of(centre: Centre) -> list[int]:
    """HR logins of the centre (those of every centre when the centre has none)."""
    base = sa.select(User.id).where(User.active.is_(True), User.role == Role.hr)
    ids = list(db.session.scalars(base.where(User.centre_id == centre.id)))
    return ids or list(db.session.scalars(base.where(User.centre_id.is_(None))))


def _leads_of(department: Department) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(
        User.active.is_(True), User.role == Role.unit_lead,
        User.department_id == department.id)))


def _departments(centre: Centre) -> list[Department]:
    return list(db.session.scalars(sa.select(Department).where(
        Department.centre_id == centre.id).order_by(Department.code)))


def _anomalous_departments(centre: Centre, first: date, last: date) -> set[int]:
    from .pending import settle

    settle(centre_id=centre.id, first=first, last=last)
    return set(db.session.scalars(sa.select(sa.distinct(SessionRecord.department_id)).where(
        SessionRecord.centre_id == centre.id, SessionRecord.day.between(first, last),
        SessionRecord.status.in_([SessionStatus.abnormal, SessionStatus.absent]))))


def send_weekly_bulletin(centre: Centre, today: date) -> int:
    """Tell the unit leads and HR that last week's bulletin is ready; returns how many were
    told (0 when run again for the same week)."""
    monday = reports.week_first(today) - timedelta(days=7)
    sunday = monday + timedelta(days=6)
    told = 0
    with_anomalies = _anomalous_departments(centre, monday, sunday)
    for department in _departments(centre):
        if department.id not in with_anomalies:
            continue
        text = _("Weekly attendance bulletin of %(dept)s for %(first)s to %(last)s is ready.",
                 dept=department.name, first=monday.isoformat(), last=sunday.isoformat())
        link = _link("attendance.weekly_bulletin", day=monday.isoformat(),
                     department=department.code)
        for user_id in _leads_of(department):
            told += notify(user_id, text, link,
                           key=f"att-weekly:{department.id}:{monday.isoformat()}") is not None
    text = _("Weekly attendance bulletin of %(centre)s for %(first)s to %(last)s is ready.",
             centre=centre.name, first=monday.isoformat(), last=sunday.isoformat())
    link = _link("attendance.weekly_bulletin", day=monday.isoformat(), centre=centre.code)
    for user_id in _hr_of(centre):
        told += notify(user_id, text, link,
                       key=f"att-weekly:c{centre.id}:{monday.isoformat()}") is not None
    db.session.flush()
    return told


def send_monthly_reports(centre: Centre, today: date) -> int:
    """Tell the unit leads and HR that last month's summary and contact sheets are ready."""
    first = reports.previous_month(today.replace(day=1))
    month = first.strftime("%Y-%m")
    told = 0
    for department in _departments(centre):
        leads = _leads_of(department)
        if not leads:
            continue
        summary = _("Monthly attendance summary of %(dept)s for %(month)s is ready.",
                    dept=department.name, month=month)
        link = _link("attendance.monthly_summary", month=month, department=department.code)
        for user_id in leads:
            told += notify(user_id, summary, link,
                           key=f"att-monthly:{department.id}:{month}") is not None
        if department.kind is DepartmentKind.seconded:
            sheet = _("Work contact sheet of %(dept)s for %(month)s is ready.",
                      dept=department.name, month=month)
            link = _link("attendance.contact_sheets", month=month, department=department.code)
            for user_id in leads:
                told += notify(user_id, sheet, link,
                               key=f"att-contact:{department.id}:{month}") is not None
    hr = _hr_of(centre)
    summary = _("Monthly attendance summary of %(centre)s for %(month)s is ready.",
                centre=centre.name, month=month)
    sheets = _("Work contact sheets of %(centre)s for %(month)s are ready.",
               centre=centre.name, month=month)
    for user_id in hr:
        told += notify(user_id, summary,
                       _link("attendance.monthly_summary", month=month, centre=centre.code),
                       key=f"att-monthly:c{centre.id}:{month}") is not None
        told += notify(user_id, sheets,
                       _link("attendance.contact_sheets", month=month, centre=centre.code),
                       key=f"att-contact:c{centre.id}:{month}") is not None
    db.session.flush()
    return told


@register_job("attendance_weekly_bulletin", "Tell unit leads and HR that last week's "
              "attendance bulletin is ready", _l("Weekly attendance bulletin"),
              trigger="cron", day_of_week="mon", hour=7, minute=30)
def weekly_bulletin_job():
    told = {c.code: send_weekly_bulletin(c, local_today(c.timezone)) for c in _centres()}
    return "; ".join(f"{code}: {n} told" for code, n in told.items()) or "no centre"


@register_job("attendance_monthly_reports", "Tell unit leads and HR that last month's "
              "attendance summary and work contact sheets are ready",
              _l("Monthly attendance reports"), trigger="cron", day=1, hour=7, minute=45)
def monthly_reports_job():
    told = {c.code: send_monthly_reports(c, local_today(c.timezone)) for c in _centres()}
    return "; ".join(f"{code}: {n} told" for code, n in told.items()) or "no centre"


@register_job("attendance_settle_pending", "Recompute the attendance days left pending by "
              "punches from the API", _l("Settle pending attendance days"),
              trigger="interval", minutes=1)
def settle_pending_job():
    from .pending import settle

    return f"{settle()} days settled"
