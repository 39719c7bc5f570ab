"""The operator pages in real Chromium (issue 12): axe-core finds no serious or critical accessibility
violation on the pages of an operator's day; the grouped menus work from the keyboard; retiring a screen asks
first and does nothing when the operator says no.

axe-core comes from a pinned PyPI package that ships it (axe-playwright-python, requirements-dev.txt)."""

from __future__ import annotations

from importlib.resources import files

import pytest
from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen, ScreenGroup
from tests.conftest import browser_sign_in

pytestmark = pytest.mark.browser

AXE = files("axe_playwright_python") / "axe.min.js"
STATION = "Bến xe Phan Thiết"

PAGES = [  # the pages of an operator's day (forms, lists, the screen's page, calendars, menus)
    "/", "/screens/", "/screens/{screen}", "/screens/{screen}/edit", "/players/status",
    "/schedule/entries/new", "/schedule/calendar?target=group:{group}&view=day",
    "/content/media/", "/content/slides/new", "/alerts/", "/alerts/new", "/sms/",
]


def _violations(page) -> list[str]:
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_the_operator_pages_have_no_serious_accessibility_violations(app, chromium, controller, demo):
    with app.app_context():
        screen = db.session.scalar(select(Screen).where(Screen.name == STATION))
        group = ScreenGroup(name="Bến xe", region_id=screen.region_id, members=[screen])
        db.session.add(group)
        db.session.commit()
        ids = {"screen": screen.id, "group": group.id}
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(path=str(AXE))  # into every page, as the browser's, not as the page's script
    page = context.new_page()
    browser_sign_in(page, controller.url, "approver")
    found = {}
    for path in PAGES:
        url = controller.url + path.format(**ids)
        response = page.goto(url)
        assert response.status == 200, url
        if problems := _violations(page):
            found[path] = problems
    context.close()
    assert found == {}


def test_menus_work_from_the_keyboard_and_retiring_a_screen_asks_first(app, page, controller, demo):
    """One browser session for both (each controller start costs seconds)."""
    browser_sign_in(page, controller.url, "phanthiet")
    summary = page.locator('details[data-navgroup="screens"] > summary')
    for _ in range(12):  # from the top of the page to the menu, as a keyboard user goes
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('details[data-navgroup=\"screens\"]') !== null"):
            break
    assert summary.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.locator('details[data-navgroup="screens"]').evaluate("el => el.open")
    page.keyboard.press("Escape")
    assert not page.locator('details[data-navgroup="screens"]').evaluate("el => el.open")
    assert summary.evaluate("el => el === document.activeElement")  # focus goes back to the menu's name
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the menu's first entry
    page.keyboard.press("Enter")
    page.wait_for_url(f"{controller.url}/screens/")

    # retiring asks; "no" leaves the screen in service, "yes" retires it
    with app.app_context():
        screen_id = db.session.scalar(select(Screen.id).where(Screen.name == STATION))
    page.goto(f"{controller.url}/screens/{screen_id}")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click(f"form[action='/screens/{screen_id}/retire'] button")
    page.wait_for_timeout(300)
    with app.app_context():
        assert db.session.get(Screen, screen_id).retired_at is None
    assert questions and "Ngừng sử dụng màn hình này?" in questions[0]
    page.once("dialog", lambda d: answer(d, True))
    with page.expect_navigation():
        page.click(f"form[action='/screens/{screen_id}/retire'] button")
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Screen, screen_id).retired_at is not None
