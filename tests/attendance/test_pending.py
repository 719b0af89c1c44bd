"""The clock-in API off the recompute path (issue 8, ``attendance/pending.py``): a punch from
``POST /api/v1/punches`` marks its day pending instead of recomputing it, and every kind of
reader settles the pending days of its range before reading — the API, a page, a report
(and its export), the scoring gather — as does the job every minute. Settling gives the rows
an immediate recompute gives, computing twice gives identical rows, the one-tap clock still
computes at once, and each API punch has its entry in a chain that verifies."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from compliance.attendance import reports
from compliance.attendance.compute import recompute
from compliance.attendance.models import PendingDay, Punch, SessionRecord
from compliance.attendance.pending import settle
from compliance.audit import AuditEntry, verify_chain
from compliance.extensions import db
from compliance.jobs import REGISTRY
from compliance.scoring import gather_attendance
from tests.conftest import api_token, login

from .helpers import DAY, local, record_values, roster

NOW = local(DAY, 18, 0)
# in at 08:55, out at 12:05 and 17:35 (no afternoon "in"): the morning normal, the afternoon
# abnormal (missing in) — against "absent" for both before the day is settled
SETTLED = {"am": "normal", "pm": "abnormal"}


@pytest.fixture
def clock_at_day():
    with time_machine.travel(NOW, tick=False):
        yield


def _pending() -> set[tuple[int, object]]:
    return {(p.staff_id, p.day) for p in db.session.scalars(sa.select(PendingDay))}


def _stored(person) -> dict[str, str]:
    """The person's stored rows of DAY as they are, without settling anything."""
    db.session.expire_all()
    return {r.session: r.status.value for r in db.session.scalars(sa.select(SessionRecord).where(
        SessionRecord.staff_id == person.id, SessionRecord.day == DAY))}


def _punch_api(client, headers, hour, minute=0, no="S1"):
    answer = client.post("/api/v1/punches", headers=headers, json={
        "staff_no": no, "at": local(DAY, hour, minute).isoformat(), "source": "device"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _punched_day(client, world):
    """Alice rostered (stored rows: absent), then in at 08:55 and out at 12:05 and 17:35
    through the API: the day is pending and the stored rows still say absent."""
    roster(world.alice)
    hr = api_token(client, "hr_a")
    for hour, minute in ((8, 55), (12, 5), (17, 35)):
        _punch_api(client, hr, hour, minute)
    assert _pending() == {(world.alice.id, DAY)}
    assert _stored(world.alice) == {"am": "absent", "pm": "absent"}  # not recomputed yet
    return hr


def test_the_api_settles_before_it_answers(client, world, clock_at_day):
    hr = _punched_day(client, world)
    items = client.get(f"/api/v1/attendance?date={DAY}&staff_no=S1",
                       headers=hr).get_json()["items"]
    assert items[0]["sessions"]["am"]["status"] == "normal"
    assert _pending() == set()  # committed by the reading request
    assert _stored(world.alice) == SETTLED


def test_a_page_settles_before_it_shows(client, world, clock_at_day):
    _punched_day(client, world)
    login(client, "hr_a")
    page = client.get(f"/attendance/people/S1/days/{DAY}").get_data(as_text=True)
    assert 'data-result="am"' in page and 'data-status="normal"' in page
    assert 'data-status="absent"' not in page
    assert _pending() == set()


def test_a_report_and_its_export_settle_first(client, world, clock_at_day):
    _punched_day(client, world)
    departments = reports.visible_departments(world.users.hr, world.a)
    parts = {p.department.code: p for p in reports.monthly_summary(
        world.users.hr, departments, DAY.replace(day=1))}
    assert "ZH" in parts
    assert _pending() == set()
    assert _stored(world.alice) == SETTLED
    # the export goes through the same report functions: a new pending day is settled too
    hr = api_token(client, "hr_a")
    _punch_api(client, hr, 12, 30)  # a second lunch punch: still pending until read
    assert _pending() == {(world.alice.id, DAY)}
    login(client, "hr_a")
    export = client.get("/exports/attendance-month.xlsx?month=2026-03")
    assert export.status_code == 200, export.get_data(as_text=True)[:300]
    assert _pending() == set()


def test_the_scoring_gather_settles_first(client, world, clock_at_day):
    _punched_day(client, world)
    by_person = gather_attendance.sessions_by_day(world.a.id, DAY, DAY)
    statuses = sorted(o.status for o in by_person[world.alice.id][DAY])
    assert [str(getattr(s, "value", s)) for s in statuses] == ["abnormal", "normal"]
    assert _pending() == set()


def test_the_job_settles_and_gives_what_an_immediate_recompute_gives(
        client, world, clock_at_day):
    _punched_day(client, world)
    assert "attendance_settle_pending" in REGISTRY
    assert REGISTRY["attendance_settle_pending"].func() == "1 days settled"
    db.session.commit()
    assert _pending() == set()
    settled = record_values(world.alice)
    recompute(world.alice, [DAY])  # computing again: identical rows (ids included)
    db.session.commit()
    assert record_values(world.alice) == settled
    assert settle() == 0  # cheap and idle when nothing is pending
    assert [v for v in settled if v[0]]  # rows exist
    assert _stored(world.alice) == SETTLED


def test_the_clock_still_computes_at_once(client, world):
    roster(world.alice)
    staff = api_token(client, "staff_alice")
    with time_machine.travel(local(DAY, 8, 55), tick=False):
        answer = client.post("/api/v1/clock", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["sessions"]["am"]["clock_in"] == local(DAY, 8, 55).isoformat()
    assert _pending() == set()
    assert db.session.scalar(sa.select(SessionRecord.clock_in).where(
        SessionRecord.staff_id == world.alice.id, SessionRecord.session == "am")) == \
        local(DAY, 8, 55)


def test_each_api_punch_is_audited_and_the_chain_verifies(app, client, world, clock_at_day):
    _punched_day(client, world)
    punches = {str(p.id): p for p in db.session.scalars(sa.select(Punch))}
    entries = {e.entity_id: e for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity == "punch", AuditEntry.action == "create"))}
    assert set(entries) == set(punches) and len(punches) == 3
    one = entries[min(punches)]
    assert one.actor == "hr_a" and one.after["staff_id"] == world.alice.id
    assert one.after["source"] == "device" and one.after["at"] == "2026-03-02T00:55:00+00:00"
    assert verify_chain()[1] is None
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output


def test_on_sqlite_the_punch_holds_the_write_lock_only_to_write(app, client, world,
                                                                 clock_at_day):
    """The token check and the lookups run in a plain BEGIN; BEGIN IMMEDIATE (SQLite's one
    write lock) comes only right before the duplicate check and the insert."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    roster(world.alice)
    hr = api_token(client, "hr_a")
    db.session.commit()
    db.session.close()  # (the tests share the app's session: no transaction left open)
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0:2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        _punch_api(client, hr, 8, 55)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    begins = [i for i, words in enumerate(seen) if words[0] == "BEGIN"]
    assert [seen[i] for i in begins] == [["BEGIN"], ["BEGIN", "IMMEDIATE"]], seen
    reads, writes = seen[begins[0] + 1:begins[1]], seen[begins[1] + 1:]
    assert all(words[0] == "SELECT" for words in reads) and len(reads) >= 2  # token, person
    assert ["INSERT", "INTO"] in writes
