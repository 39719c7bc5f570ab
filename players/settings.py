"""Player API settings: the Flask config wins, then the environment, then the default."""

from __future__ import annotations

import os

from flask import current_app

DEFAULTS = {
    "PLAYER_PAIRING_TTL_S": "900",  # how long a pairing code stays valid
    "PLAYER_PAIR_RATE_LIMIT": "20 per minute",  # POST /pair per client address
    "PLAYER_HEARTBEAT_DB_INTERVAL_S": "300",  # at most one database write per screen per interval
}


def setting(name: str) -> str:
    return str(current_app.config.get(name) or os.environ.get(name) or DEFAULTS[name])
