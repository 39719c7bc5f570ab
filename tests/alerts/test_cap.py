"""CAP 1.2 messages as a source of emergency alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from alerts.models import EmergencyAlert
from signage.extensions import db
from signage.models import AuditLog

TOKEN = "cap-feed-secret-0123456789"


def cap(identifier="VN-NCHMF-2026-0042", msg_type="Alert", status="Actual", references="", infos=None,
        sent="2026-11-23T16:00:00+07:00") -> bytes:
    infos = infos if infos is not None else [
        ("vi-VN", "Extreme", "Bão số 9 đổ bộ", "Tàu thuyền vào nơi tránh trú", "BT-PT"),
        ("en-US", "Extreme", "Typhoon No. 9 landfall", "Boats must shelter", "BT-PT"),
    ]
    info_xml = "".join(
        f"<info><language>{lang}</language><category>Met</category><event>Storm</event><urgency>Immediate</urgency>"
        f"<severity>{sev}</severity><certainty>Observed</certainty><headline>{head}</headline>"
        f"<description>{desc}</description><area><areaDesc>Phan Thiết</areaDesc>"
        f"<geocode><valueName>region</valueName><value>{code}</value></geocode></area></info>"
        for lang, sev, head, desc, code in infos
    )
    refs = f"<references>{references}</references>" if references else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>nchmf.gov.vn</sender><sent>{sent}</sent>"
        f"<status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}{info_xml}</alert>"
    ).encode()


@pytest.fixture
def post(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "ALERTS_CAP_TOKEN", TOKEN)

    def _post(body: bytes, token: str = TOKEN):
        with app.app_context():
            return app.test_client().post("/api/alerts/cap", data=body, content_type="application/xml",
                                          headers={"Authorization": f"Bearer {token}"})

    return _post


def _alerts(app) -> list[EmergencyAlert]:
    with app.app_context():
        return list(db.session.scalars(select(EmergencyAlert).order_by(EmergencyAlert.id)))


def test_a_cap_alert_goes_on_air_for_the_region_its_geocode_names(app, post, demo):
    response = post(cap())
    assert response.status_code == 200 and response.get_json()["result"] == "raised"
    [alert] = _alerts(app)
    assert alert.source == "cap" and alert.severity == "extreme"
    assert alert.target_region_ids == [demo["BT-PT"].id]
    assert alert.messages == {"vi": "Bão số 9 đổ bộ — Tàu thuyền vào nơi tránh trú",
                              "en": "Typhoon No. 9 landfall — Boats must shelter"}
    with app.app_context():
        audit = db.session.scalar(select(AuditLog).where(AuditLog.entity == "EmergencyAlert"))
    assert audit.username == "cap:nchmf.gov.vn"


def test_the_same_message_twice_raises_one_alert(app, post):
    post(cap())
    assert post(cap()).get_json()["result"] == "duplicate"
    assert len(_alerts(app)) == 1


def test_cancel_and_update_act_on_the_referenced_alert(app, post):
    post(cap())
    first = "nchmf.gov.vn,VN-NCHMF-2026-0042,2026-11-23T16:00:00+07:00"
    post(cap(identifier="VN-NCHMF-2026-0043", msg_type="Update", references=first, sent="2026-11-23T17:00:00+07:00"))
    old, new = _alerts(app)
    assert old.cancelled_at is not None and new.cancelled_at is None
    second = "nchmf.gov.vn,VN-NCHMF-2026-0043,2026-11-23T17:00:00+07:00"
    response = post(cap(identifier="VN-NCHMF-2026-0044", msg_type="Cancel", references=second,
                        sent="2026-11-23T18:00:00+07:00"))
    assert response.get_json()["result"] == "cancelled"
    assert all(a.cancelled_at is not None for a in _alerts(app))


def test_exercises_and_tests_never_reach_the_screens(app, post):
    assert post(cap(status="Exercise")).get_json()["result"] == "ignored"
    assert _alerts(app) == []


def test_without_the_feed_token_nothing_happens(app, post):
    assert post(cap(), token="wrong-token-wrong-token").status_code == 401
    assert _alerts(app) == []


def test_xml_bombs_and_foreign_documents_are_refused(app, post):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>')
    assert post(bomb).status_code == 422
    assert post(b"<rss><channel/></rss>").status_code == 422
    assert _alerts(app) == []


# ---------------------------------------------------------------- SMS, through the alert signals


def _outbox(phone: str) -> list:
    from sms.models import OutboxMessage

    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)).all()


def test_an_extreme_cap_alert_also_reaches_phones_in_its_region(app, app_ctx, post, outbox_app, make_contact):
    """CAP never calls the SMS package: `alerts` announces `alert_raised` and `sms` (subscribed in sms/wiring.py)
    starts the emergency campaign — the same path as the operator's tick box."""
    make_contact("+84901234567", region="BT-PT")
    make_contact("+84907654321", region="BT-HT")
    assert post(cap()).get_json()["result"] == "raised"
    [sms] = _outbox("+84901234567")
    assert "Bão số 9 đổ bộ" in sms.body
    assert _outbox("+84907654321") == []  # the alert's geocode names Phan Thiết only


def test_a_moderate_cap_alert_stays_on_screens(app, app_ctx, post, outbox_app, make_contact):
    from sms.models import Campaign

    make_contact("+84901234567", region="BT-PT")
    infos = [("vi-VN", "Moderate", "Triều cường", "Hạn chế ra bãi biển", "BT-PT")]
    assert post(cap(infos=infos)).get_json()["result"] == "raised"
    assert db.session.scalars(select(Campaign)).all() == [] and _outbox("+84901234567") == []


def test_an_update_replaces_in_one_step_and_is_announced_as_an_update(app, post):
    from signage.signals import alert_cancelled, alert_raised, alert_updated

    heard = []

    def listen(name):
        return lambda sender, **kwargs: heard.append((name, kwargs))

    receivers = {name: listen(name) for name in ("raised", "updated", "cancelled")}
    alert_raised.connect(receivers["raised"], app)
    alert_updated.connect(receivers["updated"], app)
    alert_cancelled.connect(receivers["cancelled"], app)
    try:
        post(cap())
        first = "nchmf.gov.vn,VN-NCHMF-2026-0042,2026-11-23T16:00:00+07:00"
        post(cap(identifier="VN-NCHMF-2026-0043", msg_type="Update", references=first,
                 sent="2026-11-23T17:00:00+07:00"))
    finally:
        for signal, name in ((alert_raised, "raised"), (alert_updated, "updated"), (alert_cancelled, "cancelled")):
            signal.disconnect(receivers[name], app)
    old, new = _alerts(app)
    assert [name for name, _kwargs in heard] == ["raised", "updated"]  # no "cancelled" for the replaced alert
    updated = heard[1][1]
    assert updated["replaces"] == [old.id] and updated["alert_id"] == new.id
    assert updated["send_sms"] is True and updated["severity"] == "extreme" and updated["user_id"] is None
    assert old.cancelled_at == new.started_at  # one commit: no poll sees neither


# ---------------------------------------------------------------- expiry, areas and the admins' SMS rules


PT_AREA = "<areaDesc>Phan Thiết</areaDesc><geocode><valueName>region</valueName><value>BT-PT</value></geocode>"


def cap_xml(identifier="VN-NCHMF-2026-0100", severity="Severe", area=PT_AREA,
            expires="", msg_type="Alert", references="", sent="2026-11-23T16:00:00+07:00") -> bytes:
    expiry = f"<expires>{expires}</expires>" if expires else ""
    refs = f"<references>{references}</references>" if references else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>nchmf.gov.vn</sender><sent>{sent}</sent>"
        f"<status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
        f"<info><language>vi-VN</language><category>Met</category><event>Bão</event><urgency>Immediate</urgency>"
        f"<severity>{severity}</severity><certainty>Observed</certainty>{expiry}<headline>Bão số 9</headline>"
        f"<description>Tránh xa bờ biển</description><area>{area}</area></info></alert>"
    ).encode()


def _iso(delta) -> str:
    from signage.timeutil import utcnow

    return (utcnow() + delta).isoformat(timespec="seconds")


def test_cap_expires_is_honoured_and_an_expired_message_is_ignored(app, post):
    from datetime import datetime, timedelta

    expires = _iso(timedelta(hours=3))
    assert post(cap_xml(expires=expires)).get_json()["result"] == "raised"
    [alert] = _alerts(app)
    assert alert.expires_at == datetime.fromisoformat(expires)
    late = post(cap_xml(identifier="VN-NCHMF-2026-0101", expires=_iso(-timedelta(minutes=1)))).get_json()
    assert late == {"result": "ignored", "why": "expired"} and len(_alerts(app)) == 1


def test_cap_area_names_and_geocodes_map_to_regions_through_the_admins_table(app, post, demo):
    from alerts.models import CapAreaMapping

    with app.app_context():
        db.session.add_all([CapAreaMapping(match="geocode", value="VN-48-593", region_id=demo["BT-HT"].id),
                            CapAreaMapping(match="name", value="Đảo Phú Quý", region_id=demo["BT-PQ"].id)])
        db.session.commit()
    area = ("<areaDesc>Huyện Hàm Tân</areaDesc><geocode><valueName>VN</valueName><value>VN-48-593</value></geocode>"
            "</area><area><areaDesc>đảo  phú quý</areaDesc>")
    assert post(cap_xml(area=area)).get_json()["result"] == "raised"
    [alert] = _alerts(app)
    assert sorted(alert.target_region_ids) == sorted([demo["BT-HT"].id, demo["BT-PQ"].id])


def test_a_cap_alert_for_areas_that_are_not_ours_changes_nothing(app, post):
    area = "<areaDesc>Tỉnh Ninh Thuận</areaDesc><geocode><valueName>VN</valueName><value>VN-58</value></geocode>"
    assert post(cap_xml(area=area)).get_json() == {"result": "ignored", "why": "no area of ours"}
    assert _alerts(app) == []


def test_cap_sms_follows_the_admins_rules(app, post, demo):
    from alerts.models import CapSmsRule

    with app.app_context():
        db.session.add_all([CapSmsRule(severity="severe", region_id=demo["BT-PT"].id, send_sms=False),
                            CapSmsRule(severity="moderate", region_id=None, send_sms=True)])
        db.session.commit()
    assert post(cap_xml()).get_json()["sms"] is False  # severe in Phan Thiết: the district's rule says no
    assert post(cap_xml(identifier="2", severity="Moderate")).get_json()["sms"] is True
    assert post(cap_xml(identifier="3", area="<areaDesc>Hàm Tân</areaDesc><geocode><valueName>r</valueName>"
                                              "<value>BT-HT</value></geocode>")).get_json()["sms"] is True
    assert [a.send_sms for a in _alerts(app)] == [False, True, True]


def test_admins_edit_the_area_table_and_the_sms_rules_on_the_rules_page(app, login, demo, post):
    from alerts.models import CapAreaMapping, CapSmsRule

    admin = login("admin")
    page = "/alerts/rules"
    response = admin.post_form(page, {"action": "area", "area-match": "name", "area-value": "Biển Phan Thiết",
                                      "area-region_id": demo["BT-PT"].id})
    assert response.status_code == 302
    admin.post_form(page, {"action": "sms", "sms-severity": "extreme", "sms-region_id": 0})  # "Send SMS" unticked
    with app.app_context():
        mapping = db.session.scalar(select(CapAreaMapping))
        assert (mapping.match, mapping.value, mapping.region_id) == ("name", "Biển Phan Thiết", demo["BT-PT"].id)
        assert [(r.severity, r.region_id, r.send_sms) for r in db.session.scalars(select(CapSmsRule))] == [
            ("extreme", None, False)]
    result = post(cap_xml(severity="Extreme", area="<areaDesc>biển phan thiết</areaDesc>")).get_json()
    assert result["result"] == "raised" and result["sms"] is False
    assert _alerts(app)[0].target_region_ids == [demo["BT-PT"].id]
    assert login("approver").get(page).status_code == 403
    admin.post_form(f"/alerts/rules/area/{mapping.id}/delete", {}, token_from=page)
    with app.app_context():
        assert db.session.scalar(select(CapAreaMapping)) is None
