"""The camera pages in headless Chromium at tablet size: regions drawn on the picture with a
mouse and with a finger (regions.js), and a flag reviewed from the keyboard (review.js)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from camera_hooks.models import CameraFlag, CameraRegion, FlagState, RegionKind
from compliance.extensions import db
from compliance.org.models import Window
from tests.attendance.helpers import DAY, local, roster
from tests.foundation.test_browser import VIEWPORT, layout, log_in

from . import helpers

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser, live_server, world):
    made = []

    def open_context(touch: bool = False):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server,
                                      has_touch=touch)
        context.set_default_timeout(10_000)
        made.append(context)
        return context.new_page()

    yield open_context
    for context in made:
        context.close()


def _release() -> None:
    """End the test's transaction: on SQLite a transaction outside a GET request holds the
    write lock (BEGIN IMMEDIATE), which the live server's requests would wait for."""
    db.session.rollback()


def _region(code: str, kind: RegionKind) -> list:
    _release()
    polygon = db.session.scalars(sa.select(CameraRegion).join(CameraRegion.window).where(
        CameraRegion.kind == kind, Window.code == code)).one().polygon
    _release()
    return polygon


def _to_page(canvas_box: dict, x: float, y: float) -> tuple[float, float]:
    scale = canvas_box["width"] / 1280
    return canvas_box["x"] + x * scale, canvas_box["y"] + y * scale


def test_draw_regions_with_a_mouse_and_with_a_finger(context, world):
    helpers.set_up_camera(world.a)
    _release()
    page = context()
    log_in(page, "admin_a")
    page.goto("/cameras/CAM1/regions")
    canvas = page.locator("canvas[data-canvas]")
    canvas.wait_for()
    assert not page.locator("[data-json-field]").is_visible()  # the editor replaces the JSON
    assert layout(page)["width"] <= VIEWPORT["width"]
    page.select_option("select[data-window]", "A01")
    page.check("input[data-kind][value=seat]")
    page.click("button[data-action=clear]")
    box = canvas.bounding_box()
    corners = [(60, 120), (260, 120), (280, 420), (40, 420)]
    for x, y in corners + corners[:1]:  # the first corner again closes the polygon
        page.mouse.click(*_to_page(box, x, y))
    # Drag the third corner a little further right.
    page.mouse.move(*_to_page(box, 280, 420))
    page.mouse.down()
    page.mouse.move(*_to_page(box, 300, 424), steps=4)
    page.mouse.up()
    with page.expect_navigation():
        page.click("form.regions-form button[type=submit]")
    assert page.url.endswith("/cameras/CAM1")
    drawn = _region("A01", RegionKind.seat)
    expected = [(60, 120), (260, 120), (300, 424), (40, 420)]
    assert len(drawn) == 4
    assert all(abs(a - b) <= 3 for point, want in zip(drawn, expected)
               for a, b in zip(point, want)), drawn
    assert len(db.session.scalars(sa.select(CameraRegion)).all()) == 4  # the others kept
    _release()

    tablet = context(touch=True)
    log_in(tablet, "admin_a")
    tablet.goto("/cameras/CAM1/regions")
    canvas = tablet.locator("canvas[data-canvas]")
    canvas.wait_for()
    tablet.select_option("select[data-window]", "D01")
    tablet.check("input[data-kind][value=desk]")
    tablet.click("button[data-action=clear]")
    box = canvas.bounding_box()
    corners = [(330, 440), (620, 440), (630, 550), (320, 550)]
    for x, y in corners + corners[:1]:
        tablet.touchscreen.tap(*_to_page(box, x, y))
    with tablet.expect_navigation():
        tablet.click("form.regions-form button[type=submit]")
    drawn = _region("D01", RegionKind.desk)
    assert all(abs(a - b) <= 3 for point, want in zip(drawn, corners)
               for a, b in zip(point, want)), drawn


def test_review_a_flag_from_the_keyboard(context, world, client):
    helpers.set_up_camera(world.a)
    roster(world.alice)
    roster(world.carol)
    from tests.conftest import api_token

    headers = api_token(client, "admin_a")
    response = client.post("/api/v1/cameras/CAM1/snapshots", headers=headers,
                           content_type="multipart/form-data", data={
                               **helpers.upload(helpers.scene()),
                               "taken_at": local(DAY, 10).isoformat()})
    assert response.status_code == 201
    first, second = db.session.scalars(sa.select(CameraFlag).order_by(CameraFlag.id)).all()
    first_id, second_id = first.id, second.id
    _release()
    page = context()
    log_in(page, "inspector")
    page.goto("/camera-flags")
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].endswith(f"/camera-flags/{first_id}")
    assert layout(page)["width"] <= VIEWPORT["width"]
    page_reasons = page.eval_on_selector_all("[data-reason]",
                                             "nodes => nodes.map(n => n.dataset.reason)")
    with page.expect_navigation():
        page.keyboard.press("2")  # dismiss: the absence was authorised
    assert page.url.split("?")[0].endswith(f"/camera-flags/{second_id}")  # the next one
    with page.expect_navigation():
        page.keyboard.press("c")  # confirm with the suggested item (十不准·无故离岗)
    db.session.expire_all()
    first, second = db.session.get(CameraFlag, first_id), db.session.get(CameraFlag, second_id)
    assert first.state is FlagState.dismissed
    assert first.reason == page_reasons[1]
    assert second.state is FlagState.confirmed and second.item_code == "ten_prohibitions.01"
    assert second.finding.staff == world.carol
    assert page.url.endswith("/camera-flags") or "/camera-flags?" in page.url
