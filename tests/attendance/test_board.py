"""Today's board: each category at the instant asked, the counts, the page and its own
refresh fragment, and who sees whom."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from compliance.attendance.board import build_board
from compliance.attendance.requests import TemporaryAbsence
from compliance.attendance.roster import RosterLine, save_roster
from compliance.extensions import db
from tests.conftest import login

from .helpers import local
from .report_fixture import MON, TUE, WED, build_week


def categories(world, now, user=None, department=None) -> dict[str, str]:
    board = build_board(world.a, user or world.users.hr, now, department)
    return {row.staff.staff_no: row.category for row in board.rows}


def test_in_late_absent_leave_off_at_ten_on_monday(world):
    build_week(world)
    at_ten = categories(world, local(MON, 10, 0))
    # alice punched 08:50; bob nothing (65 min after 08:55: absent); carol 45 min late
    assert at_ten == {"S1": "in", "S2": "absent", "S3": "late"}
    assert categories(world, local(WED, 10, 0)) == {"S1": "leave", "S2": "off", "S3": "off"}


def test_not_yet_in_then_late_then_absent_before_anyone_punches(world):
    thursday = WED + timedelta(days=1)
    save_roster(world.a.id, [RosterLine("S2", thursday)])
    db.session.commit()
    assert categories(world, local(thursday, 8, 30))["S2"] == "not_in"
    assert categories(world, local(thursday, 8, 55))["S2"] == "not_in"
    board = build_board(world.a, world.users.hr, local(thursday, 9, 10))
    row = next(r for r in board.rows if r.staff.staff_no == "S2")
    assert (row.category, row.late_minutes) == ("late", 15)
    assert categories(world, local(thursday, 9, 25))["S2"] == "late"  # 30: not more than 30
    assert categories(world, local(thursday, 9, 26))["S2"] == "absent"
    # the afternoon is the relevant session from the break's midpoint on
    assert categories(world, local(thursday, 12, 50))["S2"] == "not_in"


def test_an_open_temporary_absence_shows_away(world):
    build_week(world)
    db.session.add(TemporaryAbsence(
        centre_id=world.a.id, staff_id=world.alice.id, department_id=world.alice.department_id,
        started_at=local(MON, 10, 5), reason="取材料"))
    db.session.commit()
    assert categories(world, local(MON, 10, 10))["S1"] == "away"
    assert categories(world, local(MON, 10, 0))["S1"] == "in"


def test_counts_and_scope_of_a_unit_lead(world):
    build_week(world)
    board = build_board(world.a, world.users.hr, local(TUE, 10, 0))
    assert board.counts == {"in": 1, "late": 1, "absent": 0, "leave": 0, "away": 0,
                            "not_in": 0, "off": 1}
    assert categories(world, local(MON, 10, 0), world.users.unit_lead) == {"S3": "late"}
    assert categories(world, local(MON, 10, 0), department=world.dept1.id) == \
        {"S1": "in", "S2": "absent"}


def test_page_fragment_and_roles(client, world):
    build_week(world)
    with time_machine.travel(local(MON, 10, 0), tick=False):
        login(client, "hr_a")
        page = client.get("/attendance/board").get_data(as_text=True)
        assert 'data-board-refresh="/attendance/board/fragment"' in page
        assert 'data-staff="S2" data-category="absent"' in page
        assert 'data-count="late"><span class="n">1<' in page
        fragment = client.get("/attendance/board/fragment?department=ZH")
        assert fragment.status_code == 200
        data = fragment.get_json()
        assert data["counts"]["in"] == 1 and data["counts"]["absent"] == 1
        assert data["counts"]["late"] == 0 and "S3" not in data["html"]
        assert fragment.headers["Cache-Control"] == "no-store"
        assert client.get("/attendance/board?department=NOPE").status_code == 404
        assert client.get("/attendance/board?department=ZHB").status_code == 404

        lead = client.application.test_client()
        login(lead, "lead_sw")
        html = lead.get("/attendance/board").get_data(as_text=True)
        assert 'data-staff="S3"' in html and 'data-staff="S1"' not in html
        assert lead.get("/attendance/board?department=ZH").status_code == 403

        staff = client.application.test_client()
        login(staff, "staff_alice")
        response = staff.get("/attendance/board")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/attendance/people/S1/days/2026-03-02")
        assert staff.get("/attendance/board/fragment").status_code == 403
