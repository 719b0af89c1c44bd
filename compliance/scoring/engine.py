"""Scoring engine: daily, quarterly and annual scores with their reasons (SPEC §7).

Sources: seed 004 第十三条 (daily = attendance + patrol; quarterly parts and weights),
seed 003 五 (events that cancel annual-honour eligibility). Every number comes from the
rulebook (:class:`compliance.scoring.rulebook.Rules`).

PURE module: plain frozen dataclasses in, plain frozen dataclasses out; no Flask, no
database. The gathering code (``operations.py``) builds the inputs below from the tables.

Decisions, in one place:

* **Arithmetic** is :class:`~decimal.Decimal`. Every part is rounded to 2 decimals with
  ROUND_HALF_UP; a weighted total is computed from the *rounded* parts (so the figures
  shown add up) and rounded the same way.
* **Floors**: a daily score, each daily part and each quarterly part is never below 0
  (SPEC §4 states it for inspections; the same is applied everywhere). Nothing exceeds 100.
* **Standing findings**: a finding counts while ``open``, ``appealed`` or ``upheld``; an
  ``overturned`` finding counts for nothing, anywhere (points, eligibility, disqualifiers).
* **Counted (rostered) day**: a day holding at least one session that is rostered and not
  covered by leave; official business (公出, leave_type ``"official"``) counts as worked.
  Days wholly on leave or off are neither penalised nor counted. A quarter with no counted
  day is **not assessed**: its parts are computed as usual, but it is not ranked, not
  eligible (reason ``not_assessed``) and weighs 0 in the annual mean.
* **Empty parts**: no counted day → attendance 100; no answered inspection item → service
  norms 100; no counted review → reviews 100; no handled case → performance 100.
* **Records outside the period** (another day, quarter or year) are ignored and do not
  enter the fingerprint, so the gathering code may pass a superset.
* **Ranks**: competition ranking ("1, 2, 2, 4") on total (higher first), then fewer
  deduction points (the sum of the score's deduction lines); staff equal on both share a
  rank. ``staff_no`` only orders the listing, never the rank. Ranked within the centre
  (``centre_id``) and within the department (``centre_id``, ``department_id``); only
  assessed scores are ranked (others get ``None``).
* **Honours** are drawn per centre from the *eligible* assessed staff:
  ``n = ceil(share × eligible / 100)`` (so at least 1 whenever anyone is eligible and the
  share is above 0); a person is honoured when their competition rank among the eligible
  of their centre is ≤ n, so staff tied at the cut are all honoured.
* **Fingerprints** (``fingerprint.py``): SHA-256 of the canonical JSON of the engine
  revision, the rulebook fingerprint and the relevant inputs, each list in a canonical
  order, so the same inputs in any order give the same value.
"""
from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, Union

from compliance.scoring.fingerprint import fingerprint as _fingerprint
from compliance.scoring.fingerprint import iso as _iso
from compliance.scoring.fingerprint import num as _num
from compliance.scoring.rulebook import Rules

Id = Union[str, int, None]

FULL = Decimal(100)
_CENT = Decimal("0.01")
SESSION_STATUSES = ("normal", "abnormal", "absent", "leave", "off")
SESSION_ISSUES = ("late", "early_leave", "missing_in", "missing_out")
FINDING_STATES = ("open", "appealed", "upheld", "overturned")
FINDING_SOURCES = ("patrol", "spot_check", "camera", "complaint")
SEVERITIES = ("minor", "major", "critical")
OFFICIAL_BUSINESS = "official"
ATTENDANCE_KINDS = ("late", "early_leave", "missing_punch", "absent")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _dec(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"not a number: {value!r}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _text(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _one_of(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionOutcome:
    """One session result of one person (from ``attendance.rules``; SPEC §3.2).

    ``status``: normal / abnormal / absent / leave / off (enums of that value accepted).
    ``issues`` (late, early_leave, missing_in, missing_out) only on abnormal (at least one)
    or absent (explanatory: late/early beyond the limit). ``leave_type`` for leave sessions
    (``"official"`` = 公出, counts as worked). ``ref_id`` links the deduction to its record.
    """

    date: date
    session: str
    status: str
    issues: tuple[str, ...] = ()
    late_minutes: int = 0
    early_minutes: int = 0
    leave_type: str | None = None
    ref_id: Id = None

    def __post_init__(self) -> None:
        _set(self, "status", _text(self.status))
        _set(self, "issues", tuple(_text(i) for i in self.issues))
        _one_of("status", self.status, SESSION_STATUSES)
        for issue in self.issues:
            _one_of("issue", issue, SESSION_ISSUES)
        if self.issues and self.status not in ("abnormal", "absent"):
            raise ValueError(f"a {self.status} session carries no issues")
        if self.status == "abnormal" and not self.issues:
            raise ValueError("an abnormal session needs at least one issue")

    @property
    def counted(self) -> bool:
        """Rostered and not on leave (official business counts as worked)."""
        return self.status in ("normal", "abnormal", "absent") or (
            self.status == "leave" and self.leave_type == OFFICIAL_BUSINESS)

    @property
    def ref(self) -> Id:
        return self.ref_id if self.ref_id is not None else f"{self.date.isoformat()}:{self.session}"

    def _fingerprint_form(self) -> tuple:
        return (_iso(self.date), self.session, self.status, list(self.issues),
                self.late_minutes, self.early_minutes, self.leave_type, self.ref_id)


@dataclass(frozen=True)
class FindingInput:
    """A conduct finding against the person (SPEC §4–§6; the ``conduct`` Finding row).

    ``points`` deducted while standing; ``source`` patrol / spot_check / camera /
    complaint; ``category`` and ``item_code`` from the checklist item (matched by the
    rulebook's disqualifier table); ``severity`` minor / major / critical;
    ``state`` open / appealed / upheld / overturned; ``ten_prohibitions`` for 十不准 items;
    ``bars_quarterly`` / ``bars_annual`` when the template item bars quarterly / annual
    honours; ``disqualifier`` an
    explicit seed-003 key of the rulebook (unknown keys are ignored).
    """

    id: Id
    date: date
    points: Decimal
    source: str
    category: str | None = None
    item_code: str | None = None
    severity: str = "minor"
    state: str = "open"
    ten_prohibitions: bool = False
    bars_quarterly: bool = False
    disqualifier: str | None = None
    bars_annual: bool = False
    at: datetime | None = None

    def __post_init__(self) -> None:
        _set(self, "points", _dec(self.points))
        for name in ("source", "severity", "state"):
            _set(self, name, _text(getattr(self, name)))
        if self.points < 0:
            raise ValueError("finding points must not be negative")
        _one_of("source", self.source, FINDING_SOURCES)
        _one_of("severity", self.severity, SEVERITIES)
        _one_of("state", self.state, FINDING_STATES)

    @property
    def standing(self) -> bool:
        return self.state != "overturned"

    @property
    def critical(self) -> bool:
        return self.severity == "critical"

    def _fingerprint_form(self) -> tuple:
        return (self.id, _iso(self.date), _num(self.points), self.source, self.category,
                self.item_code, self.severity, self.state, self.ten_prohibitions,
                self.bars_quarterly, self.disqualifier, self.bars_annual, _iso(self.at))


@dataclass(frozen=True)
class CaseInput:
    """A concluded or open case: ``kind`` complaint / review_case / notice (通报) /
    exposure (媒体曝光) …; ``category`` (e.g. ``overdue``); ``outcome`` (e.g.
    ``substantiated``, ``partly``, ``criticism``; None while open). ``date`` is the date
    the case is attributed to (the event or receipt)."""

    kind: str
    id: Id
    date: date
    category: str | None = None
    outcome: str | None = None

    def _fingerprint_form(self) -> tuple:
        return (self.kind, self.id, _iso(self.date), self.category, self.outcome)


@dataclass(frozen=True)
class InspectionTally:
    """One inspection of the person: items ``passed`` out of ``answered`` (pass + fail;
    not-applicable items excluded)."""

    id: Id
    date: date
    passed: int
    answered: int

    def __post_init__(self) -> None:
        if not 0 <= self.passed <= self.answered:
            raise ValueError("need 0 ≤ passed ≤ answered")

    def _fingerprint_form(self) -> tuple:
        return (self.id, _iso(self.date), self.passed, self.answered)


@dataclass(frozen=True)
class ReviewInput:
    """One review (好差评), level 1–5; ``excluded`` once HR approved it as mistaken or
    malicious (误评/恶意差评)."""

    id: Id
    date: date
    level: int
    excluded: bool = False

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3, 4, 5):
            raise ValueError(f"review level must be 1–5, got {self.level!r}")

    def _fingerprint_form(self) -> tuple:
        return (self.id, _iso(self.date), self.level, self.excluded)


@dataclass(frozen=True)
class CaseFigures:
    """Monthly case figures from the business system; ``month`` is any day of the month."""

    month: date
    handled: int
    on_time: int
    on_the_spot: int = 0
    id: Id = None

    def __post_init__(self) -> None:
        if not (0 <= self.on_time <= self.handled and 0 <= self.on_the_spot <= self.handled):
            raise ValueError("need 0 ≤ on_time, on_the_spot ≤ handled")

    def _fingerprint_form(self) -> tuple:
        return (_iso(self.month), self.handled, self.on_time, self.on_the_spot, self.id)


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deduction:
    """One explained deduction; ``ref_type``/``ref_id`` name the record (session, finding,
    complaint) so the page can link to it. ``kind``: late, early_leave, missing_punch,
    absent, finding, complaint."""

    kind: str
    points: Decimal
    ref_type: str
    ref_id: Id
    detail: str
    on: date | None = None

    def _fingerprint_form(self) -> tuple:
        return (self.kind, _num(self.points), self.ref_type, self.ref_id, self.detail,
                _iso(self.on))


@dataclass(frozen=True)
class Reason:
    """Why a person is not eligible: ``code`` (not_assessed, substantiated_complaint,
    critical_finding, ten_prohibitions_finding, barring_finding, min_assessed_quarters,
    ``disqualifier.<key>``) with the record it came from when there is one."""

    code: str
    ref_type: str | None = None
    ref_id: Id = None
    detail: str = ""
    on: date | None = None


@dataclass(frozen=True)
class DailyScore:
    """Daily score (日常考评): ``total`` = 100 − attendance − conduct points, floor 0.
    ``parts``: attendance (100 − attendance points) and conduct (100 − conduct points),
    each floored at 0. ``assessed`` = counted day. No eligibility rule: always eligible."""

    staff_no: str
    date: date
    total: Decimal
    parts: dict[str, Decimal]
    deductions: tuple[Deduction, ...]
    attendance_points: Decimal
    conduct_points: Decimal
    assessed: bool
    rulebook_version: str
    inputs_fingerprint: str
    centre_id: Id = None
    department_id: Id = None
    reasons: tuple[Reason, ...] = ()
    eligible: bool = True
    rank_centre: int | None = None
    rank_department: int | None = None
    honour: bool = False

    @property
    def rostered(self) -> bool:
        return self.assessed

    @property
    def deduction_points(self) -> Decimal:
        return self.attendance_points + self.conduct_points


@dataclass(frozen=True)
class QuarterInput:
    """Everything for one person's quarter. ``days``: the person's :class:`DailyScore` of
    the quarter, each computed with the rulebook in force that day.

    Compact form (a year of 2,000 people is half a million days): with ``counted_days``
    set, ``days`` need only hold the counted days that carry an attendance deduction, and
    ``counted_days`` is the number of counted days in the quarter; every counted day not
    given has an attendance part of 100. Leaner still, ``attendance`` may hold the quarter's
    attendance deduction lines themselves (:func:`attendance_deductions` of the sessions that
    cost points, each day with its own rules) instead of days: each date's lines make that
    day's part, and ``counted_days`` is then required. Likewise ``review_levels`` may hold
    the counts of the quarter's counted reviews (not excluded) per level 1–5, counted with
    ``reviews``.
    Both forms give the same parts, total and reasons (not the same fingerprint: each names
    its own inputs).
    """

    staff_no: str
    year: int
    quarter: int
    centre_id: Id = None
    department_id: Id = None
    days: tuple[DailyScore, ...] = ()
    findings: tuple[FindingInput, ...] = ()
    inspections: tuple[InspectionTally, ...] = ()
    reviews: tuple[ReviewInput, ...] = ()
    cases: tuple[CaseInput, ...] = ()
    case_figures: tuple[CaseFigures, ...] = ()
    counted_days: int | None = None
    review_levels: tuple[int, int, int, int, int] | None = None
    attendance: tuple[Deduction, ...] = ()

    def __post_init__(self) -> None:
        if self.counted_days is not None and self.counted_days < 0:
            raise ValueError("counted_days must not be negative")
        _set(self, "attendance", tuple(self.attendance))
        if self.attendance and (self.days or self.counted_days is None):
            raise ValueError("attendance lines go with counted_days and without days")
        if any(x.kind not in ATTENDANCE_KINDS or x.on is None for x in self.attendance):
            raise ValueError("attendance lines are dated attendance deductions")
        if self.review_levels is not None:
            _set(self, "review_levels", tuple(self.review_levels))
            if len(self.review_levels) != 5 or any(n < 0 for n in self.review_levels):
                raise ValueError("review_levels holds five counts ≥ 0 (levels 1–5)")
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"quarter must be 1–4, got {self.quarter!r}")
        for name in ("days", "findings", "inspections", "reviews", "cases", "case_figures"):
            _set(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True)
class QuarterlyScore:
    """Quarterly score (季度考评): six parts 0–100 and their weighted total.
    ``counts`` holds the figures behind the parts; ``honour`` = 季度服务之星."""

    staff_no: str
    year: int
    quarter: int
    total: Decimal
    parts: dict[str, Decimal]
    deductions: tuple[Deduction, ...]
    deduction_points: Decimal
    counts: dict[str, int]
    rostered_days: int
    assessed: bool
    eligible: bool
    reasons: tuple[Reason, ...]
    rulebook_version: str
    inputs_fingerprint: str
    centre_id: Id = None
    department_id: Id = None
    rank_centre: int | None = None
    rank_department: int | None = None
    honour: bool = False


@dataclass(frozen=True)
class QuarterSummary:
    """A stored quarterly result as the annual score needs it."""

    quarter: int
    total: Decimal
    rostered_days: int
    deduction_points: Decimal = Decimal(0)
    ref_id: Id = None

    def __post_init__(self) -> None:
        _set(self, "total", _dec(self.total))
        _set(self, "deduction_points", _dec(self.deduction_points))
        if self.quarter not in (1, 2, 3, 4) or self.rostered_days < 0:
            raise ValueError("quarter must be 1–4 and rostered_days ≥ 0")

    @classmethod
    def from_score(cls, score: QuarterlyScore, ref_id: Id = None) -> QuarterSummary:
        return cls(score.quarter, score.total, score.rostered_days, score.deduction_points, ref_id)

    def _fingerprint_form(self) -> tuple:
        return (self.quarter, _num(self.total), self.rostered_days, _num(self.deduction_points),
                self.ref_id)


@dataclass(frozen=True)
class AnnualInput:
    """One person's year: the quarter summaries and the records that may disqualify
    (findings, cases, and sessions — only statuses the rulebook maps matter)."""

    staff_no: str
    year: int
    centre_id: Id = None
    department_id: Id = None
    quarters: tuple[QuarterSummary, ...] = ()
    findings: tuple[FindingInput, ...] = ()
    cases: tuple[CaseInput, ...] = ()
    sessions: tuple[SessionOutcome, ...] = ()

    def __post_init__(self) -> None:
        for name in ("quarters", "findings", "cases", "sessions"):
            _set(self, name, tuple(getattr(self, name)))
        numbers = [q.quarter for q in self.quarters]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a quarter appears twice")


@dataclass(frozen=True)
class AnnualScore:
    """Annual score (年度考评): rostered-day-weighted mean of the quarterly totals.
    ``parts`` = {"q1": total, …} for assessed quarters; ``honour`` = 年度先进个人 candidate."""

    staff_no: str
    year: int
    total: Decimal
    parts: dict[str, Decimal]
    assessed_quarters: int
    rostered_days: int
    deduction_points: Decimal
    assessed: bool
    eligible: bool
    reasons: tuple[Reason, ...]
    rulebook_version: str
    inputs_fingerprint: str
    centre_id: Id = None
    department_id: Id = None
    deductions: tuple[Deduction, ...] = ()
    rank_centre: int | None = None
    rank_department: int | None = None
    honour: bool = False


# --- daily --------------------------------------------------------------------------------


def attendance_deductions(rules: Rules, sessions: Iterable[SessionOutcome]) -> list[Deduction]:
    """Attendance deductions per session (SPEC §7 daily; seed 004 第十三条):
    absent 10 (whatever its issues), otherwise late 2, early leave 2 and 1 per missing
    clock-in or clock-out; leave, off and normal sessions cost nothing."""
    d = rules.deductions
    lines: list[Deduction] = []
    for s in sorted(sessions, key=lambda s: (s.date, s.session)):
        if s.status == "absent":
            extra = "".join(f" {i}" for i in s.issues)
            lines.append(Deduction("absent", Decimal(d.absent), "session", s.ref,
                                   f"{s.session} absent{extra}", s.date))
            continue
        for issue in s.issues:
            if issue == "late":
                line = ("late", d.late, f"{s.session} late {s.late_minutes} min")
            elif issue == "early_leave":
                line = ("early_leave", d.early_leave, f"{s.session} early {s.early_minutes} min")
            else:
                line = ("missing_punch", d.missing_punch, f"{s.session} {issue}")
            lines.append(Deduction(line[0], Decimal(line[1]), "session", s.ref, line[2], s.date))
    return lines


def finding_deductions(findings: Iterable[FindingInput]) -> list[Deduction]:
    """One line per standing finding with its points; overturned findings give none."""
    return [
        Deduction("finding", f.points, "finding", f.id,
                  f"{f.source} {f.item_code or f.category or ''}".strip(), f.date)
        for f in sorted(findings, key=lambda f: (f.date, str(f.id)))
        if f.standing
    ]


def _floor_part(points: Decimal) -> Decimal:
    return _round(max(Decimal(0), FULL - points))


def daily_score(rules: Rules, staff_no: str, day: date, sessions: Sequence[SessionOutcome],
                findings: Sequence[FindingInput], *, centre_id: Id = None,
                department_id: Id = None, fingerprint: bool = True) -> DailyScore:
    """Daily score of one person (SPEC §7 daily = 考勤 + 日常巡查, seed 004 第十三条).

    100 − attendance deductions − the points of the day's standing findings (patrol,
    spot check, camera, complaint), not below 0. Sessions and findings of other days are
    ignored; two sessions of the same name on the day raise ``ValueError``.

    ``fingerprint=False`` leaves ``inputs_fingerprint`` empty: for a day that only feeds a
    compact quarter, whose own fingerprint already covers the day's deduction lines (kind,
    points, session record, minutes) and attendance part.
    """
    own_sessions = [s for s in sessions if s.date == day]
    names = [s.session for s in own_sessions]
    if len(set(names)) != len(names):
        raise ValueError(f"{staff_no} {day}: a session appears twice")
    own_findings = [f for f in findings if f.date == day]
    attendance = attendance_deductions(rules, own_sessions)
    conduct = finding_deductions(own_findings)
    att_points = sum((x.points for x in attendance), Decimal(0))
    con_points = sum((x.points for x in conduct), Decimal(0))
    return DailyScore(
        staff_no=staff_no, date=day,
        total=_round(max(Decimal(0), FULL - att_points - con_points)),
        parts={"attendance": _floor_part(att_points), "conduct": _floor_part(con_points)},
        deductions=tuple(attendance + conduct),
        attendance_points=att_points, conduct_points=con_points,
        assessed=any(s.counted for s in own_sessions),
        rulebook_version=rules.version,
        inputs_fingerprint=_fingerprint("daily", rules, staff_no=staff_no, date=day,
                                        sessions=own_sessions, findings=own_findings)
        if fingerprint else "",
        centre_id=centre_id, department_id=department_id,
    )


def daily_scores(rules: Rules, staff_no: str, sessions: Sequence[SessionOutcome],
                 findings: Sequence[FindingInput], *, centre_id: Id = None,
                 department_id: Id = None) -> list[DailyScore]:
    """:func:`daily_score` for every date holding a session or a finding, by date."""
    days = sorted({s.date for s in sessions} | {f.date for f in findings})
    return [daily_score(rules, staff_no, d, sessions, findings, centre_id=centre_id,
                        department_id=department_id) for d in days]


# --- ranks and honours --------------------------------------------------------------------


def _rank_key(score: Any) -> tuple[float, float]:
    # Floats order and equate two-decimal scores exactly as their Decimals do, and compare
    # an order of magnitude faster when a centre of thousands is ranked.
    return (-float(score.total), float(score.deduction_points))


def listing_key(score: Any) -> tuple:
    """Listing order: assessed first, total desc, fewer deduction points, staff_no asc."""
    return (not score.assessed, -score.total, score.deduction_points, score.staff_no)


def _competition_ranks(scores: Sequence[Any]) -> dict[str, int]:
    """1 + the number of scores strictly better on (total desc, deduction points asc)."""
    keys = sorted(_rank_key(s) for s in scores)
    return {s.staff_no: 1 + bisect_left(keys, _rank_key(s)) for s in scores}


def honour_count(share: int, eligible: int) -> int:
    """How many honours: ceil(share % of the eligible), at least 1 when anyone is
    eligible and the share is above 0."""
    if eligible == 0 or share == 0:
        return 0
    return max(1, math.ceil(Decimal(share) * eligible / 100))


def assign_ranks(scores: Sequence[Any], honour_share: int | None = None) -> list[Any]:
    """Ranked copies of ``scores`` (daily, quarterly or annual) in listing order.

    Competition ranks on (total desc, deduction points asc) within the centre and within
    the department, over assessed scores only. With ``honour_share``, honours per centre:
    eligible staff whose rank among their centre's eligible is ≤ :func:`honour_count`.
    ``staff_no`` must be unique in the list.
    """
    staff = [s.staff_no for s in scores]
    if len(set(staff)) != len(staff):
        raise ValueError("a staff number appears twice in one ranking")
    groups: dict[Any, list[Any]] = {}
    for s in scores:
        groups.setdefault(("centre", s.centre_id), []).append(s)
        groups.setdefault(("dept", s.centre_id, s.department_id), []).append(s)
    centre_rank: dict[str, int] = {}
    dept_rank: dict[str, int] = {}
    honoured: set[str] = set()
    for key, members in groups.items():
        assessed = [s for s in members if s.assessed]
        target = centre_rank if key[0] == "centre" else dept_rank
        target.update(_competition_ranks(assessed))
        if key[0] == "centre" and honour_share is not None:
            pool = [s for s in assessed if s.eligible]
            cut = honour_count(honour_share, len(pool))
            honoured.update(n for n, r in _competition_ranks(pool).items() if r <= cut)
    ranked = [dataclasses.replace(s, rank_centre=centre_rank.get(s.staff_no),
                                  rank_department=dept_rank.get(s.staff_no),
                                  honour=s.staff_no in honoured) for s in scores]
    return sorted(ranked, key=lambda s: (str(s.centre_id),) + listing_key(s))


def rank_daily(scores: Sequence[DailyScore]) -> list[DailyScore]:
    """Daily board ranks (no honours)."""
    return assign_ranks(scores)


# --- quarterly ----------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def _share(numerator: int | Decimal, denominator: int | Decimal) -> Decimal:
    """100 × numerator / denominator rounded; 100 when there is nothing to measure."""
    if not denominator:
        return FULL
    return _round(FULL * Decimal(numerator) / Decimal(denominator))


def substantiated(rules: Rules, case: CaseInput) -> bool:
    """A complaint concluded with an outcome the rulebook counts (属实, 部分属实)."""
    return case.kind == "complaint" and case.outcome in rules.quarterly.substantiated_outcomes


def _quarter_reasons(rules: Rules, assessed: bool, findings: Sequence[FindingInput],
                     complaints: Sequence[CaseInput]) -> list[Reason]:
    reasons = [] if assessed else [Reason("not_assessed", detail="no counted day in the quarter")]
    by_record = lambda r: (r.date, str(r.id))  # noqa: E731
    for c in sorted(complaints, key=by_record):
        reasons.append(Reason("substantiated_complaint", c.kind, c.id,
                              f"{c.category or ''} {c.outcome}".strip(), c.date))
    for f in sorted(findings, key=by_record):
        if not f.standing:
            continue
        label = f.item_code or f.category or ""
        if f.critical:
            reasons.append(Reason("critical_finding", "finding", f.id, label, f.date))
        if f.ten_prohibitions:
            reasons.append(Reason("ten_prohibitions_finding", "finding", f.id, label, f.date))
        if f.bars_quarterly:
            reasons.append(Reason("barring_finding", "finding", f.id, label, f.date))
    return reasons


def quarterly_score(rules: Rules, inp: QuarterInput) -> QuarterlyScore:
    """One person's quarterly score, unranked (SPEC §7 quarterly, seed 004 第十三条).

    Parts (0–100, rounded): attendance = mean of the daily attendance parts over counted
    days; patrol = 100 − points of standing findings (all sources); service norms =
    passed / answered items of the quarter's inspections; reviews = levels ≥
    ``good_review_min_level`` over reviews not excluded; complaints = 100 −
    ``complaint_points`` × substantiated complaints; performance = on-time / handled
    cases. Total = Σ weight × part / 100. Not eligible for 季度服务之星 when not assessed,
    or the quarter holds a substantiated complaint, a standing critical finding, a
    standing 十不准 finding, or a standing finding whose item bars quarterly honours.
    """
    first, last = quarter_bounds(inp.year, inp.quarter)
    within = lambda d: first <= d <= last  # noqa: E731
    days = sorted((d for d in inp.days if within(d.date)), key=lambda d: d.date)
    if any(d.staff_no != inp.staff_no for d in days):
        raise ValueError(f"{inp.staff_no}: a daily score of another person")
    if len({d.date for d in days}) != len(days):
        raise ValueError(f"{inp.staff_no}: a day appears twice")
    findings = [f for f in inp.findings if within(f.date)]
    inspections = [i for i in inp.inspections if within(i.date)]
    reviews = [r for r in inp.reviews if within(r.date) and not r.excluded]
    cases = [c for c in inp.cases if within(c.date)]
    figures = [m for m in inp.case_figures if within(m.month)]
    complaints = [c for c in cases if substantiated(rules, c)]
    counted = [d for d in days if d.assessed]
    lines = sorted((x for x in inp.attendance if within(x.on)), key=lambda x: x.on)
    line_points: dict[date, Decimal] = {}
    for line in lines:
        line_points[line.on] = line_points.get(line.on, Decimal(0)) + line.points
    given = len(counted) + len(line_points)
    n_counted = given if inp.counted_days is None else inp.counted_days
    if n_counted < given:
        raise ValueError(f"{inp.staff_no}: counted_days is below the counted days given")
    # Counted days not given (compact form) have an attendance part of 100.
    attendance_sum = sum((d.parts["attendance"] for d in counted), FULL * (n_counted - given))
    attendance_sum += sum((_floor_part(p) for p in line_points.values()), Decimal(0))
    standing_points = sum((f.points for f in findings if f.standing), Decimal(0))
    q = rules.quarterly
    levels = inp.review_levels or (0, 0, 0, 0, 0)
    good_reviews = sum(1 for r in reviews if r.level >= q.good_review_min_level) + sum(
        n for level, n in enumerate(levels, start=1) if level >= q.good_review_min_level)
    counted_reviews = len(reviews) + sum(levels)
    parts = {
        "attendance": _round(attendance_sum / n_counted) if n_counted else FULL,
        "patrol": _floor_part(standing_points),
        "service_norms": _share(sum(i.passed for i in inspections),
                                sum(i.answered for i in inspections)),
        "reviews": _share(good_reviews, counted_reviews),
        "complaints": _floor_part(Decimal(q.complaint_points * len(complaints))),
        "performance": _share(sum(m.on_time for m in figures), sum(m.handled for m in figures)),
    }
    total = _round(sum((Decimal(q.weights[k]) * parts[k] for k in parts), Decimal(0)) / FULL)
    deductions = [x for d in days for x in d.deductions if x.kind in ATTENDANCE_KINDS] + lines
    deductions += finding_deductions(findings)
    deductions += [Deduction("complaint", Decimal(q.complaint_points), c.kind, c.id,
                             f"{c.category or ''} {c.outcome}".strip(), c.date)
                   for c in sorted(complaints, key=lambda c: (c.date, str(c.id)))]
    reasons = _quarter_reasons(rules, n_counted > 0, findings, complaints)
    day_prints = [{"date": d.date, "assessed": d.assessed, "attendance": d.parts["attendance"],
                   "fingerprint": d.inputs_fingerprint,
                   "deductions": [x for x in d.deductions if x.kind in ATTENDANCE_KINDS]}
                  for d in days]
    return QuarterlyScore(
        staff_no=inp.staff_no, year=inp.year, quarter=inp.quarter, total=total, parts=parts,
        deductions=tuple(deductions),
        deduction_points=sum((x.points for x in deductions), Decimal(0)),
        counts={
            "rostered_days": n_counted,
            **{kind: sum(1 for x in deductions if x.kind == kind) for kind in ATTENDANCE_KINDS},
            "items_passed": sum(i.passed for i in inspections),
            "items_answered": sum(i.answered for i in inspections),
            "reviews_counted": counted_reviews,
            "reviews_good": good_reviews,
            "complaints_substantiated": len(complaints),
            "cases_handled": sum(m.handled for m in figures),
            "cases_on_time": sum(m.on_time for m in figures),
            "cases_on_the_spot": sum(m.on_the_spot for m in figures),
        },
        rostered_days=n_counted, assessed=n_counted > 0, eligible=not reasons,
        reasons=tuple(reasons), rulebook_version=rules.version,
        inputs_fingerprint=_fingerprint(
            "quarterly", rules, staff_no=inp.staff_no, year=inp.year, quarter=inp.quarter,
            days=day_prints, counted_days=inp.counted_days, attendance=lines, findings=findings,
            inspections=inspections,
            review_levels=dict(enumerate(inp.review_levels, start=1)) if inp.review_levels
            else None,
            reviews=[r for r in inp.reviews if within(r.date)], cases=cases, case_figures=figures),
        centre_id=inp.centre_id, department_id=inp.department_id,
    )


def quarterly_scores(rules: Rules, inputs: Sequence[QuarterInput]) -> list[QuarterlyScore]:
    """Quarterly scores of a cohort, ranked and with 季度服务之星 (see :func:`assign_ranks`;
    share ``quarterly_honour_share``). Returned in listing order per centre."""
    return assign_ranks([quarterly_score(rules, i) for i in inputs],
                        rules.quarterly.quarterly_honour_share)


# --- annual -------------------------------------------------------------------------------


def disqualifying_events(rules: Rules, year: int, findings: Iterable[FindingInput],
                         cases: Iterable[CaseInput],
                         sessions: Iterable[SessionOutcome]) -> list[Reason]:
    """Seed 003 五 events of the year, through the rulebook's ``[disqualifiers]`` table.

    A standing finding counts for an entry when its ``disqualifier`` key names it, or its
    category, source or item code is listed; a case when ``kind:category:outcome``
    matches a pattern; a session when its status is listed. One reason per entry and
    record, ordered by entry key, then date, then record.
    """
    in_year = lambda d: d.year == year  # noqa: E731
    findings = sorted((f for f in findings if f.standing and in_year(f.date)),
                      key=lambda f: (f.date, str(f.id)))
    cases = sorted((c for c in cases if in_year(c.date)), key=lambda c: (c.date, str(c.id)))
    sessions = sorted((s for s in sessions if in_year(s.date)), key=lambda s: (s.date, s.session))
    reasons: list[Reason] = []
    for dq in rules.disqualifiers:
        code = f"disqualifier.{dq.key}"
        hits = [(f.date, "finding", f.id, f.item_code or f.category or f.source) for f in findings
                if f.disqualifier == dq.key or f.category in dq.finding_categories
                or f.source in dq.finding_sources or f.item_code in dq.item_codes]
        hits += [(c.date, c.kind, c.id, f"{c.category or '*'}:{c.outcome or '*'}") for c in cases
                 if dq.matches_case(c.kind, c.category, c.outcome)]
        hits += [(s.date, "session", s.ref, f"{s.session} {s.status}") for s in sessions
                 if s.status in dq.session_statuses]
        hits.sort(key=lambda h: (h[0], h[1], str(h[2])))
        reasons += [Reason(code, ref_type, ref_id, detail, on)
                    for on, ref_type, ref_id, detail in hits]
    return reasons


def annual_score(rules: Rules, inp: AnnualInput) -> AnnualScore:
    """One person's annual score, unranked (SPEC §7 annual, seed 003 五).

    Total = Σ(quarter total × counted days) / Σ counted days over assessed quarters
    (0.00 and not assessed when there is none). Candidate for 年度先进个人 only with at
    least ``min_assessed_quarters`` assessed quarters and no disqualifying event: a seed-003
    event of the rulebook's table, or a standing finding whose checklist item bars annual
    honours (reason ``barring_finding``, given only when no table entry already names it).
    """
    assessed = sorted((q for q in inp.quarters if q.rostered_days > 0), key=lambda q: q.quarter)
    days = sum(q.rostered_days for q in assessed)
    total = (_round(sum((q.total * q.rostered_days for q in assessed), Decimal(0)) / days)
             if days else Decimal("0.00"))
    reasons: list[Reason] = []
    minimum = rules.annual.min_assessed_quarters
    if len(assessed) < minimum:
        reasons.append(Reason("min_assessed_quarters",
                              detail=f"{len(assessed)} assessed quarters, {minimum} needed"))
    events = disqualifying_events(rules, inp.year, inp.findings, inp.cases, inp.sessions)
    in_year = lambda d: d.year == inp.year  # noqa: E731
    named = {r.ref_id for r in events if r.ref_type == "finding"}
    reasons += events
    reasons += [Reason("barring_finding", "finding", f.id, f.item_code or f.category or "", f.date)
                for f in sorted(inp.findings, key=lambda f: (f.date, str(f.id)))
                if f.bars_annual and f.standing and in_year(f.date) and f.id not in named]
    return AnnualScore(
        staff_no=inp.staff_no, year=inp.year, total=total,
        parts={f"q{q.quarter}": q.total for q in assessed},
        assessed_quarters=len(assessed), rostered_days=days,
        deduction_points=sum((q.deduction_points for q in assessed), Decimal(0)),
        assessed=bool(assessed), eligible=not reasons, reasons=tuple(reasons),
        rulebook_version=rules.version,
        inputs_fingerprint=_fingerprint(
            "annual", rules, staff_no=inp.staff_no, year=inp.year, quarters=inp.quarters,
            findings=[f for f in inp.findings if in_year(f.date)],
            cases=[c for c in inp.cases if in_year(c.date)],
            sessions=[s for s in inp.sessions if in_year(s.date)]),
        centre_id=inp.centre_id, department_id=inp.department_id,
    )


def annual_scores(rules: Rules, inputs: Sequence[AnnualInput]) -> list[AnnualScore]:
    """Annual scores of a cohort, ranked, with 年度先进个人 candidates (``honour``) drawn
    per centre from the eligible at ``annual_honour_share`` (see :func:`assign_ranks`)."""
    return assign_ranks([annual_score(rules, i) for i in inputs], rules.annual.annual_honour_share)
