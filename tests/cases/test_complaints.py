"""The complaint state machine over the API: every illegal move refused (409, nothing
changed), the legal path with each step's who/when/note, and the finding of a substantiated
conclusion with the honour flags of the rulebook."""
from datetime import date

import pytest
import sqlalchemy as sa

from compliance.cases.models import CaseStep, Complaint, ComplaintCategory, ComplaintState
from compliance.conduct.models import Finding
from compliance.extensions import db
from tests.conftest import api_token

from .helpers import advance, complaint

STATES = list(ComplaintState)


def _snapshot(made: Complaint) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Complaint, made.id)
    steps = db.session.scalar(sa.select(sa.func.count()).select_from(CaseStep).where(
        CaseStep.complaint_id == made.id))
    return fresh.state, fresh.conclusion, fresh.assignee_id, fresh.feedback, steps


@pytest.mark.parametrize("start", STATES, ids=[s.value for s in STATES])
def test_every_illegal_transition_is_refused_and_changes_nothing(client, world, start):
    made = advance(complaint(world), world.users.hr, start)
    hr = api_token(client, "hr_a")
    for target in STATES:
        if start.may_become(target):
            continue
        before = _snapshot(made)
        body = {"to": target.value, "note": "试图跳步"}
        if target is ComplaintState.concluded:
            body["conclusion"] = "substantiated"
        response = client.post(f"/api/v1/complaints/{made.id}/transition", headers=hr,
                               json=body)
        assert response.status_code == 409, (start, target, response.get_json())
        assert response.get_json()["error"]["code"] == "illegal_state"
        assert _snapshot(made) == before, (start, target)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 0


def test_the_legal_moves_are_exactly_one_step_each():
    legal = {(a, b) for a in STATES for b in STATES if a.may_become(b)}
    assert legal == {(ComplaintState.received, ComplaintState.assigned),
                     (ComplaintState.assigned, ComplaintState.investigating),
                     (ComplaintState.investigating, ComplaintState.concluded),
                     (ComplaintState.concluded, ComplaintState.answered),
                     (ComplaintState.answered, ComplaintState.closed)}


def test_from_intake_to_closing_via_the_api(client, world):
    hr = api_token(client, "hr_a")
    response = client.post("/api/v1/complaints", headers=hr, json={
        "channel": "hotline_12345", "staff_no": "S3", "category": "citizen_conflict",
        "text": "与群众发生争吵", "complainant": "王小明", "contact": "13812345678",
        "received_at": "2026-02-13T10:00:00+08:00"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "received" and body["due"] == "2026-02-14"
    assert body["dues"] == {"assign": "2026-02-14", "conclude": "2026-02-27",
                            "answer": "2026-03-02", "close": "2026-03-05"}
    assert body["complainant"] == "王小明" and body["contact"] == "13812345678"
    url = f"/api/v1/complaints/{body['id']}/transition"
    steps = [({"to": "assigned", "note": "交税务窗口首席代表", "assignee": "lead_sw"}, "2026-02-27"),
             ({"to": "investigating", "note": "调取监控"}, "2026-02-27"),
             ({"to": "concluded", "conclusion": "substantiated", "note": "监控证实争吵"},
              "2026-03-02"),
             ({"to": "answered", "note": "已电话告知投诉人处理结果"}, "2026-03-05"),
             ({"to": "closed", "note": "归档"}, None)]
    for payload, due in steps:
        response = client.post(url, headers=hr, json=payload)
        assert response.status_code == 200, (payload, response.get_json())
        assert response.get_json()["due"] == due
    body = response.get_json()
    assert body["state"] == "closed" and body["assignee"] == "lead_sw"
    assert body["conclusion"] == "substantiated"
    assert body["feedback"] == "已电话告知投诉人处理结果"
    assert [s["to"] for s in body["steps"]] == [
        "received", "assigned", "investigating", "concluded", "answered", "closed"]
    assert all(s["actor"] == "hr_a" for s in body["steps"][1:])
    assert body["steps"][3]["note"] == "监控证实争吵"
    finding = db.session.get(Finding, body["finding_id"])
    assert finding.source.value == "complaint" and finding.category == "complaint"
    assert finding.staff_id == world.carol.id and finding.points == 20
    assert finding.bars_quarterly and finding.bars_annual
    # The most specific seed-003 entry of the rulebook wins.
    assert finding.disqualifier == "citizen_conflict"
    assert finding.source_ref == f"complaint:{body['id']}"


@pytest.mark.parametrize("conclusion, finding, key", [
    ("substantiated", True, "substantiated_complaint"), ("partly", True,
                                                         "substantiated_complaint"),
    ("unsubstantiated", False, None), ("misunderstanding", False, None)])
def test_finding_only_on_substantiated_outcomes(client, world, conclusion, finding, key):
    made = advance(complaint(world), world.users.hr, ComplaintState.investigating)
    hr = api_token(client, "hr_a")
    response = client.post(f"/api/v1/complaints/{made.id}/transition", headers=hr, json={
        "to": "concluded", "conclusion": conclusion, "note": "调查完毕"})
    assert response.status_code == 200
    finding_id = response.get_json()["finding_id"]
    assert (finding_id is not None) == finding
    if finding:
        assert db.session.get(Finding, finding_id).disqualifier == key


def test_bribery_makes_a_critical_finding(app_ctx, world):
    made = complaint(world, category=ComplaintCategory.bribery)
    from compliance.cases.models import ComplaintConclusion

    advance(made, world.users.hr, ComplaintState.concluded, ComplaintConclusion.partly)
    finding = db.session.get(Finding, made.finding_id)
    assert finding.severity.value == "critical" and finding.disqualifier == "bribery"


def test_window_only_complaint_makes_a_window_finding(app_ctx, world):
    from compliance.cases.models import ComplaintConclusion

    made = complaint(world, window=world.win2)
    assert made.staff_id is None and made.department_id == world.dept2.id
    advance(made, world.users.hr, ComplaintState.concluded, ComplaintConclusion.substantiated)
    finding = db.session.get(Finding, made.finding_id)
    assert finding.staff_id is None and finding.window_id == world.win2.id


@pytest.mark.parametrize("payload, field", [
    ({"to": "concluded", "note": "x"}, "conclusion"),
    ({"to": "concluded", "conclusion": "substantiated", "note": ""}, "note"),
    ({"to": "concluded", "conclusion": "maybe", "note": "x"}, "conclusion"),
    ({"to": "nowhere", "note": "x"}, "to"),
])
def test_bad_conclusion_input_is_refused(client, world, payload, field):
    made = advance(complaint(world), world.users.hr, ComplaintState.investigating)
    before = _snapshot(made)
    response = client.post(f"/api/v1/complaints/{made.id}/transition",
                           headers=api_token(client, "hr_a"), json=payload)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert _snapshot(made) == before


def test_answer_needs_the_feedback(client, world):
    made = advance(complaint(world), world.users.hr, ComplaintState.concluded)
    response = client.post(f"/api/v1/complaints/{made.id}/transition",
                           headers=api_token(client, "hr_a"), json={"to": "answered",
                                                                     "note": " "})
    assert response.status_code == 400 and "note" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("payload, field", [
    ({"channel": "phone", "category": "attitude", "text": "x", "staff_no": "NOPE"}, "staff_no"),
    ({"channel": "phone", "category": "attitude", "text": "x"}, "staff_no"),
    ({"channel": "fax", "category": "attitude", "text": "x", "staff_no": "S3"}, "channel"),
    ({"channel": "phone", "category": "attitude", "text": "x", "staff_no": "S9"}, "staff_no"),
    ({"channel": "phone", "category": "attitude", "text": "x", "window_code": "ZZ"},
     "window_code"),
    ({"channel": "phone", "category": "attitude", "staff_no": "S3"}, "text"),
])
def test_bad_complaint_input_changes_nothing(client, world, payload, field):
    response = client.post("/api/v1/complaints", headers=api_token(client, "hr_a"),
                           json=payload)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_assignee_must_be_able_to_handle_it(client, world):
    made = complaint(world)
    response = client.post(f"/api/v1/complaints/{made.id}/transition",
                           headers=api_token(client, "hr_a"),
                           json={"to": "assigned", "note": "x", "assignee": "staff_alice"})
    assert response.status_code == 400 and "assignee" in response.get_json()["error"]["fields"]
    assert _snapshot(made)[0] is ComplaintState.received


def test_overdue_filter(client, world):
    import time_machine
    from datetime import datetime, timezone

    made = complaint(world)
    hr = api_token(client, "hr_a")
    with time_machine.travel(datetime(2026, 2, 24, 2, 0, tzinfo=timezone.utc)):
        overdue = client.get("/api/v1/complaints?overdue=true", headers=hr).get_json()["items"]
        fine = client.get("/api/v1/complaints?overdue=false", headers=hr).get_json()["items"]
    assert [c["id"] for c in overdue] == [made.id] and fine == []
    assert overdue[0]["deadline"]["overdue"] and overdue[0]["received_at"].startswith("2026-02-13")
    assert date.fromisoformat(overdue[0]["due"]) == date(2026, 2, 14)
