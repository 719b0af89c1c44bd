"""The window PC's "leave the window / I am back" page in headless Chromium at 768×1024: the
timer runs while away, and coming back ends the absence."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from compliance.attendance.requests import TemporaryAbsence
from compliance.extensions import db
from tests.foundation.test_browser import layout, log_in

pytestmark = pytest.mark.browser


def test_away_timer_runs_and_back_ends_the_absence(browser, live_server, world, tmp_path):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="zh-CN",
                                  base_url=live_server, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, "staff_alice")
        page.goto("/attendance/away")
        page.fill("input[name=away-reason]", "取材料")
        with page.expect_navigation():
            page.click("button[name=away]")
        timer = page.locator("[data-timer]")
        expect(timer).to_have_text(re.compile(r"^00:0\d$"))
        first = timer.inner_text()
        expect(timer).not_to_have_text(first)  # it ticks
        assert layout(page)["width"] <= 768
        page.screenshot(path=str(tmp_path / "away.png"))
        with page.expect_navigation():
            page.click("button[name=back]")
        expect(page.locator("button[name=away]")).to_be_visible()
    finally:
        context.close()
    assert not errors, errors
    db.session.expire_all()
    absence = db.session.scalars(sa.select(TemporaryAbsence)).one()
    db.session.rollback()
    assert absence.ended_at is not None and absence.reason == "取材料"
