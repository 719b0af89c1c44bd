"""The tablet patrol in headless Chromium at 768×1024 (portrait) and 1024×768: an inspector
picks a window from the hall list, finds the rostered person filled in, answers the whole
checklist by taps with one failure and a photo, survives a reload and a dropped connection,
submits, and the finding with its photo is there; a submit whose answer is lost on the way is
retried without a second inspection."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from compliance.attendance.roster import RosterLine, save_roster
from compliance.conduct.models import Evidence, Finding
from compliance.extensions import db
from compliance.timeutil import local_today
from inspections.models import Inspection
from tests.foundation.test_browser import log_in

from .helpers import jpeg

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
FAILED = "ten_prohibitions.08"  # 不准公办私事、电话聊天: major, 5 points


@pytest.fixture
def rostered(world):
    """Alice (S1, a woman) rostered at A01 today, standard shift."""
    save_roster(world.a.id, [RosterLine("S1", local_today("Asia/Shanghai"))])
    db.session.commit()
    return world


def _tablet(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def tablet(browser, live_server, rostered):
    context = _tablet(browser, live_server, PORTRAIT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def count(model) -> int:
    """Read in a transaction of its own: on SQLite the test thread's transaction would hold
    the write lock the server thread needs."""
    db.session.expire_all()
    try:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))
    finally:
        db.session.rollback()


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def visible_items(page) -> list[str]:
    return page.eval_on_selector_all(
        "div.item:not([hidden])", "els => els.map(e => e.dataset.item)")


def tap(page, code: str, answer: str) -> None:
    page.locator(f'[data-item="{code}"] .answer.{answer}').tap()


def open_checklist(page) -> None:
    log_in(page, "inspector")
    page.goto("/inspections/hall")
    assert width(page) <= PORTRAIT["width"]
    assert "张丽" in page.inner_text('[data-window="A01"]')  # the roster, on the hall list
    page.locator('[data-window="A01"]').tap()
    page.wait_for_url(re.compile(r"/inspections/hall/A01"))


def test_a_whole_patrol_on_a_tablet(tablet):
    page = tablet
    open_checklist(page)
    assert page.input_value("[data-person]") == "S1"  # filled in from the roster
    items = visible_items(page)
    assert "grooming.f.makeup" in items and "grooming.m.shaven" not in items  # she is a woman
    assert width(page) <= PORTRAIT["width"]

    half = len(items) // 2
    for code in items[:half]:
        tap(page, code, "fail" if code == FAILED else "pass")
    assert page.locator("[data-progress-text]").inner_text() == f"{half} / {len(items)}"

    # A reload keeps everything tapped so far (the draft lives in the browser).
    page.reload()
    assert page.is_checked(f'[data-item="{items[0]}"] input[value=pass]')
    assert page.locator("[data-progress-text]").inner_text() == f"{half} / {len(items)}"
    assert "恢复" in page.inner_text("[data-status]")

    for code in items[half:]:
        tap(page, code, "fail" if code == FAILED else "pass")
    failed = page.locator(f'[data-item="{FAILED}"]')
    failed.locator("textarea").fill("窗口有群众等候时用手机聊天")
    failed.locator("input[type=file]").set_input_files(
        files=[{"name": "phone.jpg", "mimeType": "image/jpeg", "buffer": jpeg(1600, 1200)}])
    failed.locator(".thumb img").wait_for()
    assert page.eval_on_selector("[data-progress]", "p => [p.value, p.max]") == \
        [len(items), len(items)]

    # The connection drops as the inspector taps Submit: nothing is lost, nothing is stored.
    page.context.set_offline(True)
    page.locator(".submit-row [data-submit]").tap()
    expect(page.locator("[data-status]")).to_contain_text("网络未连接")
    assert count(Inspection) == 0
    # The connection returns: the kept submit goes out by itself, then the photo.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_url(re.compile(r"/inspections/\d+$"))

    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert count(Inspection) == 1 and inspection.score == 95
    assert inspection.staff.staff_no == "S1" and inspection.window.code == "A01"
    assert (inspection.passed, inspection.failed) == (len(items) - 1, 1)
    (finding,) = db.session.scalars(sa.select(Finding)).all()
    assert finding.item_code == FAILED and finding.note == "窗口有群众等候时用手机聊天"
    assert len(finding.evidence) == 1 and count(Evidence) == 1
    # The report shows the failure and its photo; the draft is gone from the tablet.
    assert "不准公办私事、电话聊天" in page.content()
    page.locator(".photo-grid img").wait_for()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith("
                         "'inspection-draft')).length") == 0
    assert width(page) <= PORTRAIT["width"]


def test_a_submit_whose_answer_is_lost_is_retried_without_a_second_inspection(tablet):
    page = tablet
    open_checklist(page)
    for button in page.locator("[data-rest-pass]").all():
        button.tap()
    tap(page, "posture.sit", "fail")
    page.locator('[data-item="posture.sit"] textarea').fill("趴在桌上休息")
    posts = []

    def lose_the_first_answer(route):
        posts.append(route.request.post_data_json["client_id"])
        if len(posts) == 1:
            route.fetch()  # the server records it …
            route.abort()  # … and the tablet never hears back
        else:
            route.continue_()

    page.route("**/api/v1/inspections", lose_the_first_answer)
    page.locator(".submit-row [data-submit]").tap()
    expect(page.locator("[data-status]")).to_contain_text("网络未连接")
    assert count(Inspection) == 1  # recorded, though the tablet does not know yet
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    assert len(posts) == 2 and posts[0] == posts[1]  # the retry carries the same id
    assert count(Inspection) == 1 and count(Finding) == 1
    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert page.url.endswith(f"/inspections/{inspection.id}") and inspection.score == 99


def test_landscape_and_the_other_gender(browser, live_server, rostered):
    context = _tablet(browser, live_server, LANDSCAPE)
    page = context.new_page()
    try:
        log_in(page, "inspector")
        page.goto("/inspections/hall/A01")
        assert width(page) <= LANDSCAPE["width"]
        # Choosing a man instead hides the women's items and shows the men's.
        page.select_option("[data-person]", "S2")
        items = visible_items(page)
        assert "grooming.m.shaven" in items and "grooming.f.makeup" not in items
        tap(page, "grooming.m.shaven", "pass")
        assert page.locator("[data-progress-text]").inner_text() == f"1 / {len(items)}"
        page.goto("/inspections/templates/staff_conduct")
        assert width(page) <= LANDSCAPE["width"]
    finally:
        context.close()
