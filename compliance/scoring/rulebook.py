"""The rulebook (考评规则): every number of SPEC §3–§7 as one versioned document.

PURE part: parse, validate, merge and fingerprint a rulebook *document* (a plain dict as
read from TOML or JSON) and give the scoring engine a frozen, typed view of it
(:class:`Rules`). Storage of versions "in force from a date" is built on top of these
functions elsewhere; nothing here imports Flask or the database.

The defaults live in ``rulebook/default.toml`` next to this module. The schema below is
the single list of keys: :func:`validate` refuses unknown keys, reports missing ones, and
names the path of every problem (``"quarterly.weights: must sum to 100, got 95"``).
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_PATH = Path(__file__).with_name("rulebook") / "default.toml"

WEIGHT_KEYS = ("attendance", "patrol", "service_norms", "reviews", "complaints", "performance")
SESSION_STATUSES = frozenset({"normal", "abnormal", "absent", "leave", "off"})
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_CASE_PATTERN_RE = re.compile(r"^[^:\s]+:[^:\s]+:[^:\s]+$")


class RulebookError(ValueError):
    """A rulebook document that does not validate; ``errors`` lists every message and
    ``problems`` the same as :class:`Problem` records."""

    def __init__(self, errors: list[str], problems: list[Problem] | None = None):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
        self.problems = list(problems or [])


# --- schema -------------------------------------------------------------------------------
# A field spec is (kind, minimum, maximum); kinds: "int", "ratio" (0–1 number), "str",
# "strlist", "hours" (a list of "HH:MM-HH:MM" local time ranges). Shares are ints 0–100.
_INT = ("int", 0, None)
_SHARE = ("int", 0, 100)
_RATIO = ("ratio", 0, 1)

_TOP_LEVEL = {"version": ("str", None, None), "description_zh": ("str", None, None),
              "description_en": ("str", None, None)}
_SECTIONS: dict[str, dict[str, tuple]] = {
    "attendance": {
        "late_to_absent_minutes": _INT, "extended_service_minutes": _INT,
        "duplicate_punch_seconds": _INT, "corrections_per_month": _INT,
        "temporary_absence_notify_minutes": _INT,
    },
    "deductions": {"late": _INT, "early_leave": _INT, "missing_punch": _INT, "absent": _INT},
    "quarterly": {
        "complaint_points": _INT, "quarterly_honour_share": _SHARE,
        "good_review_min_level": ("int", 1, 5), "substantiated_outcomes": ("strlist", None, None),
    },
    "annual": {"annual_honour_share": _SHARE, "min_assessed_quarters": ("int", 0, 4)},
    "appeals": {"appeal_working_days": _INT},
    "cases": {
        "bad_review_max_level": ("int", 1, 5), "bad_review_contact_working_days": _INT,
        "bad_review_conclude_working_days": _INT, "real_name_followup_target": _SHARE,
        "complaint_assign_working_days": _INT, "complaint_conclude_working_days": _INT,
        "complaint_answer_working_days": _INT, "complaint_close_working_days": _INT,
    },
    "camera": {
        "seat_empty_consecutive": ("int", 1, None), "snapshot_retention_days": _INT,
        "snapshot_interval_minutes": ("int", 1, None),
        "seat_similarity_threshold": _RATIO, "desk_deviation_threshold": _RATIO,
        "capture_hours": ("hours", None, None),
    },
    "spot_checks": {"per_day": _INT},
}
_DISQUALIFIER_FIELDS = {
    "label_zh": ("str", None, None), "label_en": ("str", None, None),
    "seed_clause": ("str", None, None), "finding_categories": ("strlist", None, None),
    "finding_sources": ("strlist", None, None), "item_codes": ("strlist", None, None),
    "case_outcomes": ("strlist", None, None), "session_statuses": ("strlist", None, None),
}


@dataclass(frozen=True)
class Problem:
    """One problem of a rulebook document: the dotted ``path`` of the setting, a ``code``
    (``missing``, ``unknown``, ``not_table``, ``not_text``, ``not_list``, ``list_item``,
    ``repeated``, ``integer``, ``ratio``, ``weights_sum``, ``bad_key``, ``case_pattern``,
    ``session_status``, ``not_hours``, ``hours_range``, ``hours_order``), the facts behind
    it (``low``, ``high``, ``value``, ``total``,
    ``index``) and the English ``text`` that :func:`validate` returns. Pages translate the
    code and facts into the user's language."""

    path: str
    code: str
    text: str
    value: Any = None
    low: Any = None
    high: Any = None
    total: Any = None
    index: int | None = None


def _problem(path: str, code: str, text: str, **facts: Any) -> Problem:
    return Problem(path, code, f"{path}: {text}", **facts)


def _check_value(path: str, value: Any, spec: tuple) -> list[Problem]:
    kind, low, high = spec
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            return [_problem(path, "not_text", f"must be a non-empty string, got {value!r}",
                             value=value)]
        return []
    if kind == "strlist":
        if not isinstance(value, list):
            return [_problem(path, "not_list", f"must be a list of strings, got {value!r}",
                             value=value)]
        problems = [_problem(f"{path}[{i}]", "list_item",
                             f"must be a non-empty string, got {item!r}", value=item, index=i)
                    for i, item in enumerate(value)
                    if not isinstance(item, str) or not item.strip()]
        if not problems and len(set(value)) != len(value):
            problems.append(_problem(path, "repeated", "must not repeat an entry", value=value))
        return problems
    if kind == "hours":
        return _check_hours(path, value)
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or (low is not None and value < low) or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"≥ {low}"
            return [_problem(path, "integer", f"must be an integer {bound}, got {value!r}",
                             value=value, low=low, high=high)]
        return []
    # ratio
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (low <= value <= high):
        return [_problem(path, "ratio", f"must be a number between {low} and {high}, "
                                        f"got {value!r}", value=value, low=low, high=high)]
    return []


def _check_hours(path: str, value: Any) -> list[Problem]:
    """A non-empty list of "HH:MM-HH:MM" ranges, each ending after it starts, in order and
    not overlapping."""
    if not isinstance(value, list) or not value:
        return [_problem(path, "not_hours", "must be a non-empty list of \"HH:MM-HH:MM\" "
                         f"ranges, got {value!r}", value=value)]
    problems, previous_end = [], ""
    for i, item in enumerate(value):
        match = _HOURS_RE.match(item) if isinstance(item, str) else None
        if not match or item[6:] <= item[:5]:
            problems.append(_problem(f"{path}[{i}]", "hours_range",
                                     f"must look like 09:00-12:00 and end after it starts, "
                                     f"got {item!r}", value=item, index=i))
            continue
        if item[:5] < previous_end:
            problems.append(_problem(f"{path}[{i}]", "hours_order",
                                     "must start after the previous range ends", value=item,
                                     index=i))
        previous_end = item[6:]
    return problems


def _check_table(path: str, table: Any, fields: dict[str, tuple]) -> list[Problem]:
    if not isinstance(table, Mapping):
        return [_problem(path, "not_table", f"must be a table, got {table!r}", value=table)]
    problems = [_problem(f"{path}.{key}", "unknown", "unknown key") for key in table
                if key not in fields]
    for key, spec in fields.items():
        if key not in table:
            problems.append(_problem(f"{path}.{key}", "missing", "missing"))
        else:
            problems.extend(_check_value(f"{path}.{key}", table[key], spec))
    return problems


def validate(doc: Any) -> list[str]:
    """Every problem of a rulebook document, each message starting with its dotted path.

    Rules checked: the document is a table; no unknown key anywhere; every key present;
    integers are whole numbers ≥ 0 (bools refused), shares 0–100, thresholds 0–1;
    ``quarterly.weights`` holds exactly the six parts and sums to 100; each
    ``disqualifiers.<key>`` has a lower-case key, zh/en labels and its matcher lists, with
    case patterns shaped ``kind:category:outcome`` and statuses from the session statuses.
    An empty list means the document is valid. :func:`problems` gives the same, structured.
    """
    return [p.text for p in problems(doc)]


def problems(doc: Any) -> list[Problem]:
    """The problems of :func:`validate` as :class:`Problem` records, in the same order."""
    if not isinstance(doc, Mapping):
        return [Problem("rulebook", "not_table",
                        f"rulebook: must be a table, got {type(doc).__name__}", value=doc)]
    known = set(_TOP_LEVEL) | set(_SECTIONS) | {"disqualifiers"}
    found = [_problem(key, "unknown", "unknown key") for key in doc if key not in known]
    for key, spec in _TOP_LEVEL.items():
        if key not in doc:
            found.append(_problem(key, "missing", "missing"))
        else:
            found.extend(_check_value(key, doc[key], spec))
    for section, fields in _SECTIONS.items():
        if section not in doc:
            found.append(_problem(section, "missing", "missing"))
            continue
        table = doc[section]
        if section == "quarterly" and isinstance(table, Mapping):
            table = {k: v for k, v in table.items() if k != "weights"}
            found.extend(_check_weights(doc[section].get("weights")))
        found.extend(_check_table(section, table, fields))
    found.extend(_check_disqualifiers(doc.get("disqualifiers")))
    return found


def _check_weights(weights: Any) -> list[Problem]:
    path = "quarterly.weights"
    if weights is None:
        return [_problem(path, "missing", "missing")]
    found = _check_table(path, weights, {key: _INT for key in WEIGHT_KEYS})
    if not found:
        total = sum(weights.values())
        if total != 100:
            found.append(_problem(path, "weights_sum", f"must sum to 100, got {total}",
                                  total=total))
    return found


def _check_disqualifiers(table: Any) -> list[Problem]:
    if table is None:
        return [_problem("disqualifiers", "missing", "missing")]
    if not isinstance(table, Mapping):
        return [_problem("disqualifiers", "not_table", f"must be a table, got {table!r}",
                         value=table)]
    found: list[Problem] = []
    for key, entry in table.items():
        path = f"disqualifiers.{key}"
        if not isinstance(key, str) or not _KEY_RE.match(key):
            found.append(_problem(path, "bad_key",
                                  "key must be lower-case letters, digits and _", value=key))
        entry_problems = _check_table(path, entry, _DISQUALIFIER_FIELDS)
        found.extend(entry_problems)
        if entry_problems:
            continue
        for i, pattern in enumerate(entry["case_outcomes"]):
            if not _CASE_PATTERN_RE.match(pattern):
                found.append(_problem(f"{path}.case_outcomes[{i}]", "case_pattern",
                                      f"must look like kind:category:outcome, got {pattern!r}",
                                      value=pattern, index=i))
        for i, status in enumerate(entry["session_statuses"]):
            if status not in SESSION_STATUSES:
                found.append(_problem(f"{path}.session_statuses[{i}]", "session_status",
                                      f"must be one of {sorted(SESSION_STATUSES)}, "
                                      f"got {status!r}", value=status, index=i))
    return found


# --- documents ----------------------------------------------------------------------------


def parse(text: str) -> dict:
    """A rulebook document from TOML text (not validated; see :func:`validate`)."""
    return tomllib.loads(text)


def load_default() -> dict:
    """A fresh copy of the default rulebook document (``rulebook/default.toml``)."""
    return parse(DEFAULT_PATH.read_text(encoding="utf-8"))


def merge(base: Mapping, overrides: Mapping) -> dict:
    """``base`` with ``overrides`` laid over it, as a new document (inputs unchanged).

    Tables merge key by key, recursively; any other value (number, string, list) in
    ``overrides`` replaces the base value whole. Keys only in ``overrides`` are added, so
    an unknown key survives the merge and is refused by :func:`validate` afterwards.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys and UTF-8 text: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default)


def fingerprint(doc: Mapping) -> str:
    """SHA-256 (hex) of the document's canonical JSON: the identity of a rulebook's content."""
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


# --- typed view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRules:
    late_to_absent_minutes: int
    extended_service_minutes: int
    duplicate_punch_seconds: int
    corrections_per_month: int
    temporary_absence_notify_minutes: int


@dataclass(frozen=True)
class DeductionRules:
    late: int
    early_leave: int
    missing_punch: int
    absent: int


@dataclass(frozen=True)
class QuarterlyRules:
    weights: Mapping[str, int]
    complaint_points: int
    quarterly_honour_share: int
    good_review_min_level: int
    substantiated_outcomes: tuple[str, ...]


@dataclass(frozen=True)
class AnnualRules:
    annual_honour_share: int
    min_assessed_quarters: int


@dataclass(frozen=True)
class AppealRules:
    appeal_working_days: int


@dataclass(frozen=True)
class CaseRules:
    bad_review_max_level: int
    bad_review_contact_working_days: int
    bad_review_conclude_working_days: int
    real_name_followup_target: int
    complaint_assign_working_days: int
    complaint_conclude_working_days: int
    complaint_answer_working_days: int
    complaint_close_working_days: int


@dataclass(frozen=True)
class CameraRules:
    seat_empty_consecutive: int
    snapshot_retention_days: int
    snapshot_interval_minutes: int
    seat_similarity_threshold: float
    desk_deviation_threshold: float
    capture_hours: tuple[str, ...]


@dataclass(frozen=True)
class SpotCheckRules:
    per_day: int


@dataclass(frozen=True)
class Disqualifier:
    """One seed-003 event cancelling annual-honour eligibility and what counts as it."""

    key: str
    label_zh: str
    label_en: str
    seed_clause: str
    finding_categories: frozenset[str]
    finding_sources: frozenset[str]
    item_codes: frozenset[str]
    case_outcomes: tuple[str, ...]
    session_statuses: frozenset[str]

    def matches_case(self, kind: str, category: str | None, outcome: str | None) -> bool:
        """Whether a case ``kind:category:outcome`` matches a pattern ("*" = anything)."""
        actual = (kind, category or "", outcome or "")
        for pattern in self.case_outcomes:
            parts = pattern.split(":")
            if all(p == "*" or p == a for p, a in zip(parts, actual)):
                return True
        return False


@dataclass(frozen=True)
class Rules:
    """Frozen, typed view of a valid rulebook document, read by the scoring engine."""

    version: str
    fingerprint: str
    attendance: AttendanceRules
    deductions: DeductionRules
    quarterly: QuarterlyRules
    annual: AnnualRules
    appeals: AppealRules
    cases: CaseRules
    camera: CameraRules
    spot_checks: SpotCheckRules
    disqualifiers: tuple[Disqualifier, ...]

    @classmethod
    def from_doc(cls, doc: Mapping) -> Rules:
        """Validate ``doc`` and build the view; raises :class:`RulebookError` when invalid."""
        found = problems(doc)
        if found:
            raise RulebookError([p.text for p in found], found)
        quarterly = {k: v for k, v in doc["quarterly"].items() if k != "weights"}
        quarterly["substantiated_outcomes"] = tuple(quarterly["substantiated_outcomes"])
        return cls(
            version=doc["version"],
            fingerprint=fingerprint(doc),
            attendance=AttendanceRules(**doc["attendance"]),
            deductions=DeductionRules(**doc["deductions"]),
            quarterly=QuarterlyRules(
                weights=MappingProxyType({k: doc["quarterly"]["weights"][k] for k in WEIGHT_KEYS}),
                **quarterly,
            ),
            annual=AnnualRules(**doc["annual"]),
            appeals=AppealRules(**doc["appeals"]),
            cases=CaseRules(**doc["cases"]),
            camera=CameraRules(**{k: (float(v) if isinstance(v, (int, float)) and k.endswith(
                "threshold") else tuple(v) if isinstance(v, list) else v)
                for k, v in doc["camera"].items()}),
            spot_checks=SpotCheckRules(**doc["spot_checks"]),
            disqualifiers=tuple(
                Disqualifier(
                    key=key, label_zh=e["label_zh"], label_en=e["label_en"],
                    seed_clause=e["seed_clause"],
                    finding_categories=frozenset(e["finding_categories"]),
                    finding_sources=frozenset(e["finding_sources"]),
                    item_codes=frozenset(e["item_codes"]),
                    case_outcomes=tuple(e["case_outcomes"]),
                    session_statuses=frozenset(e["session_statuses"]),
                )
                for key, e in sorted(doc["disqualifiers"].items())
            ),
        )

    @classmethod
    def default(cls) -> Rules:
        return cls.from_doc(load_default())

    def disqualifier(self, key: str) -> Disqualifier | None:
        return next((d for d in self.disqualifiers if d.key == key), None)
