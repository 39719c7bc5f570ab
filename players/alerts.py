"""The alert endpoints the player calls: `GET /api/player/v1/alerts` (what covers the schedule now) and
`POST /api/player/v1/alerts/ack` (which alerts it put on the glass, and when).

Players poll every PLAYER_ALERT_POLL_S seconds (default 2). The ETag is `a<screen id>-<version>`: the screen
from the token, the version of that screen's answer, which `alerts.service.publish` moves only when what
the screen shows changes (a district's alert leaves the other districts' ETags alone). The answer is
`{"alerts": [...], "control": {...}, "version": "<version>", "poll_s": <seconds>, "server_time_ms": <ms>}` where
`alerts` is the answer `alerts.service` published for the screen and `control` the screen's remote commands
and blank hours (players.commands), both copied as is (no database, no JSON parsing). The ETag's version is
`<alert version>.<control version>`: a command reaches the player with its next poll, as an alert does.
Where push is set up (players.push) the answer also names the screen's stream of server-sent events —
`"push": {"url": ..., "poll_s": <seconds>}` — on which the same answer arrives the moment it changes; the
player then polls every `push.poll_s` only, as a consistency check, and at `poll_s` again when the stream breaks.

A poll carrying one of our ETags is answered by `fast_answer` in the WSGI layer (`players.fastpath`) from one
Redis MGET: 304 when unchanged, else 200 with the published answer — so the herd after a province-wide alert
costs what the 304s cost. The Flask view answers the rest: a first poll (no ETag), 401 for a missing, unknown
or revoked token, a state Redis lost (rebuilt from the database), and the first poll after an alert's expiry,
which ends it on the server (`alerts.service.expire_from_poll`); the player has dropped it by then on its own
clock (each alert carries `expires_ms`).

Acknowledgements: `{"acks": [{"alert_id": 5, "shown_at_ms": 1764000000000}, ...]}` → 200
`{"recorded": n, "server_time_ms": <ms>}`; recorded by `alerts.acks.record` (Redis first; the database in batches
by a job), in the WSGI layer too (`fast_ack`) when the token is in the cache — the whole fleet acknowledges
within one poll interval of an alert.

The alert's live board (an `alerts` page, which cannot import us) gets the screens' panel from here
(`add_panel(app, "alert", screens_panel)`): each screen the alert reaches — acknowledged (when, how long after
going on air), not yet, or offline (no heartbeat lately: `players.heartbeat.is_online`).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from markupsafe import Markup
from redis import Redis
from sqlalchemy import select

from alerts import acks, rules
from alerts import service as alert_service
from players import commands
from players.auth import (
    UNPAIRED,
    bearer_token,
    cached_screen_id,
    player_required,
    screen_id_for_token,
    token_hash,
    token_key,
)
from players.heartbeat import is_online, latest
from signage.extensions import csrf, db
from signage.models import Region, Screen
from signage.redis_client import get_redis
from signage.registry import add_panel
from signage.signing import digest
from signage.timeutil import utcnow

ALERTS_PATH = "/api/player/v1/alerts"
ACK_PATH = f"{ALERTS_PATH}/ack"
MAX_ACKS = 50
MAX_ACK_BYTES = 8192

bp = Blueprint("player_alerts", __name__)


def etag(screen_id: int, version: int | str) -> str:
    return f"a{screen_id}-{version}"


def combined(alert_version: str, control: tuple[str, bytes] | None) -> str:
    """The poll's version: the screen's alert version, and its control payload's (players.commands)."""
    return f"{alert_version}.{control[0]}" if control else alert_version


def parse_etag(value: str | None) -> tuple[int, str] | None:
    """(screen id, version) from an If-None-Match holding one of our alert ETags, else None."""
    tag = (value or "").strip().strip('"')
    screen, _sep, version = tag[1:].partition("-")
    if tag[:1] != "a" or not screen.isdigit() or not version.replace(".", "", 1).isdigit():
        return None
    return int(screen), version


def body(answer: bytes, version: str, poll_s: float, now_ms: int, control: bytes = b"{}", push: bytes = b"") -> bytes:
    """The poll's JSON around a published answer and control payload (copied as is: no parsing, no
    serialising); `push` is `push_part` (or nothing)."""
    return b'{"alerts":%s,"control":%s,"version":"%s","poll_s":%s,"server_time_ms":%d%s}' % (
        answer, control, version.encode(), repr(float(poll_s)).encode(), now_ms, push)


def push_channel(secret: str, screen_id: int) -> str:
    """The screen's push channel (players.push): `s<screen id>-<32 hex>`, an HMAC of the screen id under the
    app's secret, so only the screen's own player learns it (from its poll), and its messages are exactly what
    that poll would answer: nothing another screen may not see."""
    return f"s{screen_id}-{digest(f'player-push:{screen_id}', secret)[:16].hex()}"


def push_part(config, screen_id: int) -> bytes:
    """`,"push":{"url": <the screen's server-sent events>, "poll_s": <poll interval while they flow>,
    "ack_url": <where to POST acknowledgements while they flow>}` for the poll's answer when push is set up
    (PLAYER_PUSH_PUBLISH_URL and PLAYER_PUSH_SUBSCRIBE_URL), else nothing; `ack_url` (players.push_acks) only
    when PLAYER_PUSH_ACK_URL is set."""
    base = config["PLAYER_PUSH_SUBSCRIBE_URL"]
    if not base or not config["PLAYER_PUSH_PUBLISH_URL"]:
        return b""
    channel = push_channel(config["SECRET_KEY"], screen_id)
    ack_base = config["PLAYER_PUSH_ACK_URL"]
    ack = b',"ack_url":%s' % json.dumps(f"{ack_base.rstrip('/')}/{channel}").encode() if ack_base else b""
    return b',"push":{"url":%s,"poll_s":%s%s}' % (json.dumps(f"{base.rstrip('/')}/{channel}").encode(),
                                                   repr(float(config["PLAYER_PUSH_POLL_S"])).encode(), ack)


def fast_answer(app: Flask, redis: Redis, token: str | None, if_none_match: str | None):
    """The WSGI fast path of the poll (players.fastpath): a 304, or a 200 with the published answer, from one
    MGET — the token's screen, the screen's version and answer, the default version and the next expiry — when
    the player names its screen in its ETag; None (Flask answers) for anything else: no ETag yet, another
    screen's ETag, an unknown token, a state Redis lost, an expiry due."""
    tagged = parse_etag(if_none_match)
    if token is None or tagged is None:
        return None
    screen_id, known = tagged
    raw_screen, raw_version, raw_epoch, raw_expiry, answer, raw_control = redis.mget(
        token_key(token_hash(token)), alert_service.version_key(screen_id), alert_service.EPOCH_KEY,
        alert_service.NEXT_EXPIRY_KEY, alert_service.answer_key(screen_id), commands.control_key(screen_id))
    now_ms = int(utcnow().timestamp() * 1000)
    control = commands.split(raw_control)
    if cached_screen_id(raw_screen) != screen_id or raw_epoch is None or control is None \
            or alert_service.expiry_due(raw_expiry, now_ms):
        return None
    version = combined((raw_version or raw_epoch).decode(), control)
    headers = [("ETag", f'"{etag(screen_id, version)}"'), ("Cache-Control", "no-cache")]
    if version == known:
        return "304 NOT MODIFIED", headers, b""
    payload = body(answer or b"[]", version, app.config["PLAYER_ALERT_POLL_S"], now_ms, control[1],
                   push_part(app.config, screen_id))
    return "200 OK", [*headers, ("Content-Type", "application/json"), ("Content-Length", str(len(payload)))], payload


@bp.get(ALERTS_PATH)
def poll():
    screen_id = screen_id_for_token(bearer_token())
    if screen_id is None:
        return UNPAIRED, 401
    now_ms = int(utcnow().timestamp() * 1000)
    if alert_service.expiry_due(get_redis().get(alert_service.NEXT_EXPIRY_KEY), now_ms):
        alert_service.expire_from_poll(now_ms)
    alert_version, answer = alert_service.screen_answer(screen_id)
    control = commands.published(screen_id)
    version = combined(alert_version, control)
    tag = etag(screen_id, version)
    headers = {"Cache-Control": "no-cache", "ETag": f'"{tag}"'}
    if request.if_none_match.contains(tag):
        return Response(status=304, headers=headers)
    payload = body(answer, version, current_app.config["PLAYER_ALERT_POLL_S"], now_ms, control[1],
                   push_part(current_app.config, screen_id))
    return Response(payload, mimetype="application/json", headers=headers)


def parse_acks(data: bytes, now_ms: int) -> list[tuple[int, int]] | None:
    """(alert id, shown-at ms) pairs of an acknowledgement body, or None when it is not one. A player clock far
    off is clamped to the controller's time of hearing it."""
    try:
        items = json.loads(data).get("acks")
    except (ValueError, AttributeError):
        return None
    if not isinstance(items, list) or len(items) > MAX_ACKS:
        return None
    reports = []
    for item in items:
        alert_id = item.get("alert_id") if isinstance(item, dict) else None
        shown = item.get("shown_at_ms") if isinstance(item, dict) else None
        if not isinstance(alert_id, int) or isinstance(alert_id, bool) or not isinstance(shown, int | float) \
                or isinstance(shown, bool):
            return None
        reports.append((alert_id, min(int(shown), now_ms)))
    return reports


def _ack_body(recorded: int, now_ms: int) -> bytes:
    return b'{"recorded":%d,"server_time_ms":%d}' % (recorded, now_ms)


def fast_ack(app: Flask, redis: Redis, token: str | None, environ: dict):
    """The WSGI fast path of the acknowledgement (a whole fleet acknowledges within one poll interval): the
    token's screen from Redis, the reports into Redis, 200. None (Flask answers, with the body put back) for
    anything else: a token not in the cache, a body that is not an acknowledgement."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if token is None or not 0 < length <= MAX_ACK_BYTES:
        return None
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(data), str(len(data))
    screen_id = cached_screen_id(redis.get(token_key(token_hash(token))))
    now_ms = int(utcnow().timestamp() * 1000)
    reports = parse_acks(data, now_ms) if screen_id else None
    if reports is None:
        return None
    recorded, due = acks.record(redis, screen_id, reports, now_ms)
    if due:
        with app.app_context():
            acks.queue_persist(due, now_ms)
    payload = _ack_body(recorded, now_ms)
    return "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))], payload


@bp.post(ACK_PATH)
@player_required
def ack():
    now_ms = int(utcnow().timestamp() * 1000)
    reports = parse_acks(request.get_data(cache=False)[:MAX_ACK_BYTES], now_ms)
    if reports is None:
        return jsonify(error=f'expected {{"acks": [{{"alert_id": <int>, "shown_at_ms": <number>}}, ...]}} with at '
                             f'most {MAX_ACKS} items'), 400
    recorded, due = acks.record(get_redis(), g.screen_id, reports, now_ms)
    acks.queue_persist(due, now_ms)
    return Response(_ack_body(recorded, now_ms), mimetype="application/json")


#: Rows listed on the board at most (the counts cover every screen; those needing attention come first).
BOARD_ROWS = 300


def screens_panel(alert: dict) -> Markup:
    """The board's screens: counts per state and one row per screen (offline and waiting ones first)."""
    acked = acks.acks_for(alert["id"])
    ids = sorted(set(alert["screen_ids"]) | set(acked))
    screens = {s.id: s for s in db.session.scalars(select(Screen).where(Screen.id.in_(ids)))} if ids else {}
    now_ms = int(utcnow().timestamp() * 1000)
    beats = latest(list(screens))
    online = {sid: is_online(beats.get(sid, {}).get("last_seen_ms"), now_ms, s.poll_interval or 30)
              for sid, s in screens.items()}
    rows = rules.board_rows([sid for sid in ids if sid in screens], acked, online, alert["started_at"])
    counts = {state: sum(1 for r in rows if r.state == state) for state in ("acknowledged", "waiting", "offline")}
    regions = dict(db.session.execute(select(Region.id, Region.name).where(
        Region.id.in_({s.region_id for s in screens.values()}))).all()) if screens else {}
    seen = {sid: datetime.fromtimestamp(beat["last_seen_ms"] / 1000, UTC) for sid, beat in beats.items()
            if beat.get("last_seen_ms")}
    return Markup(render_template("players/_alert_screens.html", rows=rows[:BOARD_ROWS], counts=counts,
                                  total=len(rows), screens=screens, regions=regions, seen=seen,
                                  on_air=alert["started_at"] is not None and not alert["ended"]))


def init_app(app: Flask) -> None:
    """The poll's and the acknowledgement's blueprint (PLAYER_ALERT_POLL_S is declared in players/settings.py),
    and the screens' panel of an alert's live board; the poll's 304 fast path is installed with the
    manifest's (`players.fastpath.install`)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
    add_panel(app, "alert", screens_panel)
