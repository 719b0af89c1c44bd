"""The board in headless Chromium at tablet size: it refreshes itself (a punch recorded after
the page was opened shows up without a reload), and the month sheet fits the screen (its
table scrolls inside its frame)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from compliance.attendance import pages_board
from compliance.attendance.models import PunchSource
from compliance.attendance.punches import PunchIn, record_punches
from compliance.attendance.roster import RosterLine, save_roster
from compliance.db import utcnow
from compliance.extensions import db
from compliance.timeutil import local_now
from tests.foundation.test_browser import log_in

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def test_the_board_refreshes_without_a_reload(browser, live_server, world, monkeypatch):
    monkeypatch.setattr(pages_board, "REFRESH_SECONDS", 1)
    today = local_now(world.a.timezone).date()
    save_roster(world.a.id, [RosterLine("S1", today)])
    db.session.commit()
    context = browser.new_context(viewport=TABLET, locale="zh-CN", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, "hr_a")
        page.goto("/attendance/board")
        page.evaluate("document.body.dataset.loadedOnce = 'yes'")  # gone after a reload
        row = page.locator('[data-staff="S1"]')
        now = utcnow().replace(microsecond=0)
        shown = now.astimezone(ZoneInfo(world.a.timezone)).strftime("%H:%M")
        assert shown not in row.inner_text()
        record_punches([PunchIn(world.alice, now, PunchSource.web)], now=now)
        db.session.commit()
        page.wait_for_function(
            "t => document.querySelector('[data-staff=\"S1\"]').textContent.includes(t)",
            arg=shown)
        assert page.evaluate("document.body.dataset.loadedOnce") == "yes"
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        page.goto(f"/attendance/departments/ZH/{today.strftime('%Y-%m')}")
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    finally:
        context.close()
    assert not errors, errors
