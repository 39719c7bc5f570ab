"""Every page carries the security headers, and no page needs inline script (so the strict CSP holds).

The walk: every GET route of the url_map as a signed-in admin with the demo province loaded; routes with
arguments are reached through the links of the pages already seen (one page per route); the player, its
service worker and the public SMS pages anonymously."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from signage import security
from signage.demo import read_province
from signage.extensions import db
from signage.registry import demo_loaders
from tests.conftest import Client

NOT_PAGES = (".json", ".jpg", ".csv", ".pdf", ".docx", "<fmt>", "/static/<path:filename>", "/media/<name>", "/q/",
             "/api/")
#: Pages with arguments no page links to, or whose rows the demo has none of; their templates are still
#: scanned for inline script (`test_no_template_has_inline_script`), the public SMS ones are fetched below.
NOT_LINKED = {
    "fleet.incident",  # no incident in the demo
    "sms.import_status",  # an RQ job id
    "sms_public.confirm_code", "sms_public.optout",  # signed tokens
    "alerts.live",  # fetched by the live board's script
    "sms.outbox_phone",  # a phone number
}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.inline.append(self.get_starttag_text())
        handlers = [name for name in values if name.startswith("on")]
        if handlers:
            self.inline.append(f"<{tag} {' '.join(handlers)}=…>")


def _check(response, url: str) -> _Page:
    for name in security.HEADERS:
        assert response.headers.get(name), f"{url}: no {name}"
    page = _Page()
    if response.mimetype == "text/html":
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline' " not in csp.split("script-src")[1].split(";")[0]
        page.feed(response.get_data(as_text=True))
        assert page.inline == [], f"{url}: inline script {page.inline}"
    return page


def _everything_demo(app, demo) -> None:
    """Every package's demo (slides, tickers, playlists, contacts...) plus what no demo makes: a screen
    group, a picture in the library and an alert."""
    import io

    from PIL import Image

    from alerts.service import raise_alert
    from content.media_service import add_upload
    from signage.models import ScreenGroup, User

    data = read_province(app.config["DEMO_DATA"])
    for loader in demo_loaders(app):
        loader(data)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    db.session.add(ScreenGroup(name="Bãi biển", region_id=demo["BT-PT"].id))
    db.session.commit()
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "#0b6bcb").save(picture, "PNG")
    picture.seek(0)
    with app.test_request_context():
        add_upload(picture, "biển.png", demo["BT-PT"].id, admin.id, [])
    raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão số 5"}, created_by_id=None)


def _is_page(rule) -> bool:
    return "GET" in rule.methods and not any(part in rule.rule for part in NOT_PAGES)


def test_every_operator_page_carries_the_security_headers(app, login, demo):
    _everything_demo(app, demo)
    admin = login("admin")
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if _is_page(r)]
    seen: dict[str, str] = {}
    queue = [r.rule for r in rules if not r.arguments]
    while queue:
        url = queue.pop(0)
        try:
            rule, _args = adapter.match(urlsplit(url).path, method="GET", return_rule=True)
        except HTTPException:
            continue
        endpoint = rule.endpoint
        if endpoint in seen or endpoint.startswith(("auth.", "player.")) or not _is_page(rule):
            continue
        seen[endpoint] = url
        response = admin.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        page = _check(response, url)
        queue.extend(urljoin(url, link) for link in page.links
                     if not urlsplit(link).netloc and not link.startswith(("#", "mailto:", "tel:")))
    missing = {r.endpoint for r in rules} - set(seen) - NOT_LINKED - {"auth.login"} - {
        r.endpoint for r in rules if r.endpoint.startswith("player.")}
    assert missing == set(), f"pages not reached by the walk: {sorted(missing)}"


def test_the_player_its_service_worker_and_the_sign_in_page_carry_them(app):
    client = Client(app)
    for url in ("/play/", "/play/sw.js", "/play/static/js/main.js", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        _check(response, url)


def test_the_public_sms_pages_carry_them(app, demo):
    from sms.models import Contact
    from sms.render import optout_token

    client = Client(app)
    _check(client.get("/sms/join"), "/sms/join")
    contact = Contact(phone="+84912345678", region_id=demo["BT-PT"].id)
    db.session.add(contact)
    db.session.commit()
    url = f"/sms/o/{optout_token(contact.id)}"
    response = client.get(url)
    assert response.status_code == 200 and 'id="optout"' in response.get_data(as_text=True)
    _check(response, url)


def test_error_pages_and_media_keep_a_policy_too(app):
    response = Client(app).get("/no-such-page")
    assert response.status_code == 404
    _check(response, "/no-such-page")


def test_no_template_has_inline_script():
    """Also the pages the walk cannot reach: every template of every package."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in sorted(root.glob("*/templates/**/*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        assert page.inline == [], f"{path.relative_to(root)}: inline script {page.inline}"
