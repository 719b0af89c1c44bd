"""Findings: recording, the appeal deadline in working days, HR's decision, and who sees what."""
from datetime import date, datetime, timezone

import pytest
import time_machine

from compliance.cases.calendar import add_working_days_by_rule
from compliance.conduct import operations
from compliance.conduct.models import FindingSource, FindingState, Severity
from compliance.extensions import db
from tests.conftest import api_token

ITEM = operations.FindingItem(code="ten_prohibitions.01", text_zh="不准无故离岗、随意串岗",
                              text_en="No leaving the post without reason", category="ten_prohibitions",
                              severity=Severity.major, points=5, ten_prohibitions=True,
                              bars_quarterly=True, bars_annual=True,
                              disqualifier="unauthorised_absence")
# Friday 2026-02-13, the last working day before the 2026 Spring Festival break
# (2026-02-15 … 2026-02-23 off; Saturday 2026-02-14 and 2026-02-28 are make-up working days).
FRIDAY_BEFORE_FESTIVAL = datetime(2026, 2, 13, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


def _record(world, at=FRIDAY_BEFORE_FESTIVAL, staff=None):
    finding = operations.record_finding(centre=world.a, item=ITEM, at=at,
                                        source=FindingSource.patrol, source_ref="test:1",
                                        staff=staff or world.alice, note="座位无人")
    db.session.commit()
    return finding


def test_appeal_deadline_counts_make_up_days_and_skips_the_festival():
    assert add_working_days_by_rule(date(2026, 2, 13), 3, {}) == date(2026, 2, 25)
    # An admin override for a day the package does not know is honoured.
    assert add_working_days_by_rule(date(2027, 1, 1), 1, {date(2027, 1, 4): False}) == \
        date(2027, 1, 5)


def test_record_sets_day_department_window_and_deadline(app_ctx, world):
    finding = _record(world)
    assert finding.day == date(2026, 2, 13)
    assert finding.department_id == world.dept1.id and finding.window_id == world.win1.id
    # Saturday 14th is a make-up working day, then the festival: 14, 24, 25.
    assert finding.appeal_due == date(2026, 2, 25)
    assert [s.action for s in finding.steps] == ["recorded"]


def test_appeal_then_overturn_via_api(client, world):
    finding = _record(world)
    staff = api_token(client, "staff_alice")
    with time_machine.travel(datetime(2026, 2, 24, 3, 0, tzinfo=timezone.utc)):
        response = client.post(f"/api/v1/findings/{finding.id}/appeal", headers=staff,
                                json={"reason": "当时在帮办区协助群众"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "appealed"
    # The person cannot decide their own appeal; HR can.
    assert client.post(f"/api/v1/findings/{finding.id}/decision", headers=staff,
                       json={"upheld": False, "reason": "x"}).status_code == 403
    hr = api_token(client, "hr_a")
    response = client.post(f"/api/v1/findings/{finding.id}/decision", headers=hr,
                           json={"upheld": False, "reason": "监控证实在帮办区"})
    body = response.get_json()
    assert body["state"] == "overturned"
    assert [s["action"] for s in body["steps"]] == ["recorded", "appealed", "overturned"]
    db.session.expire_all()
    assert not finding.is_standing
    # A decided finding cannot be decided again.
    again = client.post(f"/api/v1/findings/{finding.id}/decision", headers=hr,
                        json={"upheld": True, "reason": "x"})
    assert again.status_code == 409


def test_appeal_after_deadline_refused(client, world):
    finding = _record(world)
    staff = api_token(client, "staff_alice")
    with time_machine.travel(datetime(2026, 2, 26, 3, 0, tzinfo=timezone.utc)):
        response = client.post(f"/api/v1/findings/{finding.id}/appeal", headers=staff,
                               json={"reason": "太晚了"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "deadline_passed"
    db.session.expire_all()
    assert finding.state is FindingState.open


@pytest.mark.parametrize("username, expected", [
    ("staff_alice", 200), ("staff_carol", 403), ("lead_sw", 403), ("inspector", 200),
    ("hr_a", 200), ("hr_b", 403), ("root", 200)])
def test_who_sees_a_finding(client, world, username, expected):
    finding = _record(world)
    headers = api_token(client, username)
    assert client.get(f"/api/v1/findings/{finding.id}", headers=headers).status_code == expected
    listed = client.get("/api/v1/findings", headers=headers).get_json()["items"]
    assert (finding.id in [f["id"] for f in listed]) == (expected == 200)


def test_only_the_person_concerned_appeals(client, world):
    finding = _record(world)
    hr = api_token(client, "hr_a")
    response = client.post(f"/api/v1/findings/{finding.id}/appeal", headers=hr,
                           json={"reason": "代为申诉"})
    assert response.status_code == 403
    empty = client.post(f"/api/v1/findings/{finding.id}/appeal",
                        headers=api_token(client, "staff_alice"), json={"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.get_json()["error"]["fields"]
