"""Reviews and bad-review cases: intake over the API, bad input refused with nothing
changed, conclusions (finding on substantiated; malicious excluded only after HR approval),
and the real-name follow-up rate with the missing cases listed."""
from datetime import date

import pytest
import sqlalchemy as sa

from compliance.cases.models import CaseStep, Review, ReviewCase
from compliance.conduct.models import Finding
from compliance.extensions import db
from tests.conftest import api_token

from .helpers import review

REVIEW = {"staff_no": "S3", "at": "2026-02-13T10:00:00+08:00", "level": 1,
          "channel": "device", "real_name": True, "comment": "态度差",
          "citizen_name": "李四", "contact": "13900001111"}


def _counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Review, ReviewCase, CaseStep, Finding))


@pytest.mark.parametrize("level, bad", [(5, False), (4, False), (3, False), (2, True),
                                        (1, True)])
def test_post_review_levels(client, world, level, bad):
    response = client.post("/api/v1/reviews", headers=api_token(client, "hr_a"),
                           json={**REVIEW, "level": level, "window_code": "D01"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["bad"] is bad and (body["case_id"] is not None) is bad
    assert body["window_code"] == "D01" and body["day"] == "2026-02-13"
    assert body["level_name"] in ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


@pytest.mark.parametrize("change, field", [
    ({"level": 6}, "level"), ({"level": 0}, "level"), ({"level": "2"}, "level"),
    ({"staff_no": "NOPE"}, "staff_no"), ({"staff_no": "S9"}, "staff_no"),  # other centre
    ({"window_code": "ZZ9"}, "window_code"), ({"at": "2026-02-13T10:00:00"}, "at"),
    ({"channel": "pigeon"}, "channel"), ({"surprise": 1}, "surprise"),
])
def test_bad_review_input_is_refused_with_nothing_changed(client, world, change, field):
    before = _counts()
    response = client.post("/api/v1/reviews", headers=api_token(client, "hr_a"),
                           json={**REVIEW, **change})
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _counts() == before


def test_substantiated_bad_review_makes_a_finding(client, world):
    made = review(world, level=1)
    hr = api_token(client, "hr_a")
    response = client.post(f"/api/v1/cases/{made.case.id}/conclude", headers=hr, json={
        "conclusion": "substantiated", "note": "已批评教育,窗口整改"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "concluded" and body["finding_id"]
    finding = db.session.get(Finding, body["finding_id"])
    assert finding.category == "complaint" and finding.source.value == "complaint"
    assert finding.points == 20 and finding.bars_quarterly and finding.bars_annual
    assert finding.disqualifier == "substantiated_complaint"
    # Concluding again is refused.
    again = client.post(f"/api/v1/cases/{made.case.id}/conclude", headers=hr, json={
        "conclusion": "unsubstantiated", "note": "x"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "illegal_state"
    close = client.post(f"/api/v1/cases/{made.case.id}/close", headers=hr,
                        json={"note": "已向评价人反馈整改情况"})
    assert close.get_json()["state"] == "closed"


def test_unsubstantiated_makes_no_finding(client, world):
    made = review(world, level=2)
    body = client.post(f"/api/v1/cases/{made.case.id}/conclude",
                       headers=api_token(client, "hr_a"),
                       json={"conclusion": "unsubstantiated", "note": "系统故障导致等待"}).get_json()
    assert body["state"] == "concluded" and body["finding_id"] is None


def test_malicious_is_excluded_only_after_hr_approval(client, world):
    made = review(world, level=1)
    case_id = made.case.id
    lead = api_token(client, "lead_sw")
    response = client.post(f"/api/v1/cases/{case_id}/conclude", headers=lead, json={
        "conclusion": "malicious", "note": "评价人承认误点"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "pending_approval"
    assert response.get_json()["excluded"] is False  # still counts
    # The unit lead cannot approve; HR can.
    assert client.post(f"/api/v1/cases/{case_id}/approval", headers=lead, json={
        "approved": True, "note": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, made.id).excluded is False
    hr = api_token(client, "hr_a")
    body = client.post(f"/api/v1/cases/{case_id}/approval", headers=hr, json={
        "approved": True, "note": "录音证实误评"}).get_json()
    assert body["state"] == "concluded" and body["excluded"] is True
    assert body["finding_id"] is None
    assert [s["action"] for s in body["steps"]] == ["opened", "approval_requested", "approved"]


def test_rejected_malicious_conclusion_keeps_the_review_counting(client, world):
    made = review(world, level=1)
    hr = api_token(client, "hr_a")
    client.post(f"/api/v1/cases/{made.case.id}/follow-up", headers=hr,
                json={"note": "已电话联系评价人"})
    client.post(f"/api/v1/cases/{made.case.id}/conclude", headers=hr,
                json={"conclusion": "malicious", "note": "疑似恶意"})
    body = client.post(f"/api/v1/cases/{made.case.id}/approval", headers=hr,
                       json={"approved": False, "note": "证据不足"}).get_json()
    assert body["state"] == "followed_up" and body["conclusion"] is None
    assert body["excluded"] is False
    # Approving again is refused: nothing awaits approval now.
    again = client.post(f"/api/v1/cases/{made.case.id}/approval", headers=hr,
                        json={"approved": True, "note": "x"})
    assert again.status_code == 409


def test_followup_rate_lists_the_missing(client, world):
    followed = review(world, level=1)
    missing = review(world, level=2, staff=world.alice)
    review(world, level=1, real_name=False)  # anonymous: not counted
    review(world, level=5)  # good: no case
    hr = api_token(client, "hr_a")
    assert client.post(f"/api/v1/cases/{followed.case.id}/follow-up", headers=hr,
                       json={"note": "已回访,群众表示理解"}).status_code == 200
    body = client.get("/api/v1/cases/follow-up-rate?from=2026-02-01&to=2026-02-28",
                      headers=hr).get_json()
    assert (body["total"], body["followed"], body["percent"], body["target"]) == (2, 1, 50.0, 100)
    assert body["on_target"] is False
    assert [m["case_id"] for m in body["missing"]] == [missing.case.id]
    # A second follow-up is refused.
    again = client.post(f"/api/v1/cases/{followed.case.id}/follow-up", headers=hr,
                        json={"note": "x"})
    assert again.status_code == 409
    # After the missing one is followed up, the target is reached.
    client.post(f"/api/v1/cases/{missing.case.id}/follow-up", headers=hr, json={"note": "已回访"})
    body = client.get("/api/v1/cases/follow-up-rate?from=2026-02-01&to=2026-02-28",
                      headers=hr).get_json()
    assert body["percent"] == 100.0 and body["on_target"] and body["missing"] == []


def test_followup_rate_page_shows_the_share(client, world):
    from tests.conftest import login

    review(world, level=1)
    login(client, "hr_a")
    page = client.get("/reviews?from=2026-02-01&to=2026-02-28").get_data(as_text=True)
    assert "0.0 %" in page and "not-yet" not in page
    assert "S3" in page


def test_no_real_name_bad_reviews_is_full_rate(app_ctx, world):
    from compliance.cases.operations import followup_rate

    rate = followup_rate(world.users.hr, date(2026, 1, 1), date(2026, 1, 31))
    assert rate.percent == 100.0 and rate.total == 0
