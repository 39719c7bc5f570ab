"""Fixtures for the player tests: paired screens (a real token through players.auth)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select


@pytest.fixture
def paired(app, demo):
    """`paired("Chợ Phan Thiết")` → (screen_id, bearer token) for a demo screen."""
    from players.auth import issue_token, publish_tokens
    from signage.extensions import db
    from signage.models import Screen

    def _pair(name: str) -> tuple[int, str]:
        screen = db.session.scalar(select(Screen).where(Screen.name == name))
        token = issue_token(screen.id, None)
        db.session.commit()
        publish_tokens([screen.id])
        return screen.id, token

    return _pair


@pytest.fixture
def module_page(chromium, app):
    """A blank page at a made-up origin whose requests the app answers in process: the player's ES modules can
    be imported and their pure functions called (`page.evaluate("() => import('/play/static/js/x.js')...")`)."""
    origin = "http://player.test"
    context = chromium.new_context()
    page = context.new_page()
    http = app.test_client()

    def serve(route):
        path = route.request.url[len(origin):]
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>t</title>")
            return
        with app.app_context():
            response = http.get(path)
        route.fulfill(status=response.status_code, content_type=response.mimetype, body=response.get_data())

    page.route(f"{origin}/**", serve)
    page.goto(f"{origin}/")
    yield page
    context.close()


# ---------------------------------------------------------------- content on air, through the packages' APIs

PALETTE = [(11, 107, 203), (198, 40, 40), (46, 125, 50), (245, 124, 0), (106, 27, 154), (0, 131, 143)]


def poster(label: str, colour: tuple[int, int, int], size=(1920, 1080)) -> bytes:
    """A clean, legible test image: a coloured field with a large label (what a tester sees on screen)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((0, int(h * 0.78), w, h), fill=tuple(max(0, c - 60) for c in colour))
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", int(min(w, h) * 0.16))
    except OSError:
        font = ImageFont.load_default()
    box = draw.textbbox((0, 0), label, font=font)
    draw.text(((w - (box[2] - box[0])) / 2, (h * 0.78 - (box[3] - box[1])) / 2), label, font=font, fill="white")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def seascape(size=(1600, 1000)) -> bytes:
    """A synthetic photo of the coast: sky gradient, sea, sand dunes and a sun."""
    import io

    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(int(h * 0.55)):
        t = y / (h * 0.55)
        draw.line((0, y, w, y), fill=(int(70 + 120 * t), int(150 + 70 * t), int(230 - 10 * t)))
    draw.ellipse((w * 0.68, h * 0.12, w * 0.8, h * 0.12 + w * 0.12), fill=(255, 214, 90))
    for y in range(int(h * 0.55), int(h * 0.85)):
        t = (y - h * 0.55) / (h * 0.2)
        draw.line((0, y, w, y), fill=(int(10 + 20 * t), int(100 + 50 * t), int(170 + 20 * t)))
    draw.polygon([(0, h * 0.78), (w * 0.35, h * 0.7), (w * 0.7, h * 0.8), (w, h * 0.74), (w, h), (0, h)],
                 fill=(236, 204, 150))
    draw.polygon([(0, h * 0.9), (w * 0.5, h * 0.83), (w, h * 0.92), (w, h), (0, h)], fill=(222, 184, 124))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


class OnAir:
    """Creates media, slides, tickers, playlists and schedule entries with the owners' public functions.
    Renders run inline (RQ_SYNC) in the test process and land in the MEDIA_ROOT the controller serves."""

    def __init__(self, app, demo):
        self.app = app
        self.demo = demo

    def screen(self, name: str, **changes):
        from signage.extensions import db
        from signage.models import Screen

        screen = db.session.scalar(select(Screen).where(Screen.name == name))
        for key, value in changes.items():
            setattr(screen, key, value)
        db.session.commit()
        return screen

    def image(self, label: str, index: int = 0, size=(1920, 1080)) -> int:
        """A poster with a large label, or (label "") a seascape photo."""
        import io

        from content.media_service import add_upload

        data = poster(label, PALETTE[index % len(PALETTE)], size) if label else seascape(size)
        media, _created = add_upload(io.BytesIO(data), f"{label or 'mui-ne'}.png", self.demo["BT"].id, None)
        self.approve(media)  # an upload is a draft until approved (four eyes)
        return media.id

    def upload(self, data: bytes, filename: str) -> int:
        import io

        from content.media_service import add_upload

        media, _created = add_upload(io.BytesIO(data), filename, self.demo["BT"].id, None)
        self.approve(media)
        return media.id

    def _as(self, username: str):
        from flask_login import login_user

        from signage.extensions import db
        from signage.models import User

        ctx = self.app.test_request_context()
        ctx.push()
        login_user(db.session.scalar(select(User).where(User.username == username)))
        return ctx

    def slide(self, title: dict[str, str], body: dict[str, str], *, approve: bool = True, **fields):
        from content.models import Slide
        from signage.extensions import db

        slide = Slide(region_id=self.demo["BT"].id, name=title["vi"], texts={"title": title, "body": body},
                      duration_s=10, **fields)
        db.session.add(slide)
        db.session.commit()
        if approve:
            self.approve(slide)
        return slide

    def approve(self, item) -> None:
        """Submitted by the province's operator, approved by the approver (never the same person: four eyes)."""
        from content import workflow

        for username, step in (("operator", workflow.submit), ("approver", workflow.approve)):
            ctx = self._as(username)
            try:
                step(item)
            finally:
                ctx.pop()

    def ticker(self, texts: dict[str, str], **fields):
        from content.models import Ticker
        from signage.extensions import db

        ticker = Ticker(region_id=self.demo["BT"].id, name=texts["vi"][:60], texts=texts, **fields)
        db.session.add(ticker)
        db.session.commit()
        self.approve(ticker)
        return ticker

    def playlist(self, name: str, items: list[tuple[str, int, float | None]]):
        from scheduling.models import Playlist, PlaylistItem
        from scheduling.service import save_playlist

        steps = [PlaylistItem(position=i, item_type=t, item_id=item_id, duration_s=d)
                 for i, (t, item_id, d) in enumerate(items)]
        playlist = Playlist(region_id=self.demo["BT"].id, name=name, items=steps)
        save_playlist(playlist)
        return playlist

    def add_item(self, playlist, item_type: str, item_id: int, duration_s: float | None) -> None:
        from scheduling.models import PlaylistItem
        from scheduling.service import playlist_changed
        from signage.extensions import db

        playlist.items.append(PlaylistItem(position=len(playlist.items), item_type=item_type, item_id=item_id,
                                           duration_s=duration_s))
        db.session.commit()
        playlist_changed(playlist)

    def schedule(self, playlist, screen, priority: int = 50):
        from scheduling.models import ScheduleEntry
        from scheduling.service import save_entry
        from signage.timeutil import localnow

        entry = ScheduleEntry(region_id=self.demo["BT"].id, name=f"{playlist.name} on {screen.name}",
                              playlist_id=playlist.id, priority=priority,
                              start_date=localnow().date() - timedelta(days=1))
        save_entry(entry, [("screen", screen.id)])
        return entry

    def default(self, screen, playlist) -> None:
        from scheduling.service import set_default

        set_default(screen, playlist.id)


@pytest.fixture
def on_air(app, demo, app_ctx, monkeypatch):
    """Content helpers; runs inside a request context because content's validation messages are translated."""
    monkeypatch.setitem(app.config, "RQ_SYNC", True)
    with app.test_request_context():
        yield OnAir(app, demo)
