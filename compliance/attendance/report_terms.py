"""The words and periods of the attendance reports (SPEC §3.4): months and weeks, the labels
of sessions, statuses, issues and leave in the user's language, and the compact day codes of
the month sheet (√ 迟 早 缺 旷 假 公). A rostered session still to come is not an absence yet."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import pgettext

from .rules import OFFICIAL_BUSINESS, SessionStatus

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
HALF = Decimal("0.5")


# --- periods ------------------------------------------------------------------------------

def parse_month(text: str) -> date | None:
    """``2026-03`` → 2026-03-01; None when it is not a month of the years 2000–2100."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_last(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def previous_month(first: date) -> date:
    return month_last(first.replace(day=1) - timedelta(days=1)).replace(day=1)


def next_month(first: date) -> date:
    return month_last(first) + timedelta(days=1)


def week_first(day: date) -> date:
    """The Monday of the week holding ``day`` (a bulletin covers Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- labels -------------------------------------------------------------------------------

def session_label(name: str) -> str:
    return {"am": _("Morning"), "pm": _("Afternoon")}.get(name, name)


def issue_label(issue: str) -> str:
    return {"late": _("Late"), "early_leave": _("Early leave"), "missing_in": _("No clock-in"),
            "missing_out": _("No clock-out")}.get(issue, issue)


def status_label(status: SessionStatus) -> str:
    return {SessionStatus.normal: _("Normal"), SessionStatus.abnormal: _("Abnormal"),
            SessionStatus.absent: _("Absent"), SessionStatus.leave: _("Leave"),
            SessionStatus.off: _("Off")}[status]


def leave_label(leave_type: str | None) -> str:
    from .requests import LeaveType

    try:
        return str(LeaveType(leave_type).label)
    except ValueError:
        return leave_type or ""


def codes() -> dict[str, str]:
    """The compact codes of the month sheet, in the user's language, with their meaning."""
    return {
        "normal": pgettext("attendance code", "✓"),
        "late": pgettext("attendance code", "L"),
        "early_leave": pgettext("attendance code", "E"),
        "missing": pgettext("attendance code", "M"),
        "absent": pgettext("attendance code", "A"),
        "leave": pgettext("attendance code", "V"),
        "official": pgettext("attendance code", "B"),
    }


def code_legend() -> list[tuple[str, str]]:
    code = codes()
    return [(code["normal"], _("Normal")), (code["late"], _("Late")),
            (code["early_leave"], _("Early leave")), (code["missing"], _("Missing punch")),
            (code["absent"], _("Absent")), (code["leave"], _("Leave")),
            (code["official"], _("Official business"))]


def is_pending(record, today: date | None) -> bool:
    """A rostered session of today or later without any punch yet: stored as ``absent`` (the
    rules judge whole sessions), but not an absence until its day is over."""
    return today is not None and record.day >= today and \
        record.status is SessionStatus.absent and not _punched(record)


def _punched(record) -> bool:
    punched = getattr(record, "punched", None)  # a SessionRow says it in one column
    if punched is not None:
        return bool(punched)
    return record.clock_in is not None or record.clock_out is not None


def session_code(record, code: dict[str, str], today: date | None = None) -> str:
    """One session's compact code: ✓, L, E, M (combined for several issues), A, V, B; ""
    when the session is off or still to come."""
    status = record.status
    if status is SessionStatus.off or is_pending(record, today):
        return ""
    if status is SessionStatus.normal:
        return code["normal"]
    if status is SessionStatus.absent:
        return code["absent"]
    if status is SessionStatus.leave:
        return code["official"] if record.leave_type == OFFICIAL_BUSINESS else code["leave"]
    issues = record.issue_list
    out = ""
    if "late" in issues:
        out += code["late"]
    if "early_leave" in issues:
        out += code["early_leave"]
    if "missing_in" in issues or "missing_out" in issues:
        out += code["missing"]
    return out


def day_code(records, code: dict[str, str], today: date | None = None) -> str:
    """A day's code: the sessions' codes joined by "/" (one code when they are equal)."""
    parts = [session_code(r, code, today) for r in sorted(records, key=lambda r: r.position)]
    parts = [p if p else "·" for p in parts]
    if not any(p != "·" for p in parts):
        return ""
    if len(set(parts)) == 1:
        return parts[0]
    return "/".join(parts)
