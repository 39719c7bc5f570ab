"""Issue 12's "done when": a district operator's whole day in real headless Chromium, in Vietnamese, by clicking
what the pages offer — upload → compose → approve → schedule → pair three screen shapes → alert → offline → SMS →
opt-out — against a controller under gunicorn and a `flask worker`, as `make run` serves the product (outbox SMS
gateway, the public address the links are built from set to the controller's).

One test, one story: each step is a function below, named after what the operator does, with assertions on what
they see. The database is only read (to find what to assert), never written, except the province and its
contacts loaded before the day starts (what `make run --with-demo` loads). The controller runs in a zone where it
is about noon, so the promotional SMS are inside the 07:00–22:00 window whenever the test runs."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.conftest import browser_sign_in, midday_zone
from tests.content.conftest import make_photo
from tests.player.test_player_browser import ARTIFACTS, open_player, stats, wait_for
from tests.servers import ControllerProcess, WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The district's three screen shapes: (name in the demo province, glass size)
STATION = "Ga Phan Thiết"
RESORT = "Đường Nguyễn Đình Chiểu — khu resort Hàm Tiến"
MARKET = "Chợ Phan Thiết"
SHAPES = {STATION: (1920, 1080), RESORT: (1080, 1920), MARKET: (384, 64)}
SLIDE = "Lễ hội Nghinh Ông 2026"
SLIDE_SECONDS = 6
RECIPIENT = ("+84912000101", "Nguyễn Thị Lan")  # a resident of Phan Thiết in the demo contacts
WAIT = 15_000  # ms: what "within a few seconds" may take on a loaded 2-core test machine


@dataclass
class Day:
    app: object
    chromium: object
    env: dict
    controller: ControllerProcess
    desk: object = None  # the district operator's browser tab (phanthiet)
    boss: object = None  # the approver's, in a browser context of its own
    dialogs: list[str] = field(default_factory=list)
    glasses: dict = field(default_factory=dict)  # screen name → (context, page)
    screen_ids: dict = field(default_factory=dict)
    slide_id: int = 0

    @property
    def base(self) -> str:
        return self.controller.url

    def desk_page(self, username: str):
        context = self.chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.accept()))  # "yes" to every question
        browser_sign_in(page, self.base, username)
        return page

    def flash(self, page, text: str):
        expect(page.locator(".flash", has_text=text).first).to_be_visible(timeout=WAIT)


def choose_region(page, select: str, name: str) -> None:
    """Pick a region in a select whose options show the tree as "— " prefixes (any depth)."""
    value = page.locator(f"{select} option").evaluate_all(
        "(options, name) => options.find(o => o.textContent.replace(/^(— )+/, '').trim() === name).value", name)
    page.select_option(select, value)


def until(page, expression: str, timeout_s: float) -> None:
    """Until the (possibly asynchronous) JS expression is true, evaluated every 200 ms (page.evaluate awaits a
    promise; wait_for_function would take the promise itself for true)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(200)


def read(app, fn):
    """Run fn() in an app context on fresh data (what the controller committed)."""
    from signage.extensions import db

    with app.app_context():
        db.session.expire_all()
        return fn(db.session)


# ---------------------------------------------------------------- a. upload


def upload_a_photo(day: Day) -> None:
    """A portrait photo taken with the camera turned (EXIF orientation 6: stored 3000×2000, shown upright)."""
    desk = day.desk
    desk.goto(f"{day.base}/content/media/")
    expect(desk.locator("html")).to_have_attribute("lang", "vi")
    desk.evaluate("window.__sameDocument = true")  # gone if the page reloads
    desk.set_input_files("#files", [{"name": "nghinh-ong.jpg", "mimeType": "image/jpeg",
                                     "buffer": make_photo(3000, 2000, exif_orientation=6)}])
    expect(desk.locator("#upload-results li[data-status=ok]")).to_contain_text("nghinh-ong.jpg", timeout=WAIT)
    tile = desk.locator("#media-list .media-tile", has=desk.locator(".media-name", has_text="nghinh-ong.jpg"))
    expect(tile).to_contain_text("2000×3000", timeout=WAIT)  # its displayed size, not the stored 3000×2000
    expect(tile.locator("img")).to_be_visible(timeout=30_000)  # the thumbnail replaces the placeholder in place
    assert tile.get_attribute("data-pending") is None
    expect(desk.locator("#media-empty")).to_have_count(0)
    assert desk.evaluate("window.__sameDocument === true")  # all of it without a reload


# ---------------------------------------------------------------- b. compose


def compose_a_slide(day: Day) -> None:
    desk = day.desk
    previews: list[int] = []

    def preview_answered(response) -> None:
        if "/content/slides/preview" in response.url:
            previews.append(response.status)

    desk.on("response", preview_answered)
    desk.goto(f"{day.base}/content/slides/new")
    desk.fill("input[name=name]", SLIDE)
    desk.select_option("select[name=template]", "image_caption")
    desk.select_option("select[name=media_id]", label="nghinh-ong.jpg")
    desk.fill("input[name=duration_s]", str(SLIDE_SECONDS))
    desk.fill("input[name=title_vi]", "Lễ hội Nghinh Ông")
    desk.fill("input[name=caption_vi]", "Vạn Thủy Tú, Phan Thiết · 14–16/9 âm lịch")
    loaded = """(size) => { const i = document.getElementById('preview-image');
        return i.dataset.size === size && i.complete && i.naturalWidth > 0; }"""
    desk.wait_for_function(loaded, arg="1920x1080", timeout=WAIT)
    desk.select_option("#preview_size", "1080x1920")  # the portrait render of a portrait photo
    desk.wait_for_function(loaded, arg="1080x1920", timeout=WAIT)
    assert desk.evaluate("[document.getElementById('preview-image').naturalWidth,"
                         " document.getElementById('preview-image').naturalHeight]") == [1080, 1920]
    assert previews and all(status == 200 for status in previews), previews  # never a 500 the page hides
    desk.remove_listener("response", preview_answered)
    desk.click("#save-slide")
    day.flash(desk, "Đã lưu trang dưới dạng bản nháp.")
    day.slide_id = int(re.search(r"/slides/(\d+)", desk.url).group(1))
    desk.click("#submit-for-approval")
    day.flash(desk, "Đã gửi duyệt.")
    expect(desk.locator("#workflow")).to_contain_text("Chờ phê duyệt")


# ---------------------------------------------------------------- c. approve


def approve_the_slide(day: Day) -> None:
    desk, boss = day.desk, day.boss
    # the author is offered no way to approve their own work
    desk.goto(f"{day.base}/content/slides/{day.slide_id}")
    expect(desk.locator("#workflow")).to_be_visible()
    expect(desk.locator("#approve")).to_have_count(0)
    boss.goto(f"{day.base}/approvals/")
    boss.click(f"#approval-queue >> text={SLIDE}")
    boss.wait_for_url(f"**/content/slides/{day.slide_id}**")
    boss.click("#approve")
    day.flash(boss, "Đã duyệt: phiên bản này đang được phát.")
    desk.reload()
    expect(desk.locator("#workflow")).to_contain_text("Đang phát: phiên bản 1")


# ---------------------------------------------------------------- d. schedule


def schedule_it_for_the_district(day: Day) -> None:
    desk = day.desk
    desk.goto(f"{day.base}/schedule/playlists/new")
    desk.fill("input[name=name]", "Lễ hội tháng Chín")
    desk.click("form.card button[type=submit].primary")
    day.flash(desk, "Đã tạo danh sách phát. Hãy thêm nội dung.")
    desk.select_option("select[name='add-item']", f"slide:{day.slide_id}")
    desk.click("form:has(select[name='add-item']) button[type=submit].primary")
    day.flash(desk, "Đã thêm nội dung.")
    expect(desk.locator("#items")).to_contain_text(SLIDE)

    desk.goto(f"{day.base}/schedule/entries/new")
    desk.fill("input[name=name]", "Lễ hội Nghinh Ông — toàn thành phố")
    desk.select_option("select[name=playlist_id]", label="Lễ hội tháng Chín")
    choose_region(desk, "select[name=regions]", "Thành phố Phan Thiết")
    desk.click("form.card button[type=submit].primary")
    expect(desk.locator(".flash.success")).to_contain_text("Đã lưu lịch phát", timeout=WAIT)

    # the district's calendar (this week) shows the entry from today to Sunday, all day, on every screen
    desk.goto(f"{day.base}/schedule/calendar")
    choose_region(desk, "#cal-target", "Thành phố Phan Thiết")
    desk.click("form.filters button[type=submit]")
    today = datetime.now(ZoneInfo(day.env["SIGNAGE_TIMEZONE"])).date()
    plan = desk.locator("section.calendar-plan")
    expect(plan).to_have_count(1)  # the district's screens all play alike: one calendar
    entries = plan.locator("svg.calgrid title", has_text="00:00–00:00 Lễ hội Nghinh Ông — toàn thành phố")
    expect(entries).to_have_count(7 - today.weekday())


# ---------------------------------------------------------------- e. pair three screen shapes


def pair_three_screens(day: Day) -> None:
    desk = day.desk
    for name, size in SHAPES.items():
        context, glass = open_player(day.chromium, day.base, size)
        day.glasses[name] = (context, glass)
    for name, (_context, glass) in day.glasses.items():
        wait_for(glass, "/[A-Z0-9]{3}.[A-Z0-9]{3}/.test(document.querySelector('#pairing .pair-code').textContent)")
        code = glass.locator("#pairing .pair-code").text_content().replace("\u2009", "").strip()
        desk.goto(f"{day.base}/screens/")
        desk.click(f"table a:text-is('{name}')")
        day.screen_ids[name] = int(re.search(r"/screens/(\d+)", desk.url).group(1))
        # a 10-second poll, so the screen's page follows the glass closely
        desk.click("a.button:has-text('Sửa màn hình')")
        desk.fill("input[name=poll_interval]", "10")
        desk.click("form.card button[type=submit].primary")
        desk.goto(f"{day.base}/screens/{day.screen_ids[name]}")
        desk.fill("input[name='claim-code']", code)
        desk.click("form[action$='/pair'] button[type=submit]")
        day.flash(desk, f"Đã ghép máy phát với {name}.")
    for name, (_context, glass) in day.glasses.items():
        shows_the_slide(day, name, glass, timeout_s=20)
        assert glass.evaluate("document.querySelector('#pairing').hidden")
        glass.screenshot(path=str(ARTIFACTS / f"day-{SHAPES[name][0]}x{SHAPES[name][1]}.png"))
    # the strip plays the slide (no ticker runs on it): its layout is the slide's own 384×64 render
    for name in SHAPES:
        desk.goto(f"{day.base}/screens/{day.screen_ids[name]}")
        player = desk.locator("section.card", has=desk.locator("h2", has_text="Máy phát"))
        _reload_until(desk, player, f"Đang phát: {SLIDE}", timeout_s=25)
        expect(player.locator(".badge.ok")).to_have_text("trực tuyến")


SHOWS_THE_SLIDE = """([id, width, height]) => {
  if (!window.__player || !document.getElementById('alert').hidden) return false;
  const history = window.__player.stats.history, last = history[history.length - 1];
  const front = Array.from(document.querySelectorAll('.layer')).filter(l => getComputedStyle(l).opacity === '1');
  const img = front.length === 1 && front[0].querySelector('img');
  return !!last && last.item_type === 'slide' && last.item_id === id && !!img && img.style.display !== 'none'
    && img.naturalWidth === width && img.naturalHeight === height;
}"""


def shows_the_slide(day: Day, name: str, glass, timeout_s: float) -> None:
    """The glass shows the slide, rendered for its own shape, and nothing over it. (A player may reload itself
    once when the controller announces new player code: the predicate holds again after that.)"""
    glass.wait_for_function(SHOWS_THE_SLIDE, arg=[day.slide_id, *SHAPES[name]], timeout=timeout_s * 1000,
                            polling=100)


def _reload_until(page, locator, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in locator.inner_text() and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.reload()
    expect(locator).to_contain_text(text)


# ---------------------------------------------------------------- f. alert


def raise_and_cancel_an_alert(day: Day) -> None:
    """Emergencies are raised by the department's approver (alerts.views.RAISE_ROLES: an operator's alerts page
    offers no "raise" button): the approver raises one for the district and cancels it; the operator follows it."""
    boss, desk = day.boss, day.desk
    boss.goto(f"{day.base}/alerts/new")
    choose_region(boss, "select[name=region_id]", "Thành phố Phan Thiết")
    boss.select_option("select[name=severity]", "extreme")
    boss.fill("textarea[name=message_vi]", "Triều cường: không xuống biển từ 17:00 đến 20:00 hôm nay.")
    boss.check("input[name=confirm]")
    boss.click("button[type=submit].danger")
    raised = time.monotonic()
    day.flash(boss, "Đã phát cảnh báo khẩn cấp")
    for name, (_context, glass) in day.glasses.items():
        glass.wait_for_selector("#alert:not([hidden])", timeout=WAIT)
        assert "Triều cường" in glass.locator("#alert").text_content(), name
    assert time.monotonic() - raised < 10
    for name in SHAPES:  # the live board turns each screen "acknowledged" without a reload
        row = boss.locator(f'#ack-table tr[data-screen="{day.screen_ids[name]}"]')
        expect(row).to_have_attribute("data-state", "acknowledged", timeout=WAIT)
    desk.goto(f"{day.base}/alerts/")  # the district's operator sees it on air (and has no "raise" button)
    expect(desk.locator("#active-alerts")).to_contain_text("Triều cường")
    expect(desk.locator(".pagehead a.button.danger")).to_have_count(0)

    day.dialogs.clear()
    boss.click("#active-alerts button[type=submit]")
    day.flash(boss, "Đã hủy cảnh báo: các màn hình trở lại lịch phát.")
    assert day.dialogs and "Hủy cảnh báo này?" in day.dialogs[0], day.dialogs  # it asked first
    for name, (_context, glass) in day.glasses.items():
        glass.wait_for_selector("#alert", state="hidden", timeout=WAIT)
        shows_the_slide(day, name, glass, timeout_s=SLIDE_SECONDS + 10)
    desk.reload()  # and then in the history, under the district it went to
    row = desk.locator("#past-alerts tbody tr", has_text="Triều cường")
    expect(row.locator("td.area")).to_have_text(re.compile(r"^\s*Thành phố Phan Thiết"))
    expect(desk.locator("#active-alerts")).not_to_contain_text("Triều cường")


# ---------------------------------------------------------------- g. offline


def pull_the_controllers_plug(day: Day) -> None:
    from players.models import PlayRecord

    for _context, glass in day.glasses.values():  # every asset cached, and the service worker in charge
        wait_for(glass, "window.__player && window.__player.stats.synced >= 1", 20)
    day.controller.stop()
    down_at = time.monotonic()
    before = {name: stats(glass)["transitions"] for name, (_context, glass) in day.glasses.items()}
    # ~15 s without a controller: the slides go on changing, and each player queues the plays it cannot send
    for _context, glass in day.glasses.values():
        until(glass, "window.__player.store.count('play').then(n => n >= 2)", 25)
    if (rest := 15 - (time.monotonic() - down_at)) > 0:
        day.glasses[STATION][1].wait_for_timeout(rest * 1000)
    for name, (_context, glass) in day.glasses.items():
        assert stats(glass)["transitions"] >= before[name] + 2, name
        shows_the_slide(day, name, glass, timeout_s=SLIDE_SECONDS)
    queued = {name: glass.evaluate("window.__player.store.peek('play', 500).then(ps => ps.map(p => p.body.id))")
              for name, (_context, glass) in day.glasses.items()}  # the plays waiting in each player's store

    revived = ControllerProcess(day.env)
    revived.port = day.controller.port
    day.controller = revived.start()
    for _context, glass in day.glasses.values():  # the queue drains by itself (the player's flush loop, every 5 s)
        until(glass, "window.__player.store.count('play').then(n => n === 0)", 30)
    recorded = read(day.app, lambda s: s.execute(
        select(PlayRecord.screen_id, PlayRecord.client_id, func.count())
        .where(PlayRecord.screen_id.in_(day.screen_ids.values()))
        .group_by(PlayRecord.screen_id, PlayRecord.client_id)).all())
    assert all(count == 1 for _screen, _client, count in recorded)  # each play recorded exactly once ...
    for name, ids in queued.items():  # ... the queued ones included, under their own screen
        assert set(ids) <= {client for screen, client, _n in recorded if screen == day.screen_ids[name]}, name
    durations = read(day.app, lambda s: set(s.scalars(select(PlayRecord.duration_s).where(
        PlayRecord.screen_id.in_(day.screen_ids.values()), PlayRecord.item_type == "slide"))))
    # the slide's own duration, not the 10 s default (plays cut short by the alert are shorter)
    assert durations and SLIDE_SECONDS - 0.5 < max(durations) < SLIDE_SECONDS + 0.5, durations

    for name in SHAPES:
        day.desk.goto(f"{day.base}/screens/{day.screen_ids[name]}")
        player = day.desk.locator("section.card", has=day.desk.locator("h2", has_text="Máy phát"))
        _reload_until(day.desk, player, "trực tuyến", timeout_s=20)
        expect(day.desk.locator("#plays")).to_contain_text(SLIDE)


# ---------------------------------------------------------------- h. SMS


def send_an_sms_campaign(day: Day) -> int:
    desk, boss = day.desk, day.boss
    desk.goto(f"{day.base}/sms/campaigns/new")
    desk.fill("input[name=name]", "Mời dự lễ hội Nghinh Ông")
    desk.select_option("select[name=kind]", "promotional")
    desk.fill("textarea[name=message_vi]", "Mời {name} dự lễ hội Nghinh Ông tại Vạn Thủy Tú, 14–16/9 âm lịch.")
    desk.fill("textarea[name=message_en]", "Whale Worship Festival at Van Thuy Tu temple, 14-16 of the 9th lunar month")
    desk.select_option("select[name=schedule_mode]", "now")
    desk.click("#campaign-form button[type=submit].primary")
    expect(desk.locator("#estimate")).to_be_visible(timeout=WAIT)
    expect(desk.locator("#fallbacks")).to_be_visible()  # Russian, Chinese and Korean tourists get Vietnamese
    campaign_url = desk.url
    campaign_id = int(re.search(r"/campaigns/(\d+)", campaign_url).group(1))
    day.dialogs.clear()
    desk.click("form[action$='/submit'] button[type=submit]")
    day.flash(desk, "Đã gửi duyệt")
    assert day.dialogs, "submitting asks first, with the number of recipients and the cost"
    expect(desk.locator("#approval-state")).to_have_text("Chờ phê duyệt")

    boss.goto(campaign_url)
    expect(boss.locator("select[name=schedule_mode]")).to_have_count(0)
    day.dialogs.clear()
    boss.fill("#approve-comment", "Đồng ý")
    boss.click("form[action$='/approve'] button[type=submit]")
    day.flash(boss, "Đã bắt đầu gửi; tiến độ hiển thị bên dưới.")  # sent with no "Bắt đầu gửi" click
    assert day.dialogs and "mà không cần thao tác nào nữa" in day.dialogs[0], day.dialogs

    desk.goto(campaign_url)
    expect(desk.locator("#progress [role=progressbar]")).to_be_visible(timeout=WAIT)
    total = int(desk.locator("#progress [role=progressbar]").get_attribute("aria-valuemax"))
    assert total == 5  # the district's five contacts (its wards' included)
    expect(desk.locator("#progress [role=progressbar]")).to_have_attribute("aria-valuenow", str(total), timeout=30_000)
    expect(desk.locator("#campaign-status")).to_have_text("Đã xong", timeout=WAIT)
    zone = ZoneInfo(day.env["SIGNAGE_TIMEZONE"])
    started = desk.locator("time").first
    shown = started.inner_text()
    utc = datetime.fromisoformat(started.get_attribute("datetime"))
    assert utc.replace(tzinfo=utc.tzinfo or ZoneInfo("UTC")).astimezone(zone).strftime("%H:%M") in shown
    expect(desk.locator("body")).to_contain_text("giờ địa phương")

    desk.goto(f"{day.base}/sms/outbox")
    expect(desk.locator("#phones li")).to_have_count(5)
    desk.click(f"#phones a:text-is('{RECIPIENT[0]}')")
    bubble = desk.locator("#thread .bubble.out").last
    expect(bubble).to_contain_text(f"Mời {RECIPIENT[1]} dự lễ hội Nghinh Ông")
    return campaign_id


# ---------------------------------------------------------------- i. opt-out


def opt_out_from_the_phone(day: Day) -> None:
    desk = day.desk
    body = desk.locator("#thread .bubble.out").last.inner_text()
    link = re.search(r"https?://\S+/o/\S+", body).group(0)
    assert link.startswith(day.base), link  # the public address is the controller's, not a dead default
    phone = day.chromium.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True,
                                     has_touch=True)
    tap = phone.new_page()
    tap.goto(link)
    expect(tap.locator("#unsubscribed")).to_have_text("Bạn sẽ không nhận tin quảng cáo nữa.", timeout=WAIT)
    assert tap.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    phone.close()

    desk.goto(f"{day.base}/sms/contacts?q={RECIPIENT[0]}")
    row = desk.locator("#contacts tbody tr", has_text=RECIPIENT[0])
    expect(row).to_contain_text("Quảng cáo")
    row.locator("a").first.click()
    expect(desk.locator("#optouts li[data-kind=promotional]")).to_be_visible()


# ---------------------------------------------------------------- the day


def test_a_district_operators_day(app, chromium, demo, service_env):
    from signage.config import DEFAULT_DEMO_DATA
    from signage.demo import read_province
    from sms.demo import load_demo as load_sms_demo

    load_sms_demo(read_province(DEFAULT_DEMO_DATA))  # the province's contacts, as `make run --with-demo` has them
    env = dict(service_env, SIGNAGE_TIMEZONE=midday_zone(), SMS_GATEWAY="outbox", SMS_THROTTLE="0")
    controller = ControllerProcess(env)
    env["PUBLIC_BASE_URL"] = controller.url
    worker = WorkerProcess(env).start()
    day = Day(app=app, chromium=chromium, env=env, controller=controller.start())
    started = time.monotonic()
    try:
        day.desk = day.desk_page("phanthiet")
        day.boss = day.desk_page("approver")
        upload_a_photo(day)
        compose_a_slide(day)
        approve_the_slide(day)
        schedule_it_for_the_district(day)
        pair_three_screens(day)
        raise_and_cancel_an_alert(day)
        pull_the_controllers_plug(day)
        send_an_sms_campaign(day)
        opt_out_from_the_phone(day)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        for name, page in (("desk", day.desk), ("boss", day.boss)):
            if page is not None:
                page.screenshot(path=str(ARTIFACTS / f"day-failure-{name}.png"), full_page=True)
        raise
    finally:
        print(f"the day took {time.monotonic() - started:.0f} s")
        for context, _glass in day.glasses.values():
            context.close()
        for page in (day.desk, day.boss):
            if page is not None:
                page.context.close()
        day.controller.stop()
        worker.stop()
