"""The scheduled score jobs (idempotent), the charts, and what the score pages show: the
explanation of a score with a link to every record, a person's page, and the dashboard with
the figures feature packages register."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from compliance import audit
from compliance.audit import AuditEntry
from compliance.extensions import db
from compliance.jobs import REGISTRY, execute
from compliance.scoring import charts, operations, sources
from compliance.scoring.models import AnnualResult, DailyResult, QuarterlyResult
from tests.cases.helpers import advance, complaint
from tests.conftest import login

from .helpers import finding, sessions, working_days


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- jobs -------------------------------------------------------------------------------


def test_the_score_jobs_are_registered_with_their_schedules(app):
    assert REGISTRY["scores_daily_rollup"].trigger == {"trigger": "cron", "hour": 2, "minute": 0}
    assert REGISTRY["scores_quarter_close"].trigger["month"] == "1,4,7,10"
    assert REGISTRY["scores_year_close"].trigger["month"] == "1"


def test_nightly_rollup_is_idempotent(app, app_ctx, world):
    working_days(world.alice, date(2026, 4, 1), 5)
    sessions(world.carol, date(2026, 4, 2), "absent", "absent")
    with time_machine.travel(datetime(2026, 4, 6, 18, tzinfo=timezone.utc), tick=False):
        first = execute(app, "scores_daily_rollup")  # 02:00 on 7 April in Beijing
        assert first.status == "succeeded", first.error
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        db.session.commit()  # end the test's read: the job writes from its own session
        second = execute(app, "scores_daily_rollup")
    assert "CA: 6 computed, 0 new, 0 replaced, 0 removed" in second.result  # 6 days
    assert {d for d, in db.session.execute(sa.select(DailyResult.day).distinct())} == \
        {date(2026, 4, day) for day in range(1, 6)}
    assert _count(QuarterlyResult) == 4  # both centres' staff, provisional Q2
    # the second run wrote nothing but its own run record
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_quarter_and_year_close(app, app_ctx, world):
    working_days(world.alice, date(2025, 12, 1), 3)
    with time_machine.travel(datetime(2026, 1, 2, 19, tzinfo=timezone.utc), tick=False):
        assert execute(app, "scores_quarter_close").status == "succeeded"
        assert execute(app, "scores_year_close").status == "succeeded"
    rows = db.session.scalars(sa.select(QuarterlyResult).where(QuarterlyResult.year == 2025)).all()
    assert {r.quarter for r in rows} == {1, 2, 3, 4}
    alice = db.session.scalars(sa.select(AnnualResult).join(AnnualResult.staff).where(
        AnnualResult.year == 2025)).all()
    assert {a.staff.staff_no: a.assessed_quarters for a in alice}["S1"] == 1
    assert _count(DailyResult) == 3  # the closed quarter's days


# --- charts -----------------------------------------------------------------------------


def test_histogram_bins():
    labels, counts = charts.histogram([Decimal("59.99"), 60, 69.5, 95, 100, 100], (0, 60, 70, 95, 100))
    assert labels == ["<60", "60–70", "70–95", "95–100"]
    assert counts == [1, 2, 0, 3]


def test_charts_are_svg_without_inline_style_and_carry_their_values():
    bars = charts.bar_chart("分布", ["A", "B<"], [charts.Series("人数", "s1", [3, 0]),
                                                 charts.Series("超期", "bad", [1, 2])],
                            stacked=True)
    assert str(bars).startswith('<svg class="chart"') and "style=" not in str(bars)
    assert "<title>A · 人数: 3</title>" in str(bars) and "B&lt;" in str(bars)
    assert str(bars).count("<rect class=") == 4 + 2  # four bars and a legend of two
    line = charts.line_chart("趋势", ["Q1", "Q2", "Q3"], [charts.Series("得分", "s1",
                                                                         [90, None, 95.5])])
    assert "<polyline" not in str(line)  # a gap leaves single points
    assert str(line).count("<circle") == 2 and "95.5" in str(line)
    empty = charts.bar_chart("空", [], [])
    assert "—" in str(empty)


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def explained(app_ctx, world):
    audit.acting_as("test")
    working_days(world.carol, date(2026, 1, 5), 2)
    ids = sessions(world.carol, date(2026, 1, 7), "abnormal", "normal", issues_am="late",
                   late=12)
    made = finding(world, world.carol, date(2026, 1, 7), points=5, ten_prohibitions=True)
    received = datetime(2026, 1, 8, 2, tzinfo=timezone.utc)
    with time_machine.travel(received, tick=False):
        case = complaint(world, staff=world.carol, at=received)
        from compliance.cases.models import ComplaintConclusion, ComplaintState

        advance(case, world.users.hr, ComplaintState.concluded,
                conclusion=ComplaintConclusion.substantiated)
    operations.recompute_days(world.a, date(2026, 1, 5), date(2026, 1, 9))
    operations.recompute_year(world.a, 2026, today=date(2026, 3, 31))
    db.session.commit()
    return {"session": ids[0], "finding": made, "complaint": case}


def test_the_explanation_links_every_deduction_and_reason_to_its_record(client, world,
                                                                          explained):
    login(client, "staff_carol")
    page = client.get("/scores/quarterly/2026-Q1/S3").get_data(as_text=True)
    finding_url = f"/findings/{explained['finding'].id}"
    complaint_url = f"/cases/complaints/{explained['complaint'].id}"
    # the attendance pages offer the person's day (explain.ATTENDANCE_DAY_ENDPOINT)
    day_url = "/attendance/people/S3/days/2026-01-07"
    assert page.count(finding_url) >= 2  # the deduction and the 十不准 reason
    assert complaint_url in page and day_url in page
    assert "上午：迟到 12 分钟" in page
    assert "违反“十不准”的问题记录" in page and "本季度有有效投诉" in page
    day = client.get("/scores/daily/2026-01-07/S3").get_data(as_text=True)
    assert 'id="day"' in day and "迟到 12 分钟" in day.replace("12 分钟", "12 分钟")
    assert finding_url in day
    for url in (finding_url, complaint_url, day_url.split("#")[0]):
        assert client.get(url).status_code == 200, url  # carol may open every record


@time_machine.travel("2026-02-01T02:00:00+00:00", tick=False)
def test_a_persons_page_shows_the_trend_and_the_days(client, world, explained):
    login(client, "staff_carol")
    response = client.get("/scores/me", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == "/scores/person/S3"
    assert '<svg class="chart"' in html and "2026年第1季度" in html
    assert "/scores/daily/2026-01-07/S3" in html  # a day with deductions


def test_the_table_shows_ranks_and_eligibility(client, world, explained):
    login(client, "hr_a")
    html = client.get("/scores/quarterly/2026-Q1").get_data(as_text=True)
    assert "不参与评优" in html and "/scores/quarterly/2026-Q1/S3" in html
    assert client.get("/scores/quarterly/2026-Q1?show=not_eligible").get_data(
        as_text=True).count("/scores/quarterly/2026-Q1/S") == 1
    assert "scores-quarterly.xlsx" in html


def test_the_dashboard_shows_registered_figures_only_when_registered(client, world, explained):
    login(client, "hr_a")
    html = client.get("/scores/dashboard").get_data(as_text=True)
    assert "tile-test_figure" not in html
    assert html.count('<svg class="chart"') == 5
    sources.register_dashboard_count("test_figure", "测试数字",
                                     lambda user: (7, "/somewhere") if user.is_manager else None)
    try:
        html = client.get("/scores/dashboard").get_data(as_text=True)
        assert re.search(r'class="stat tile-test_figure" href="/somewhere"><span class="n">7',
                         html)
        lead = client.application.test_client()
        login(lead, "lead_sw")
        assert "tile-test_figure" not in lead.get("/scores/dashboard").get_data(as_text=True)
    finally:
        sources.unregister_dashboard_count("test_figure")


def test_the_quarter_close_tells_each_person_their_result_once(app, app_ctx, world):
    from compliance.notifications import Notification

    working_days(world.alice, date(2025, 12, 1), 3)
    with time_machine.travel(datetime(2026, 1, 2, 19, tzinfo=timezone.utc), tick=False):
        assert execute(app, "scores_quarter_close").status == "succeeded"
        assert execute(app, "scores_quarter_close").status == "succeeded"
    notes = db.session.scalars(sa.select(Notification)).all()
    assert [(n.user_id, n.link) for n in notes] == [
        (world.users.staff.id, "/scores/quarterly/2025-Q4/S1")]
    assert "2025年第4季度" in notes[0].text and "100.00" in notes[0].text
