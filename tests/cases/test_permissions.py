"""Who may do what with reviews, bad-review cases and complaints, over HTTP for every role.
The complaint and the bad review concern carol (unit SW, led by lead_sw) in centre A."""
import pytest
import sqlalchemy as sa

from compliance.cases.models import Complaint, Review
from compliance.extensions import db
from tests.conftest import api_token, csrf_token, login

from .helpers import complaint, review

USERS = ["staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root"]

# username → (sees the complaint/case, may receive complaints & reviews, may move a
# received complaint to assigned, may investigate/conclude)
MATRIX = {
    "staff_alice": (False, False, False, False),
    "staff_carol": (True, False, False, False),
    "inspector": (False, False, False, False),
    "lead_sw": (True, False, False, True),
    "hr_a": (True, True, True, True),
    "admin_a": (True, True, True, True),
    "hr_b": (False, True, False, False),
    "root": (True, True, True, True),
}


@pytest.mark.parametrize("username", USERS)
def test_view(client, world, username):
    sees = MATRIX[username][0]
    made, bad = complaint(world), review(world, level=1)
    headers = api_token(client, username)
    for path in (f"/api/v1/complaints/{made.id}", f"/api/v1/cases/{bad.case.id}",
                 f"/api/v1/reviews/{bad.id}"):
        assert client.get(path, headers=headers).status_code == (200 if sees else 403), path
    for path, ident in (("/api/v1/complaints", made.id), ("/api/v1/cases", bad.case.id),
                        ("/api/v1/reviews", bad.id)):
        items = client.get(path, headers=headers).get_json()["items"]
        assert ([i["id"] for i in items] == [ident]) is sees, path
    login(client, username)
    expected = 200 if sees else 403
    assert client.get(f"/cases/complaints/{made.id}").status_code == expected
    assert client.get(f"/cases/reviews/{bad.case.id}").status_code == expected
    board = client.get("/cases")
    if username == "inspector":
        assert board.status_code == 403
    else:
        assert board.status_code == 200
        assert (f"/cases/complaints/{made.id}" in board.get_data(as_text=True)) is sees


@pytest.mark.parametrize("username", USERS)
def test_intake(client, world, username):
    may = MATRIX[username][1]
    headers = api_token(client, username)
    complaint_status = client.post("/api/v1/complaints", headers=headers, json={
        "channel": "on_site", "staff_no": "S3", "category": "attitude",
        "text": "态度差"}).status_code
    review_status = client.post("/api/v1/reviews", headers=headers, json={
        "staff_no": "S3", "at": "2026-03-02T10:00:00+08:00", "level": 2, "channel": "qr",
        "real_name": False}).status_code
    if username == "hr_b":  # HR of the other centre: carol is unknown there
        assert (complaint_status, review_status) == (400, 400)
    else:
        assert (complaint_status, review_status) == ((201, 201) if may else (403, 403))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
    assert count == (1 if may and username != "hr_b" else 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == count
    login(client, username)
    pages = [client.get(p).status_code for p in ("/cases/complaints/new", "/reviews/new",
                                                  "/reviews/import")]
    assert pages == ([200] * 3 if may else [403] * 3)


@pytest.mark.parametrize("username", USERS)
def test_transitions(client, world, username):
    sees, _, may_assign, may_handle = MATRIX[username]
    made = complaint(world)
    headers = api_token(client, username)
    response = client.post(f"/api/v1/complaints/{made.id}/transition", headers=headers,
                           json={"to": "assigned", "note": "x"})
    assert response.status_code == (200 if may_assign else 403), response.get_json()
    if not may_assign:
        from .helpers import advance
        from compliance.cases.models import ComplaintState

        advance(made, world.users.hr, ComplaintState.assigned)
    response = client.post(f"/api/v1/complaints/{made.id}/transition", headers=headers,
                           json={"to": "investigating", "note": "x"})
    assert response.status_code == (200 if may_handle else 403)
    bad = review(world, level=1)
    response = client.post(f"/api/v1/cases/{bad.case.id}/conclude", headers=headers,
                           json={"conclusion": "unsubstantiated", "note": "x"})
    assert response.status_code == (200 if may_handle else 403)
    assert sees or not may_handle


@pytest.mark.parametrize("username, status", [
    ("staff_alice", 403), ("inspector", 403), ("lead_sw", 403), ("hr_a", 403),
    ("admin_a", 200), ("root", 200)])
def test_calendar_page_is_for_admins(client, world, username, status):
    login(client, username)
    assert client.get("/calendar").status_code == status


def test_transition_form_posted_by_staff_is_refused(client, world):
    made = complaint(world)
    login(client, "staff_carol")
    token = csrf_token(client, f"/cases/complaints/{made.id}")
    response = client.post(f"/cases/complaints/{made.id}", data={
        "csrf_token": token, "to": "assigned", "note": "x", "action": "transition"})
    assert response.status_code == 403
