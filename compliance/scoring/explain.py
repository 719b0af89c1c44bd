"""Explaining a stored score (SPEC §7: every score can be explained): each deduction and each
reason of ineligibility in the user's language, with the record it came from and a link to
it — the person's attendance day, the finding with its photos, the complaint or review case.
Used by the pages and the API alike."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..cases.models import Complaint, ReviewCase
from ..conduct.models import Finding
from ..extensions import db
from .store import rules_for

DEDUCTION_LABELS = {
    "late": _l("Late"), "early_leave": _l("Early leave"), "missing_punch": _l("Missing punch"),
    "absent": _l("Absent"), "finding": _l("Finding"), "complaint": _l("Substantiated complaint"),
}
REASON_LABELS = {
    "not_assessed": _l("Not assessed: no rostered working day in the period"),
    "substantiated_complaint": _l("Substantiated complaint in the quarter"),
    "critical_finding": _l("Critical finding in the quarter"),
    "ten_prohibitions_finding": _l("Finding under the ten prohibitions (十不准)"),
    "barring_finding": _l("Finding whose checklist item bars honours"),
    "min_assessed_quarters": _l("Too few assessed quarters"),
}
PART_LABELS = {
    "attendance": _l("Attendance"), "conduct": _l("Conduct"), "patrol": _l("Patrol"),
    "service_norms": _l("Service norms"), "reviews": _l("Reviews"),
    "complaints": _l("Complaints"), "performance": _l("Performance"),
    "q1": _l("Q1"), "q2": _l("Q2"), "q3": _l("Q3"), "q4": _l("Q4"),
}
SESSION_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon")}
STATUS_LABELS = {"normal": _l("Normal"), "abnormal": _l("Abnormal"), "absent": _l("Absent"),
                 "leave": _l("Leave"), "off": _l("Off")}
ISSUE_LABELS = {"late": _l("Late"), "early_leave": _l("Early leave"),
                "missing_in": _l("No clock-in"), "missing_out": _l("No clock-out")}
# The attendance pages own the person's day; when they offer one under this endpoint
# (arguments ``staff_no`` and ``day``) a session deduction links there, otherwise to the
# daily score page, which shows the day's sessions and punches.
ATTENDANCE_DAY_ENDPOINT = "attendance.person_day"


@dataclass
class Line:
    """One deduction or reason, ready to show."""

    code: str
    label: str
    points: Decimal | None
    on: date | None
    detail: str
    ref_type: str | None
    ref_id: Any
    url: str | None = None
    record: Any = None
    evidence: list = field(default_factory=list)


def part_label(name: str) -> str:
    return str(PART_LABELS.get(name, name))


def reason_label(code: str, centre_id: int, day: date) -> str:
    """A reason's label; a seed-003 disqualifier's from the rulebook of the period."""
    if code.startswith("disqualifier."):
        entry = rules_for(centre_id, day).disqualifier(code.split(".", 1)[1])
        if entry is not None:
            return entry.label_en if str(get_locale()) == "en" else entry.label_zh
    return str(REASON_LABELS.get(code, code))


def _attendance_url(staff_no: str, on: date | None) -> str | None:
    if on is None:
        return None
    if ATTENDANCE_DAY_ENDPOINT in current_app.view_functions:
        return url_for(ATTENDANCE_DAY_ENDPOINT, staff_no=staff_no, day=on.isoformat())
    return url_for("scores.explanation", kind="daily", slug=on.isoformat(),
                   staff_no=staff_no, _anchor="day")


def _url(ref_type: str | None, ref_id: Any, staff_no: str, on: date | None) -> str | None:
    if ref_type == "session":
        return _attendance_url(staff_no, on)
    if not isinstance(ref_id, int):
        return None
    if ref_type == "finding":
        return url_for("conduct.finding_detail", finding_id=ref_id)
    if ref_type == "complaint":
        return url_for("cases.complaint_detail", complaint_id=ref_id)
    if ref_type in ("review_case", "review"):
        return url_for("cases.review_case_detail", case_id=ref_id)
    return None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _records(items: list[dict]) -> dict[tuple[str, Any], Any]:
    """The findings and complaints the lines name, fetched in two queries."""
    wanted: dict[str, set] = {"finding": set(), "complaint": set(), "review_case": set()}
    for item in items:
        if item.get("ref_type") in wanted and isinstance(item.get("ref_id"), int):
            wanted[item["ref_type"]].add(item["ref_id"])
    out: dict[tuple[str, Any], Any] = {}
    for ref_type, model in (("finding", Finding), ("complaint", Complaint),
                            ("review_case", ReviewCase)):
        if wanted[ref_type]:
            for record in db.session.scalars(sa.select(model).where(
                    model.id.in_(wanted[ref_type]))):
                out[(ref_type, record.id)] = record
    return out


def _describe(item: dict, record: Any) -> str:
    """The text of a line: the finding's checklist item, the complaint's category, or the
    attendance session and minutes."""
    if isinstance(record, Finding):
        return record.item_text_en if str(get_locale()) == "en" and record.item_text_en \
            else record.item_text_zh
    if isinstance(record, Complaint):
        return f"{record.category.label} · {record.conclusion.label if record.conclusion else ''}"
    return session_text(item.get("detail") or "")


_SESSION_DETAIL = re.compile(r"^(?P<session>\S+) (?P<what>late|early|missing_in|missing_out|absent)"
                             r"(?: (?P<minutes>\d+) min)?")


def session_text(detail: str) -> str:
    """The engine's session detail ("am late 5 min") in the user's language."""
    match = _SESSION_DETAIL.match(detail)
    if not match:
        return detail
    session = str(SESSION_LABELS.get(match["session"], match["session"]))
    what, minutes = match["what"], match["minutes"]
    if what == "late":
        return _("%(session)s: %(n)s minutes late", session=session, n=minutes)
    if what == "early":
        return _("%(session)s: left %(n)s minutes early", session=session, n=minutes)
    if what == "missing_in":
        return _("%(session)s: no clock-in", session=session)
    if what == "missing_out":
        return _("%(session)s: no clock-out", session=session)
    return _("%(session)s: absent", session=session)


def deduction_lines(score, staff_no: str) -> list[Line]:
    """Every deduction of a stored score, by date."""
    items = list(score.deductions or [])
    records = _records(items)
    lines = []
    for item in items:
        record = records.get((item.get("ref_type"), item.get("ref_id")))
        on = _day(item.get("on"))
        lines.append(Line(
            code=item["kind"], label=str(DEDUCTION_LABELS.get(item["kind"], item["kind"])),
            points=Decimal(item["points"]), on=on, detail=_describe(item, record),
            ref_type=item.get("ref_type"), ref_id=item.get("ref_id"),
            url=_url(item.get("ref_type"), item.get("ref_id"), staff_no, on), record=record,
            evidence=list(record.evidence) if isinstance(record, Finding) else []))
    return sorted(lines, key=lambda x: x.on or date.min)  # stable: the engine's order within a day


def reason_lines(score, staff_no: str, period_last: date) -> list[Line]:
    """Every reason a stored score is not eligible for honours."""
    items = list(score.reasons or [])
    records = _records(items)
    lines = []
    for item in items:
        record = records.get((item.get("ref_type"), item.get("ref_id")))
        on = _day(item.get("on"))
        detail = _describe(item, record) if record is not None else (item.get("detail") or "")
        lines.append(Line(
            code=item["code"], label=reason_label(item["code"], score.centre_id, period_last),
            points=None, on=on, detail=detail, ref_type=item.get("ref_type"),
            ref_id=item.get("ref_id"),
            url=_url(item.get("ref_type"), item.get("ref_id"), staff_no, on), record=record))
    return lines
