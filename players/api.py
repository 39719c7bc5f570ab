"""The player API (`/api/player/v1/...`): pairing, manifest, heartbeat, proof of play. CSRF-exempt JSON."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from players import fastpath, pairing
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


@bp.post("/plays")
@player_required
def plays():
    body = request.get_json(silent=True)
    batch = body.get("plays") if isinstance(body, dict) else None
    if not isinstance(batch, list):
        return jsonify(error="expected {\"plays\": [...]}"), 400
    return jsonify(play_records.record(g.screen_id, batch))


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
    try:
        body, etag = build_manifest(screen_id, code_version=player_version())
    except ScreenUnavailable:
        return UNPAIRED, 401
    response = jsonify(body)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    fastpath.install(app)
