"""The player in real headless Chromium against the controller under gunicorn (issue 5's tests).

The playback clock is accelerated with `?speed=N`, so minutes of schedule pass in seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import browser_sign_in
from tests.servers import ControllerProcess

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
STATION = "Ga Phan Thiết"  # 1920×1080, vi + en
RESORT = "Đường Nguyễn Đình Chiểu — khu resort Hàm Tiến"  # 1080×1920, five languages
MARKET = "Chợ Phan Thiết"  # 384×64 running-text strip


def open_player(chromium, base: str, size: tuple[int, int], *, speed: float = 1, token: str | None = None):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN",
                                   service_workers="allow")
    if token:
        context.add_init_script(f"localStorage.setItem('signage.player.token', {json.dumps(token)})")
    page = context.new_page()
    page.goto(f"{base}/play?speed={speed}")
    return context, page


def wait_for(page, expression: str, timeout_s: float = 15, arg=None):
    """Until `expression` (a JS expression, or a function taking `arg`) is true; a promise it gives is awaited
    ("window.__player.store.count('play').then(n => n === 0)"). Polled with `page.evaluate`, which awaits
    promises — Playwright's wait_for_function would take the promise itself as true and return at once — and
    as a function: a bare expression is evaluated with eval, which the player's CSP (no unsafe-eval) refuses.
    A page reloading meanwhile (the player does when its code changes) is asked again."""
    from playwright.sync_api import Error

    if not expression.lstrip().startswith(("(", "function")):
        expression = f"() => ({expression})"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(expression, arg):
                return
        except Error as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {expression}")
        time.sleep(0.1)


def stats(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(window.__player.stats))")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_pairs_then_plays_the_timeline_in_order_with_the_right_durations(chromium, controller, on_air):
    """Also: an item whose file is missing on the server is skipped, and the error reaches the controller."""
    from content import storage
    from scheduling.manifest import build_manifest

    screen = on_air.screen(STATION, poll_interval=5)
    images = [on_air.image(label, i) for i, label in enumerate(("MŨI NÉ", "BÀU TRẮNG", "KÊ GÀ", "HỎNG"))]
    durations = (10, 20, 10, 10)
    steps = [("media", m, d) for m, d in zip(images, durations, strict=True)]
    playlist = on_air.playlist("Du lịch", [steps[0], steps[1], steps[3], steps[2]])
    on_air.schedule(playlist, screen)
    manifest, _etag = build_manifest(screen.id)
    broken = next(i for i in manifest["timeline"][0]["items"] if i["item_id"] == images[3])["assets"]["vi"]
    storage.path_for(broken["sha256"], broken["url"].rsplit(".", 1)[1]).unlink()

    context, page = open_player(chromium, controller.url, (1920, 1080), speed=10)
    errors: list[str] = []
    page.on("request", lambda r: r.url.endswith("/heartbeat") and errors.extend(json.loads(r.post_data)["errors"]))
    code_el = page.locator("#pairing .pair-code")
    wait_for(page, "/[A-Z0-9]{3}.[A-Z0-9]{3}/.test(document.querySelector('#pairing .pair-code').textContent)")
    shot(page, "player-pairing-1920x1080.png")
    font_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.pair-code')).fontSize)")
    assert font_px >= 200  # readable from across a street on a 1080p screen
    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    browser_sign_in(desk, controller.url, "phanthiet")
    desk.goto(f"{controller.url}/screens/{screen.id}")
    desk.fill("input[name='claim-code']", code_el.text_content().replace("\u2009", ""))
    desk.click("form[action$='/pair'] button[type=submit]")
    desk.context.close()

    # the broken item is dropped from the loop when it fails to load; from then on the loop is A, B, C
    wait_for(page, "window.__player && window.__player.stats.skipped >= 1", 40)
    settled_at = stats(page)["transitions"] + 1
    wait_for(page, f"window.__player.stats.transitions >= {settled_at + 7}", 40)
    now = stats(page)
    history = now["history"][-(now["transitions"] - settled_at):]
    assert images[3] not in [h["item_id"] for h in now["history"]]
    positions = [images.index(h["item_id"]) for h in history]
    for a, b in zip(positions, positions[1:], strict=False):
        assert b == (a + 1) % 3, f"out of order: {positions}"
    for h, pos in zip(history, positions, strict=False):
        assert h["end"] - h["start"] == durations[pos] * 1000
    # shown on time: each switch happens at its slot's start on the (accelerated, 10×) clock; 500 ms of real
    # slack for a loaded test machine (on an idle one it is a few ms)
    for h in history[1:]:
        assert 0 <= h["at"] - h["start"] < 5000, history
    assert page.evaluate("document.querySelector('#pairing').hidden")
    wait_for(page, "window.__player.stats.heartbeatsSent.length >= 2", 15)
    assert any(broken["url"] in e for e in errors), errors
    context.close()


SETTLED = """() => {
  const layers = Array.from(document.querySelectorAll('.layer')).map(l => getComputedStyle(l).opacity);
  return layers.includes('1') && layers.every(o => o === '0' || o === '1');
}"""


def settle(page) -> None:
    page.wait_for_function(SETTLED, timeout=10_000, polling=50)


def front_image_loaded(page) -> bool:
    return page.evaluate("""() => {
      const front = Array.from(document.querySelectorAll('.layer')).find(l => getComputedStyle(l).opacity === '1');
      return !!front && front.querySelector('img').naturalWidth > 0;
    }""")


def test_controller_down_keeps_playing_survives_a_reload_and_delivers_the_queue_exactly_once(
    chromium, controller, service_env, on_air, paired
):
    from players.models import PlayRecord
    from signage.extensions import db

    screen = on_air.screen(STATION, poll_interval=5)
    images = [on_air.image(label, i) for i, label in enumerate(("PHAN THIẾT", "HÒN RƠM"))]
    on_air.schedule(on_air.playlist("Hai ảnh", [("media", images[0], 10), ("media", images[1], 10)]), screen)
    screen_id, token = paired(STATION)
    context, page = open_player(chromium, controller.url, (1280, 720), speed=10, token=token)
    beats: dict[str, list[int]] = {}

    def on_response(response):
        if response.url.endswith("/api/player/v1/heartbeat") and response.request.method == "POST":
            sent_at = json.loads(response.request.post_data)["sent_at"]
            beats.setdefault(sent_at, []).append(response.status)

    page.on("response", on_response)
    wait_for(page, "navigator.serviceWorker.controller && window.__player.stats.transitions >= 2", 20)
    wait_for(page, "window.__player.stats.synced >= 1", 20)  # every asset is in Cache Storage
    wait_for(page, "window.__player.stats.heartbeatsSent.length >= 1", 15)

    controller.stop()
    before = stats(page)["transitions"]
    wait_for(page, f"window.__player.stats.transitions >= {before + 3}", 15)
    page.reload()  # served by the service worker: the page, its scripts, the last manifest and the assets
    wait_for(page, "window.__player && window.__player.stats.transitions >= 3", 20)
    assert front_image_loaded(page)
    wait_for(page, "window.__player.store.count('heartbeat').then(n => n >= 1)", 15)
    queued_plays = page.evaluate("window.__player.store.count('play')")
    assert queued_plays >= 3

    revived = ControllerProcess(service_env)
    revived.port = controller.port
    revived.start()
    try:
        page.evaluate("window.__player.flush()")
        wait_for(page, "Promise.all([window.__player.store.count('play'), window.__player.store.count('heartbeat')])"
                       ".then(([p, h]) => p === 0 && h === 0)", 30)
        page.evaluate("window.__player.flush()")
        db.session.expire_all()
        rows = db.session.execute(
            select(PlayRecord.client_id, func.count()).where(PlayRecord.screen_id == screen_id)
            .group_by(PlayRecord.client_id)
        ).all()
        assert len(rows) >= queued_plays
        assert all(count == 1 for _client, count in rows)
        assert beats and all(statuses.count(200) == 1 for statuses in beats.values()), beats
    finally:
        context.close()
        revived.stop()


def test_changes_reach_the_screen_within_one_poll_interval(chromium, controller, on_air, paired):
    """An approved slide appears, a removed one goes, a new player version makes the player reload (once)."""
    screen = on_air.screen(STATION, poll_interval=5)
    image = on_air.image("LONG SƠN", 3)
    playlist = on_air.playlist("Tin mới", [("media", image, 1)])
    on_air.schedule(playlist, screen)
    slide = on_air.slide({"vi": "Lễ hội Nghinh Ông", "en": "Whale Worship Festival"},
                         {"vi": "Tối nay 19:00 tại Vạn Thủy Tú", "en": "Tonight 7 pm at Van Thuy Tu"}, approve=False)
    on_air.add_item(playlist, "slide", slide.id, 1)
    _, token = paired(STATION)
    context, page = open_player(chromium, controller.url, (1280, 720), token=token)
    wait_for(page, "window.__player.stats.transitions >= 1 && window.__player.state.manifest", 20)
    interval = page.evaluate("window.__player.state.manifest.poll_interval_s")
    assert ("slide", slide.id) not in [(h["item_type"], h["item_id"]) for h in stats(page)["history"]]

    on_air.approve(slide)
    approved_at = time.monotonic()
    # one poll interval, plus the 1 s item on screen when the manifest arrived, plus 2 s to fetch and load
    shown = f"window.__player.stats.history.some(h => h.item_type === 'slide' && h.item_id === {slide.id})"
    while not page.evaluate(shown) and time.monotonic() - approved_at < interval + 10:
        page.wait_for_timeout(100)
    elapsed = time.monotonic() - approved_at
    assert elapsed <= interval + 1 + 2, f"shown after {elapsed:.1f} s, poll interval {interval} s: {stats(page)}"

    # taken off the playlist: gone from the screen after the next poll
    from scheduling.service import playlist_changed
    from signage.extensions import db

    playlist.items = [i for i in playlist.items if i.item_type != "slide"]
    db.session.commit()
    playlist_changed(playlist)
    page.wait_for_timeout((interval + 2) * 1000)
    settled_at = stats(page)["transitions"]
    wait_for(page, f"window.__player.stats.transitions >= {settled_at + 3}", 10)
    assert [h["item_type"] for h in stats(page)["history"][-3:]] == ["media"] * 3

    # the controller announces another player version: the player reloads itself once, and only once
    polls = []

    def announce_new_version(route):
        polls.append(time.monotonic())
        headers = {k: v for k, v in route.request.headers.items() if k.lower() != "if-none-match"}
        response = route.fetch(headers=headers)
        route.fulfill(response=response, json=dict(response.json(), player_version="next-release"))

    page.route("**/api/player/v1/manifest", announce_new_version)
    page.wait_for_event("framenavigated", timeout=(interval + 5) * 1000)
    wait_for(page, "window.__player && window.__player.stats.transitions >= 1", 20)
    assert page.evaluate("sessionStorage.getItem('signage.player.reloadedFor')") == "next-release"
    page.evaluate("window.__notReloaded = true")
    seen = len(polls)
    deadline = time.monotonic() + interval + 5
    while len(polls) <= seen and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)
    assert len(polls) > seen and page.evaluate("window.__notReloaded === true")
    context.close()


WEBM_FROM_CANVAS = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 360;
  const g = canvas.getContext('2d');
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm;codecs=vp8'});
  const chunks = [];
  recorder.ondataavailable = e => chunks.push(e.data);
  let frame = 0;
  const draw = setInterval(() => {
    g.fillStyle = `hsl(${(frame * 9) % 360}, 65%, 40%)`; g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#fff'; g.font = 'bold 72px sans-serif'; g.fillText('VIDEO ' + frame++, 60, 200);
  }, 40);
  recorder.start();
  await new Promise(r => setTimeout(r, 1500));
  const stopped = new Promise(r => { recorder.onstop = r; });
  recorder.stop();
  await stopped;
  clearInterval(draw);
  return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
}"""

FRONT_VIDEO = """() => {
  const front = Array.from(document.querySelectorAll('.layer')).find(l => l.style.zIndex === '2');
  const v = front && front.querySelector('video');
  return v && v.style.display !== 'none' && v.getAttribute('src')
    ? {time: v.currentTime, paused: v.paused, muted: v.muted, inline: v.playsInline} : null;
}"""


def test_emergency_alert_takes_over_within_5_seconds_and_cancel_resumes(chromium, controller, on_air, paired, demo):
    """The schedule here is a (muted, inline) video then a photo: the video plays from the service worker's
    cache, pauses under the alert and plays on afterwards."""
    maker = chromium.new_context()
    webm = bytes(maker.new_page().evaluate(WEBM_FROM_CANVAS))
    maker.close()
    screen = on_air.screen(STATION)
    video = on_air.upload(webm, "clip.webm")
    on_air.schedule(on_air.playlist("Lịch", [("media", video, 6), ("media", on_air.image("LA GI", 4), 2)]), screen)
    _, token = paired(STATION)
    context, page = open_player(chromium, controller.url, (1920, 1080), token=token)
    ranged = []
    page.on("response", lambda r: r.status == 206 and r.from_service_worker and ranged.append(r.url))
    wait_for(page, "window.__player.stats.synced >= 1 && navigator.serviceWorker.controller !== null", 20)
    # as at the kiosk's every later start: controlled by the service worker from the first request, assets
    # cached (on a first visit the very first play can start before the worker takes control)
    ranged.clear()
    page.reload()
    wait_for(page, "window.__player.stats.transitions >= 1", 20)
    page.wait_for_function(f"() => {{ const v = ({FRONT_VIDEO})(); return v && v.time > 0.3 && !v.paused; }}",
                           timeout=20_000, polling=100)
    playing = page.evaluate(f"({FRONT_VIDEO})()")
    assert playing["muted"] and playing["inline"]
    assert any(url.endswith(".webm") for url in ranged)  # byte ranges answered from Cache Storage

    desk = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    browser_sign_in(desk, controller.url, "approver")
    desk.goto(f"{controller.url}/alerts/new")
    desk.select_option("select[name=region_id]", label="— Thành phố Phan Thiết")
    desk.select_option("select[name=severity]", "extreme")
    desk.fill("textarea[name=message_vi]",
              "Áp thấp nhiệt đới gần bờ. Tàu thuyền không ra khơi, người dân tránh xa bờ biển.")
    desk.fill("textarea[name=message_en]",
              "Tropical depression near the coast. Boats stay in port; keep away from the shore.")
    desk.check("input[name=confirm]")
    desk.screenshot(path=str(ARTIFACTS / "alerts-raise-form.png"), full_page=True)
    desk.click("button[type=submit].danger")
    raised_at = time.monotonic()
    page.wait_for_selector("#alert:not([hidden])", timeout=5000)
    assert time.monotonic() - raised_at < 5
    assert "Áp thấp nhiệt đới" in page.locator("#alert .alert-body").text_content()
    under_alert = page.evaluate(f"({FRONT_VIDEO})()")
    assert under_alert is None or under_alert["paused"]  # nothing plays unseen under the alert
    shot(page, "player-alert-1920x1080.png")
    desk.wait_for_selector("#active-alerts .alert-card")
    desk.screenshot(path=str(ARTIFACTS / "alerts-on-air.png"), full_page=True)

    desk.once("dialog", lambda dialog: dialog.accept())  # cancelling an alert asks first
    desk.click("#active-alerts button[type=submit]")
    page.wait_for_selector("#alert", state="hidden", timeout=5000)
    before = stats(page)["transitions"]
    wait_for(page, f"window.__player.stats.transitions > {before}", 12)
    settle(page)
    assert page.evaluate("""() => {
      const front = Array.from(document.querySelectorAll('.layer')).find(l => getComputedStyle(l).opacity === '1');
      const img = front.querySelector('img'), video = front.querySelector('video');
      return img.style.display !== 'none' ? img.naturalWidth > 0 : video.readyState >= 2 && !video.paused;
    }""")
    desk.context.close()
    context.close()


def test_two_thousand_transitions_keep_heap_and_dom_flat(chromium, controller, on_air, paired):
    screen = on_air.screen(STATION, width=640, height=360)
    images = [on_air.image(f"#{i}", i, size=(640, 360)) for i in range(3)]
    on_air.schedule(on_air.playlist("Nhanh", [("media", m, 1) for m in images]), screen)
    _, token = paired(STATION)
    context, page = open_player(chromium, controller.url, (640, 360), speed=100, token=token)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def measure() -> tuple[float, float]:
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["JSHeapUsedSize"], metrics["Nodes"]

    wait_for(page, "window.__player.stats.transitions >= 150", 60)
    heap_before, nodes_before = measure()
    wait_for(page, "window.__player.stats.transitions >= 2150", 150)
    heap_after, nodes_after = measure()
    context.close()
    print(f"heap {heap_before / 1e6:.2f} → {heap_after / 1e6:.2f} MB, DOM nodes {nodes_before} → {nodes_after}")
    assert nodes_after <= nodes_before + 10
    assert heap_after < heap_before * 1.25 + 1_000_000


WELCOME = {
    "vi": "Chào mừng quý khách đến Bình Thuận", "en": "Welcome to Bình Thuận", "ru": "Добро пожаловать в Биньтхуан",
    "zh": "欢迎来到平顺", "ko": "빈투언에 오신 것을 환영합니다",
}
WELCOME_BODY = {
    "vi": "Biển xanh, cát trắng, nắng vàng quanh năm. Khám phá Mũi Né, Bàu Trắng, Kê Gà, Phú Quý.",
    "en": "Blue sea, white sand and sunshine all year. Discover Mũi Né, Bàu Trắng, Kê Gà and Phú Quý.",
    "ru": "Синее море, белый песок и солнце круглый год. Откройте Муйне, Баучанг, Кега и Фукуи.",
    "zh": "碧海、白沙、全年阳光。探索美奈、白湖、吉嘎和富贵岛。",
    "ko": "푸른 바다, 하얀 모래, 일 년 내내 햇살. 무이네, 바우짱, 께가, 푸꾸이를 만나보세요.",
}
TICKER = {
    "vi": "Lễ hội Nghinh Ông Bình Thuận: 14–16/9 âm lịch tại Vạn Thủy Tú, Phan Thiết",
    "en": "Whale Worship Festival: 14–16 of the 9th lunar month at Van Thuy Tu temple, Phan Thiet",
    "ru": "Праздник поклонения киту: храм Ванг Тхуи Ту, Фантьет",
    "zh": "平顺迎翁节：潘切万水祠", "ko": "빈투언 고래 숭배 축제: 판티엣 반투이뜨 사원",
}


SCREENS = [
    (STATION, (1920, 1080), ["vi", "en"]),
    (RESORT, (1080, 1920), ["vi", "en", "ru", "zh", "ko"]),
    (MARKET, (384, 64), ["vi"]),
]


def test_screenshots_of_slides_tickers_and_alerts_at_three_native_sizes(chromium, controller, on_air, paired, demo):
    from alerts.service import raise_alert

    photo = on_air.image("", 1, size=(1600, 1000))
    for name, size, langs in SCREENS:
        screen = on_air.screen(name)
        slide = on_air.slide({k: WELCOME[k] for k in langs}, {k: WELCOME_BODY[k] for k in langs}, media_id=photo,
                             template="image_caption")
        ticker = on_air.ticker({k: TICKER[k] for k in langs}, speed_px_s=120 if size[1] > 100 else 60)
        on_air.schedule(on_air.playlist(f"Chào mừng {size}", [("slide", slide.id, 30), ("ticker", ticker.id, 30)]),
                        screen)
        _, token = paired(name)
        context, page = open_player(chromium, controller.url, size, token=token)
        label = f"{size[0]}x{size[1]}"
        wait_for(page, "!document.querySelector('#ticker').hidden && window.__player.state.manifest", 20)
        if size[1] > 100:
            wait_for(page, "window.__player.stats.transitions >= 1", 20)
            settle(page)
            assert front_image_loaded(page)
            natural = page.evaluate("""Array.from(document.querySelectorAll('.layer img'))
                .map(i => [i.naturalWidth, i.naturalHeight]).filter(s => s[0])""")
            assert list(size) in natural  # rendered for the screen's native resolution and orientation
        assert TICKER["vi"] in page.locator("#ticker .track").text_content()
        track_x = "new DOMMatrix(getComputedStyle(document.querySelector('#ticker .track')).transform).m41"
        start_x = page.evaluate(track_x)
        # crawling: the first frames of a software-rendered page can take a while on a loaded machine, so the
        # track is given a few seconds to leave its start (a stuck animation still fails)
        wait_for(page, f"{track_x} < {start_x} - 5", 8)
        shot(page, f"player-{label}.png")

        raise_alert(region_id=demo["BT"].id, messages={
            "vi": "Cảnh báo triều cường: không xuống biển từ 17:00 đến 20:00 hôm nay.",
            "en": "Storm surge warning: stay out of the sea from 5 pm to 8 pm today.",
        }, target_screen_ids=[screen.id])
        page.wait_for_selector("#alert:not([hidden])", timeout=5000)
        page.wait_for_timeout(600)
        shot(page, f"player-alert-{label}.png")
        context.close()

    # a portrait screen on a monitor turned on its side (the browser's output stays landscape): drawn rotated
    _, token = paired(RESORT)
    context, page = open_player(chromium, controller.url, (1920, 1080), token=token)
    wait_for(page, "document.documentElement.classList.contains('rotate-90')", 20)
    page.wait_for_selector("#alert:not([hidden])", timeout=5000)  # the alert still on air for this screen
    box = page.evaluate("(() => { const r = document.querySelector('#alert').getBoundingClientRect();"
                        " return [r.width, r.height, document.querySelector('#alert').clientWidth]; })()")
    assert box == [1920, 1080, 1080]  # fills the output, laid out 1080 wide
    shot(page, "player-1080x1920-on-a-landscape-output.png")
    context.close()
