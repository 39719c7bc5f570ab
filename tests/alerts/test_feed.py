"""Polling a CAP feed (Atom or RSS) served by a local HTTP server: entries carry the CAP message inline or link
to it; a message seen before changes nothing; `flask worker` polls on its own schedule."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from alerts.models import EmergencyAlert
from signage.extensions import db
from tests.alerts.test_cap import cap_xml


class FeedServer:
    """Serves `documents` (path → bytes) on a free loopback port and counts the requests per path."""

    def __init__(self):
        self.documents: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                body = server.documents.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/xml")
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.stop()


def atom(*entries: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>NCHMF CAP</title><id>urn:nchmf:cap</id>" + "".join(entries) + "</feed>").encode()


def inline_entry(entry_id: str, xml: bytes) -> str:
    alert = xml.decode().split("?>", 1)[1]
    return (f"<entry><id>{entry_id}</id><title>CAP</title><updated>2026-11-23T09:00:00Z</updated>"
            f'<content type="application/cap+xml">{alert}</content></entry>')


def linked_entry(entry_id: str, href: str) -> str:
    return (f"<entry><id>{entry_id}</id><title>CAP</title><updated>2026-11-23T09:00:00Z</updated>"
            f'<link rel="alternate" type="application/cap+xml" href="{href}"/></entry>')


def _alerts() -> list[EmergencyAlert]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmergencyAlert).order_by(EmergencyAlert.id)))


def test_a_feed_raises_each_new_cap_message_once(app, app_ctx, demo, feed_server):
    from alerts import feed
    from signage.redis_client import get_redis

    feed_server.documents["/cap/0102.xml"] = cap_xml(identifier="VN-NCHMF-2026-0102", severity="Moderate")
    feed_server.documents["/feed.atom"] = atom(inline_entry("urn:cap:0101", cap_xml(identifier="VN-NCHMF-2026-0101")),
                                               linked_entry("urn:cap:0102", "/cap/0102.xml"))
    assert feed.poll(f"{feed_server.url}/feed.atom") == {"raised": 2}
    assert [(a.cap_reference.split(",")[1], a.severity, a.source) for a in _alerts()] == [
        ("VN-NCHMF-2026-0101", "severe", "cap"), ("VN-NCHMF-2026-0102", "moderate", "cap")]
    assert feed.poll(f"{feed_server.url}/feed.atom") == {"seen": 2}
    assert feed_server.hits["/cap/0102.xml"] == 1  # a seen entry's link is not fetched again
    get_redis().delete(feed.SEEN_KEY)  # even when Redis forgot what it saw, the database knows the identifiers
    assert feed.poll(f"{feed_server.url}/feed.atom") == {"duplicate": 2}
    assert len(_alerts()) == 2
    from signage.models import AuditLog

    actors = set(db.session.scalars(select(AuditLog.username).where(AuditLog.entity == "EmergencyAlert")))
    assert actors == {"cap-feed:nchmf.gov.vn"}


def test_an_rss_feed_and_a_cancel_in_it(app, app_ctx, demo, feed_server):
    from alerts import feed

    first = "nchmf.gov.vn,VN-NCHMF-2026-0100,2026-11-23T16:00:00+07:00"
    feed_server.documents["/a.xml"] = cap_xml()
    feed_server.documents["/c.xml"] = cap_xml(identifier="VN-NCHMF-2026-0103", msg_type="Cancel", references=first,
                                              sent="2026-11-23T18:00:00+07:00")
    items = "".join(f"<item><title>CAP</title><link>{feed_server.url}{p}</link><guid>{p}</guid></item>"
                    for p in ("/a.xml",))
    feed_server.documents["/rss"] = f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    assert feed.poll(f"{feed_server.url}/rss") == {"raised": 1}
    assert _alerts()[0].active
    items += f"<item><title>CAP</title><link>{feed_server.url}/c.xml</link><guid>/c.xml</guid></item>"
    feed_server.documents["/rss"] = f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    assert feed.poll(f"{feed_server.url}/rss") == {"seen": 1, "cancelled": 1}
    assert not _alerts()[0].active and _alerts()[0].ended_reason == "cancelled"


def test_a_broken_entry_is_skipped_and_retried_later(app, app_ctx, demo, feed_server):
    from alerts import feed

    feed_server.documents["/feed.atom"] = atom(linked_entry("urn:cap:missing", "/cap/missing.xml"),
                                               inline_entry("urn:cap:0101", cap_xml(identifier="0101")))
    assert feed.poll(f"{feed_server.url}/feed.atom") == {"error": 1, "raised": 1}
    feed_server.documents["/cap/missing.xml"] = cap_xml(identifier="0104")
    assert feed.poll(f"{feed_server.url}/feed.atom") == {"raised": 1, "seen": 1}


@pytest.mark.slow
def test_the_worker_polls_the_configured_feed_on_its_own(app, demo, feed_server, worker_factory):
    feed_server.documents["/feed.atom"] = atom(inline_entry("urn:cap:0101", cap_xml(identifier="VN-0101")))
    worker_factory(ALERTS_CAP_FEED_URL=f"{feed_server.url}/feed.atom", ALERTS_CAP_FEED_INTERVAL_S="1")
    deadline = time.monotonic() + 30
    with app.app_context():
        while time.monotonic() < deadline and not _alerts():
            time.sleep(0.3)
        assert [a.cap_reference.split(",")[1] for a in _alerts()] == ["VN-0101"]
    assert feed_server.hits["/feed.atom"] >= 1
