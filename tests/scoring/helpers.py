"""Builders for the score tests: session results as the attendance module stores them,
findings through the one core operation, reviews and complaints through the cases
operations, and monthly case figures. Each commits, as a request would."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from compliance.attendance.models import SessionRecord
from compliance.conduct import operations as conduct
from compliance.conduct.models import FindingSource, Severity
from compliance.extensions import db
from compliance.scoring.models import CaseFigure

BEIJING = ZoneInfo("Asia/Shanghai")


def sessions(person, day: date, am="normal", pm="normal", *, late=0, early=0, issues_am="",
             issues_pm="", leave_type=None) -> list[int]:
    """Store the two session results of a standard day (statuses and comma lists of issues
    as ``attendance_session`` holds them); returns their ids."""
    ids = []
    for position, (name, status, issues) in enumerate((("am", am, issues_am),
                                                       ("pm", pm, issues_pm))):
        if status is None:
            continue
        if status == "abnormal" and not issues:
            issues = "late"
        result = db.session.execute(sa.insert(SessionRecord.__table__).values(
            centre_id=person.centre_id, department_id=person.department_id,
            staff_id=person.id, day=day, session=name, position=position,
            shift_code="standard", status=status, issues=issues,
            late_minutes=late if "late" in issues else 0,
            early_minutes=early if "early_leave" in issues else 0, extended_minutes=0,
            away_minutes=0, leave_type=leave_type if status == "leave" else None))
        ids.append(result.inserted_primary_key[0])
    db.session.commit()
    return ids


def working_days(person, first: date, count: int) -> list[date]:
    """``count`` clean days (two normal sessions) from ``first`` on."""
    from datetime import timedelta

    days = [first + timedelta(days=i) for i in range(count)]
    for day in days:
        sessions(person, day)
    return days


def item(points=5, *, code="conduct.posture", category="posture", severity=Severity.minor,
         ten_prohibitions=False, bars_quarterly=False, bars_annual=False, disqualifier=None):
    return conduct.FindingItem(code=code, text_zh=f"检查项目 {code}", text_en=f"Item {code}",
                               category=category, severity=severity, points=points,
                               ten_prohibitions=ten_prohibitions, bars_quarterly=bars_quarterly,
                               bars_annual=bars_annual, disqualifier=disqualifier)


def finding(world, person, day: date, points=5, source=FindingSource.patrol, **kw):
    made = conduct.record_finding(
        centre=world.a if person.centre_id == world.a.id else world.b,
        item=item(points, **kw), at=datetime.combine(day, time(10), tzinfo=BEIJING),
        source=source, source_ref="test:1", staff=person, note="巡查发现")
    db.session.commit()
    return made


def figures(person, month: date, handled: int, on_time: int, on_spot: int = 0):
    db.session.add(CaseFigure(centre_id=person.centre_id, staff_id=person.id,
                              department_id=person.department_id, month=month,
                              handled=handled, on_time=on_time, on_spot=on_spot, source="api"))
    db.session.commit()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
