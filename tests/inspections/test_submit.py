"""Recording inspections over the API: score, findings per failure, gender-specific items,
N/A, retries with the same client id, and bad input that changes nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance.conduct.models import Finding, FindingSource, FindingState
from compliance.extensions import db
from inspections.models import Inspection, InspectionAnswer
from tests.conftest import api_token

from .helpers import TEMPLATES, answers, body, submit

STAFF = TEMPLATES["staff_conduct"]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def inspector(client, world):
    return api_token(client, "inspector")


def test_a_failure_makes_a_finding_and_scores_100_minus_points(client, inspector, world):
    response = submit(client, inspector, fail=("ten_prohibitions.10", "behaviour.both_hands"))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["score"] == 100 - 10 - 1
    assert sorted((f["item"], f["points"]) for f in made["findings"]) == [
        ("behaviour.both_hands", 1), ("ten_prohibitions.10", 10)]
    finding = db.session.get(Finding, next(f["id"] for f in made["findings"]
                                           if f["item"] == "ten_prohibitions.10"))
    assert finding.staff_id == world.alice.id and finding.window_id == world.win1.id
    assert finding.source is FindingSource.patrol
    assert finding.source_ref == f"inspection:{made['id']}"
    assert finding.note == "现场发现问题"
    assert finding.ten_prohibitions and finding.bars_quarterly and finding.bars_annual
    assert finding.disqualifier == "bribery" and finding.severity.value == "critical"
    assert finding.item_text_zh == "不准吃拿卡要、违规操作"
    inspection = db.session.get(Inspection, made["id"])
    assert (inspection.passed, inspection.failed, inspection.not_applicable) == (
        len(answers(gender="F")) - 2, 2, 0)
    assert inspection.template.version == 1 and inspection.inspector_name == "inspector"
    # The staff member's finding list shows it (GET /findings).
    listed = client.get("/api/v1/findings?staff_no=S1", headers=inspector).get_json()["items"]
    assert {f["item"] for f in listed} == {"ten_prohibitions.10", "behaviour.both_hands"}


def test_not_applicable_items_are_excluded_and_the_score_never_goes_below_zero(
        client, inspector, world):
    na = ("dress.any.substitute_formal", "posture.walk_company")
    every = [a["item"] for a in answers(gender="F") if a["item"] not in na]
    response = submit(client, inspector, fail=every, na=na)
    made = response.get_json()
    assert response.status_code == 201 and made["score"] == 0, made
    inspection = db.session.get(Inspection, made["id"])
    assert inspection.failed_points == sum(STAFF.item(code).points for code in every) > 100
    assert (inspection.failed, inspection.not_applicable, inspection.answered) == (
        len(every), 2, len(every))
    # N/A costs nothing: one minor failure among N/As scores 99.
    one = submit(client, inspector, na=na, fail=("posture.sit",)).get_json()
    assert one["score"] == 100 - STAFF.item("posture.sit").points == 99


@pytest.mark.parametrize("staff_no, gender, other", [("S1", "F", "M"), ("S2", "M", "F")])
def test_gender_specific_items_follow_the_person(client, inspector, world, staff_no, gender,
                                                 other):
    ok = submit(client, inspector, staff_no=staff_no, gender=gender)
    assert ok.status_code == 201, ok.get_json()
    stored = {a.item_code for a in db.session.get(Inspection, ok.get_json()["id"]).answers}
    assert stored == {i.code for i in STAFF.items if i.applies_to in ("any", gender)}
    # Answering the other gender's checklist: its items do not apply, its own are missing.
    wrong = submit(client, inspector, staff_no=staff_no, gender=other)
    error = wrong.get_json()["error"]
    assert wrong.status_code == 400
    other_only = [i for i, a in enumerate(answers(gender=other))
                  if STAFF.item(a["item"]).applies_to == other]
    assert f"answers.{other_only[0]}.item" in error["fields"]
    assert "answers" in error["fields"]  # this person's items are missing
    assert count(Inspection) == 1


def test_the_same_submit_sent_twice_makes_one_inspection(client, inspector, world):
    data = body(fail=("behaviour.pause_sign",), client_id="tablet-0001-abcdef")
    first = client.post("/api/v1/inspections", headers=inspector, json=data)
    again = client.post("/api/v1/inspections", headers=inspector, json=data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["findings"] == again.get_json()["findings"]
    assert count(Inspection) == 1 and count(Finding) == 1
    # The same id with other content is a client bug, not a retry: refused, nothing stored.
    other = dict(data, answers=answers(gender="F", fail=("behaviour.farewell",)))
    clash = client.post("/api/v1/inspections", headers=inspector, json=other)
    assert clash.status_code == 409
    assert clash.get_json()["error"]["code"] == "client_id_reused"
    assert count(Inspection) == 1 and count(Finding) == 1


def test_window_checklist_without_a_person_is_against_the_window(client, inspector, world):
    response = submit(client, inspector, template="window_desk", staff_no=None, gender=None,
                      fail=("desk.work.no_private_items",))
    assert response.status_code == 201, response.get_json()
    finding = db.session.get(Finding, response.get_json()["findings"][0]["id"])
    assert finding.staff_id is None and finding.window_id == world.win1.id
    assert finding.department_id == world.dept1.id
    # A help-area (place) checklist never names a person.
    place = submit(client, inspector, template="help_area", staff_no="S1", gender=None)
    assert place.status_code == 400 and "staff_no" in place.get_json()["error"]["fields"]


BAD = [
    ({"answers": [{"item": "no.such_item", "result": "pass"}]}, "answers.0.item"),
    ({"template": "nope"}, "template"),
    ({"template_version": 7}, "template"),
    ({"window_code": "ZZ9"}, "window_code"),
    ({"staff_no": "S9"}, "staff_no"),  # another centre's person: unknown here
    ({"staff_no": None, "window_code": "A01"}, "staff_no"),  # a person checklist needs one
    ({"at": "2099-01-01T09:00:00+08:00"}, "at"),
    ({"at": "2026-03-02T10:00:00"}, "at"),  # no offset
    ({"task_id": 999}, "task_id"),
    ({"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize("change, field", BAD, ids=[f for _, f in BAD])
def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(
        client, inspector, world, change, field):
    data = body(fail=("behaviour.both_hands",))
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        elif key == "answers":
            data["answers"] = value + data["answers"]
        else:
            data[key] = value
    response = client.post("/api/v1/inspections", headers=inspector, json=data)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert count(Inspection) == count(InspectionAnswer) == count(Finding) == 0


def test_unknown_item_codes_are_named_in_the_error(client, inspector, world):
    data = body()
    replaced = data["answers"][3]["item"]
    data["answers"][3]["item"] = "ten_prohibitions.11"
    error = client.post("/api/v1/inspections", headers=inspector, json=data).get_json()["error"]
    assert "ten_prohibitions.11" in error["fields"]["answers.3.item"]
    assert replaced in error["fields"]["answers"]  # the item it replaced is now missing
    assert count(Inspection) == 0


def test_a_failure_needs_a_note_and_items_are_answered_once(client, inspector, world):
    data = body()
    data["answers"][0] = {"item": data["answers"][0]["item"], "result": "fail"}
    data["answers"].append(dict(data["answers"][1]))
    error = client.post("/api/v1/inspections", headers=inspector, json=data).get_json()["error"]
    assert set(error["fields"]) == {"answers.0.note", f"answers.{len(data['answers']) - 1}.item"}
    assert count(Inspection) == 0


def test_an_inspection_is_read_back_with_its_answers(client, inspector, world):
    made = submit(client, inspector, fail=("posture.sit",)).get_json()
    read = client.get(f"/api/v1/inspections/{made['id']}", headers=inspector).get_json()
    assert read["score"] == 99 and read["staff_no"] == "S1" and read["window_code"] == "A01"
    assert {"item": "posture.sit", "result": "fail", "note": "现场发现问题",
            "finding_id": made["findings"][0]["id"]} in read["answers"]
    listed = client.get("/api/v1/inspections?staff_no=S1&from=2026-03-02&to=2026-03-02",
                        headers=inspector).get_json()["items"]
    assert [i["id"] for i in listed] == [made["id"]]
    assert client.get("/api/v1/inspections?from=2026-03-03", headers=inspector) \
        .get_json()["items"] == []


def test_a_finding_overturned_on_appeal_no_longer_counts(client, inspector, world):
    import time_machine
    from datetime import datetime, timezone

    from compliance.scoring.engine import FindingInput, daily_score
    from compliance.scoring.rulebook import Rules

    from inspections.operations import inspection_tallies

    made = submit(client, inspector, fail=("ten_prohibitions.01",)).get_json()
    finding_id = made["findings"][0]["id"]
    rules = Rules.default()

    def standing_score():
        finding = db.session.get(Finding, finding_id)
        db.session.refresh(finding)
        as_input = FindingInput(id=finding.id, date=finding.day, points=finding.points,
                                source=finding.source.value, item_code=finding.item_code,
                                severity=finding.severity.value, state=finding.state.value,
                                ten_prohibitions=finding.ten_prohibitions)
        return daily_score(rules, "S1", finding.day, [], [as_input]).total

    def tally():
        (one,) = inspection_tallies(world.a.id, db.session.get(Finding, finding_id).day,
                                    db.session.get(Finding, finding_id).day,
                                    [world.alice.id])[world.alice.id]
        return one.passed, one.answered

    answered = len(answers(gender="F"))
    assert standing_score() == 95 and tally() == (answered - 1, answered)
    staff = api_token(client, "staff_alice")
    with time_machine.travel(datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)):
        appealed = client.post(f"/api/v1/findings/{finding_id}/appeal", headers=staff,
                               json={"reason": "当时在帮办区协助群众"})
    assert appealed.status_code == 200, appealed.get_json()
    hr = api_token(client, "hr_a")
    decided = client.post(f"/api/v1/findings/{finding_id}/decision", headers=hr,
                          json={"upheld": False, "reason": "监控显示在帮办区"}).get_json()
    assert decided["state"] == "overturned"
    assert db.session.get(Finding, finding_id).state is FindingState.overturned
    assert standing_score() == 100  # the overturned finding counts for nothing
    # The inspection tally counts the cleared item as passed (service norms, SPEC §7).
    assert tally() == (answered, answered)
