"""The real pages in headless Chromium at tablet size (768×1024, ARCHITECTURE "Front end"):
each role logs in through the form and sees the navigation of its role, in Chinese, and no
page it can reach from there overflows sideways."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 768, "height": 1024}
SCREENSHOT = "/tmp/browser-nav.png"

NAV_LABELS = ("首页", "人员", "窗口", "部门", "导入人员", "中心", "用户", "审计日志")
# The foundation's links per role, in order; feature packages may add links of their own,
# but never one of NAV_LABELS that a role should not have.
NAV = {
    "staff_alice": ["首页", "窗口"],
    "inspector": ["首页", "人员", "窗口", "部门"],
    "lead_sw": ["首页", "人员", "窗口", "部门"],
    "hr_a": ["首页", "人员", "窗口", "部门", "导入人员"],
    "admin_a": ["首页", "人员", "窗口", "部门", "导入人员", "中心", "用户", "审计日志"],
}


@pytest.fixture
def page(browser, live_server, world):
    # A Chinese browser, as on the hall's PCs and tablets (the app honours Accept-Language).
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password-123")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert not page.url.endswith("/login"), f"{username} was not logged in"


def layout(page) -> dict:
    return page.evaluate("""() => ({
        lang: document.documentElement.lang,
        width: document.documentElement.scrollWidth,
        nav: [...document.querySelectorAll('nav#main-nav a')].map(a => a.textContent.trim()),
        links: [...document.querySelectorAll('nav#main-nav a')].map(a => a.getAttribute('href')),
    })""")


@pytest.mark.parametrize("username", list(NAV))
def test_each_role_sees_its_navigation_in_chinese_without_overflow(page, username):
    log_in(page, username)
    home = layout(page)
    assert home["lang"] == "zh-CN"
    foundation_links = [label for label in home["nav"] if label in NAV_LABELS]
    assert foundation_links == NAV[username], home["nav"]
    assert home["width"] <= VIEWPORT["width"], f"home overflows: {home['width']}px"
    if username == "admin_a":
        page.screenshot(path=SCREENSHOT, full_page=True)

    # Every page the navigation offers opens, in Chinese, at tablet width.
    for label, href in zip(home["nav"], home["links"]):
        response = page.goto(href)
        assert response.status == 200, f"{label} ({href}): {response.status}"
        shown = layout(page)
        assert shown["lang"] == "zh-CN", href
        assert shown["width"] <= VIEWPORT["width"], f"{href} overflows: {shown['width']}px"
        assert shown["nav"] == home["nav"], href


def test_a_staff_login_opening_the_staff_list_lands_on_its_own_record(page):
    log_in(page, "staff_alice")
    page.goto("/staff")
    assert page.url.endswith("/staff/S1")
    assert "张丽" in page.content()
    assert page.goto("/staff/S2").status == 403
    assert "您的角色无权查看此页面" in page.content()


def test_wrong_password_is_shown_in_chinese(page):
    page.goto("/login")
    page.fill("input[name=username]", "hr_a")
    page.fill("input[name=password]", "not-the-password")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".flash-error")
    assert page.inner_text(".flash-error") == "用户名或密码错误。"
    assert layout(page)["nav"] == []
