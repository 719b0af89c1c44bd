"""Scoring engine (SPEC §7): daily, quarterly and annual scores, ranks, honours, reasons."""
from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from compliance.attendance.rules import Issue, SessionStatus
from compliance.scoring import engine
from compliance.scoring.engine import (
    AnnualInput, CaseFigures, CaseInput, FindingInput, InspectionTally, QuarterInput,
    QuarterSummary, ReviewInput, SessionOutcome, annual_score, annual_scores, daily_score,
    daily_scores, honour_count, quarterly_score, quarterly_scores,
)
from compliance.scoring.rulebook import Rules, load_default, merge

RULES = Rules.default()
DAY = date(2025, 4, 7)  # Q2 2025
D = Decimal


def rules_with(**sections) -> Rules:
    return Rules.from_doc(merge(load_default(), sections))


def s(status="normal", issues=(), session="am", day=DAY, **kw) -> SessionOutcome:
    return SessionOutcome(day, session, status, tuple(issues), **kw)


_ids = iter(range(1, 10**6))


def f(points=2, day=DAY, state="open", source="patrol", **kw) -> FindingInput:
    return FindingInput(kw.pop("id", next(_ids)), day, points, source, state=state, **kw)


def complaint(outcome="substantiated", day=DAY, category="rude", id=None) -> CaseInput:
    return CaseInput("complaint", id if id is not None else next(_ids), day, category, outcome)


def full_day(day, staff="S1", rules=RULES, sessions=None, findings=()):
    sessions = sessions if sessions is not None else [s(day=day), s(session="pm", day=day)]
    return daily_score(rules, staff, day, sessions, list(findings))


def q_input(staff="S1", days=None, centre="C1", dept="D1", **kw) -> QuarterInput:
    if days is None:
        days = [full_day(DAY, staff)]
    return QuarterInput(staff, 2025, 2, centre, dept, days=days, **kw)


# --- daily --------------------------------------------------------------------------------


def test_clean_day_scores_100():
    score = full_day(DAY)
    assert score.total == D("100.00")
    assert score.parts == {"attendance": D("100.00"), "conduct": D("100.00")}
    assert score.deductions == () and score.assessed and score.eligible
    assert score.rulebook_version == RULES.version


@pytest.mark.parametrize("status, issues, kinds, points", [
    ("abnormal", ["late"], ["late"], 2),
    ("abnormal", ["early_leave"], ["early_leave"], 2),
    ("abnormal", ["missing_in"], ["missing_punch"], 1),
    ("abnormal", ["missing_out"], ["missing_punch"], 1),
    ("abnormal", ["late", "missing_out"], ["late", "missing_punch"], 3),
    ("abnormal", ["late", "early_leave"], ["late", "early_leave"], 4),
    ("absent", [], ["absent"], 10),
    ("absent", ["late"], ["absent"], 10),  # late beyond the limit: absent replaces late
    ("leave", [], [], 0),
    ("off", [], [], 0),
    ("normal", [], [], 0),
])
def test_attendance_deductions_per_session(status, issues, kinds, points):
    score = daily_score(RULES, "S1", DAY, [s(status, issues, late_minutes=5, ref_id=41)], [])
    assert [d.kind for d in score.deductions] == kinds
    assert score.attendance_points == points
    assert score.total == 100 - points and score.parts["attendance"] == 100 - points
    assert all(d.ref_type == "session" and d.ref_id == 41 and d.on == DAY for d in score.deductions)


def test_deduction_points_come_from_the_rulebook():
    rules = rules_with(deductions={"late": 5, "early_leave": 4, "missing_punch": 3, "absent": 20})
    sessions = [s("abnormal", ["late", "missing_out"]), s("absent", session="pm")]
    assert daily_score(rules, "S1", DAY, sessions, []).total == 100 - 5 - 3 - 20
    sessions = [s("abnormal", ["early_leave", "missing_in"])]
    assert daily_score(rules, "S1", DAY, sessions, []).total == 100 - 4 - 3


def test_attendance_enums_are_accepted():
    outcome = SessionOutcome(DAY, "am", SessionStatus.abnormal, (Issue.late,))
    assert outcome.status == "abnormal" and outcome.issues == ("late",)
    assert daily_score(RULES, "S1", DAY, [outcome], []).total == 98


def test_session_without_ref_links_by_date_and_session():
    score = daily_score(RULES, "S1", DAY, [s("absent", session="pm")], [])
    assert score.deductions[0].ref_id == "2025-04-07:pm"


@pytest.mark.parametrize("state, counts", [
    ("open", True), ("appealed", True), ("upheld", True), ("overturned", False)])
def test_findings_stand_unless_overturned(state, counts):
    finding = f(points=5, state=state, id=77)
    score = full_day(DAY, findings=[finding])
    assert score.total == (95 if counts else 100)
    assert score.parts["conduct"] == (95 if counts else 100)
    lines = [d for d in score.deductions if d.kind == "finding"]
    assert [(d.ref_type, d.ref_id, d.points) for d in lines] == ([("finding", 77, 5)] if counts else [])


@pytest.mark.parametrize("source", ["patrol", "spot_check", "camera", "complaint"])
def test_findings_of_every_source_count(source):
    assert full_day(DAY, findings=[f(points=3, source=source)]).total == 97


def test_attendance_and_conduct_add_up():
    sessions = [s("abnormal", ["late"]), s("abnormal", ["missing_out"], session="pm")]
    score = full_day(DAY, sessions=sessions, findings=[f(points=D("1.5")), f(points=4)])
    assert score.total == D("91.50")
    assert score.parts == {"attendance": D("97.00"), "conduct": D("94.50")}


def test_daily_floor_at_zero():
    sessions = [s("absent"), s("absent", session="pm")]
    score = full_day(DAY, sessions=sessions, findings=[f(points=50), f(points=45)])
    assert score.total == D("0.00")
    assert score.parts == {"attendance": D("80.00"), "conduct": D("5.00")}
    big = full_day(DAY, findings=[f(points=130)])
    assert big.total == 0 and big.parts["conduct"] == 0 and big.conduct_points == 130


def test_other_days_are_ignored():
    other = DAY + timedelta(days=1)
    score = daily_score(RULES, "S1", DAY, [s(), s("absent", day=other, session="pm")],
                        [f(points=9, day=other)])
    assert score.total == 100
    assert score.inputs_fingerprint == full_day(DAY, sessions=[s()]).inputs_fingerprint


@pytest.mark.parametrize("sessions, assessed", [
    ([s()], True),
    ([s("absent")], True),
    ([s("leave", leave_type="sick")], False),
    ([s("leave", leave_type="official")], True),  # 公出 counts as present
    ([s("off")], False),
    ([], False),
    ([s("leave", leave_type="annual"), s(session="pm")], True),
])
def test_counted_day(sessions, assessed):
    assert daily_score(RULES, "S1", DAY, sessions, []).assessed is assessed


def test_findings_on_a_day_off_still_count():
    score = daily_score(RULES, "S1", DAY, [s("off")], [f(points=6)])
    assert score.total == 94 and not score.assessed


@pytest.mark.parametrize("kwargs", [
    {"status": "abnormal", "issues": ()},
    {"status": "normal", "issues": ("late",)},
    {"status": "leave", "issues": ("missing_in",)},
    {"status": "sleeping", "issues": ()},
    {"status": "abnormal", "issues": ("snoring",)},
])
def test_bad_session_outcomes_are_refused(kwargs):
    with pytest.raises(ValueError):
        SessionOutcome(DAY, "am", kwargs["status"], kwargs["issues"])


@pytest.mark.parametrize("kwargs", [
    {"points": -1}, {"source": "rumour"}, {"severity": "huge"}, {"state": "lost"}, {"points": None}])
def test_bad_findings_are_refused(kwargs):
    base = {"id": 1, "date": DAY, "points": 1, "source": "patrol"}
    with pytest.raises(ValueError):
        FindingInput(**{**base, **kwargs})


def test_duplicate_session_is_refused():
    with pytest.raises(ValueError):
        daily_score(RULES, "S1", DAY, [s(), s("absent")], [])


def test_daily_scores_cover_every_day_with_a_record():
    later = DAY + timedelta(days=2)
    days = daily_scores(RULES, "S1", [s(), s(day=later)], [f(day=DAY + timedelta(days=1))])
    assert [d.date for d in days] == [DAY, DAY + timedelta(days=1), later]
    assert [d.total for d in days] == [100, 98, 100]


def test_daily_fingerprint_is_stable_and_sensitive():
    sessions = [s("abnormal", ["late"]), s(session="pm")]
    findings = [f(points=2, id=1), f(points=3, id=2)]
    first = daily_score(RULES, "S1", DAY, sessions, findings)
    again = daily_score(RULES, "S1", DAY, list(reversed(sessions)), list(reversed(findings)))
    assert first == again and first.inputs_fingerprint == again.inputs_fingerprint
    changed = [
        daily_score(RULES, "S2", DAY, sessions, findings),
        daily_score(RULES, "S1", DAY, sessions, [findings[0], f(points=3, id=2, state="overturned")]),
        daily_score(RULES, "S1", DAY, [s("abnormal", ["early_leave"]), s(session="pm")], findings),
        daily_score(rules_with(deductions={"late": 3}), "S1", DAY, sessions, findings),
    ]
    prints = {c.inputs_fingerprint for c in changed} | {first.inputs_fingerprint}
    assert len(prints) == 5


def test_daily_ranks():
    scores = [
        full_day(DAY, "A", findings=[f(points=2)]),
        full_day(DAY, "B"),
        full_day(DAY, "C", findings=[f(points=2)]),
        daily_score(RULES, "D", DAY, [s("off")], []),
    ]
    ranked = {x.staff_no: x for x in engine.rank_daily(scores)}
    assert [ranked[n].rank_centre for n in "ABCD"] == [2, 1, 2, None]


# --- quarterly: parts ---------------------------------------------------------------------


def q(**kw):
    return quarterly_score(RULES, q_input(**kw))


def test_perfect_quarter():
    score = q()
    assert score.parts == {k: D(100) for k in RULES.quarterly.weights}
    assert score.total == D("100.00") and score.eligible and score.assessed
    assert score.reasons == () and score.rostered_days == 1


def test_attendance_part_is_the_mean_over_counted_days():
    days = [
        full_day(DAY),
        full_day(DAY + timedelta(1), sessions=[s("abnormal", ["late"], day=DAY + timedelta(1))]),
        full_day(DAY + timedelta(2), sessions=[s("absent", day=DAY + timedelta(2))]),
        full_day(DAY + timedelta(3), sessions=[s("leave", leave_type="sick", day=DAY + timedelta(3))]),
        full_day(DAY + timedelta(4), sessions=[s("off", day=DAY + timedelta(4))]),
    ]
    score = q(days=days)
    assert score.parts["attendance"] == D("96.00")  # (100 + 98 + 90) / 3
    assert score.rostered_days == 3
    assert [d.kind for d in score.deductions] == ["late", "absent"]


def test_attendance_part_rounds_half_up():
    days = [full_day(DAY), full_day(DAY + timedelta(1)),
            full_day(DAY + timedelta(2), sessions=[s("abnormal", ["missing_in"], day=DAY + timedelta(2))])]
    assert q(days=days).parts["attendance"] == D("99.67")  # 299 / 3


def test_attendance_part_uses_the_daily_figures_as_given():
    """Each day keeps the rulebook that was in force that day."""
    harsh = rules_with(deductions={"late": 6})
    days = [full_day(DAY, sessions=[s("abnormal", ["late"])], rules=harsh),
            full_day(DAY + timedelta(1), sessions=[s("abnormal", ["late"], day=DAY + timedelta(1))])]
    assert q(days=days).parts["attendance"] == D("96.00")  # (94 + 98) / 2


def test_conduct_in_the_daily_score_does_not_touch_the_attendance_part():
    assert q(days=[full_day(DAY, findings=[f(points=30)])]).parts["attendance"] == 100


def test_patrol_part():
    findings = [f(points=5), f(points=D("2.5"), source="camera"), f(points=3, source="complaint"),
                f(points=50, state="overturned"), f(points=40, day=date(2025, 3, 31))]
    score = q(findings=findings)
    assert score.parts["patrol"] == D("89.50")
    assert q(findings=[f(points=60), f(points=70)]).parts["patrol"] == 0


@pytest.mark.parametrize("tallies, expected", [
    ([], D(100)),
    ([(45, 50)], D("90.00")),
    ([(45, 50), (50, 50)], D("95.00")),
    ([(2, 3)], D("66.67")),
    ([(0, 0)], D(100)),
    ([(0, 10)], D(0)),
])
def test_service_norms_part(tallies, expected):
    inspections = [InspectionTally(i, DAY, p, a) for i, (p, a) in enumerate(tallies)]
    assert q(inspections=inspections).parts["service_norms"] == expected


def test_service_norms_ignore_other_quarters():
    inspections = [InspectionTally(1, DAY, 9, 10), InspectionTally(2, date(2025, 7, 1), 0, 10)]
    assert q(inspections=inspections).parts["service_norms"] == 90


@pytest.mark.parametrize("levels, excluded, expected", [
    ([], [], D(100)),
    ([5, 4, 3, 2, 1], [], D("60.00")),
    ([5, 4, 3], [2, 1], D(100)),  # mistaken/malicious bad reviews removed
    ([2], [], D(0)),
    ([5, 5, 1], [], D("66.67")),
    ([], [1], D(100)),
])
def test_reviews_part(levels, excluded, expected):
    reviews = [ReviewInput(i, DAY, lv) for i, lv in enumerate(levels)]
    reviews += [ReviewInput(100 + i, DAY, lv, excluded=True) for i, lv in enumerate(excluded)]
    assert q(reviews=reviews).parts["reviews"] == expected


def test_good_review_level_comes_from_the_rulebook():
    rules = rules_with(quarterly={"good_review_min_level": 4})
    reviews = [ReviewInput(i, DAY, lv) for i, lv in enumerate([5, 4, 3, 2, 1])]
    assert quarterly_score(rules, q_input(reviews=reviews)).parts["reviews"] == 40


@pytest.mark.parametrize("outcomes, expected", [
    ([], 100),
    (["substantiated"], 80),
    (["partly"], 80),
    (["unsubstantiated"], 100),
    (["misunderstanding"], 100),
    ([None], 100),
    (["substantiated", "partly", "unsubstantiated"], 60),
    (["substantiated"] * 6, 0),
])
def test_complaints_part(outcomes, expected):
    score = q(cases=[complaint(o) for o in outcomes])
    assert score.parts["complaints"] == expected
    assert score.counts["complaints_substantiated"] == (100 - expected if expected else 120) // 20


def test_complaint_points_come_from_the_rulebook():
    rules = rules_with(quarterly={"complaint_points": 15})
    assert quarterly_score(rules, q_input(cases=[complaint(), complaint()])).parts["complaints"] == 70


def test_only_complaints_count_in_the_complaints_part():
    cases = [CaseInput("review_case", 1, DAY, None, "substantiated"),
             CaseInput("notice", 2, DAY, None, "criticism")]
    assert q(cases=cases).parts["complaints"] == 100 and q(cases=cases).eligible


@pytest.mark.parametrize("figures, expected", [
    ([], D(100)),
    ([(100, 90)], D("90.00")),
    ([(100, 90), (50, 50)], D("93.33")),
    ([(0, 0)], D(100)),
    ([(3, 0)], D(0)),
])
def test_performance_part(figures, expected):
    months = [CaseFigures(date(2025, 4 + i, 1), h, o) for i, (h, o) in enumerate(figures)]
    assert q(case_figures=months).parts["performance"] == expected


def test_performance_ignores_months_of_other_quarters():
    months = [CaseFigures(date(2025, 6, 1), 10, 10), CaseFigures(date(2025, 3, 1), 10, 0)]
    assert q(case_figures=months).parts["performance"] == 100


def test_bad_figures_are_refused():
    with pytest.raises(ValueError):
        CaseFigures(date(2025, 4, 1), 5, 6)
    with pytest.raises(ValueError):
        InspectionTally(1, DAY, 6, 5)
    with pytest.raises(ValueError):
        ReviewInput(1, DAY, 6)
    with pytest.raises(ValueError):
        QuarterInput("S1", 2025, 5)


# --- quarterly: weights and total ---------------------------------------------------------


def _mixed_input():
    """Parts: attendance 90, patrol 80, service norms 70, reviews 60, complaints 40,
    performance 50."""
    days = [full_day(DAY, sessions=[s("absent")])]
    return q_input(
        days=days, findings=[f(points=20)],
        inspections=[InspectionTally(1, DAY, 7, 10)],
        reviews=[ReviewInput(i, DAY, lv) for i, lv in enumerate([5, 4, 3, 2, 1])],
        cases=[complaint(), complaint("partly"), complaint("substantiated")],
        case_figures=[CaseFigures(date(2025, 5, 1), 10, 5)],
    )


def test_parts_of_the_mixed_input():
    assert quarterly_score(RULES, _mixed_input()).parts == {
        "attendance": 90, "patrol": 80, "service_norms": 70, "reviews": 60,
        "complaints": 40, "performance": 50}


def test_total_with_default_weights():
    # 25×90 + 20×80 + 15×70 + 20×60 + 10×40 + 10×50 = 7000 → 70.00
    assert quarterly_score(RULES, _mixed_input()).total == D("70.00")


@pytest.mark.parametrize("part, value", [
    ("attendance", 90), ("patrol", 80), ("service_norms", 70), ("reviews", 60),
    ("complaints", 40), ("performance", 50)])
def test_each_weight_is_applied(part, value):
    only = {k: (100 if k == part else 0) for k in RULES.quarterly.weights}
    assert quarterly_score(rules_with(quarterly={"weights": only}), _mixed_input()).total == value


@pytest.mark.parametrize("part", list(RULES.quarterly.weights))
def test_default_weight_of_each_part(part):
    """Dropping one part by 50 points lowers the total by half its default weight."""
    weight = RULES.quarterly.weights[part]
    weights = {k: (100 if k == part else 0) for k in RULES.quarterly.weights}
    days = [DAY + timedelta(n) for n in range(4)]
    absent_twice = [full_day(d, sessions=[s("absent", day=d), s("absent", session="pm", day=d)])
                    for d in days[:2]]  # attendance part 80 on each
    inp = {
        "attendance": q_input(days=absent_twice + [full_day(d) for d in days[2:]]),
        "patrol": q_input(findings=[f(points=50)]),
        "service_norms": q_input(inspections=[InspectionTally(1, DAY, 5, 10)]),
        "reviews": q_input(reviews=[ReviewInput(1, DAY, 5), ReviewInput(2, DAY, 1)]),
        "complaints": q_input(cases=[complaint() for _ in range(2)], findings=[f(points=10)]),
        "performance": q_input(case_figures=[CaseFigures(date(2025, 4, 1), 2, 1)]),
    }[part]
    # the attendance input averages 80, 80, 100, 100; the complaints input also costs
    # 10 patrol points, which only weighs in with the default weights
    part_value = quarterly_score(rules_with(quarterly={"weights": weights}), inp).total
    assert part_value == (90 if part == "attendance" else 60 if part == "complaints" else 50)
    total = quarterly_score(RULES, inp).total
    extra = D(2) if part == "complaints" else 0  # 20 × 10 / 100
    assert total == 100 - weight * (100 - part_value) / 100 - extra


def test_total_rounds_half_up_from_rounded_parts():
    # service norms 96.70 → 15 × 96.70 / 100 = 14.505 → total 99.505 → 99.51 (half-even: 99.50)
    score = q(inspections=[InspectionTally(1, DAY, 967, 1000)])
    assert score.parts["service_norms"] == D("96.70")
    assert score.total == D("99.51")


def test_total_uses_the_rounded_parts():
    # attendance 299/3 = 99.666… → part 99.67; 25 × 99.67 / 100 = 24.9175 → 99.9175 → 99.92
    days = [full_day(DAY), full_day(DAY + timedelta(1)),
            full_day(DAY + timedelta(2), sessions=[s("abnormal", ["missing_in"], day=DAY + timedelta(2))])]
    assert q(days=days).total == D("99.92")


def test_deduction_lines_of_the_quarter_link_to_records():
    score = quarterly_score(RULES, _mixed_input())
    kinds = sorted((d.kind, d.ref_type) for d in score.deductions)
    assert kinds == [("absent", "session"), ("complaint", "complaint"), ("complaint", "complaint"),
                     ("complaint", "complaint"), ("finding", "finding")]
    assert score.deduction_points == 10 + 20 + 60


# --- quarterly: eligibility ---------------------------------------------------------------


@pytest.mark.parametrize("kwargs, code, ref", [
    ({"cases": [complaint(id=501)]}, "substantiated_complaint", ("complaint", 501)),
    ({"cases": [complaint("partly", id=502)]}, "substantiated_complaint", ("complaint", 502)),
    ({"findings": [f(id=503, severity="critical")]}, "critical_finding", ("finding", 503)),
    ({"findings": [f(id=504, severity="major", ten_prohibitions=True)]},
     "ten_prohibitions_finding", ("finding", 504)),
    ({"findings": [f(id=505, bars_quarterly=True)]}, "barring_finding", ("finding", 505)),
    ({"days": []}, "not_assessed", (None, None)),
    ({"days": [full_day(DAY, sessions=[s("leave", leave_type="maternity")])]}, "not_assessed",
     (None, None)),
])
def test_each_quarterly_ineligibility_reason(kwargs, code, ref):
    score = q(**kwargs)
    assert not score.eligible
    assert [(r.code, r.ref_type, r.ref_id) for r in score.reasons] == [(code, *ref)]


@pytest.mark.parametrize("kwargs", [
    {"cases": [complaint("unsubstantiated"), complaint(None), complaint("misunderstanding")]},
    {"cases": [complaint(day=date(2025, 3, 31))]},
    {"findings": [f(severity="critical", state="overturned")]},
    {"findings": [f(ten_prohibitions=True, state="overturned")]},
    {"findings": [f(severity="critical", day=date(2025, 7, 1))]},
    {"findings": [f(severity="major", points=10)]},
])
def test_still_eligible(kwargs):
    assert q(**kwargs).eligible


@pytest.mark.parametrize("state", ["open", "appealed", "upheld"])
def test_a_finding_under_appeal_already_bars(state):
    assert not q(findings=[f(ten_prohibitions=True, state=state)]).eligible


def test_every_reason_is_listed():
    score = q(findings=[f(id=1, severity="critical", ten_prohibitions=True)],
              cases=[complaint(id=2), complaint(id=3)])
    assert sorted((r.code, r.ref_id) for r in score.reasons) == [
        ("critical_finding", 1), ("substantiated_complaint", 2), ("substantiated_complaint", 3),
        ("ten_prohibitions_finding", 1)]


# --- quarterly: ranks and honours ---------------------------------------------------------


def person(staff, points=0, centre="C1", dept="D1", **kw):
    """A clean quarter but for ``points`` of findings: total 100 − 0.2 × points."""
    findings = [f(points=points)] if points else []
    return q_input(staff, days=[full_day(DAY, staff)], centre=centre, dept=dept,
                   findings=findings, **kw)


def ranked(inputs, rules=RULES):
    return {x.staff_no: x for x in quarterly_scores(rules, inputs)}


def test_competition_ranking_with_shared_ranks():
    scores = ranked([person("A", 10), person("B"), person("C", 10), person("D", 20)])
    assert {n: x.rank_centre for n, x in scores.items()} == {"A": 2, "B": 1, "C": 2, "D": 4}


def test_tie_on_total_is_broken_by_fewer_deduction_points():
    # equal totals (96.00) and equal deduction points (20): one shared rank
    e = person("E", 20)
    g = q_input("G", findings=[f(points=20)], cases=[complaint("unsubstantiated")])
    h = q_input("H", days=[full_day(DAY, "H")], findings=[f(points=10), f(points=10)])
    scores = ranked([e, g, h])
    assert len({x.total for x in scores.values()}) == 1
    assert {x.rank_centre for x in scores.values()} == {1}  # same deduction points: shared
    heavy = q_input("K", days=[full_day(DAY, "K", sessions=[s("abnormal", ["late"])]),
                               full_day(DAY + timedelta(1), "K")],
                    findings=[f(points=D("13.75"))])
    light = q_input("L", findings=[f(points=15)])
    pair = ranked([heavy, light])
    # K: attendance 99 (−0.25) and patrol 86.25 (−2.75); L: patrol 85 (−3.00): both 97.00
    assert pair["K"].total == pair["L"].total == D("97.00")
    assert pair["K"].deduction_points == D("15.75") and pair["L"].deduction_points == 15
    assert (pair["K"].rank_centre, pair["L"].rank_centre) == (2, 1)


def test_staff_number_orders_the_listing_but_not_the_rank():
    listing = quarterly_scores(RULES, [person("Z9"), person("A1"), person("M5")])
    assert [x.staff_no for x in listing] == ["A1", "M5", "Z9"]
    assert {x.rank_centre for x in listing} == {1}


def test_ranks_within_department_and_centre():
    scores = ranked([person("A", 0, dept="D1"), person("B", 5, dept="D2"),
                     person("C", 10, dept="D1"), person("X", 50, centre="C2", dept="D1")])
    assert {n: (x.rank_centre, x.rank_department) for n, x in scores.items()} == {
        "A": (1, 1), "B": (2, 1), "C": (3, 2), "X": (1, 1)}


def test_unassessed_staff_are_not_ranked_nor_honoured():
    scores = ranked([person("A", 5), q_input("N", days=[])])
    assert scores["N"].rank_centre is None and scores["N"].rank_department is None
    assert not scores["N"].honour and scores["A"].rank_centre == 1 and scores["A"].honour


@pytest.mark.parametrize("share, eligible, expected", [
    (10, 0, 0), (10, 1, 1), (10, 5, 1), (10, 10, 1), (10, 11, 2), (10, 20, 2), (10, 25, 3),
    (15, 20, 3), (15, 21, 4), (15, 7, 2), (0, 50, 0), (100, 7, 7),
])
def test_honour_count_is_ceil_of_the_share(share, eligible, expected):
    assert honour_count(share, eligible) == expected


def test_quarterly_honours_go_to_the_top_share_of_the_eligible():
    inputs = [person(f"S{i:02}", i) for i in range(11)]  # 11 eligible → ceil(1.1) = 2
    honoured = sorted(n for n, x in ranked(inputs).items() if x.honour)
    assert honoured == ["S00", "S01"]


def test_ineligible_staff_take_no_honour_slot():
    inputs = [person("TOP", 0, cases=[complaint("substantiated")])]
    inputs[0] = q_input("TOP", findings=[f(points=0, ten_prohibitions=True)])
    inputs += [person(f"S{i}", i + 1) for i in range(10)]
    scores = ranked(inputs)
    assert scores["TOP"].rank_centre == 1 and not scores["TOP"].honour
    assert [n for n, x in scores.items() if x.honour] == ["S0"]


def test_ties_at_the_cut_are_all_honoured():
    inputs = [person("A", 1), person("B", 1)] + [person(f"S{i}", 10 + i) for i in range(8)]
    assert sorted(n for n, x in ranked(inputs).items() if x.honour) == ["A", "B"]


def test_honours_are_drawn_per_centre():
    inputs = [person("A", 0, centre="C1"), person("B", 1, centre="C1"),
              person("C", 30, centre="C2"), person("D", 40, centre="C2")]
    assert sorted(n for n, x in ranked(inputs).items() if x.honour) == ["A", "C"]


def test_honour_share_comes_from_the_rulebook():
    inputs = [person(f"S{i:02}", i) for i in range(10)]
    rules = rules_with(quarterly={"quarterly_honour_share": 30})
    assert sum(x.honour for x in ranked(inputs, rules).values()) == 3
    rules = rules_with(quarterly={"quarterly_honour_share": 0})
    assert sum(x.honour for x in ranked(inputs, rules).values()) == 0


def test_a_staff_number_twice_is_refused():
    with pytest.raises(ValueError):
        quarterly_scores(RULES, [person("A"), person("A", centre="C2")])


def test_daily_scores_of_another_person_are_refused():
    with pytest.raises(ValueError):
        quarterly_score(RULES, q_input("A", days=[full_day(DAY, "B")]))


# --- quarterly: determinism ---------------------------------------------------------------


def test_quarterly_recompute_is_identical_in_any_order():
    inputs = [_mixed_input()] + [person(f"P{i}", i % 4, dept=f"D{i % 3}") for i in range(12)]
    first = quarterly_scores(RULES, inputs)
    shuffled = list(inputs)
    random.Random(7).shuffle(shuffled)
    assert quarterly_scores(RULES, shuffled) == first
    mixed = _mixed_input()
    reordered = QuarterInput(
        mixed.staff_no, mixed.year, mixed.quarter, mixed.centre_id, mixed.department_id,
        days=mixed.days, findings=mixed.findings[::-1], inspections=mixed.inspections,
        reviews=mixed.reviews[::-1], cases=mixed.cases[::-1], case_figures=mixed.case_figures)
    assert quarterly_score(RULES, reordered) == quarterly_score(RULES, mixed)


@pytest.mark.parametrize("change", [
    {"findings": [f(points=2, id=9001, state="overturned")]},
    {"findings": [f(points=3, id=9001)]},
    {"inspections": [InspectionTally(1, DAY, 9, 10)]},
    {"reviews": [ReviewInput(1, DAY, 5, excluded=True)]},
    {"cases": [complaint("unsubstantiated", id=9002)]},
    {"case_figures": [CaseFigures(date(2025, 4, 1), 3, 3, 1)]},
    {"days": [full_day(DAY, sessions=[s("abnormal", ["missing_out"])])]},
])
def test_quarterly_fingerprint_is_sensitive_to_every_input(change):
    base = q_input(findings=[f(points=2, id=9001)], inspections=[InspectionTally(1, DAY, 10, 10)],
                   reviews=[ReviewInput(1, DAY, 5)], cases=[complaint("partly", id=9002)],
                   case_figures=[CaseFigures(date(2025, 4, 1), 3, 3)])
    again = quarterly_score(RULES, base)
    assert again.inputs_fingerprint == quarterly_score(RULES, base).inputs_fingerprint
    changed = QuarterInput(**{**{k: getattr(base, k) for k in base.__dataclass_fields__}, **change})
    assert quarterly_score(RULES, changed).inputs_fingerprint != again.inputs_fingerprint


def test_quarterly_fingerprint_ignores_records_of_other_quarters_and_follows_the_rulebook():
    base = quarterly_score(RULES, q_input())
    noise = quarterly_score(RULES, q_input(findings=[f(day=date(2025, 1, 5))],
                                           days=[full_day(DAY), full_day(date(2025, 7, 1))]))
    assert noise.inputs_fingerprint == base.inputs_fingerprint and noise.total == base.total
    other_rules = quarterly_score(rules_with(quarterly={"complaint_points": 25}), q_input())
    assert other_rules.inputs_fingerprint != base.inputs_fingerprint


# --- annual -------------------------------------------------------------------------------


def year(staff="S1", quarters=((1, 90, 60), (2, 80, 30), (3, 100, 60)), centre="C1", dept="D1",
         **kw) -> AnnualInput:
    return AnnualInput(staff, 2025, centre, dept,
                       quarters=[QuarterSummary(n, D(t), days) for n, t, days in quarters], **kw)


def test_annual_total_is_weighted_by_rostered_days():
    score = annual_score(RULES, year(quarters=((1, 90, 60), (2, 80, 30))))
    assert score.total == D("86.67")  # (90×60 + 80×30) / 90; the plain mean would be 85
    assert score.parts == {"q1": 90, "q2": 80} and score.rostered_days == 90


def test_quarters_without_rostered_days_weigh_nothing():
    score = annual_score(RULES, year(quarters=((1, 90, 60), (2, 10, 0), (3, 90, 61), (4, 90, 1))))
    assert score.total == 90 and score.assessed_quarters == 3 and "q2" not in score.parts


@pytest.mark.parametrize("quarters, eligible", [
    (((1, 90, 60), (2, 90, 60)), False),
    (((1, 90, 60), (2, 90, 60), (3, 90, 0)), False),
    (((1, 90, 60), (2, 90, 60), (3, 90, 1)), True),
    (((1, 90, 60), (2, 90, 60), (3, 90, 60), (4, 90, 60)), True),
])
def test_minimum_assessed_quarters(quarters, eligible):
    score = annual_score(RULES, year(quarters=quarters))
    assert score.eligible is eligible
    assert [r.code for r in score.reasons] == ([] if eligible else ["min_assessed_quarters"])


def test_minimum_quarters_comes_from_the_rulebook():
    rules = rules_with(annual={"min_assessed_quarters": 2})
    assert annual_score(rules, year(quarters=((1, 90, 60), (2, 90, 60)))).eligible


def test_no_assessed_quarter():
    score = annual_score(RULES, year(quarters=()))
    assert score.total == D("0.00") and not score.assessed and not score.eligible
    assert annual_scores(RULES, [year("A"), year("B", quarters=())])[1].rank_centre is None


def test_quarter_summary_from_a_quarterly_score():
    summary = QuarterSummary.from_score(quarterly_score(RULES, _mixed_input()), ref_id=3)
    assert (summary.quarter, summary.total, summary.rostered_days, summary.deduction_points) == (
        2, D("70.00"), 1, D(90))
    with pytest.raises(ValueError):
        year(quarters=((1, 90, 60), (1, 80, 60)))


# One triggering record per seed-003 event, through the default rulebook mapping.
JUNE = date(2025, 6, 3)
TRIGGERS = {
    "unauthorised_approval": {"findings": [f(day=JUNE, category="irregular_operation", id=601)]},
    "substantiated_complaint": {"cases": [complaint("substantiated", JUNE, id=602)]},
    "citizen_conflict": {"findings": [f(day=JUNE, category="citizen_conflict", id=603)]},
    "bribery": {"findings": [f(day=JUNE, category="bribery", severity="critical", id=604)]},
    "public_criticism": {"cases": [CaseInput("notice", 605, JUNE, "weekly", "criticism")]},
    "leisure_at_work": {"findings": [f(day=JUNE, category="stocks", source="camera", id=606)]},
    "unauthorised_software": {"findings": [f(day=JUNE, category="unauthorised_software", id=607)]},
    "unapproved_absence": {"sessions": [s("absent", day=JUNE, ref_id=608)]},
    "distraction_at_work": {"findings": [f(day=JUNE, category="sleeping", id=609)]},
    "overdue_complaint": {"findings": [f(day=JUNE, category="overdue_complaint", id=610)]},
}


def test_every_seed_003_event_has_a_trigger():
    assert set(TRIGGERS) == {d.key for d in RULES.disqualifiers}


@pytest.mark.parametrize("key", sorted(TRIGGERS))
def test_each_seed_003_event_disqualifies(key):
    score = annual_score(RULES, year(**TRIGGERS[key]))
    assert not score.eligible
    codes = {r.code for r in score.reasons}
    assert f"disqualifier.{key}" in codes
    reason = next(r for r in score.reasons if r.code == f"disqualifier.{key}")
    assert reason.ref_id in {601, 602, 603, 604, 605, 606, 607, 608, 609, 610} and reason.on == JUNE


@pytest.mark.parametrize("kwargs, key", [
    ({"findings": [f(day=JUNE, source="spot_check", category="dress")]}, "public_criticism"),
    ({"cases": [CaseInput("exposure", 1, JUNE)]}, "public_criticism"),
    ({"findings": [f(day=JUNE, category="media_exposure")]}, "public_criticism"),
    ({"cases": [complaint("partly", JUNE, category="overdue")]}, "overdue_complaint"),
    ({"cases": [complaint("substantiated", JUNE, category="bribery")]}, "bribery"),
    ({"findings": [f(day=JUNE, category="absence_from_post")]}, "unapproved_absence"),
    ({"findings": [f(day=JUNE, category="phone_use")]}, "distraction_at_work"),
    ({"findings": [f(day=JUNE, category="gaming")]}, "leisure_at_work"),
    ({"findings": [f(day=JUNE, category="dress", disqualifier="bribery")]}, "bribery"),
])
def test_other_routes_into_a_disqualifier(kwargs, key):
    assert f"disqualifier.{key}" in {r.code for r in annual_score(RULES, year(**kwargs)).reasons}


def test_an_overdue_complaint_is_also_a_substantiated_complaint():
    score = annual_score(RULES, year(cases=[complaint("substantiated", JUNE, category="overdue")]))
    assert {r.code for r in score.reasons} == {"disqualifier.overdue_complaint",
                                               "disqualifier.substantiated_complaint"}


@pytest.mark.parametrize("kwargs", [
    {"findings": [f(day=JUNE, category="bribery", state="overturned")]},
    {"findings": [f(day=date(2024, 12, 31), category="bribery")]},
    {"findings": [f(day=JUNE, category="dress")]},
    {"findings": [f(day=JUNE, category="dress", disqualifier="not_in_the_rulebook")]},
    {"cases": [complaint("unsubstantiated", JUNE)]},
    {"cases": [complaint(None, JUNE)]},
    {"sessions": [s("abnormal", ["late"], day=JUNE), s("leave", day=JUNE, session="pm")]},
])
def test_not_disqualifying(kwargs):
    assert annual_score(RULES, year(**kwargs)).eligible


def test_the_mapping_is_the_rulebook():
    doc = load_default()
    doc["disqualifiers"]["distraction_at_work"]["finding_categories"].remove("sleeping")
    doc["disqualifiers"]["unapproved_absence"]["session_statuses"] = []
    relaxed = Rules.from_doc(doc)
    assert annual_score(relaxed, year(**TRIGGERS["distraction_at_work"])).eligible
    assert annual_score(relaxed, year(**TRIGGERS["unapproved_absence"])).eligible
    doc["disqualifiers"]["uniform"] = {
        "label_zh": "着装", "label_en": "Dress", "seed_clause": "003 extra",
        "finding_categories": ["dress"], "finding_sources": [], "item_codes": ["C-08-1"],
        "case_outcomes": [], "session_statuses": []}
    strict = Rules.from_doc(doc)
    assert not annual_score(strict, year(findings=[f(day=JUNE, category="dress")])).eligible
    assert not annual_score(strict, year(findings=[f(day=JUNE, item_code="C-08-1")])).eligible


def test_every_event_is_listed_in_order():
    score = annual_score(RULES, year(
        quarters=((1, 90, 60),),
        findings=[f(day=date(2025, 9, 1), category="bribery", id=2),
                  f(day=date(2025, 2, 1), category="bribery", id=1)],
        sessions=[s("absent", day=date(2025, 3, 3), ref_id="x")]))
    assert [(r.code, r.ref_id) for r in score.reasons] == [
        ("min_assessed_quarters", None), ("disqualifier.bribery", 1), ("disqualifier.bribery", 2),
        ("disqualifier.unapproved_absence", "x")]


def test_annual_candidates_are_the_top_share_of_the_qualified():
    inputs = [year(f"S{i:02}", quarters=((1, 99 - i, 60), (2, 99 - i, 60), (3, 99 - i, 60)))
              for i in range(20)]
    inputs[0] = year("S00", quarters=((1, 99, 60), (2, 99, 60), (3, 99, 60)),
                     **TRIGGERS["bribery"])
    inputs[1] = year("S01", quarters=((1, 98, 60), (2, 98, 60)))
    scores = {x.staff_no: x for x in annual_scores(RULES, inputs)}
    # 18 qualified → ceil(15 % × 18 = 2.7) = 3 candidates
    assert sorted(n for n, x in scores.items() if x.honour) == ["S02", "S03", "S04"]
    assert scores["S00"].rank_centre == 1 and scores["S01"].rank_centre == 2


def test_annual_ties_break_on_fewer_deduction_points():
    a = AnnualInput("A", 2025, "C1", "D1", quarters=[QuarterSummary(q, D(90), 60, D(12)) for q in (1, 2, 3)])
    b = AnnualInput("B", 2025, "C1", "D1", quarters=[QuarterSummary(q, D(90), 60, D(4)) for q in (1, 2, 3)])
    scores = {x.staff_no: x for x in annual_scores(RULES, [a, b])}
    assert (scores["A"].rank_centre, scores["B"].rank_centre) == (2, 1)


def test_annual_determinism_and_fingerprint():
    inp = year(findings=[f(day=JUNE, category="dress", id=1)], sessions=[s(day=JUNE)])
    first = annual_score(RULES, inp)
    assert annual_score(RULES, inp) == first
    other_year = year(findings=[f(day=JUNE, category="dress", id=1), f(day=date(2024, 5, 1), id=2)],
                      sessions=[s(day=JUNE)])
    assert annual_score(RULES, other_year).inputs_fingerprint == first.inputs_fingerprint
    changes = [
        year(findings=[f(day=JUNE, category="dress", id=1, state="overturned")], sessions=[s(day=JUNE)]),
        year(findings=[f(day=JUNE, category="dress", id=1)], sessions=[s("absent", day=JUNE)]),
        year(quarters=((1, 90, 60), (2, 80, 31), (3, 100, 60)),
             findings=[f(day=JUNE, category="dress", id=1)], sessions=[s(day=JUNE)]),
    ]
    prints = {annual_score(RULES, c).inputs_fingerprint for c in changes}
    assert first.inputs_fingerprint not in prints and len(prints) == 3
    assert annual_score(rules_with(annual={"annual_honour_share": 20}), inp).inputs_fingerprint \
        != first.inputs_fingerprint


# --- purity -------------------------------------------------------------------------------


def test_engine_and_rulebook_import_neither_flask_nor_sqlalchemy():
    import ast
    import pathlib

    import compliance.scoring.rulebook as rb
    for module in (engine, rb):
        tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {n.split(".")[0] for n in names} & {"flask", "sqlalchemy", "flask_sqlalchemy"}


# --- quarterly: compact form (only the days with an attendance deduction) ----------------


def _quarter_of_days(pattern):
    """A quarter of days: 'n' normal, 'l' late, 'a' absent, 'v' on leave, 'o' official."""
    sessions = {"n": [s(), s(session="pm")], "l": [s("abnormal", ["late"]), s(session="pm")],
                "a": [s("absent"), s("absent", session="pm")],
                "v": [s("leave", leave_type="sick"), s("leave", session="pm", leave_type="sick")],
                "o": [s("leave", leave_type="official"), s(session="pm")]}
    days = []
    for i, kind in enumerate(pattern):
        day = DAY + timedelta(days=i)
        days.append(daily_score(RULES, "S1", day, [dataclasses.replace(x, date=day)
                                                   for x in sessions[kind]], []))
    return days


@pytest.mark.parametrize("pattern", ["nnnnlnnnan", "lllll", "nnnn", "vvvv", "", "ovlna"])
def test_compact_quarter_gives_the_same_parts_total_and_reasons(pattern):
    days, finding = _quarter_of_days(pattern), f(points=3)
    full = quarterly_score(RULES, q_input(days=days, findings=[finding]))
    with_deductions = [d for d in days if d.attendance_points > 0]
    compact = quarterly_score(RULES, q_input(
        days=with_deductions, counted_days=sum(d.assessed for d in days), findings=[finding]))
    assert (compact.parts, compact.total, compact.reasons, compact.rostered_days,
            compact.assessed, compact.deductions) == \
        (full.parts, full.total, full.reasons, full.rostered_days, full.assessed, full.deductions)
    assert compact.counts == full.counts


def test_compact_quarter_fingerprint_follows_the_counted_days():
    days = [d for d in _quarter_of_days("nlnn") if d.attendance_points > 0]
    three = quarterly_score(RULES, q_input(days=days, counted_days=3))
    four = quarterly_score(RULES, q_input(days=days, counted_days=4))
    assert three.parts["attendance"] == D("99.33") and four.parts["attendance"] == D("99.50")
    assert three.inputs_fingerprint != four.inputs_fingerprint
    with pytest.raises(ValueError):  # fewer counted days than the counted days given
        quarterly_score(RULES, q_input(days=days, counted_days=0))


def test_attendance_counts_of_the_quarter():
    score = quarterly_score(RULES, q_input(days=_quarter_of_days("lla")))
    assert {k: score.counts[k] for k in ("late", "early_leave", "missing_punch", "absent")} == \
        {"late": 2, "early_leave": 0, "missing_punch": 0, "absent": 2}


def test_a_finding_whose_item_bars_annual_honours_disqualifies():
    quarters = [QuarterSummary(q, D("95"), 60) for q in (1, 2, 3)]
    barring = f(id=501, bars_annual=True, item_code="desk.private_items")
    score = annual_score(RULES, AnnualInput("S1", 2025, quarters=quarters, findings=[barring]))
    assert not score.eligible
    assert [(r.code, r.ref_type, r.ref_id) for r in score.reasons] == \
        [("barring_finding", "finding", 501)]
    overturned = dataclasses.replace(barring, state="overturned")
    assert annual_score(RULES, AnnualInput("S1", 2025, quarters=quarters,
                                           findings=[overturned])).eligible
    # named by the seed-003 table already: one reason, not two
    named = f(id=502, bars_annual=True, category="bribery")
    reasons = annual_score(RULES, AnnualInput("S1", 2025, quarters=quarters,
                                              findings=[named])).reasons
    assert [r.code for r in reasons] == ["disqualifier.bribery"]


def test_review_counts_per_level_give_the_same_part_as_the_reviews():
    reviews = [ReviewInput(i, DAY, lv) for i, lv in enumerate([5, 5, 4, 3, 2, 1, 1])]
    listed = quarterly_score(RULES, q_input(reviews=reviews))
    counted = quarterly_score(RULES, q_input(review_levels=(2, 1, 1, 1, 2)))
    assert counted.parts["reviews"] == listed.parts["reviews"] == D("57.14")
    assert (counted.counts["reviews_counted"], counted.counts["reviews_good"]) == (7, 4)
    mixed = quarterly_score(RULES, q_input(reviews=reviews[:3], review_levels=(2, 1, 1, 0, 0)))
    assert mixed.parts["reviews"] == listed.parts["reviews"]
    assert counted.inputs_fingerprint != quarterly_score(
        RULES, q_input(review_levels=(2, 1, 1, 2, 1))).inputs_fingerprint
    with pytest.raises(ValueError):
        q_input(review_levels=(1, 2, 3))


def test_a_day_without_its_own_fingerprint_feeds_a_compact_quarter_alike():
    sessions_ = [s("abnormal", ["late"], late_minutes=4), s(session="pm")]
    with_print = daily_score(RULES, "S1", DAY, sessions_, [])
    without = daily_score(RULES, "S1", DAY, sessions_, [], fingerprint=False)
    assert without.inputs_fingerprint == "" and without.deductions == with_print.deductions
    compact = quarterly_score(RULES, q_input(days=[without], counted_days=3))
    later = daily_score(RULES, "S1", DAY, [s("abnormal", ["late"], late_minutes=9),
                                           s(session="pm")], [], fingerprint=False)
    assert quarterly_score(RULES, q_input(days=[later], counted_days=3)).inputs_fingerprint \
        != compact.inputs_fingerprint  # the minutes are in the deduction lines


@pytest.mark.parametrize("pattern", ["nnnnlnnnan", "lllll", "nnnn", "vvvv", "", "ovlna"])
def test_attendance_lines_give_the_same_quarter_as_the_days(pattern):
    days, finding = _quarter_of_days(pattern), f(points=3)
    full = quarterly_score(RULES, q_input(days=days, findings=[finding]))
    lines = [x for d in days for x in d.deductions if x.kind != "finding"]
    lean = quarterly_score(RULES, q_input(days=[], attendance=lines, findings=[finding],
                                          counted_days=sum(d.assessed for d in days)))
    assert (lean.parts, lean.total, lean.reasons, lean.rostered_days, lean.deductions,
            lean.counts) == (full.parts, full.total, full.reasons, full.rostered_days,
                             full.deductions, full.counts)


def test_attendance_lines_need_the_counted_days_and_no_days():
    line = engine.Deduction("late", D(2), "session", 1, "am late 3 min", DAY)
    with pytest.raises(ValueError):
        q_input(days=[], attendance=[line])
    with pytest.raises(ValueError):
        q_input(attendance=[line], counted_days=2)  # q_input gives a day as well
    with pytest.raises(ValueError):
        q_input(days=[], attendance=[engine.Deduction("finding", D(2), "finding", 1, "", DAY)],
                counted_days=2)
    more = quarterly_score(RULES, q_input(days=[], attendance=[line], counted_days=2))
    assert more.parts["attendance"] == D("99.00") and more.deductions == (line,)


@pytest.mark.parametrize("record", [
    SessionOutcome(DAY, "am", "abnormal", ("late",), 3, 0, None, 7),
    FindingInput(1, DAY, 2, "patrol", "posture", "c.1", "major", "upheld", True, True, "x",
                 True, datetime(2025, 4, 7, 2, tzinfo=timezone.utc)),
    CaseInput("complaint", 1, DAY, "attitude", "partly"), InspectionTally(1, DAY, 3, 4),
    ReviewInput(1, DAY, 4, True), CaseFigures(DAY, 5, 4, 1, 9),
    engine.Deduction("late", D(2), "session", 1, "am late 3 min", DAY),
    QuarterSummary(2, D("95.5"), 60, D(3), 4),
])
def test_each_input_fingerprints_every_field(record):
    form = record._fingerprint_form()
    assert len(form) == len(dataclasses.fields(record))
    for field in dataclasses.fields(record):  # changing any field changes the fingerprint
        value = getattr(record, field.name)
        other = {bool: lambda v: not v, int: lambda v: v + 1, str: lambda v: v + "x",
                 D: lambda v: v + 1, type(None): lambda v: "x", tuple: lambda v: v + ("late",),
                 type(DAY): lambda v: v + timedelta(days=1)}
        changed = other.get(type(value), other.get(D) if isinstance(value, D) else
                            (lambda v: v + timedelta(hours=1)))(value)
        try:
            altered = dataclasses.replace(record, **{field.name: changed})
        except (ValueError, TypeError):
            continue  # a value the record refuses
        assert altered._fingerprint_form() != form, field.name
