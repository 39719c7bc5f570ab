"""Polling a CAP feed: an Atom or RSS document whose entries carry a CAP 1.2 <alert> inline or link to one.

`alerts.jobs.poll_cap_feed` calls `poll(ALERTS_CAP_FEED_URL)` every ALERTS_CAP_FEED_INTERVAL_S. Each entry's
CAP message goes through `alerts.cap.apply`, exactly like a pushed one, so a message seen before (same sender,
identifier and sent time — in the feed again, or pushed too) changes nothing. Entries already handled are
remembered in Redis (`SEEN_KEY`, by entry id) only to spare fetching their links again; losing that set
costs a re-fetch, never a second alert. Only http(s) links are fetched, with a time-out and a size cap.
"""

from __future__ import annotations

import logging
import urllib.request
from urllib.parse import urljoin, urlparse

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask import current_app, g

from alerts import cap
from alerts.service import AlertError
from signage.extensions import db
from signage.redis_client import get_redis

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_FEED_BYTES = 2 * 1024 * 1024
TIMEOUT_S = 10
SEEN_KEY = "alerts:cap-feed:seen"
SEEN_TTL_S = 30 * 86400


class FeedError(ValueError):
    """The feed could not be read or is not Atom/RSS."""


def fetch(url: str, limit: int) -> bytes:
    if urlparse(url).scheme not in ("http", "https"):
        raise FeedError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/atom+xml, application/rss+xml, "
                                                             "application/cap+xml, application/xml"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked
            body = response.read(limit + 1)
    except OSError as exc:
        raise FeedError(f"{url}: {exc}") from exc
    if len(body) > limit:
        raise FeedError(f"{url}: larger than {limit} bytes")
    return body


def entries(document: bytes, base_url: str = "") -> list[dict]:
    """[{"id", "link", "alert" (an inline <alert> element or None)}] of an Atom feed or an RSS 2.0 channel,
    in document order (pure: no I/O)."""
    try:
        root = ElementTree.fromstring(document)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise FeedError(f"not well-formed or unsafe XML: {exc}") from exc
    found = []
    if root.tag == ATOM + "feed":
        for entry in root.findall(ATOM + "entry"):
            links = entry.findall(ATOM + "link")
            preferred = [ln for ln in links if "cap" in (ln.get("type") or "")] or links
            link = urljoin(base_url, preferred[0].get("href", "")) if preferred else ""
            found.append({"id": (entry.findtext(ATOM + "id") or link).strip(), "link": link,
                          "alert": entry.find(f".//{cap.NS}alert")})
    elif root.tag == "rss":
        for item in root.findall("./channel/item"):
            link = urljoin(base_url, (item.findtext("link") or "").strip())
            found.append({"id": (item.findtext("guid") or link).strip(), "link": link,
                          "alert": item.find(f".//{cap.NS}alert")})
    else:
        raise FeedError("neither an Atom feed nor an RSS channel")
    return found


def poll(url: str) -> dict:
    """Read the feed once and apply each CAP message not handled before. Returns counts per outcome."""
    counts: dict[str, int] = {}
    if not url:
        return counts
    redis = get_redis()
    for entry in entries(fetch(url, MAX_FEED_BYTES), url):
        if entry["id"] and redis.sismember(SEEN_KEY, entry["id"]):
            counts["seen"] = counts.get("seen", 0) + 1
            continue
        try:
            # A request context so the audit log names the feed as the actor (as for a pushed message).
            with current_app.test_request_context("/api/alerts/cap-feed"):
                if entry["alert"] is not None:
                    parsed = cap.parse_element(entry["alert"])
                else:
                    parsed = cap.parse(fetch(entry["link"], cap.MAX_BYTES))
                g.audit_actor = (None, f"cap-feed:{parsed['sender']}"[:80])
                result = cap.apply(parsed)["result"]
        except (FeedError, cap.CapError, AlertError) as exc:
            db.session.rollback()
            log.warning("CAP feed %s entry %s: %s", url, entry["id"], exc)
            result = "error"
        counts[result] = counts.get(result, 0) + 1
        if result != "error" and entry["id"]:
            redis.sadd(SEEN_KEY, entry["id"])
            redis.expire(SEEN_KEY, SEEN_TTL_S)
    return counts
