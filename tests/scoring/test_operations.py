"""Gathering, computing and storing scores (SPEC §7): daily, quarterly and annual results from
the stored records, exact recomputation (same inputs: no write, no audit entry), replaced
and audited results when inputs change, and the rulebook in force per day and per quarter."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from compliance import audit
from compliance.audit import AuditEntry
from compliance.cases.models import ComplaintCategory, ComplaintConclusion, ComplaintState
from compliance.conduct.models import FindingState
from compliance.extensions import db
from compliance.scoring import engine, operations, sources
from compliance.scoring.engine import InspectionTally
from compliance.scoring.models import AnnualResult, DailyResult, QuarterlyResult
from compliance.scoring.store import rules_for, save_version
from tests.cases.helpers import advance, complaint, review

from .helpers import figures, finding, sessions, working_days

D = Decimal
MONDAY = date(2026, 1, 5)  # Q1 2026


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def stored(model, **where):
    return {r.staff.staff_no: r for r in db.session.scalars(sa.select(model).filter_by(**where))}


@pytest.fixture
def job_actor(app_ctx):
    audit.acting_as("test")


# --- daily ------------------------------------------------------------------------------


def test_daily_scores_from_sessions_and_findings(world, job_actor):
    session_ids = sessions(world.alice, MONDAY, "abnormal", late=7, issues_am="late")
    sessions(world.bob, MONDAY)
    sessions(world.carol, MONDAY, "absent", "normal")
    sessions(world.dave, MONDAY, "absent", "absent")  # another centre: not in A's scores
    made = finding(world, world.alice, MONDAY, points=5)
    report = operations.recompute_days(world.a, MONDAY, MONDAY)
    db.session.commit()
    assert (report.computed, report.created) == (3, 3)
    scores = stored(DailyResult, day=MONDAY)
    assert {n: s.total for n, s in scores.items()} == {"S1": D("93.00"), "S2": D("100.00"),
                                                       "S3": D("90.00")}
    alice = scores["S1"]
    assert alice.parts == {"attendance": "98.00", "conduct": "95.00"}
    assert [(d["kind"], d["ref_type"], d["ref_id"]) for d in alice.deductions] == [
        ("late", "session", session_ids[0]), ("finding", "finding", made.id)]
    assert (alice.attendance_points, alice.conduct_points) == (D("2.00"), D("5.00"))
    assert {n: (s.rank_centre, s.rank_department) for n, s in scores.items()} == {
        "S2": (1, 1), "S1": (2, 2), "S3": (3, 1)}
    assert alice.rulebook_version == rules_for(world.a.id, MONDAY).version
    assert len(alice.fingerprint) == 64


def test_days_without_a_counted_session_or_finding_have_no_daily_score(world, job_actor):
    sessions(world.alice, MONDAY, "off", "off")
    sessions(world.bob, MONDAY, "leave", "leave", leave_type="sick")
    operations.recompute_days(world.a, MONDAY, MONDAY + timedelta(days=6))
    db.session.commit()
    scores = stored(DailyResult)
    assert set(scores) == {"S2"}  # a day on leave is shown, neither counted nor ranked
    assert not scores["S2"].assessed and scores["S2"].rank_centre is None


def test_recomputing_the_same_inputs_changes_nothing_not_even_the_audit_log(world, job_actor):
    working_days(world.alice, MONDAY, 5)
    sessions(world.bob, MONDAY, "abnormal", issues_am="missing_in")
    finding(world, world.carol, MONDAY + timedelta(days=1))
    operations.recompute_days(world.a, MONDAY, MONDAY + timedelta(days=6))
    operations.recompute_quarter(world.a, 2026, 1)
    operations.recompute_annual(world.a, 2026)
    db.session.commit()
    before = {m: {r.id: (r.computed_at, r.fingerprint) for r in db.session.scalars(sa.select(m))}
              for m in (DailyResult, QuarterlyResult, AnnualResult)}
    entries = audit_count()
    again = [operations.recompute_days(world.a, MONDAY, MONDAY + timedelta(days=6)),
             operations.recompute_quarter(world.a, 2026, 1),
             operations.recompute_annual(world.a, 2026)]
    db.session.commit()
    assert all(r.changed == 0 and r.unchanged == r.computed > 0 for r in again)
    assert audit_count() == entries
    after = {m: {r.id: (r.computed_at, r.fingerprint) for r in db.session.scalars(sa.select(m))}
             for m in (DailyResult, QuarterlyResult, AnnualResult)}
    assert after == before


def test_changed_inputs_replace_the_result_and_are_audited(world, job_actor):
    sessions(world.alice, MONDAY)
    sessions(world.bob, MONDAY)
    made = finding(world, world.alice, MONDAY, points=5)
    operations.recompute_days(world.a, MONDAY, MONDAY)
    db.session.commit()
    assert stored(DailyResult)["S1"].total == D("95.00")
    made.state = FindingState.overturned  # HR overturned it on appeal
    db.session.commit()
    entries = audit_count()
    report = operations.recompute_days(world.a, MONDAY, MONDAY)
    db.session.commit()
    assert (report.created, report.replaced, report.unchanged) == (0, 1, 1)  # bob: still 1st
    assert stored(DailyResult)["S1"].total == D("100.00")
    updates = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.id > entries, AuditEntry.entity == "score_daily")).all()
    alice_id = stored(DailyResult)["S1"].id
    change = next(e for e in updates if e.entity_id == str(alice_id))
    assert change.action == "update" and change.actor == "test"
    assert (change.before["total"], change.after["total"]) == ("95.00", "100.00")
    assert change.before["fingerprint"] != change.after["fingerprint"]


def test_a_score_whose_records_are_gone_is_removed(world, job_actor):
    made = finding(world, world.alice, MONDAY)  # a finding on a day off
    operations.recompute_days(world.a, MONDAY, MONDAY)
    db.session.commit()
    assert set(stored(DailyResult)) == {"S1"}
    db.session.delete(made.steps[0])
    db.session.delete(made)
    db.session.commit()
    report = operations.recompute_days(world.a, MONDAY, MONDAY)
    db.session.commit()
    assert report.removed == 1 and stored(DailyResult) == {}


def test_each_day_uses_the_rules_in_force_that_day(world, job_actor):
    save_version(world.a.id, MONDAY + timedelta(days=1), {"deductions": {"late": 5}}, "迟到加重",
                 "hr")
    db.session.commit()
    for day in (MONDAY, MONDAY + timedelta(days=1)):
        sessions(world.alice, day, "abnormal", issues_am="late", late=3)
    operations.recompute_days(world.a, MONDAY, MONDAY + timedelta(days=1))
    db.session.commit()
    by_day = {r.day: r for r in db.session.scalars(sa.select(DailyResult))}
    assert by_day[MONDAY].total == D("98.00") and by_day[MONDAY].rulebook_version == "2025.1"
    assert by_day[MONDAY + timedelta(days=1)].total == D("95.00")
    assert by_day[MONDAY + timedelta(days=1)].rulebook_version == "2026-01-06@%d" % world.a.id


# --- quarterly ----------------------------------------------------------------------------


@pytest.fixture
def tallies(app_ctx):
    """An inspection-tally provider as the inspections package registers one."""
    given: dict[int, list[InspectionTally]] = {}

    def provider(centre_id, first, last, staff_ids):
        return {k: [t for t in v if first <= t.date <= last]
                for k, v in given.items() if k in set(staff_ids)}

    sources.register_inspection_tally(provider)
    yield given
    sources.unregister_inspection_tally(provider)


def _substantiated_complaint(world, person, received: datetime, concluded: datetime):
    with time_machine.travel(received, tick=False):
        made = complaint(world, staff=person, category=ComplaintCategory.attitude, at=received)
    with time_machine.travel(concluded, tick=False):
        advance(made, world.users.hr, ComplaintState.concluded,
                conclusion=ComplaintConclusion.substantiated)
    return made


def test_quarterly_parts_from_every_source(world, job_actor, tallies):
    days = working_days(world.alice, MONDAY, 4)
    db.session.execute(sa.text("UPDATE attendance_session SET status='abnormal', issues='late', "
                               "late_minutes=4 WHERE day=:d AND session='am'"), {"d": days[0]})
    db.session.commit()
    finding(world, world.alice, MONDAY + timedelta(days=1), points=10)
    tallies[world.alice.id] = [InspectionTally(1, MONDAY, 8, 10),
                               InspectionTally(2, date(2026, 4, 1), 0, 10)]  # next quarter
    at = datetime(2026, 1, 20, 2, tzinfo=timezone.utc)
    for level in (5, 5, 4, 2):
        review(world, level=level, staff=world.alice, at=at, real_name=False)
    made = _substantiated_complaint(world, world.alice, at, datetime(2026, 1, 22, 3,
                                                                     tzinfo=timezone.utc))
    figures(world.alice, date(2026, 1, 1), 10, 9, 4)
    figures(world.alice, date(2026, 2, 1), 10, 7)
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    alice = stored(QuarterlyResult, year=2026, quarter=1)["S1"]
    # attendance (98 + 3 × 100) / 4; patrol 100 − 10 − 20 (the complaint's finding);
    # service norms 8/10; reviews 3 good of 4; complaints 100 − 20; performance 16/20
    assert alice.parts == {"attendance": "99.50", "patrol": "70.00", "service_norms": "80.00",
                           "reviews": "75.00", "complaints": "80.00", "performance": "80.00"}
    assert alice.total == D("81.88")  # (25×99.5 + 20×70 + 15×80 + 20×75 + 10×80 + 10×80) / 100
    assert alice.rostered_days == 4
    assert alice.counts["cases_on_the_spot"] == 4 and alice.counts["late"] == 1
    assert not alice.eligible
    codes = [(r["code"], r["ref_type"]) for r in alice.reasons]
    assert ("substantiated_complaint", "complaint") in codes
    assert ("barring_finding", "finding") in codes  # the complaint's finding bars honours
    assert any(d["ref_type"] == "complaint" and d["ref_id"] == made.id for d in alice.deductions)


def test_excluded_reviews_do_not_count(world, job_actor):
    at = datetime(2026, 2, 2, 2, tzinfo=timezone.utc)
    working_days(world.alice, MONDAY, 1)
    review(world, level=5, staff=world.alice, at=at, real_name=False)
    bad = review(world, level=1, staff=world.alice, at=at, real_name=False)
    bad.excluded = True  # HR approved it as malicious
    db.session.commit()
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    alice = stored(QuarterlyResult)["S1"]
    assert alice.parts["reviews"] == "100.00" and alice.counts["reviews_counted"] == 1


def test_the_compact_gathering_matches_the_engine_on_every_day(world, job_actor):
    """The quarter is gathered as counted days plus the days that cost points; the engine on
    every single day must give the same attendance part."""
    outcomes = []
    for i in range(20):
        day = MONDAY + timedelta(days=i)
        kinds = ["normal", "abnormal", "absent", "leave", "off"]
        am, pm = kinds[i % 5], kinds[(i * 3) % 5]
        sessions(world.alice, day, am, pm, issues_am="early_leave", issues_pm="missing_out",
                 early=3, leave_type="official" if i % 2 else "annual")
        for name, status, issues in (("am", am, "early_leave"), ("pm", pm, "missing_out")):
            outcomes.append(engine.SessionOutcome(
                day, name, status, (issues,) if status == "abnormal" else (), early_minutes=3,
                leave_type=("official" if i % 2 else "annual") if status == "leave" else None))
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    alice = stored(QuarterlyResult)["S1"]
    days = engine.daily_scores(rules_for(world.a.id, MONDAY), "S1", outcomes, [])
    full = engine.quarterly_score(rules_for(world.a.id, MONDAY),
                                  engine.QuarterInput("S1", 2026, 1, days=days))
    assert alice.parts["attendance"] == format(full.parts["attendance"], "f")
    assert alice.rostered_days == full.rostered_days


def test_quarterly_ranks_and_service_stars(world, job_actor):
    for person in (world.alice, world.bob, world.carol):
        working_days(person, MONDAY, 3)
    finding(world, world.bob, MONDAY, points=10)
    finding(world, world.carol, MONDAY, points=5, severity=__import__(
        "compliance.conduct.models", fromlist=["Severity"]).Severity.critical)
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    scores = stored(QuarterlyResult)
    assert {n: s.rank_centre for n, s in scores.items()} == {"S1": 1, "S3": 2, "S2": 3}
    assert scores["S1"].honour and not scores["S2"].honour  # 10 % of 2 eligible: 1
    assert not scores["S3"].eligible and scores["S3"].reasons[0]["code"] == "critical_finding"
    assert scores["S3"].rank_department == 1  # alone in the seconded unit


def test_an_active_person_without_records_is_listed_but_not_assessed(world, job_actor):
    working_days(world.alice, MONDAY, 2)
    world.bob.active = False
    db.session.commit()
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    scores = stored(QuarterlyResult)
    assert set(scores) == {"S1", "S3"}  # bob left and has no record: no score
    carol = scores["S3"]
    assert not carol.assessed and carol.rank_centre is None
    assert [r["code"] for r in carol.reasons] == ["not_assessed"]


def test_the_quarter_uses_the_rules_in_force_on_its_last_day(world, job_actor):
    working_days(world.alice, MONDAY, 2)
    figures(world.alice, date(2026, 1, 1), 10, 5)
    weights = {"attendance": 20, "patrol": 20, "service_norms": 15, "reviews": 20,
               "complaints": 10, "performance": 15}
    save_version(world.a.id, date(2026, 3, 1), {"quarterly": {"weights": weights}}, "业绩加权",
                 "hr")
    db.session.commit()
    operations.recompute_quarter(world.a, 2026, 1)
    db.session.commit()
    alice = stored(QuarterlyResult)["S1"]
    assert alice.total == D("92.50")  # 100 − 15 × 50 / 100
    assert alice.rulebook_version == f"2026-03-01@{world.a.id}"


# --- annual -------------------------------------------------------------------------------


def test_annual_from_the_quarters_with_disqualifying_events(world, job_actor):
    for quarter_first in (date(2026, 1, 5), date(2026, 4, 6), date(2026, 7, 6)):
        for person in (world.alice, world.bob):
            working_days(person, quarter_first, 3 if person is world.alice else 1)
    sessions(world.bob, date(2026, 4, 20), "absent", "normal")  # 旷工: unapproved absence
    with time_machine.travel(datetime(2026, 10, 10, tzinfo=timezone.utc), tick=False):
        report = operations.recompute_year(world.a, 2026)
        db.session.commit()
    assert report.computed == 3  # alice, bob, and carol (not assessed)
    assert {q for q, in db.session.execute(sa.select(QuarterlyResult.quarter).distinct())} == \
        {1, 2, 3, 4}  # Q4 has begun on 10 October
    scores = stored(AnnualResult, year=2026)
    alice, bob = scores["S1"], scores["S2"]
    assert alice.eligible and alice.assessed_quarters == 3 and alice.honour
    assert set(alice.parts) == {"q1", "q2", "q3"}
    assert not bob.eligible
    assert [(r["code"], r["ref_type"]) for r in bob.reasons] == [
        ("disqualifier.unapproved_absence", "session")]
    q2 = stored(QuarterlyResult, year=2026, quarter=2)["S2"]
    assert bob.rostered_days == 4 and q2.rostered_days == 2
    # rostered-day-weighted mean: q1 100 (1 day), q2 = 25×95/100+75 (2 days), q3 100 (1 day)
    assert bob.total == ((D(100) + 2 * q2.total + D(100)) / 4).quantize(D("0.01"))
    assert not scores["S3"].assessed and scores["S3"].reasons[0]["code"] == \
        "min_assessed_quarters"


def test_a_quarter_recompute_refreshes_the_annual_score(world, job_actor):
    working_days(world.alice, MONDAY, 2)
    from compliance.scoring.periods import Period

    operations.recompute(world.a, Period.of_quarter(2026, 1))
    db.session.commit()
    assert stored(AnnualResult, year=2026)["S1"].parts == {"q1": "100.00"}
    finding(world, world.alice, MONDAY, points=50)
    report = operations.recompute(world.a, Period.of_quarter(2026, 1))
    db.session.commit()
    assert (report.computed, report.replaced) == (3, 2)  # alice's quarter and her year
    assert stored(AnnualResult, year=2026)["S1"].parts == {"q1": "90.00"}
