"""HR's rulebook editor (SPEC §7): a new version from a date, every invalid setting named in the
user's language, the history with what each version changed, and who may do what."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from compliance.extensions import db
from compliance.scoring import settings
from compliance.scoring.rulebook import load_default
from compliance.scoring.store import RulebookVersion, rules_for
from tests.conftest import api_token, csrf_token, login

TODAY = date(2026, 3, 10)
NOW = "2026-03-10T02:00:00+00:00"


def _leaves(doc, prefix=""):
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, path + ".")
        else:
            yield path


def test_the_editor_lists_every_setting_of_the_rulebook(app_ctx):
    doc = load_default()
    editable = {s.path for s in settings.all_settings(doc)}
    metadata = {"version", "description_zh", "description_en"}
    labels = {p for p in _leaves(doc) if p.startswith("disqualifiers.") and
              p.rsplit(".", 1)[1] in ("label_zh", "label_en", "seed_clause")}
    assert set(_leaves(doc)) - metadata - labels == editable


@time_machine.travel(NOW, tick=False)
def test_a_new_version_over_the_api_and_its_history(client, world):
    hr = api_token(client, "hr_a")
    response = client.post("/api/v1/rulebook/versions", headers=hr, json={
        "effective_from": "2026-04-01", "note": "迟到加重",
        "changes": {"deductions": {"late": 3}, "quarterly": {"quarterly_honour_share": 12}}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == f"2026-04-01@{world.a.id}"
    assert rules_for(world.a.id, date(2026, 3, 31)).deductions.late == 2
    assert rules_for(world.a.id, date(2026, 4, 1)).deductions.late == 3
    history = client.get("/api/v1/rulebook/versions", headers=hr).get_json()["items"]
    assert [(c["setting"], c["before"], c["after"]) for c in history[0]["changes"]] == [
        ("deductions.late", 2, 3), ("quarterly.quarterly_honour_share", 10, 12)]
    assert history[0]["in_force"] is False  # from April
    now = client.get("/api/v1/rulebook?date=2026-04-02", headers=hr).get_json()
    assert now["document"]["deductions"]["late"] == 3 and now["effective_from"] == "2026-04-01"
    # every role may read the rules in force
    staff = api_token(client, "staff_alice")
    assert client.get("/api/v1/rulebook", headers=staff).status_code == 200
    assert client.post("/api/v1/rulebook/versions", headers=staff, json={
        "effective_from": "2026-05-01", "note": "x", "changes": {}}).status_code == 403


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("changes, fields", [
    ({"quarterly": {"weights": {"patrol": 25}}}, {"quarterly.weights"}),
    ({"deductions": {"late": -1}}, {"deductions.late"}),
    ({"annual": {"annual_honour_share": 120}, "camera": {"seat_similarity_threshold": 2}},
     {"annual.annual_honour_share", "camera.seat_similarity_threshold"}),
    ({"disqualifiers": {"bribery": {"case_outcomes": ["complaint:bribery"]}}},
     {"disqualifiers.bribery.case_outcomes"}),
    ({"deductions": {"lateness": 3}}, {"deductions.lateness"}),
    ({"deductions": {"late": 2}}, {"_schema"}),  # nothing changes
])
def test_invalid_settings_are_named_in_chinese_and_nothing_is_stored(client, world, changes,
                                                                   fields):
    response = client.post("/api/v1/rulebook/versions", headers=api_token(client, "hr_a"),
                           json={"effective_from": "2026-04-01", "note": "试", "changes": changes})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error["fields"]) == fields
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in error["fields"].values()), error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RulebookVersion)) == 0


@time_machine.travel(NOW, tick=False)
def test_past_dates_need_confirmation_and_a_date_takes_one_version(client, world):
    hr = api_token(client, "hr_a")
    body = {"effective_from": "2026-01-01", "note": "年初生效",
            "changes": {"deductions": {"absent": 12}}}
    refused = client.post("/api/v1/rulebook/versions", headers=hr, json=body)
    assert refused.status_code == 400 and "effective_from" in refused.get_json()["error"]["fields"]
    assert client.post("/api/v1/rulebook/versions", headers=hr,
                       json={**body, "confirm_past": True}).status_code == 201
    twice = client.post("/api/v1/rulebook/versions", headers=hr,
                        json={**body, "confirm_past": True,
                              "changes": {"deductions": {"absent": 15}}})
    assert twice.status_code == 409 and "effective_from" in twice.get_json()["error"]["fields"]


@time_machine.travel(NOW, tick=False)
def test_the_editor_page_shows_each_problem_next_to_its_setting(client, world):
    login(client, "hr_a")
    page = client.get("/rulebook/new")
    assert page.status_code == 200
    token = csrf_token(client, "/rulebook/new")
    form = {"csrf_token": token, "effective_from": "2026-04-01", "note": "调整权重",
            "quarterly__weights__patrol": "30", "deductions__late": "两分",
            "quarterly__substantiated_outcomes": "substantiated, partly, substantiated"}
    response = client.post("/rulebook/new", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请输入整数" in html  # deductions.late: not a number
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RulebookVersion)) == 0
    form["deductions__late"] = "3"
    response = client.post("/rulebook/new", data=form)
    assert response.status_code == 400  # weights sum to 110, an outcome repeats
    html = response.get_data(as_text=True)
    assert "110" in html and "重复" in html
    form.update({"quarterly__weights__patrol": "20",
                 "quarterly__substantiated_outcomes": "substantiated, partly"})
    response = client.post("/rulebook/new", data=form)
    assert response.status_code == 302
    version = db.session.scalars(sa.select(RulebookVersion)).one()
    assert version.document["deductions"]["late"] == 3 and version.note == "调整权重"
    assert version.created_by == "hr_a"
    rules = client.get("/rulebook").get_data(as_text=True)
    assert "调整权重" in rules and "<del>2</del>" in rules and "<ins>3</ins>" in rules


@pytest.mark.parametrize("username, read, edit", [
    ("staff_alice", 200, 403), ("inspector", 200, 403), ("lead_sw", 200, 403),
    ("hr_a", 200, 200), ("admin_a", 200, 200), ("root", 200, 200)])
def test_who_reads_and_who_edits_the_rulebook(client, world, username, read, edit):
    login(client, username)
    assert client.get("/rulebook").status_code == read
    assert client.get("/rulebook/new").status_code == edit
