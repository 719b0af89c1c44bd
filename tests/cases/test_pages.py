"""The pages: HR follows a complaint from intake to closing and a bad review through its
case, with the forms each role is offered; the board's countdowns and filters."""
import re
from datetime import datetime, timezone

import time_machine

from compliance.cases.models import Complaint, ComplaintState, ReviewCaseState
from compliance.extensions import db
from tests.conftest import csrf_token, login

from .helpers import complaint, review

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_hr_follows_a_complaint_from_intake_to_closing(client, world):
    with time_machine.travel(MONDAY):
        login(client, "hr_a")
        response = _post(client, "/cases/complaints/new", {
            "channel": "comment_book", "category": "attitude", "staff_no": "S3",
            "window_code": "", "complainant": "赵六", "contact": "13512345678",
            "received_at": "", "text": "意见簿:窗口人员态度冷淡"})
        assert response.status_code == 302, response.get_data(as_text=True)
        made = db.session.scalars(db.select(Complaint)).one()
        path = f"/cases/complaints/{made.id}"
        assert made.received_on.isoformat() == "2026-03-02" and made.assign_due.isoformat() == \
            "2026-03-03"
        for target, extra in (("assigned", {"assignee": "lead_sw"}), ("investigating", {}),
                              ("concluded", {"conclusion": "unsubstantiated"}),
                              ("answered", {}), ("closed", {})):
            page = client.get(path).get_data(as_text=True)
            assert f'name="to" type="hidden" value="{target}"' in page, target
            response = _post(client, path, {"to": target, "note": f"{target} 备注", **extra})
            assert response.status_code == 302, (target, response.get_data(as_text=True))
        db.session.expire_all()
        assert made.state is ComplaintState.closed and made.feedback == "answered 备注"
        page = client.get(path).get_data(as_text=True)
        assert all(f"{t} 备注" in page for t in ("assigned", "investigating", "concluded",
                                                 "answered", "closed"))
        assert 'name="to"' not in page


def test_a_stale_form_is_refused_with_409(client, world):
    made = complaint(world)
    login(client, "hr_a")
    path = f"/cases/complaints/{made.id}"
    assert _post(client, path, {"to": "assigned", "note": "x", "assignee": "hr_a"}).status_code \
        == 302
    response = _post(client, path, {"to": "assigned", "note": "again", "assignee": "hr_a"})
    assert response.status_code == 409
    db.session.expire_all()
    assert len(made.steps) == 2


def test_bad_review_case_through_the_page(client, world):
    made = review(world, level=2)
    path = f"/cases/reviews/{made.case.id}"
    login(client, "lead_sw")
    page = client.get(path).get_data(as_text=True)
    assert "follow_up-note" in page and "conclude-conclusion" in page
    assert _post(client, path, {"follow_up-action": "follow_up",
                                "follow_up-note": "电话回访,属实"}).status_code == 302
    assert _post(client, path, {"conclude-action": "conclude", "conclude-conclusion": "malicious",
                                "conclude-note": "同行恶意评价"}).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "approval-decision" not in page  # the unit lead cannot approve
    hr = client.application.test_client()
    login(hr, "hr_a")
    assert "approval-decision" in hr.get(path).get_data(as_text=True)
    response = hr.post(path, data={"csrf_token": csrf_token(hr, path),
                                   "approval-action": "approval",
                                   "approval-decision": "approve", "approval-note": "同意"})
    assert response.status_code == 302
    db.session.expire_all()
    assert made.case.state is ReviewCaseState.concluded and made.excluded


def test_staff_sees_their_case_without_forms_and_masked(client, world):
    made = complaint(world, complainant="张三丰", contact="13812345678")
    login(client, "staff_carol")
    page = client.get(f"/cases/complaints/{made.id}").get_data(as_text=True)
    assert "张**" in page and 'name="to"' not in page
    board = client.get("/cases").get_data(as_text=True)
    assert f"/cases/complaints/{made.id}" in board
    other = client.application.test_client()
    login(other, "staff_alice")
    assert f"/cases/complaints/{made.id}" not in other.get("/cases").get_data(as_text=True)


def test_board_countdown_overdue_and_filters(client, world):
    overdue = complaint(world)  # assignment was due 14 Feb
    bad = review(world, level=1, staff=world.alice)
    with time_machine.travel(datetime(2026, 2, 24, 2, 0, tzinfo=timezone.utc)):
        login(client, "hr_a")
        board = client.get("/cases").get_data(as_text=True)
        rows = re.findall(r'<tr class="([^"]*)" data-kind="(\w+)">', board)
        assert ("is-overdue", "complaint") in rows and ("is-overdue", "review") in rows
        assert "due overdue" in board
        only_complaints = client.get("/cases?kind=complaint").get_data(as_text=True)
        assert f"/cases/reviews/{bad.case.id}" not in only_complaints
        assert f"/cases/complaints/{overdue.id}" in only_complaints
        dept = client.get(f"/cases?department={world.dept1.id}").get_data(as_text=True)
        assert f"/cases/reviews/{bad.case.id}" in dept
        assert f"/cases/complaints/{overdue.id}" not in dept
    with time_machine.travel(datetime(2026, 2, 13, 3, 0, tzinfo=timezone.utc)):
        fresh = client.application.test_client()
        login(fresh, "hr_a")
        assert "is-overdue" not in fresh.get("/cases?overdue=1").get_data(as_text=True)
        board = fresh.get("/cases").get_data(as_text=True)
        assert "is-overdue" not in board and "due overdue" not in board
