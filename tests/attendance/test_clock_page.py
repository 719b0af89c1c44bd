"""The one-tap clock page of the window PC: one tap records a punch now for the logged-in
person and shows the time recorded, the session result and today's punches."""
from __future__ import annotations

import re

import sqlalchemy as sa
import time_machine

from compliance.attendance.models import Punch
from compliance.extensions import db
from tests.conftest import login

from .helpers import DAY, local, records, roster


def _token(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def _tap(client):
    page = client.get("/attendance/clock").get_data(as_text=True)
    return client.post("/attendance/clock", data={"csrf_token": _token(page)},
                       follow_redirects=True)


def test_tap_records_and_shows_the_result(client, world):
    roster(world.alice)
    with time_machine.travel(local(DAY, 8, 47, 12), tick=False) as traveller:
        login(client, "staff_alice")
        page = _tap(client)
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "08:47:12" in html  # the time recorded
        assert "上午：异常（缺下班卡）" in html
        assert 'data-last-punch="2026-03-02T08:47:12+08:00"' in html
        assert 'data-session="am" data-status="abnormal"' in html  # in, not yet out
        assert 'data-punch="2026-03-02T08:47:12+08:00"' in html
        punch = db.session.scalars(sa.select(Punch)).one()
        assert (punch.staff_id, punch.source.value) == (world.alice.id, "web")
        traveller.move_to(local(DAY, 8, 47, 40))
        _tap(client)  # a second tap within the minute counts once
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Punch)) == 1
        traveller.move_to(local(DAY, 12, 3))
        html = _tap(client).get_data(as_text=True)
    assert 'data-session="am" data-status="normal"' in html
    assert "上午：正常" in html  # the result of the session the tap landed in
    assert len(re.findall(r"data-punch=", html)) == 2
    assert records(world.alice)["am"].clock_out == local(DAY, 12, 3)


def test_clock_page_shows_only_own_punches_and_refuses_non_persons(client, world):
    roster(world.bob)
    with time_machine.travel(local(DAY, 8, 50), tick=False):
        login(client, "staff_alice")
        _tap(client)
        client.post("/logout", data={"csrf_token": _token(
            client.get("/attendance/clock").get_data(as_text=True))})
        for username in ("hr_a", "inspector", "lead_sw"):
            login(client, username)
            assert client.get("/attendance/clock").status_code == 403
            client.post("/logout", data={"csrf_token": _token(client.get("/").get_data(
                as_text=True))})
        login(client, "staff_carol")
        html = client.get("/attendance/clock").get_data(as_text=True)
    assert "data-punch=" not in html and "data-last-punch" not in html
    assert db.session.scalars(sa.select(Punch)).one().staff_id == world.alice.id


def test_tap_without_csrf_is_refused(client, world):
    login(client, "staff_alice")
    assert client.post("/attendance/clock", data={}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Punch)) == 0


def test_nav_shows_the_clock_to_staff(client, world):
    login(client, "staff_alice")
    assert 'href="/attendance/clock"' in client.get("/").get_data(as_text=True)
