"""The roster pages: the week grid (save, errors per cell with nothing stored, previous/next
week, copy last week), the roster import (all rows or none with a per-row report) and the
shifts editor, with who may use them."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from compliance.attendance.models import RosterEntry, SessionRecord, Shift
from compliance.extensions import db
from tests.conftest import login

from .helpers import DAY, records, roster

MONDAY = DAY  # 2026-03-02 is a Monday
LAST_MONDAY = DAY - timedelta(days=7)


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _token(page) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _entries():
    return {(e.staff.staff_no, e.day): (e.shift.code, e.window.code if e.window else None)
            for e in db.session.scalars(sa.select(RosterEntry))}


def _grid(client, world, week=MONDAY, department=None):
    department = department or world.dept1
    return client.get(f"/attendance/roster?department={department.id}&week={week}")


def test_week_grid_saves_changed_cells_and_recomputes(client, world):
    roster(world.bob, MONDAY + timedelta(days=1))  # bob on Tuesday: left as it is
    login(client, "hr_a")
    page = _grid(client, world)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-staff="S1"' in html and 'data-staff="S2"' in html
    assert 'data-staff="S3"' not in html  # another department
    a, b = world.alice.id, world.bob.id
    response = client.post(f"/attendance/roster?department={world.dept1.id}&week={MONDAY}", data={
        "csrf_token": _token(html),
        f"c-{a}-0-shift": "standard", f"c-{a}-0-window": "",
        f"c-{a}-5-shift": "weekend_duty", f"c-{a}-5-window": "D01",
        f"c-{b}-1-shift": "standard", f"c-{b}-1-window": "",  # unchanged
    })
    assert response.status_code == 302
    assert _entries() == {
        ("S1", MONDAY): ("standard", "A01"),
        ("S1", MONDAY + timedelta(days=5)): ("weekend_duty", "D01"),
        ("S2", MONDAY + timedelta(days=1)): ("standard", "A01")}
    assert records(world.alice)["am"].status.value == "absent"
    after = _grid(client, world).get_data(as_text=True)
    assert re.search(r'name="c-%d-5-window".*?<option value="D01" selected' % a, after, re.S)
    # clearing a cell removes that day's roster and its results
    client.post(f"/attendance/roster?department={world.dept1.id}&week={MONDAY}", data={
        "csrf_token": _token(after), f"c-{a}-0-shift": "", f"c-{a}-0-window": ""})
    assert ("S1", MONDAY) not in _entries() and records(world.alice) == {}


def test_week_grid_bad_cell_is_named_and_nothing_is_stored(client, world):
    login(client, "hr_a")
    html = _grid(client, world).get_data(as_text=True)
    a = world.alice.id
    response = client.post(f"/attendance/roster?department={world.dept1.id}&week={MONDAY}", data={
        "csrf_token": _token(html),
        f"c-{a}-0-shift": "standard", f"c-{a}-0-window": "",
        f"c-{a}-1-shift": "night", f"c-{a}-1-window": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    cell = re.search(r'<td class="[^"]*has-error" data-day="2026-03-03">.*?</td>', body, re.S)
    assert cell and "night" in cell.group(0)  # the error is shown in the bad cell
    assert (_count(RosterEntry), _count(SessionRecord)) == (0, 0)
    no_token = client.post(f"/attendance/roster?department={world.dept1.id}&week={MONDAY}",
                           data={f"c-{a}-0-shift": "standard"})
    assert no_token.status_code == 400 and _count(RosterEntry) == 0


def test_week_navigation(client, world):
    login(client, "hr_a")
    html = _grid(client, world, week=MONDAY + timedelta(days=3)).get_data(as_text=True)
    assert f"week={LAST_MONDAY}" in html and f"week={MONDAY + timedelta(days=7)}" in html
    assert 'data-day="2026-03-02"' in html and 'data-day="2026-03-08"' in html


def test_copy_last_week(client, world):
    roster(world.alice, LAST_MONDAY)
    roster(world.alice, LAST_MONDAY + timedelta(days=5), shift="weekend_duty",
           window=world.win2)
    roster(world.bob, LAST_MONDAY + timedelta(days=2), sessions=["am"])
    roster(world.bob, MONDAY + timedelta(days=4))  # this week only: cleared by the copy
    roster(world.carol, LAST_MONDAY)  # another department: not copied
    login(client, "hr_a")
    html = _grid(client, world).get_data(as_text=True)
    response = client.post("/attendance/roster/copy", data={
        "csrf_token": _token(html), "department": world.dept1.id, "week": MONDAY.isoformat()})
    assert response.status_code == 302
    this_week = {k: v for k, v in _entries().items() if k[1] >= MONDAY}
    assert this_week == {
        ("S1", MONDAY): ("standard", "A01"),
        ("S1", MONDAY + timedelta(days=5)): ("weekend_duty", "D01"),
        ("S2", MONDAY + timedelta(days=2)): ("standard", "A01")}
    bob = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.staff_id == world.bob.id, RosterEntry.day == MONDAY + timedelta(days=2))).one()
    assert bob.own_sessions() == ("am",)
    assert records(world.alice)["am"].status.value == "absent"  # the copy recomputes
    entries_before = _entries()
    client.post("/attendance/roster/copy", data={
        "csrf_token": _token(html), "department": world.dept1.id, "week": MONDAY.isoformat()})
    assert _entries() == entries_before  # copying again changes nothing


USERS = ["staff_alice", "inspector", "lead_sw", "hr_a", "admin_a", "hr_b", "root"]
# username → status of the grid of department ZH (centre A), of SW (centre A), of the import
# page and of the shifts page
PAGES = {
    "staff_alice": (403, 403, 403, 403),
    "inspector": (403, 403, 403, 403),
    "lead_sw": (403, 200, 200, 403),
    "hr_a": (200, 200, 200, 200),
    "admin_a": (200, 200, 200, 200),
    "hr_b": (404, 404, 200, 200),
    "root": (200, 200, 200, 200),
}


@pytest.mark.parametrize("username", USERS)
def test_page_permissions(client, world, username):
    login(client, username)
    expected = PAGES[username]
    got = (_grid(client, world).status_code,
           _grid(client, world, department=world.dept2).status_code,
           client.get("/attendance/roster/import").status_code,
           client.get("/attendance/shifts").status_code)
    assert got == expected


def test_unit_lead_cannot_post_another_departments_grid_or_copy(client, world):
    roster(world.alice, LAST_MONDAY)
    login(client, "lead_sw")
    html = _grid(client, world, department=world.dept2).get_data(as_text=True)
    assert 'data-staff="S3"' in html and 'data-staff="S1"' not in html
    token = _token(html)
    a = world.alice.id
    assert client.post(f"/attendance/roster?department={world.dept1.id}&week={MONDAY}", data={
        "csrf_token": token, f"c-{a}-0-shift": "standard"}).status_code == 403
    assert client.post("/attendance/roster/copy", data={
        "csrf_token": token, "department": world.dept1.id,
        "week": MONDAY.isoformat()}).status_code == 403
    assert set(_entries()) == {("S1", LAST_MONDAY)}
    # the lead's own department
    c = world.carol.id
    client.post(f"/attendance/roster?department={world.dept2.id}&week={MONDAY}", data={
        "csrf_token": token, f"c-{c}-0-shift": "standard", f"c-{c}-0-window": "",
        f"c-{a}-0-shift": "standard"})  # a cell of someone outside the grid is ignored
    assert set(_entries()) == {("S1", LAST_MONDAY), ("S3", MONDAY)}


# --- import ---

def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "日期", "班次", "窗口编码"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, data: bytes, name="roster.xlsx"):
    page = client.get("/attendance/roster/import").get_data(as_text=True)
    return client.post("/attendance/roster/import", data={
        "csrf_token": _token(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


GOOD = [["S1", date(2026, 3, 2), "standard", None],
        ["S2", "2026-03-03", "午间值班", "D01"],  # by the shift's name
        ["S3", "2026/3/4", "", None]]  # empty shift: standard


def test_roster_import_all_rows_and_reimport(client, world):
    login(client, "hr_a")
    response = _import(client, _xlsx(GOOD))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _entries() == {("S1", DAY): ("standard", "A01"),
                          ("S2", DAY + timedelta(days=1)): ("lunch_duty", "D01"),
                          ("S3", DAY + timedelta(days=2)): ("standard", "D01")}
    assert records(world.alice)["am"].status.value == "absent"
    again = _import(client, _xlsx(GOOD)).get_data(as_text=True)
    assert "新增 0，修改 0，未变 3" in again  # the default language is Chinese
    assert _count(RosterEntry) == 3
    csv = "staff_no,date,shift\nS1,2026-03-02,休\n".encode()
    assert _import(client, csv, "roster.csv").status_code == 200
    assert ("S1", DAY) not in _entries()


def test_roster_import_with_errors_imports_nothing_and_reports_each_row(client, world):
    login(client, "hr_a")
    rows = GOOD + [["NOPE", "2026-03-02", "", None], ["S2", "2026-02-30", "", None],
                   ["S2", "2026-03-05", "night", None], ["S2", "2026-03-06", "", "Z9"],
                   ["S9", "2026-03-06", "", None]]
    response = _import(client, _xlsx(rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = re.findall(r'<tr><td class="num">(\d+)</td><td>([a-z_]+)</td>', html)
    assert errors == [("5", "staff_no"), ("6", "date"), ("7", "shift"), ("8", "window_code"),
                      ("9", "staff_no")]
    assert (_count(RosterEntry), _count(SessionRecord)) == (0, 0)


def test_unit_lead_imports_only_their_department(client, world):
    login(client, "lead_sw")
    response = _import(client, _xlsx([["S3", "2026-03-02", "", None],
                                      ["S1", "2026-03-02", "", None]]))
    assert response.status_code == 400
    assert re.findall(r'<tr><td class="num">(\d+)</td><td>([a-z_]+)</td>',
                      response.get_data(as_text=True)) == [("3", "staff_no")]
    assert _count(RosterEntry) == 0


def test_roster_import_report_in_the_users_language(client, world):
    login(client, "hr_a")
    html = _import(client, _xlsx([["S2", "2026-02-30", "", None]])).get_data(as_text=True)
    assert "“2026-02-30”不是日期" in html  # the default language is Chinese
    client.post("/language/en", data={"csrf_token": _token(html), "next": "/"})
    html = _import(client, _xlsx([["S2", "2026-02-30", "", None]])).get_data(as_text=True)
    assert "“2026-02-30” is not a date" in html


# --- shifts ---

def test_shift_editor_creates_and_changes_a_shift(client, world):
    login(client, "hr_a")
    page = client.get("/attendance/shifts/new").get_data(as_text=True)
    data = {"csrf_token": _token(page), "code": "evening", "name": "晚班", "name_en": "Evening",
            "active": "y",
            "sessions-0-name": "am", "sessions-0-start": "10:00", "sessions-0-end": "13:00",
            "sessions-0-clock_in_by": "09:55", "sessions-0-clock_out_from": "13:00",
            "sessions-1-name": "pm", "sessions-1-start": "14:00", "sessions-1-end": "19:00",
            "sessions-1-clock_in_by": "13:55", "sessions-1-clock_out_from": "19:00"}
    assert client.post("/attendance/shifts/new", data=data).status_code == 302
    shift = db.session.scalars(sa.select(Shift).where(Shift.code == "evening")).one()
    assert shift.centre_id == world.a.id and shift.session_names == ("am", "pm")
    listing = client.get("/attendance/shifts").get_data(as_text=True)
    assert 'data-shift="evening"' in listing and "19:00" in listing
    edit = client.get(f"/attendance/shifts/{shift.id}").get_data(as_text=True)
    assert 'value="14:00"' in edit
    bad = dict(data, **{"sessions-1-start": "12:00"})  # overlaps the morning
    response = client.post(f"/attendance/shifts/{shift.id}", data=bad)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).sessions[1].start_time.hour == 14
    clash = dict(data, code="standard")
    assert client.post(f"/attendance/shifts/{shift.id}", data=clash).status_code == 400
    assert client.post("/attendance/shifts/new", data=dict(data, code="off")).status_code == 400
    ok = dict(data, **{"sessions-1-end": "19:30", "sessions-1-clock_out_from": "19:30"})
    assert client.post(f"/attendance/shifts/{shift.id}", data=ok).status_code == 302
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).sessions[1].end_time.strftime("%H:%M") == "19:30"


def test_other_centres_shift_is_not_found(client, world):
    other = db.session.scalars(sa.select(Shift).where(Shift.centre_id == world.b.id)).first()
    login(client, "hr_a")
    assert client.get(f"/attendance/shifts/{other.id}").status_code == 404
    assert 'data-shift' in client.get("/attendance/shifts").get_data(as_text=True)
