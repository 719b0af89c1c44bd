"""Leave, corrections and temporary absences over HTTP: the API contract (API.md) and the
pages, with the permission matrix (self, other person, other department, other centre) and
bad input that changes nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.attendance.requests import (LeaveRequest, PunchCorrection, RequestState,
                                            TemporaryAbsence)
from compliance.extensions import db
from compliance.notifications import Notification

from ..conftest import api_token, csrf_token, login
from .helpers import DAY, records, roster

LEAVE = {"staff_no": "S1", "type": "sick", "from_date": DAY.isoformat(), "from_session": "am",
         "to_date": DAY.isoformat(), "to_session": "pm", "reason": "发烧"}
CORRECTION = {"staff_no": "S1", "date": DAY.isoformat(), "session": "am", "kind": "in",
              "time": "08:50", "reason": "忘记打卡"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, path, body, headers):
    return client.post(f"/api/v1{path}", json=body, headers=headers)


def test_leave_over_the_api(client, world, factory):
    alice = api_token(client, "staff_alice")
    created = _post(client, "/leave", LEAVE, alice)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["state"], body["staff_no"], body["days"]) == ("pending", "S1", 1.0)
    leave_id = body["id"]
    # Overlap, bad session, unknown staff, another's person: refused, nothing stored.
    for change, field, status in [({}, "from_date", 400), ({"from_session": "noon"},
                                  "from_session", 400), ({"staff_no": "NOPE"}, "staff_no", 400),
                                  ({"staff_no": "S9"}, "staff_no", 400),
                                  ({"type": "holiday"}, "type", 400)]:
        answer = _post(client, "/leave", {**LEAVE, **change}, alice)
        assert answer.status_code == status and field in answer.get_json()["error"]["fields"]
    assert _post(client, "/leave", {**LEAVE, "staff_no": "S3"}, alice).status_code == 403
    assert _count(LeaveRequest) == 1
    # Deciding: staff no, the lead of another department no, HR of another centre 404.
    assert _post(client, f"/leave/{leave_id}/approve", {}, alice).status_code == 403
    lead_sw = api_token(client, "lead_sw")
    assert _post(client, f"/leave/{leave_id}/approve", {}, lead_sw).status_code == 403
    assert _post(client, f"/leave/{leave_id}/approve", {},
                 api_token(client, "hr_b")).status_code == 404
    hr = api_token(client, "hr_a")
    assert _post(client, f"/leave/{leave_id}/reject", {}, hr).status_code == 400  # no reason
    approved = _post(client, f"/leave/{leave_id}/approve", {"reason": "好好休息"}, hr)
    assert approved.get_json()["state"] == "approved"
    assert _post(client, f"/leave/{leave_id}/approve", {}, hr).status_code == 409
    assert _post(client, f"/leave/{leave_id}/reject", {"reason": "x"}, hr).status_code == 409
    # Lists: staff see their own only.
    factory.staff(world.dept1, "S5", name="孙悦")
    _post(client, "/leave", {**LEAVE, "staff_no": "S5"}, hr)
    mine = client.get("/api/v1/leave", headers=alice).get_json()["items"]
    assert [(i["id"], i["state"]) for i in mine] == [(leave_id, "approved")]
    assert len(client.get("/api/v1/leave", headers=hr).get_json()["items"]) == 2
    assert client.get(f"/api/v1/leave/{leave_id}",
                      headers=api_token(client, "staff_carol")).status_code == 403


def test_seconded_leave_over_the_api_rosters_the_substitute(client, world, factory):
    factory.staff(world.dept2, "S4", "F", "seconded", name="周敏")
    roster(world.carol, window=world.win2)
    roster(world.bob, window=world.win1)
    carol = api_token(client, "staff_carol")
    busy = _post(client, "/leave", {**LEAVE, "staff_no": "S3", "substitute_staff_no": "S2"},
                 carol)
    assert busy.status_code == 400 and "substitute_staff_no" in busy.get_json()["error"]["fields"]
    leave_id = _post(client, "/leave", {**LEAVE, "staff_no": "S3"}, carol).get_json()["id"]
    lead = api_token(client, "lead_sw")
    refused = _post(client, f"/leave/{leave_id}/approve", {}, lead)
    assert refused.status_code == 400 and refused.get_json()["error"]["fields"]
    approved = _post(client, f"/leave/{leave_id}/approve", {"substitute_staff_no": "S4"}, lead)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["substitute_staff_no"] == "S4"
    assert records(world.carol)["am"].status.value == "leave"


def test_corrections_over_the_api(client, world):
    roster(world.alice)
    alice = api_token(client, "staff_alice")
    for change, field in [({"time": "25:00"}, "time"), ({"time": "8.50"}, "time"),
                          ({"kind": "both"}, "kind"), ({"session": "pm"}, "time"),
                          ({"date": "2026-02-30"}, "date"), ({"staff_no": "X"}, "staff_no")]:
        answer = _post(client, "/corrections", {**CORRECTION, **change}, alice)
        assert answer.status_code == 400, (change, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], (change, answer.get_json())
    assert _count(PunchCorrection) == 0
    created = _post(client, "/corrections", CORRECTION, alice)
    assert created.status_code == 201 and created.get_json()["state"] == "pending"
    correction_id = created.get_json()["id"]
    assert _post(client, f"/corrections/{correction_id}/approve", {}, alice).status_code == 403
    assert _post(client, f"/corrections/{correction_id}/approve", {},
                 api_token(client, "lead_sw")).status_code == 403
    hr = api_token(client, "hr_a")
    assert _post(client, f"/corrections/{correction_id}/approve", {}, hr).get_json()[
        "state"] == "approved"
    assert _post(client, f"/corrections/{correction_id}/reject", {"reason": "x"},
                 hr).status_code == 409
    assert records(world.alice)["am"].clock_in is not None
    allowance = client.get(f"/api/v1/corrections/allowance?staff_no=S1&date={DAY}",
                           headers=alice).get_json()
    assert (allowance["used"], allowance["cap"], allowance["left"]) == (1, 3, 2)
    items = client.get("/api/v1/corrections", headers=alice).get_json()["items"]
    assert [i["id"] for i in items] == [correction_id]
    assert client.get("/api/v1/corrections", headers=api_token(client, "staff_carol")
                      ).get_json()["items"] == []


def test_over_the_cap_over_the_api_is_a_400_naming_the_date(client, world):
    alice = api_token(client, "staff_alice")
    hr = api_token(client, "hr_a")
    days = [DAY + timedelta(days=n) for n in range(4)]
    ids = []
    for day in days:
        roster(world.alice, day)
        ids.append(_post(client, "/corrections", {**CORRECTION, "date": day.isoformat()},
                         alice).get_json()["id"])
    for correction_id in ids[:3]:
        assert _post(client, f"/corrections/{correction_id}/approve", {}, hr).status_code == 200
    over = _post(client, f"/corrections/{ids[3]}/approve", {}, hr)
    assert over.status_code == 400 and "date" in over.get_json()["error"]["fields"]
    assert db.session.get(PunchCorrection, ids[3]).state is RequestState.pending


def test_absences_over_the_api(client, world):
    alice = api_token(client, "staff_alice")
    started = _post(client, "/absences", {"staff_no": "S1", "at": "2026-03-02T10:00:00+08:00"},
                    alice)
    assert started.status_code == 201, started.get_json()
    absence_id = started.get_json()["id"]
    assert _post(client, "/absences", {"staff_no": "S1"}, alice).status_code == 409
    assert _post(client, "/absences", {"staff_no": "S3"}, alice).status_code == 403
    assert _post(client, f"/absences/{absence_id}/end", {"at": "2026-03-02T09:00:00+08:00"},
                 alice).status_code == 400
    assert _post(client, f"/absences/{absence_id}/end", {},
                 api_token(client, "staff_carol")).status_code == 403
    ended = _post(client, f"/absences/{absence_id}/end", {"at": "2026-03-02T10:11:00+08:00"},
                  alice)
    assert ended.get_json()["minutes"] == 11 and ended.get_json()["lead_told"] is True
    # Department ZH has no unit lead: HR of the centre is told, once.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == world.users.hr.id)) == 1
    lead_items = client.get("/api/v1/absences", headers=api_token(client, "lead_sw")).get_json()
    assert lead_items["items"] == []


# --- pages ------------------------------------------------------------------------------------

PAGES = ["/attendance/leave", "/attendance/leave/new", "/attendance/corrections",
         "/attendance/corrections/new", "/attendance/approvals", "/attendance/away",
         "/attendance/absences"]


@pytest.mark.parametrize("username, allowed", [
    ("staff_alice", {"/attendance/leave", "/attendance/leave/new", "/attendance/corrections",
                     "/attendance/corrections/new", "/attendance/away"}),
    ("inspector", {"/attendance/absences"}),
    ("lead_sw", set(PAGES) - {"/attendance/away"}),
    ("hr_a", set(PAGES) - {"/attendance/away"}),
])
def test_page_permissions(client, world, username, allowed):
    login(client, username)
    for path in PAGES:
        status = client.get(path).status_code
        assert status == (200 if path in allowed else 403), (username, path, status)


def _form(client, path):
    return csrf_token(client, path)  # one token per session, good for every form


def test_leave_pages_file_show_and_decide(client, world, factory):
    erin = factory.staff(world.dept2, "S4", "F", "seconded", name="周敏")
    roster(world.carol, window=world.win2)
    roster(world.bob, window=world.win1)
    login(client, "staff_carol")
    query = f"?staff_no=S3&from_date={DAY}&to_date={DAY}&from_session=am&to_session=pm"
    page = client.get("/attendance/leave/new" + query).data.decode()
    substitutes = re.findall(r'<option value="(S\d)"', page.split("substitute_staff_no")[-1])
    assert "S4" in substitutes and "S2" not in substitutes  # bob is rostered: not free
    assert client.get("/attendance/leave/new" + query + "&type=holiday").status_code == 200
    token = _form(client, "/attendance/leave/new")
    form = {"csrf_token": token, "staff_no": "S3", "type": "annual", "from_date": DAY.isoformat(),
            "from_session": "am", "to_date": DAY.isoformat(), "to_session": "pm",
            "substitute_staff_no": "S4", "reason": "年假"}
    bad = client.post("/attendance/leave/new", data={**form, "to_date": "2026-03-01"})
    assert bad.status_code == 400 and _count(LeaveRequest) == 0
    assert client.post("/attendance/leave/new", data=form).status_code == 302
    request = db.session.scalars(sa.select(LeaveRequest)).one()
    assert (request.substitute_id, request.state) == (erin.id, RequestState.pending)
    detail = f"/attendance/leave/{request.id}"
    assert client.get(detail).status_code == 200
    decide = {"csrf_token": csrf_token(client, detail), f"leave{request.id}-action": "approve",
              f"leave{request.id}-csrf_token": csrf_token(client, detail)}
    assert client.post(f"{detail}/decide", data=decide).status_code == 403  # staff: no
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "staff_alice")
    assert client.get(detail).status_code == 403  # another person
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "hr_b")
    assert client.get(detail).status_code == 404  # another centre
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "lead_sw")
    queue = client.get("/attendance/approvals").data.decode()
    assert f'data-id="{request.id}"' in queue
    token = csrf_token(client, "/attendance/approvals")
    answer = client.post(f"{detail}/decide", data={
        f"leave{request.id}-csrf_token": token, f"leave{request.id}-action": "approve",
        f"leave{request.id}-next": "/attendance/approvals",
        f"leave{request.id}-substitute_staff_no": "S4", f"leave{request.id}-note": "同意"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        "/attendance/approvals")
    db.session.expire_all()
    assert db.session.get(LeaveRequest, request.id).state is RequestState.approved
    assert records(world.carol)["pm"].status.value == "leave"


def test_correction_pages_show_the_cap_and_reject_with_a_reason(client, world):
    roster(world.alice)
    login(client, "staff_alice")
    page = client.get("/attendance/corrections/new").data.decode()
    assert 'data-used="0" data-cap="3"' in page
    token = _form(client, "/attendance/corrections/new")
    form = {"csrf_token": token, "staff_no": "S1", "date": DAY.isoformat(), "session": "am",
            "kind": "in", "time": "08:50", "reason": "忘记打卡"}
    bad = client.post("/attendance/corrections/new", data={**form, "time": "15:00"})
    assert bad.status_code == 400 and _count(PunchCorrection) == 0
    assert client.post("/attendance/corrections/new", data=form).status_code == 302
    correction = db.session.scalars(sa.select(PunchCorrection)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "hr_a")
    detail = f"/attendance/corrections/{correction.id}"
    token = csrf_token(client, detail)
    prefix = f"corr{correction.id}"
    no_reason = client.post(f"{detail}/decide", data={f"{prefix}-csrf_token": token,
                                                      f"{prefix}-action": "reject"})
    assert no_reason.status_code == 303
    db.session.expire_all()
    assert db.session.get(PunchCorrection, correction.id).state is RequestState.pending
    client.post(f"{detail}/decide", data={f"{prefix}-csrf_token": token,
                                          f"{prefix}-action": "reject",
                                          f"{prefix}-note": "无打卡记录"})
    db.session.expire_all()
    assert db.session.get(PunchCorrection, correction.id).state is RequestState.rejected


def test_away_page_leaves_and_comes_back(client, world):
    login(client, "staff_alice")
    page = client.get("/attendance/away").data.decode()
    assert "data-away-since" not in page
    token = _form(client, "/attendance/away")
    assert client.post("/attendance/away", data={"away-csrf_token": token,
                                                 "away-reason": "取材料"}).status_code == 303
    page = client.get("/attendance/away").data.decode()
    assert 'data-away-since=' in page and 'data-limit-minutes="10"' in page
    absence = db.session.scalars(sa.select(TemporaryAbsence)).one()
    assert absence.is_open and absence.reason == "取材料"
    token = csrf_token(client, "/attendance/away")
    assert client.post("/attendance/away", data={"back-csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(TemporaryAbsence, absence.id).is_open
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "hr_a")
    assert f'data-id="{absence.id}"' in client.get("/attendance/absences").data.decode()


def test_hr_files_for_anyone_of_a_large_centre(client, world):
    """The person list of the request forms holds the whole centre, not its first few hundred
    (a centre of 2,000 staff files leave and corrections for the last of them too)."""
    from compliance.attendance.pages_requests import LIST_LIMIT
    from compliance.org.models import Employment, Gender
    from compliance.org.operations import StaffData, save_staff

    last = f"Z{LIST_LIMIT + 50:04d}"
    for n in range(1, LIST_LIMIT + 51):
        save_staff(world.a.id, StaffData(f"Z{n:04d}", f"员工{n}", Gender.F, world.dept1.code,
                                         Employment.direct, None))
    db.session.commit()
    login(client, "hr_a")
    for path in ("/attendance/leave/new", "/attendance/corrections/new"):
        page = client.get(path).data.decode()
        assert f'<option value="{last}">' in page, path
    token = _form(client, "/attendance/leave/new")
    answer = client.post("/attendance/leave/new", data={
        "csrf_token": token, "staff_no": last, "type": "sick", "from_date": DAY.isoformat(),
        "from_session": "am", "to_date": DAY.isoformat(), "to_session": "pm", "reason": "发烧"})
    assert answer.status_code == 302
    filed = db.session.scalars(sa.select(LeaveRequest)).one()
    assert filed.staff.staff_no == last
