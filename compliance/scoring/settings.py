"""What HR sees of the rulebook: every setting with its label and unit, grouped as the editor
shows them; parsing of the editor's text into a rulebook change; the differences between two
versions; and every validation problem in the user's language, attached to its setting.

The list of settings is the rulebook schema (``rulebook._SECTIONS``, ``WEIGHT_KEYS`` and the
disqualifier matchers); a test checks that every key of the default document is here, so a
new setting cannot be forgotten by the editor.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .rulebook import WEIGHT_KEYS, Problem

INT, RATIO, LIST = "int", "ratio", "list"
DISQUALIFIER_LISTS = ("finding_categories", "finding_sources", "item_codes", "case_outcomes",
                      "session_statuses")


@dataclass(frozen=True)
class Setting:
    """One editable setting: its dotted ``path`` in the document, label, unit and kind."""

    path: str
    label: Any
    unit: Any = ""
    kind: str = INT

    @property
    def field_name(self) -> str:
        """A form field name (dots are not allowed in HTML form names WTForms reads)."""
        return self.path.replace(".", "__")


@dataclass(frozen=True)
class Group:
    key: str
    title: Any
    settings: tuple[Setting, ...]
    note: Any = ""


MINUTES, POINTS, DAYS, WORKING_DAYS, PERCENT = (
    _l("minutes"), _l("points"), _l("days"), _l("working days"), "%")

_FIXED_GROUPS = [
    Group("deductions", _l("Daily score: attendance deductions per session"), (
        Setting("deductions.late", _l("Late"), POINTS),
        Setting("deductions.early_leave", _l("Early leave"), POINTS),
        Setting("deductions.missing_punch", _l("Missing clock-in or clock-out (each)"), POINTS),
        Setting("deductions.absent", _l("Absent (旷工)"), POINTS),
    )),
    Group("quarterly.weights", _l("Quarterly score: weights of the parts"), tuple(
        Setting(f"quarterly.weights.{key}", label, PERCENT) for key, label in zip(WEIGHT_KEYS, (
            _l("Attendance"), _l("Patrol"), _l("Service norms"), _l("Reviews"),
            _l("Complaints"), _l("Performance")))), note=_l("The six weights must sum to 100.")),
    Group("quarterly", _l("Quarterly score"), (
        Setting("quarterly.complaint_points", _l("Complaints part: points per substantiated "
                                                 "complaint"), POINTS),
        Setting("quarterly.good_review_min_level", _l("Lowest review level counted as good")),
        Setting("quarterly.quarterly_honour_share", _l("Service stars of the quarter: share of "
                                                       "the eligible staff"), PERCENT),
        Setting("quarterly.substantiated_outcomes", _l("Complaint conclusions that count as "
                                                       "substantiated"), kind=LIST),
    )),
    Group("annual", _l("Annual score"), (
        Setting("annual.annual_honour_share", _l("Annual honour candidates: share of the "
                                                 "qualified staff"), PERCENT),
        Setting("annual.min_assessed_quarters", _l("Assessed quarters needed for the annual "
                                                   "honour")),
    )),
    Group("attendance", _l("Attendance"), (
        Setting("attendance.late_to_absent_minutes", _l("Late or early by more than this "
                                                        "counts as absent"), MINUTES),
        Setting("attendance.extended_service_minutes", _l("Clock-out this long after closing "
                                                          "counts as extended service"), MINUTES),
        Setting("attendance.duplicate_punch_seconds", _l("Two punches within this are one"),
                _l("seconds")),
        Setting("attendance.corrections_per_month", _l("Approved punch corrections per person "
                                                       "per month")),
        Setting("attendance.temporary_absence_notify_minutes", _l("Temporary absence longer "
                                                                  "than this: unit lead told"),
                MINUTES),
    )),
    Group("appeals", _l("Appeals"), (
        Setting("appeals.appeal_working_days", _l("A finding may be appealed within"),
                WORKING_DAYS),
    )),
    Group("cases", _l("Reviews and complaints: deadlines"), (
        Setting("cases.bad_review_max_level", _l("Highest review level that is a bad review")),
        Setting("cases.bad_review_contact_working_days", _l("Bad review: follow-up contact "
                                                            "within"), WORKING_DAYS),
        Setting("cases.bad_review_conclude_working_days", _l("Bad review: conclusion within"),
                WORKING_DAYS),
        Setting("cases.real_name_followup_target", _l("Real-name bad reviews followed up: "
                                                      "target"), PERCENT),
        Setting("cases.complaint_assign_working_days", _l("Complaint: assigned within"),
                WORKING_DAYS),
        Setting("cases.complaint_conclude_working_days", _l("Complaint: concluded within"),
                WORKING_DAYS),
        Setting("cases.complaint_answer_working_days", _l("Complaint: answered within"),
                WORKING_DAYS),
        Setting("cases.complaint_close_working_days", _l("Complaint: closed within"),
                WORKING_DAYS),
    )),
    Group("camera", _l("Camera reviews"), (
        Setting("camera.seat_empty_consecutive", _l("Snapshots in a row with the seat empty "
                                                    "before a flag")),
        Setting("camera.snapshot_retention_days", _l("Unflagged snapshots kept for"), DAYS),
        Setting("camera.snapshot_interval_minutes", _l("Snapshot interval per camera"), MINUTES),
        Setting("camera.seat_similarity_threshold", _l("Seat similarity below which the seat is "
                                                       "taken (0–1)"), kind=RATIO),
        Setting("camera.desk_deviation_threshold", _l("Desk difference above which the desk "
                                                      "deviates (0–1)"), kind=RATIO),
        Setting("camera.capture_hours", _l("Capture hours (local time ranges such as "
                                           "09:00-12:00, separated by commas)"), kind=LIST),
    )),
    Group("spot_checks", _l("Spot checks"), (
        Setting("spot_checks.per_day", _l("Spot-check tasks drawn per day")),
    )),
]

LIST_LABELS = {
    "finding_categories": _l("Finding categories"),
    "finding_sources": _l("Finding sources"),
    "item_codes": _l("Checklist item codes"),
    "case_outcomes": _l("Cases (kind:category:outcome, * = any)"),
    "session_statuses": _l("Attendance statuses"),
}


def groups(document: Mapping) -> list[Group]:
    """Every group of settings, the seed-003 disqualifiers of ``document`` last (one group
    per entry, labelled in the user's language)."""
    from flask_babel import get_locale

    english = str(get_locale()) == "en"
    out = list(_FIXED_GROUPS)
    for key, entry in sorted((document.get("disqualifiers") or {}).items()):
        label = entry.get("label_en" if english else "label_zh") or key
        out.append(Group(f"disqualifiers.{key}",
                         _("Annual honour disqualifier: %(label)s (seed %(clause)s)",
                           label=label, clause=entry.get("seed_clause", "")),
                         tuple(Setting(f"disqualifiers.{key}.{name}", LIST_LABELS[name],
                                       kind=LIST) for name in DISQUALIFIER_LISTS)))
    return out


def all_settings(document: Mapping) -> list[Setting]:
    return [s for g in groups(document) for s in g.settings]


def label_of(path: str, document: Mapping) -> str:
    """The label of a setting for lists of changes (the path itself when unknown)."""
    for group in groups(document):
        for setting in group.settings:
            if setting.path == path:
                return f"{group.title} · {setting.label}"
    return path


def get(document: Mapping, path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def put(document: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = document
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def display(value: Any) -> str:
    """A setting's value as the editor shows and reads it."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None:
        return "—"
    return str(value)


_LIST_SPLIT = re.compile(r"[,,、;;\s]+")
_INT_RE = re.compile(r"^[+-]?\d+$")


def parse(setting: Setting, text: str | None) -> tuple[Any, str | None]:
    """The value of the editor's text for a setting, or ``(None, message)``."""
    text = (text or "").strip()
    if setting.kind == LIST:
        items = [item for item in _LIST_SPLIT.split(text) if item]
        return items, None
    if setting.kind == RATIO:
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None, _("Enter a number between 0 and 1, such as 0.8.")
        if not value.is_finite():
            return None, _("Enter a number between 0 and 1, such as 0.8.")
        return float(value), None
    if not _INT_RE.match(text):
        return None, _("Enter a whole number.")
    return int(text), None


def changes_between(before: Mapping, after: Mapping) -> list[tuple[str, Any, Any]]:
    """``(path, before, after)`` for every setting that differs, in editor order; the
    version name and descriptions are not settings."""
    out = []
    seen = set()
    for setting in all_settings(after) + all_settings(before):
        if setting.path in seen:
            continue
        seen.add(setting.path)
        old, new = get(before, setting.path), get(after, setting.path)
        if old != new:
            out.append((setting.path, old, new))
    return out


def field_path(problem: Problem) -> str:
    """The setting a problem belongs to: list positions are dropped
    (``disqualifiers.bribery.case_outcomes[0]`` → ``disqualifiers.bribery.case_outcomes``)."""
    return re.sub(r"\[\d+\]$", "", problem.path)


def describe(problem: Problem) -> str:
    """A validation problem in the user's language (without the path: it is shown next to
    its setting)."""
    code = problem.code
    if code == "integer":
        if problem.high is not None:
            return _("Must be a whole number from %(low)s to %(high)s.", low=problem.low,
                     high=problem.high)
        return _("Must be a whole number of at least %(low)s.", low=problem.low)
    if code == "ratio":
        return _("Must be a number from %(low)s to %(high)s.", low=problem.low,
                 high=problem.high)
    if code == "weights_sum":
        return _("The weights must sum to 100; they sum to %(total)s.", total=problem.total)
    if code == "repeated":
        return _("An entry appears twice.")
    if code == "list_item":
        return _("Entry %(n)s is empty.", n=(problem.index or 0) + 1)
    if code == "case_pattern":
        return _("“%(value)s” must look like kind:category:outcome (for example "
                 "complaint:*:substantiated).", value=problem.value)
    if code == "session_status":
        return _("“%(value)s” is not an attendance status (normal, abnormal, absent, leave, "
                 "off).", value=problem.value)
    if code in ("not_hours", "hours_range"):
        return _("Give time ranges such as 09:00-12:00, each ending after it starts.")
    if code == "hours_order":
        return _("The time ranges must be in order and must not overlap.")
    if code == "missing":
        return _("This setting is missing.")
    if code == "unknown":
        return _("There is no such setting.")
    if code in ("not_text", "not_list", "not_table", "bad_key"):
        return _("This value has the wrong form.")
    return problem.text


def translated_fields(found: list[Problem]) -> dict[str, str]:
    """``{setting path: message}`` for an API error or a form; several problems of one
    setting are joined."""
    out: dict[str, str] = {}
    for problem in found:
        path = field_path(problem)
        message = describe(problem)
        out[path] = f"{out[path]} {message}" if path in out else message
    return out
