"""The operator pages as a whole (issue 12): the grouped navigation, the header's languages, confirmations
before what cannot be undone, the screen's page and the dashboard's counts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen
from signage.registry import add_nav

SKIP = ("/api/", "/static", "/login", "/logout", "/sms/webhooks", "/sms/join", "/sms/public", "/p/", "/healthz",
        "/metrics", "/player", "/play")


def operator_pages(app) -> list[str]:
    """Every operator page without URL arguments (what the menus lead to)."""
    return sorted({r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments
                   and not r.rule.startswith(SKIP) and not r.rule.endswith((".csv", ".json", ".pdf", ".xlsx"))})


def _header(html: str) -> str:
    return html.split("<main")[0]


def test_the_bar_shows_five_groups_and_the_dashboard_not_thirteen_links(login):
    header = _header(login("admin").get("/").get_data(as_text=True))
    nav = header.split('<nav class="mainnav"')[1].split("</nav>")[0]
    summaries = re.findall(r"<summary[^>]*>([^<]+)</summary>", nav)
    assert summaries == ["Nội dung", "Màn hình & lịch phát", "Cảnh báo", "Báo cáo & quản trị"]
    top_links = re.findall(r'<a href="([^"]+)"', re.sub(r"<details.*?</details>", "", nav, flags=re.S))
    assert top_links == ["/", "/sms/"]
    content = nav.split('data-navgroup="content"')[1].split("</details>")[0]
    assert all(f'href="/content/{p}/"' in content for p in ("media", "slides", "tickers"))


def test_a_group_the_user_sees_one_entry_of_is_a_plain_link(login):
    nav = _header(login("operator").get("/").get_data(as_text=True)).split('<nav class="mainnav"')[1]
    assert 'data-navgroup="alerts"' not in nav and 'href="/alerts/"' in nav  # alert rules are the admin's
    assert "/users/" not in nav and "/audit/" not in nav


def test_the_menu_marks_the_page_shown(login):
    nav = _header(login("operator").get("/screens/").get_data(as_text=True)).split('<nav class="mainnav"')[1]
    screens = nav.split('data-navgroup="screens"')[1].split("</details>")[0]
    assert '<summary class="active">' in screens
    assert re.search(r'href="/screens/"\s+class="active" aria-current="page"', screens)


def test_a_package_must_name_a_known_group():
    with pytest.raises(ValueError):
        add_nav(Flask("x"), "x.index", "X", group="misc")


def test_no_operator_page_offers_a_ui_language_the_ui_does_not_have(app, login):
    admin = login("admin")
    for url in operator_pages(app):
        response = admin.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        header = _header(response.get_data(as_text=True))
        assert "English" in header, url
        assert not {"Русский", "中文", "한국어"} & set(re.findall(r">([^<>]+)</button>", header)), url


def test_every_form_that_retires_unpairs_deletes_or_cancels_asks_first(app, login, demo):
    admin = login("admin")
    with app.app_context():
        screen = db.session.scalar(select(Screen).limit(1))
        urls = operator_pages(app) + [f"/screens/{screen.id}"]
    checked = 0
    for url in urls:
        response = admin.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for form in re.findall(r"<form\b[^>]*>.*?</form>", response.get_data(as_text=True), re.S):
            action = re.search(r'action="([^"]*)"', form)
            if action and re.search(r"/(retire|revoke|delete|cancel)$", action.group(1)):
                restoring = "Khôi phục" in form  # restoring a retired screen needs no question
                assert restoring or "data-confirm=" in form, (url, action.group(1))
                checked += 1
    assert checked >= 2


def test_the_screen_page_has_its_details_edit_pairing_and_schedule(app, login, demo):
    with app.app_context():
        screen = db.session.scalar(select(Screen).where(Screen.name == "Bến xe Phan Thiết"))
    page = login("phanthiet").get(f"/screens/{screen.id}").get_data(as_text=True)
    main = page.split("<main")[1]
    assert "<h1>Bến xe Phan Thiết" in main
    assert f'href="/screens/{screen.id}/edit"' in main
    assert f'action="/players/screens/{screen.id}/pair"' in main  # the player's panel
    assert 'id="calendar"' in main and f"/schedule/calendar?target=screen:{screen.id}" in main
    listing = login("phanthiet").get("/screens/").get_data(as_text=True)
    assert f'href="/screens/{screen.id}">Bến xe Phan Thiết</a>' in listing


def test_the_dashboard_says_what_each_screen_count_is(login):
    page = login("admin").get("/").get_data(as_text=True)
    assert "màn hình đang hoạt động" in page and "chưa ngừng sử dụng, có kết nối hay không" in page
    assert re.search(r"0 trên \d+ màn hình đang hoạt động có kết nối lúc này", page)


def test_the_screen_page_shows_the_players_card_before_the_schedules(app, login, demo):
    with app.app_context():
        screen = db.session.scalar(select(Screen).where(Screen.name == "Bến xe Phan Thiết"))
    main = login("phanthiet").get(f"/screens/{screen.id}").get_data(as_text=True).split("<main")[1]
    assert main.index(f'action="/players/screens/{screen.id}/pair"') < main.index('id="schedule"')
