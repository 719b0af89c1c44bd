"""The scores over the API (API.md): ``POST /scores/recompute`` and ``GET /scores/daily``,
``/quarterly``, ``/annual`` with their item shape, and bad input named field by field."""
from __future__ import annotations

from datetime import date

import pytest

from compliance.extensions import db
from compliance.scoring.models import QuarterlyResult
from tests.conftest import api_token

from .helpers import finding, sessions, working_days

API_KEYS = {"staff_no", "total", "parts", "rank", "eligible", "reasons", "rulebook_version"}


@pytest.fixture
def scored(client, world):
    working_days(world.alice, date(2026, 1, 5), 3)
    working_days(world.bob, date(2026, 1, 5), 3)
    sessions(world.carol, date(2026, 1, 5), "abnormal", "absent", issues_am="late", late=9)
    made = finding(world, world.bob, date(2026, 1, 6), points=4)
    hr = api_token(client, "hr_a")
    for body in ({"period": "day", "date": "2026-01-05"},
                 {"period": "day", "date": "2026-01-06"},
                 {"period": "year", "year": 2026}):
        response = client.post("/api/v1/scores/recompute", json=body, headers=hr)
        assert response.status_code == 200, response.get_json()
    return {"hr": hr, "finding": made}


def test_recompute_answers_the_counts_and_is_exact(client, world, scored):
    hr = scored["hr"]
    first = client.post("/api/v1/scores/recompute", json={"period": "quarter", "year": 2026,
                                                          "quarter": 1}, headers=hr)
    assert first.get_json() == {"computed": 3, "created": 0, "replaced": 0, "unchanged": 3,
                                "removed": 0}
    day = client.post("/api/v1/scores/recompute", json={"period": "day", "date": "2026-01-05"},
                      headers=hr).get_json()
    assert day["computed"] == 3 and day["unchanged"] == 3


def test_quarterly_items_have_the_contract_shape(client, world, scored):
    items = client.get("/api/v1/scores/quarterly?year=2026&quarter=1",
                       headers=scored["hr"]).get_json()["items"]
    assert [i["staff_no"] for i in items] == ["S1", "S2", "S3"]
    for item in items:
        assert API_KEYS <= set(item)
        assert set(item["parts"]) == {"attendance", "patrol", "service_norms", "reviews",
                                      "complaints", "performance"}
        assert isinstance(item["total"], float) and isinstance(item["rank"], int)
    alice, bob, carol = items
    assert (alice["total"], alice["rank"], alice["eligible"]) == (100.0, 1, True)
    assert bob["parts"]["patrol"] == 96.0 and bob["rank"] == 2
    assert bob["deductions"][0]["ref_type"] == "finding"
    assert bob["deductions"][0]["ref_id"] == scored["finding"].id
    assert carol["rank_department"] == 1 and carol["rulebook_version"] == "2025.1"
    assert carol["parts"]["attendance"] == 88.0  # (100 − 2 − 10)


def test_daily_and_annual_items(client, world, scored):
    hr = scored["hr"]
    daily = client.get("/api/v1/scores/daily?date=2026-01-05", headers=hr).get_json()["items"]
    carol = next(i for i in daily if i["staff_no"] == "S3")
    assert carol["date"] == "2026-01-05" and carol["total"] == 88.0
    assert [d["kind"] for d in carol["deductions"]] == ["late", "absent"]
    assert carol["deductions"][0]["label"] == "迟到"
    annual = client.get("/api/v1/scores/annual?year=2026", headers=hr).get_json()["items"]
    alice = next(i for i in annual if i["staff_no"] == "S1")
    assert alice["parts"] == {"q1": 100.0} and not alice["eligible"]
    assert alice["reasons"][0]["code"] == "min_assessed_quarters"
    assert alice["reasons"][0]["label"]
    filtered = client.get("/api/v1/scores/daily?date=2026-01-05&department_code=SW",
                          headers=hr).get_json()["items"]
    assert [i["staff_no"] for i in filtered] == ["S3"]


def test_a_staff_token_sees_its_own_scores_only(client, world, scored):
    alice = api_token(client, "staff_alice")
    items = client.get("/api/v1/scores/quarterly?year=2026&quarter=1",
                       headers=alice).get_json()["items"]
    assert [i["staff_no"] for i in items] == ["S1"]
    assert client.get("/api/v1/scores/quarterly?year=2026&quarter=1&staff_no=S2",
                      headers=alice).status_code == 403
    lead = api_token(client, "lead_sw")
    items = client.get("/api/v1/scores/daily?date=2026-01-05", headers=lead).get_json()["items"]
    assert [i["staff_no"] for i in items] == ["S3"]


@pytest.mark.parametrize("body, fields", [
    ({}, {"period"}),
    ({"period": "week"}, {"period"}),
    ({"period": "day"}, {"date"}),
    ({"period": "day", "date": "2026-02-30"}, {"date"}),
    ({"period": "quarter", "year": 2026}, {"quarter"}),
    ({"period": "quarter", "year": 2026, "quarter": 5}, {"quarter"}),
    ({"period": "year", "year": 1999}, {"year"}),
    ({"period": "year", "year": 2026, "extra": 1}, {"extra"}),
])
def test_bad_recompute_bodies_name_their_fields(client, world, body, fields):
    response = client.post("/api/v1/scores/recompute", json=body,
                           headers=api_token(client, "hr_a"))
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == fields
    assert db.session.query(QuarterlyResult).count() == 0


@pytest.mark.parametrize("path", ["/api/v1/scores/daily", "/api/v1/scores/quarterly?year=2026",
                                  "/api/v1/scores/annual?year=x",
                                  "/api/v1/scores/daily?date=2026-13-01"])
def test_bad_queries_are_400(client, world, path):
    response = client.get(path, headers=api_token(client, "hr_a"))
    assert response.status_code == 400 and response.get_json()["error"]["fields"]
