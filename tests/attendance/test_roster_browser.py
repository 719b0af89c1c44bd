"""The roster grid and the clock page in headless Chromium at 768×1024: HR fills a cell of the
week grid and saves it, the page stays within the tablet's width (the grid scrolls inside its
frame), and the rostered person taps the clock button and sees the time and the result."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance.attendance.models import Punch, RosterEntry
from compliance.extensions import db
from compliance.timeutil import local_today
from tests.foundation.test_browser import log_in

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 768, "height": 1024}


def _rows(*columns) -> list[tuple]:
    """Read in a transaction of its own, values only: on SQLite a transaction left open in
    the test thread would hold the lock the server thread needs to write."""
    db.session.expire_all()
    try:
        return [tuple(row) for row in db.session.execute(sa.select(*columns))]
    finally:
        db.session.rollback()


def test_grid_and_clock_on_a_tablet(browser, live_server, world):
    alice, department = world.alice.id, world.dept1.id
    db.session.rollback()  # hold no read lock: the server thread writes (SQLite)
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, "hr_a")
        page.goto(f"/attendance/roster?department={department}")
        today = local_today("Asia/Shanghai")
        offset = today.weekday()
        page.select_option(f'select[name="c-{alice}-{offset}-shift"]', "standard")
        with page.expect_navigation():
            page.click("button.btn.primary")
        assert page.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
        assert _rows(RosterEntry.staff_id, RosterEntry.day) == [(alice, today)]
        selected = page.eval_on_selector(
            f'select[name="c-{alice}-{offset}-shift"]', "el => el.value")
        assert selected == "standard"

        context.clear_cookies()
        log_in(page, "staff_alice")
        page.goto("/attendance/clock")
        with page.expect_navigation():
            page.click("button.clock-button")
        assert page.locator("[data-last-punch]").count() == 1
        assert page.locator("tr[data-session]").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
        assert _rows(Punch.staff_id) == [(alice,)]
    finally:
        context.close()
    assert not errors, errors
