"""Emergency alerts: who may raise and cancel them, whom they reach, and the players' fast path."""

from __future__ import annotations

from sqlalchemy import event, select

from alerts.models import EmergencyAlert
from alerts.service import raise_alert
from signage.extensions import db
from signage.models import AuditLog, Screen, ScreenGroup

MARKET = "Chợ Phan Thiết"  # BT-PT
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # BT-HT


def _poll(app, token, etag=None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    with app.app_context():
        return app.test_client().get("/api/player/v1/alerts", headers=headers)


def _raise_form(client, **fields):
    data = {"region_id": fields.pop("region_id"), "severity": "severe", "message_vi": "Bão số 5 đổ bộ. Hãy trú ẩn.",
            "message_en": "Typhoon landfall. Take shelter.", "confirm": "y"}
    data.update(fields)
    return client.post_form("/alerts/new", data)


def test_players_without_a_token_get_401(client):
    assert client.get("/api/player/v1/alerts").status_code == 401


def test_approver_raises_an_alert_that_the_district_screen_sees_and_the_audit_log_records(app, login, demo, paired):
    screen_id, token = paired(MARKET)
    assert _poll(app, token).get_json()["alerts"] == []
    response = _raise_form(login("approver"), region_id=demo["BT-PT"].id)
    assert response.status_code == 302
    body = _poll(app, token).get_json()
    assert [a["messages"] for a in body["alerts"]] == [
        {"vi": "Bão số 5 đổ bộ. Hãy trú ẩn.", "en": "Typhoon landfall. Take shelter."}
    ]
    with app.app_context():
        alert = db.session.scalar(select(EmergencyAlert))
        audit = db.session.scalar(select(AuditLog).where(AuditLog.entity == "EmergencyAlert"))
    assert audit is not None and audit.username == "approver" and audit.action == "create"
    assert alert.created_by_id is not None


def test_alert_for_one_district_does_not_reach_another(app, login, demo, paired):
    _, market_token = paired(MARKET)
    _, tan_nghia_token = paired(TAN_NGHIA)
    _raise_form(login("approver"), region_id=demo["BT-HT"].id)
    assert _poll(app, market_token).get_json()["alerts"] == []
    assert len(_poll(app, tan_nghia_token).get_json()["alerts"]) == 1


def test_alert_can_target_single_screens_and_groups(app, app_ctx, demo, paired):
    market_id, market_token = paired(MARKET)
    station_id, station_token = paired("Ga Phan Thiết")
    _, bus_token = paired("Bến xe Phan Thiết")
    group = ScreenGroup(name="Ga", region_id=demo["BT"].id, members=[db.session.get(Screen, station_id)])
    db.session.add(group)
    db.session.commit()
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Mất điện"}, target_screen_ids=[market_id],
                target_group_ids=[group.id])
    assert len(_poll(app, market_token).get_json()["alerts"]) == 1
    assert len(_poll(app, station_token).get_json()["alerts"]) == 1
    assert _poll(app, bus_token).get_json()["alerts"] == []


def test_unchanged_poll_is_a_304_without_any_database_query(app, app_ctx, demo, paired):
    _, token = paired(MARKET)
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Cảnh báo"})
    first = _poll(app, token)
    etag = first.headers["ETag"]
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        second = _poll(app, token, etag)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert second.status_code == 304
    assert statements == []


def test_cancelling_changes_the_etag_and_empties_the_list(app, login, demo, paired):
    _, token = paired(MARKET)
    approver = login("approver")
    _raise_form(approver, region_id=demo["BT"].id)
    first = _poll(app, token)
    with app.app_context():
        alert_id = db.session.scalar(select(EmergencyAlert.id))
    response = approver.post_form(f"/alerts/{alert_id}/cancel", {}, token_from="/alerts/")
    assert response.status_code == 302
    after = _poll(app, token, first.headers["ETag"])
    assert after.status_code == 200 and after.get_json()["alerts"] == []
    with app.app_context():
        assert db.session.get(EmergencyAlert, alert_id).cancelled_at is not None


def test_operators_may_not_raise_or_cancel(app, login, demo):
    operator = login("operator")
    assert operator.get("/alerts/new").status_code == 403
    with app.app_context():
        alert = raise_alert(region_id=demo["BT"].id, messages={"vi": "Cảnh báo"})
        alert_id = alert.id
    response = operator.post_form(f"/alerts/{alert_id}/cancel", {}, token_from="/alerts/")
    assert response.status_code == 403


def test_the_vietnamese_message_is_required(login, demo):
    response = _raise_form(login("approver"), region_id=demo["BT"].id, message_vi="")
    assert response.status_code == 400
    with login("approver").app.app_context():
        assert db.session.scalar(select(EmergencyAlert.id)) is None


def test_district_users_see_only_their_districts_alerts(app, login, demo):
    with app.app_context():
        raise_alert(region_id=demo["BT-HT"].id, messages={"vi": "Lũ quét ở Hàm Tân"})
    assert "Lũ quét ở Hàm Tân" in login("hamtan").get("/alerts/").get_data(as_text=True)
    assert "Lũ quét ở Hàm Tân" not in login("phanthiet").get("/alerts/").get_data(as_text=True)


def test_a_screen_moved_into_the_alert_region_sees_it_on_its_next_poll(app, app_ctx, demo, paired):
    from signage.signals import screens_changed

    screen_id, token = paired(TAN_NGHIA)
    raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Cảnh báo"})
    first = _poll(app, token)
    assert first.get_json()["alerts"] == []
    screen = db.session.get(Screen, screen_id)
    screen.region_id = demo["BT-PT"].id
    db.session.commit()
    screens_changed.send(app, screen_ids=[screen_id])
    after = _poll(app, token, first.headers["ETag"])
    assert after.status_code == 200 and len(after.get_json()["alerts"]) == 1


def test_a_revoked_player_gets_401_even_with_a_current_etag(app, app_ctx, demo, paired):
    from players.auth import publish_tokens, revoke_tokens

    screen_id, token = paired(MARKET)
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Cảnh báo"})
    etag = _poll(app, token).headers["ETag"]
    revoke_tokens(screen_id, None)
    db.session.commit()
    publish_tokens([screen_id])
    assert _poll(app, token, etag).status_code == 401


def test_raising_with_sms_starts_an_emergency_campaign_for_the_region(app, login, demo):
    from sms.models import Campaign

    response = _raise_form(login("approver"), region_id=demo["BT-PT"].id, send_sms="y")
    assert response.status_code == 302
    with app.app_context():
        campaigns = db.session.scalars(select(Campaign)).all()
    assert [(c.kind, c.region_id, c.messages["vi"]) for c in campaigns] == [
        ("emergency", demo["BT-PT"].id, "Bão số 5 đổ bộ. Hãy trú ẩn.")
    ]


def test_raising_without_sms_sends_none(app, login, demo):
    from sms.models import Campaign

    _raise_form(login("approver"), region_id=demo["BT-PT"].id)
    with app.app_context():
        assert db.session.scalars(select(Campaign)).all() == []


def test_targeting_is_schedulings_resolver_so_a_group_rule_reaches_the_screens_it_matches(app, app_ctx, demo, paired):
    """A rule-based group (tag "transport" in Phan Thiết) reaches the same screens for an alert as for a schedule
    entry, including a screen that gets the tag while the alert is on air."""
    from alerts.service import screen_ids
    from scheduling.models import TargetType
    from scheduling.targeting import target_screen_ids
    from signage.signals import screens_changed

    station_id, station_token = paired("Ga Phan Thiết")
    bus_id, bus_token = paired("Bến xe Phan Thiết")
    market_id, market_token = paired(MARKET)
    group = ScreenGroup(name="Giao thông", region_id=demo["BT-PT"].id, dynamic=True, rule_tags=["transport"])
    db.session.add(group)
    db.session.commit()
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Đường ngập"}, target_group_ids=[group.id])
    assert screen_ids(alert) == target_screen_ids([(TargetType.GROUP, group.id)]) == {station_id, bus_id}
    assert len(_poll(app, station_token).get_json()["alerts"]) == 1
    assert len(_poll(app, bus_token).get_json()["alerts"]) == 1
    before = _poll(app, market_token)
    assert before.get_json()["alerts"] == []
    market = db.session.get(Screen, market_id)
    market.tags = [*market.tags, "transport"]
    db.session.commit()
    screens_changed.send(app, screen_ids=[market_id])
    after = _poll(app, market_token, before.headers["ETag"])
    assert after.status_code == 200 and len(after.get_json()["alerts"]) == 1


def test_an_alert_without_targets_covers_its_owner_region_and_retired_screens_see_nothing(app, app_ctx, demo):
    from alerts.rules import alert_targets
    from alerts.service import screen_ids
    from scheduling.models import TargetType
    from signage.screens_service import screens_for_regions
    from signage.timeutil import utcnow

    assert alert_targets(7, [], [], []) == [(TargetType.REGION, 7)]
    assert alert_targets(7, [8], [], [9]) == [(TargetType.REGION, 8), (TargetType.GROUP, 9)]
    alert = raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Cảnh báo"})
    covered = {s.id for s in screens_for_regions([demo["BT-PT"].id])}
    assert screen_ids(alert) == covered and covered
    retired = db.session.get(Screen, min(covered))
    retired.retired_at = utcnow()
    db.session.commit()
    assert screen_ids(alert) == covered - {retired.id}


def test_raising_announces_plain_data_for_the_sms_package(app, login, demo):
    from signage.signals import alert_raised

    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    alert_raised.connect(receiver, app)
    try:
        _raise_form(login("approver"), region_id=demo["BT-PT"].id, send_sms="y")
    finally:
        alert_raised.disconnect(receiver, app)
    [kwargs] = heard
    assert set(kwargs) == {"alert_id", "level", "region_ids", "owner_region_id", "messages", "severity", "send_sms",
                           "expires_at", "user_id"}
    assert kwargs["region_ids"] == [demo["BT-PT"].id] and kwargs["send_sms"] is True
    assert kwargs["owner_region_id"] == demo["BT-PT"].id and kwargs["level"] == "emergency"
    assert kwargs["messages"]["vi"] == "Bão số 5 đổ bộ. Hãy trú ẩn." and kwargs["user_id"] is not None
    assert kwargs["expires_at"] is None  # until cancelled; an ISO string otherwise
    assert all(isinstance(v, int | str | bool | list | dict | None) for v in kwargs.values())  # nothing from `alerts`


def test_one_middleware_answers_the_304s_of_both_polls(app):
    from players.fastpath import FastPath

    layers, wsgi = [], app.wsgi_app
    while hasattr(wsgi, "wsgi_app"):
        layers.append(type(wsgi))
        wsgi = wsgi.wsgi_app
    assert layers.count(FastPath) == 1
    assert {("GET", "/api/player/v1/manifest"), ("GET", "/api/player/v1/alerts"),
            ("POST", "/api/player/v1/alerts/ack")} <= set(FastPath.ROUTES)


def test_targets_are_resolved_once_per_alert_version_not_once_per_screen(app, app_ctx, demo, paired):
    _, market_token = paired(MARKET)
    _, station_token = paired("Ga Phan Thiết")
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Cảnh báo"})
    assert len(_poll(app, market_token).get_json()["alerts"]) == 1  # resolves, for this alert version
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = _poll(app, station_token).get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(body["alerts"]) == 1 and statements == []


def test_alerts_never_import_sms_or_players():
    """`alerts` sits below `players` and beside `sms`: it talks to SMS through signals only."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "alerts"
    imported = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert not imported & {"sms", "players"}, imported
