"""Settings of the player side (declared once; the app factory reads and casts them at start-up)."""

from __future__ import annotations

from signage.settings import Setting

SETTINGS = (
    Setting("PLAYER_PAIRING_TTL_S", 900, int, "how long a screen's pairing code stays valid"),
    Setting("PLAYER_PAIR_RATE_LIMIT", "20 per minute", help="pairing requests per client address"),
    Setting("PLAYER_HEARTBEAT_DB_INTERVAL_S", 300, int, "at most one database write per screen per interval"),
    Setting("PLAYER_ALERT_POLL_S", 2.0, float, "seconds between the players' emergency-alert polls"),
    Setting("PLAYER_PUSH_PUBLISH_URL", "",
            help="nchan's publisher base on loopback (e.g. http://127.0.0.1:8081/pub; players.push); "
                 "empty, or PLAYER_PUSH_SUBSCRIBE_URL empty: no push, the players poll"),
    Setting("PLAYER_PUSH_SUBSCRIBE_URL", "",
            help="what the players open for their server-sent events (e.g. /push/sub, through the same proxy)"),
    Setting("PLAYER_PUSH_ACK_URL", "/push/ack",
            help="where a player whose stream is open POSTs its acknowledgements, into nchan (players.push_acks; "
                 "through the same proxy as PLAYER_PUSH_SUBSCRIBE_URL); empty: they go to the controller"),
    Setting("PLAYER_PUSH_POLL_S", 30.0, float,
            "seconds between the alert polls of a player whose push stream is open (a consistency check)"),
    Setting("PLAYER_CAPTURE_INTERVAL_MIN", 15, int, "minutes between the captures each player uploads of its glass"),
    Setting("PLAYER_CAPTURE_RETENTION_H", 24, int, "hours the captures of the glass are kept"),
    Setting("PLAYER_PLAYS_MAX_AGE_H", 168, int,
            "proof of play older than this (hours) is refused (kept apart as rejected, never in reports)"),
)
