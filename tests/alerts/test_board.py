"""Players acknowledge each alert with the time it reached their glass; the alert's live board shows every
targeted screen acknowledged / not yet / offline, with times (and the SMS progress: tests/alerts/test_sms.py)."""

from __future__ import annotations

import re

from sqlalchemy import select

from alerts.models import AlertAck
from alerts.service import raise_alert
from signage.extensions import db
from signage.timeutil import utcnow
from tests.alerts.conftest import ack, poll

MARKET = "Chợ Phan Thiết"  # BT-PT
STATION = "Ga Phan Thiết"  # BT-PT
BUS = "Bến xe Phan Thiết"  # BT-PT


def _row_states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-screen="(\d+)" data-state="(\w+)"', html))


def test_an_acknowledgement_is_kept_once_with_the_time_the_alert_reached_the_glass(app, demo, paired, monkeypatch):
    monkeypatch.setitem(app.config, "RQ_SYNC", True)  # the job writing the rows runs inline
    with app.app_context():
        market_id, market = paired(MARKET)
        alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão"})
        alert_id, started_ms = alert.id, int(alert.started_at.timestamp() * 1000)
    poll(app, market)
    shown_ms = max(started_ms, int(utcnow().timestamp() * 1000) - 100)
    response = ack(app, market, [{"alert_id": alert_id, "shown_at_ms": shown_ms}])
    assert response.status_code == 200 and response.get_json()["recorded"] == 1
    again = ack(app, market, [{"alert_id": alert_id, "shown_at_ms": shown_ms + 5000}])
    assert again.get_json()["recorded"] == 0  # the first report wins
    with app.app_context():
        [row] = db.session.scalars(select(AlertAck)).all()
    assert (row.alert_id, row.screen_id) == (alert_id, market_id)
    assert int(row.shown_at.timestamp() * 1000) == shown_ms and row.received_at >= row.shown_at


def test_a_player_clock_ahead_of_the_controller_is_clamped_to_the_time_heard(app, app_ctx, demo, paired):
    from alerts.acks import acks_for

    market_id, market = paired(MARKET)
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão"})
    ack(app, market, [{"alert_id": alert.id, "shown_at_ms": int(utcnow().timestamp() * 1000) + 3_600_000}])
    shown, received = acks_for(alert.id)[market_id]
    assert shown == received


def test_the_flask_view_acknowledges_too_when_the_token_is_not_cached(app, app_ctx, demo, paired):
    from alerts.acks import acks_for
    from players.auth import token_hash, token_key
    from signage.redis_client import get_redis

    market_id, market = paired(MARKET)
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão"})
    get_redis().delete(token_key(token_hash(market)))
    assert ack(app, market, [{"alert_id": alert.id, "shown_at_ms": 1}]).status_code == 200
    assert list(acks_for(alert.id)) == [market_id]


def test_a_malformed_acknowledgement_is_refused_and_an_unknown_player_is_not_heard(app, app_ctx, demo, paired):
    _, market = paired(MARKET)
    assert ack(app, market, [{"alert_id": "5", "shown_at_ms": 1}]).status_code == 400
    assert ack(app, market, [{"alert_id": 5}]).status_code == 400
    assert ack(app, "x" * 43, [{"alert_id": 5, "shown_at_ms": 1}]).status_code == 401


def test_the_live_board_shows_each_screen_acknowledged_not_yet_or_offline(app, login, demo, paired):
    from players import heartbeat

    with app.app_context():
        market_id, market = paired(MARKET)
        station_id, _ = paired(STATION)
        bus_id = paired(BUS)[0]
        heartbeat.record(station_id, {"app_version": "x"}, int(utcnow().timestamp() * 1000))  # online, not yet
        alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão số 5"}, created_by_id=None)
        alert_id = alert.id
    ack(app, market, [{"alert_id": alert_id, "shown_at_ms": int(utcnow().timestamp() * 1000)}])
    approver = login("approver")
    page = approver.get(f"/alerts/{alert_id}").get_data(as_text=True)
    states = _row_states(page)
    assert states[str(market_id)] == "acknowledged" and states[str(station_id)] == "waiting"
    assert states[str(bus_id)] == "offline"
    live = approver.get(f"/alerts/{alert_id}/live").get_data(as_text=True)
    assert _row_states(live) == states and "<html" not in live  # the fragment the page refreshes itself with
    assert login("hamtan").get(f"/alerts/{alert_id}").status_code == 404  # another district's alert
