"""The attendance API (API.md): PUT /roster, POST /punches, GET /attendance — happy paths,
60-second de-duplication, re-posting adds nothing, bad input naming its row and field with
nothing stored, and who may call what."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from compliance.attendance.models import Punch, PunchBatch, RosterEntry, SessionRecord
from compliance.audit import AuditEntry
from compliance.extensions import db
from tests.conftest import api_token

from .helpers import DAY, local, records, roster

NOW = local(DAY, 18, 0)  # the server clock of these tests: the evening of DAY
NEXT = DAY + timedelta(days=1)


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def clock_at_day():
    with time_machine.travel(NOW, tick=False):
        yield


def _punch(person_no, hour, minute=0, second=0, day=DAY, **extra):
    return {"staff_no": person_no, "at": local(day, hour, minute, second).isoformat(),
            "source": "device", **extra}


# --- roster ---

def test_put_roster_upserts_and_recomputes(client, world):
    hr = api_token(client, "hr_a")
    response = client.put("/api/v1/roster", headers=hr, json={"entries": [
        {"staff_no": "S1", "date": DAY.isoformat()},
        {"staff_no": "S2", "date": DAY.isoformat(), "shift": "lunch_duty",
         "window_code": "D01"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"upserted": 2}
    entries = {e.staff.staff_no: e for e in db.session.scalars(sa.select(RosterEntry))}
    assert entries["S1"].shift.code == "standard" and entries["S1"].window_id == world.win1.id
    assert entries["S2"].shift.code == "lunch_duty" and entries["S2"].window_id == world.win2.id
    assert records(world.alice)["am"].status.value == "absent"  # rostered, no punches yet
    # upsert: the same person and day again changes the entry instead of adding one
    again = client.put("/api/v1/roster", headers=hr, json={"entries": [
        {"staff_no": "S1", "date": DAY.isoformat(), "shift": "weekend_duty"}]})
    assert again.get_json() == {"upserted": 1}
    assert _count(RosterEntry) == 2
    assert records(world.alice)["am"].shift_code == "weekend_duty"
    off = client.put("/api/v1/roster", headers=hr, json={"entries": [
        {"staff_no": "S1", "date": DAY.isoformat(), "shift": "off"}]})
    assert off.status_code == 200 and _count(RosterEntry) == 1
    assert records(world.alice) == {}
    listed = client.get(f"/api/v1/roster?from={DAY}&to={DAY}", headers=hr).get_json()["items"]
    assert [(i["staff_no"], i["shift"], i["window_code"]) for i in listed] == [
        ("S2", "lunch_duty", "D01")]


@pytest.mark.parametrize("entry, field", [
    ({"staff_no": "NOPE", "date": "2026-03-02"}, "entries.1.staff_no"),
    ({"staff_no": "S9", "date": "2026-03-02"}, "entries.1.staff_no"),  # other centre
    ({"staff_no": "S2", "date": "2026-02-30"}, "entries.1.date"),
    ({"staff_no": "S2", "date": "1899-03-02"}, "entries.1.date"),
    ({"staff_no": "S2"}, "entries.1.date"),
    ({"staff_no": "S2", "date": "2026-03-02", "shift": "night"}, "entries.1.shift"),
    ({"staff_no": "S2", "date": "2026-03-02", "window_code": "Z99"}, "entries.1.window_code"),
    ({"staff_no": "S2", "date": "2026-03-02", "sessions": ["eve"]}, "entries.1.sessions"),
    ({"staff_no": "S1", "date": "2026-03-02"}, "entries.1.date"),  # S1 twice on one day
    ({"staff_no": "S2", "date": "2026-03-02", "colour": "red"}, "entries.1.colour"),
])
def test_put_roster_bad_entry_names_it_and_stores_nothing(client, world, entry, field):
    hr = api_token(client, "hr_a")
    audit_before = _count(AuditEntry)
    response = client.put("/api/v1/roster", headers=hr, json={"entries": [
        {"staff_no": "S1", "date": "2026-03-02"}, entry]})
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert (_count(RosterEntry), _count(SessionRecord)) == (0, 0)
    assert _count(AuditEntry) == audit_before


# --- punches ---

def test_single_punch_dedupe_and_repost(client, world, clock_at_day):
    roster(world.alice)
    hr = api_token(client, "hr_a")
    first = client.post("/api/v1/punches", headers=hr, json=_punch("S1", 8, 50))
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["created"], first.get_json()["duplicates"]) == (1, 0)
    double_read = client.post("/api/v1/punches", headers=hr, json=_punch("S1", 8, 50, 59))
    assert double_read.get_json()["created"] == 0 and double_read.get_json()["duplicates"] == 1
    later = client.post("/api/v1/punches", headers=hr, json=_punch("S1", 8, 51, 1))
    assert later.get_json()["created"] == 1  # 61 s after the first: a punch of its own
    repost = client.post("/api/v1/punches", headers=hr, json=_punch("S1", 8, 50))
    assert repost.get_json() == {"created": 0, "duplicates": 1, "batch_id": None}
    assert _count(Punch) == 2 and _count(PunchBatch) == 0
    punch = db.session.scalars(sa.select(Punch).order_by(Punch.at)).first()
    assert punch.source.value == "device" and punch.at == local(DAY, 8, 50)
    am = records(world.alice)["am"]
    # in at 08:50, "out" at 08:51:01: leaving three hours early makes the session absent
    assert (am.status.value, am.clock_in, am.clock_out) == (
        "absent", local(DAY, 8, 50), local(DAY, 8, 51, 1))


def test_bulk_punches_are_one_batch_and_recompute_their_days(client, world, clock_at_day):
    roster(world.alice)
    roster(world.bob, NEXT - timedelta(days=2))
    hr = api_token(client, "hr_a")
    body = {"punches": [_punch("S1", 8, 50), _punch("S1", 12, 1), _punch("S1", 12, 1, 30),
                        _punch("S1", 13, 20), _punch("S1", 17, 50),
                        _punch("S2", 9, 0, day=NEXT - timedelta(days=2))]}
    response = client.post("/api/v1/punches", headers=hr, json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert (answer["created"], answer["duplicates"]) == (5, 1)
    batch = db.session.get(PunchBatch, answer["batch_id"])
    assert (batch.rows, batch.created, batch.duplicates, batch.source.value) == (6, 5, 1, "api")
    assert {p.batch_id for p in db.session.scalars(sa.select(Punch))} == {batch.id}
    assert {s: (r.status.value, r.extended_minutes) for s, r in records(world.alice).items()} \
        == {"am": ("normal", 0), "pm": ("normal", 20)}
    bob = records(world.bob, NEXT - timedelta(days=2))
    assert bob["am"].clock_in == local(NEXT - timedelta(days=2), 9, 0)
    again = client.post("/api/v1/punches", headers=hr, json=body).get_json()
    assert (again["created"], again["duplicates"]) == (0, 6)  # re-posting adds nothing
    assert _count(Punch) == 5


@pytest.mark.parametrize("bad, field", [
    ({"staff_no": "NOPE"}, "punches.1.staff_no"),
    ({"staff_no": "S9"}, "punches.1.staff_no"),  # another centre's person
    ({"at": "2026-03-02T08:50:00"}, "punches.1.at"),  # no offset
    ({"at": "2026-02-30T08:50:00+08:00"}, "punches.1.at"),  # no such day
    ({"at": "2026-03-02T25:50:00+08:00"}, "punches.1.at"),  # no such hour
    ({"at": "yesterday"}, "punches.1.at"),
    ({"at": "1970-01-01T08:00:00+08:00"}, "punches.1.at"),
    ({"at": (NOW + timedelta(days=400)).isoformat()}, "punches.1.at"),  # far in the future
    ({"at": (NOW + timedelta(minutes=30)).isoformat()}, "punches.1.at"),
    ({"source": "correction"}, "punches.1.source"),
    ({"device": "x" * 65}, "punches.1.device"),
])
def test_bad_punch_names_row_and_field_and_stores_nothing(client, world, clock_at_day, bad,
                                                           field):
    roster(world.alice)
    hr = api_token(client, "hr_a")
    records_before = [(r.session, r.status) for r in records(world.alice).values()]
    response = client.post("/api/v1/punches", headers=hr, json={"punches": [
        _punch("S1", 8, 50), {**_punch("S2", 8, 52), **bad}]})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"], error
    assert (_count(Punch), _count(PunchBatch)) == (0, 0)
    assert [(r.session, r.status) for r in records(world.alice).values()] == records_before


def test_single_bad_punch_names_its_field(client, world, clock_at_day):
    hr = api_token(client, "hr_a")
    for body, field in (({"staff_no": "S1"}, "at"),
                        (_punch("NOPE", 9), "staff_no"),
                        (_punch("S1", 9, day=NEXT + timedelta(days=30)), "at"),
                        ({**_punch("S1", 9), "punches": [_punch("S1", 9)]}, "at")):
        response = client.post("/api/v1/punches", headers=hr, json=body)
        assert response.status_code == 400 and field in response.get_json()["error"]["fields"]
    assert _count(Punch) == 0


# --- attendance ---

def test_get_attendance_shapes_and_filters(client, world, clock_at_day):
    roster(world.alice)
    hr = api_token(client, "hr_a")
    client.post("/api/v1/punches", headers=hr, json={"punches": [
        _punch("S1", 9, 5), _punch("S1", 12, 0), _punch("S1", 17, 20)]})
    items = client.get(f"/api/v1/attendance?date={DAY}", headers=hr).get_json()["items"]
    by_no = {i["staff_no"]: i for i in items}
    assert set(by_no) == {"S1", "S2", "S3"}  # centre A's people; S9 is centre B's
    alice = by_no["S1"]
    assert alice["date"] == DAY.isoformat() and alice["shift"] == "standard"
    assert alice["sessions"]["am"] == {
        "status": "abnormal", "issues": ["late"], "clock_in": "2026-03-02T09:05:00+08:00",
        "clock_out": "2026-03-02T12:00:00+08:00", "late_minutes": 10, "early_minutes": 0,
        "extended_minutes": 0, "away_minutes": 0, "leave_type": None}
    pm = alice["sessions"]["pm"]
    assert (pm["status"], pm["issues"], pm["early_minutes"]) == (
        "abnormal", ["early_leave", "missing_in"], 10)
    assert by_no["S2"]["sessions"]["am"]["status"] == "off"  # not rostered
    one = client.get(f"/api/v1/attendance?date={DAY}&staff_no=S1", headers=hr).get_json()
    assert [i["staff_no"] for i in one["items"]] == ["S1"]
    dept = client.get(f"/api/v1/attendance?date={DAY}&department_code=SW", headers=hr)
    assert [i["staff_no"] for i in dept.get_json()["items"]] == ["S3"]
    assert client.get(f"/api/v1/attendance?date={DAY}&staff_no=S9",
                      headers=hr).status_code == 404
    bad = client.get("/api/v1/attendance?date=2026-13-01", headers=hr)
    assert bad.status_code == 400 and "date" in bad.get_json()["error"]["fields"]


def test_a_rostered_day_without_stored_rows_still_answers(client, world):
    roster(world.bob)
    db.session.execute(sa.delete(SessionRecord))  # e.g. a roster loaded without recompute
    db.session.commit()
    hr = api_token(client, "hr_a")
    item = client.get(f"/api/v1/attendance?date={DAY}&staff_no=S2",
                      headers=hr).get_json()["items"][0]
    assert {n: s["status"] for n, s in item["sessions"].items()} == {"am": "absent",
                                                                     "pm": "absent"}
    assert _count(SessionRecord) == 0  # a read writes nothing


# --- who may call what ---

USERS = ["staff_alice", "staff_carol", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b",
         "root"]
# username → (PUT /roster for S3 (dept SW), POST /punches for S3, people seen on GET)
MATRIX = {
    "staff_alice": (403, 403, {"S1"}),
    "staff_carol": (403, 403, {"S3"}),
    "inspector": (403, 403, {"S1", "S2", "S3"}),
    "lead_sw": (200, 403, {"S3"}),
    "hr_a": (200, 201, {"S1", "S2", "S3"}),
    "admin_a": (200, 201, {"S1", "S2", "S3"}),
    "hr_b": (400, 400, {"S9"}),  # S3 is unknown in centre B
    "root": (200, 201, {"S1", "S2", "S3", "S9"}),
}


@pytest.mark.parametrize("username", USERS)
def test_permission_matrix(client, world, clock_at_day, username):
    roster_status, punch_status, seen = MATRIX[username]
    headers = api_token(client, username)
    body = {"entries": [{"staff_no": "S3", "date": DAY.isoformat()}]}
    if username == "root":
        body["centre_code"] = "CA"
    assert client.put("/api/v1/roster", headers=headers, json=body).status_code == roster_status
    assert _count(RosterEntry) == (1 if roster_status == 200 else 0)
    response = client.post("/api/v1/punches", headers=headers, json=_punch("S3", 9))
    assert response.status_code == punch_status
    assert _count(Punch) == (1 if punch_status == 201 else 0)
    items = client.get(f"/api/v1/attendance?date={DAY}", headers=headers).get_json()["items"]
    assert {i["staff_no"] for i in items} == seen
    own = client.get(f"/api/v1/attendance?date={DAY}&staff_no=S3", headers=headers)
    assert own.status_code == (200 if "S3" in seen else 404 if username == "hr_b" else 403)


def test_unit_lead_may_not_roster_another_department(client, world):
    lead = api_token(client, "lead_sw")
    response = client.put("/api/v1/roster", headers=lead, json={"entries": [
        {"staff_no": "S3", "date": DAY.isoformat()},
        {"staff_no": "S1", "date": DAY.isoformat()}]})
    assert response.status_code == 403
    assert "entries.1.staff_no" in response.get_json()["error"]["fields"]
    assert _count(RosterEntry) == 0
    dept = client.get(f"/api/v1/attendance?date={DAY}&department_code=ZH", headers=lead)
    assert dept.status_code == 403


def test_clock_api_for_the_logged_in_person(client, world, clock_at_day):
    roster(world.alice)
    staff = api_token(client, "staff_alice")
    with time_machine.travel(local(DAY, 8, 45), tick=False):
        answer = client.post("/api/v1/clock", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["recorded"] and body["at"] == "2026-03-02T08:45:00+08:00"
    assert body["sessions"]["am"]["clock_in"] == "2026-03-02T08:45:00+08:00"
    assert db.session.scalars(sa.select(Punch)).one().source.value == "web"
    hr = api_token(client, "hr_a")
    assert client.post("/api/v1/clock", headers=hr).status_code == 403  # not a person


def test_a_request_that_loses_a_race_is_run_again(client, world):
    """A concurrent request stored the same punch first: the unique constraint fails the
    flush, the work is rolled back and run again, and it then sees the stored punch."""
    from compliance.attendance.models import PunchSource
    from compliance.attendance.punches import PunchIn, committed_with_retry, record_punches

    at = local(DAY, 8, 50)
    db.session.add(Punch(centre_id=world.a.id, staff_id=world.alice.id, at=at,
                         source=PunchSource.device))
    db.session.commit()
    calls = []

    def work():
        calls.append(1)
        if len(calls) == 1:  # as if our duplicate check had run before the other's commit
            db.session.add(Punch(centre_id=world.a.id, staff_id=world.alice.id, at=at,
                                 source=PunchSource.api))
            db.session.flush()
        return record_punches([PunchIn(world.alice, at, PunchSource.api)], now=NOW)

    outcome = committed_with_retry(work)
    assert len(calls) == 2 and (outcome.created, outcome.duplicates) == (0, 1)
    assert _count(Punch) == 1


def test_roster_import_over_the_api(client, world):
    import io

    hr = api_token(client, "hr_a")
    good = "工号,日期,班次\nS1,2026-03-02,\nS3,2026-03-02,weekend_duty\n".encode()
    response = client.post("/api/v1/roster/import", headers=hr, data={
        "file": (io.BytesIO(good), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["created"], _count(RosterEntry)) == (2, 2)
    bad = "工号,日期,班次\nS2,2026-03-02,\nS2,2026-03-32,\n".encode()
    response = client.post("/api/v1/roster/import", headers=hr, data={
        "file": (io.BytesIO(bad), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["row 3.date"]
    assert _count(RosterEntry) == 2
    staff = api_token(client, "staff_alice")
    assert client.post("/api/v1/roster/import", headers=staff, data={
        "file": (io.BytesIO(good), "roster.csv")},
        content_type="multipart/form-data").status_code == 403
