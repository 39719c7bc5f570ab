"""The player API (`/api/player/v1/...`): pairing, manifest, heartbeat, proof of play, captures of the
glass and the acknowledgement of remote commands. CSRF-exempt JSON."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from players import captures, commands, fastpath, pairing
from players import heartbeat as heartbeats
from players import plays as play_records
from players.auth import UNPAIRED, bearer_token, player_required, screen_id_for_token
from players.fastpath import not_modified_tag
from players.version import player_version
from scheduling.manifest import ScreenUnavailable, build_manifest
from signage.extensions import csrf, limiter
from signage.redis_client import get_redis
from signage.timeutil import utcnow

bp = Blueprint("player_api", __name__, url_prefix="/api/player/v1")


def _pair_limit() -> str:
    return current_app.config["PLAYER_PAIR_RATE_LIMIT"]


@bp.post("/pair")
@limiter.limit(_pair_limit)
def pair_start():
    body = request.get_json(silent=True) or {}
    p = pairing.start_pairing(body.get("device") or {}, request.remote_addr or "")
    return jsonify(
        pairing_id=p.id, code=p.code, expires_at=p.expires_at.isoformat(), poll_after_s=3
    ), 201


@bp.get("/pair/<pairing_id>")
def pair_status(pairing_id: str):
    status, body = pairing.poll(pairing_id)
    return jsonify(body), status


@bp.post("/heartbeat")
@player_required
def heartbeat():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    now_ms = int(utcnow().timestamp() * 1000)
    try:
        heartbeats.record(g.screen_id, body, now_ms, request.remote_addr or "")
    except heartbeats.InvalidField as bad:
        return jsonify(error="invalid field", field=bad.field), 400
    return jsonify(ok=True, server_time_ms=now_ms)


def _too_large():
    return jsonify(error="batch too large", max_batch=play_records.MAX_BATCH,
                   max_bytes=play_records.MAX_BATCH_BYTES), 413


@bp.post("/plays")
@player_required
def plays():
    """Proof of play (players.plays): 413 with `max_batch` for an oversized batch (nothing stored), 400
    naming the field of a malformed play, else the counts."""
    if (request.content_length or 0) > play_records.MAX_BATCH_BYTES:
        return _too_large()
    body = request.get_json(silent=True)
    batch = body.get("plays") if isinstance(body, dict) else None
    if not isinstance(batch, list):
        return jsonify(error="expected {\"plays\": [...]}"), 400
    if len(batch) > play_records.MAX_BATCH:
        return _too_large()
    try:
        return jsonify(play_records.record(g.screen_id, batch))
    except play_records.InvalidPlay as bad:
        return jsonify(error="invalid field", field=bad.field), 400


@bp.post("/captures")
@player_required
def capture_upload():
    """A capture of the glass (players.captures): 201, 400/413 naming the field, 429 when too soon."""
    if (request.content_length or 0) > captures.MAX_BYTES * 2:
        return jsonify(error="capture too large", field="jpeg", max_bytes=captures.MAX_BYTES), 413
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    try:
        capture = captures.store(g.screen_id, body)
    except captures.CaptureRefused as refused:
        return jsonify(error="capture refused", field=refused.field), refused.status
    return jsonify(id=capture.id), 201


@bp.post("/commands/ack")
@player_required
def commands_ack():
    """`{"done": [<command id>, ...]}` → `{"acknowledged": n}` (players.commands)."""
    body = request.get_json(silent=True)
    done = body.get("done") if isinstance(body, dict) else None
    if not isinstance(done, list) or len(done) > 50 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in done):
        return jsonify(error='expected {"done": [<command id>, ...]}', field="done"), 400
    g.audit_actor = (None, f"player of screen {g.screen_id}")
    return jsonify(acknowledged=commands.acknowledge(g.screen_id, done))


@bp.get("/manifest")
def manifest():
    """304 after one Redis MGET (token + version) when the player's ETag is current; else a fresh build."""
    token = bearer_token()
    if token is None:
        return UNPAIRED, 401
    redis = get_redis()
    tag = not_modified_tag(redis, token, request.headers.get("If-None-Match"))
    if tag is not None:
        return Response(status=304, headers={"ETag": f'"{tag}"', "Cache-Control": "no-cache"})
    screen_id = screen_id_for_token(token)
    if not screen_id:
        return UNPAIRED, 401
    now = utcnow()
    try:
        body, etag = build_manifest(screen_id, now, code_version=player_version())
    except ScreenUnavailable:
        return UNPAIRED, 401
    play_records.note_served(screen_id, body, now)  # the evidence proof of play is checked against
    response = jsonify(body)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    fastpath.install(app)
