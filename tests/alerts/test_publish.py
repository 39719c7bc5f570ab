"""What each screen is told: targets are resolved once per change, only the screens whose answer changed get
a new version, and every poll is answered from the published answer (no database), also after Redis lost it."""

from __future__ import annotations

import json

from alerts.service import publish, raise_alert
from tests.alerts.conftest import poll, sql_statements

MARKET = "Chợ Phan Thiết"  # BT-PT
STATION = "Ga Phan Thiết"  # BT-PT
TAN_NGHIA = "Trung tâm thị trấn Tân Nghĩa"  # BT-HT


def test_a_district_alert_moves_only_that_districts_screens(app, app_ctx, demo, paired):
    _, market = paired(MARKET)
    _, tan_nghia = paired(TAN_NGHIA)
    market_tag, tan_nghia_tag = poll(app, market).headers["ETag"], poll(app, tan_nghia).headers["ETag"]
    raise_alert(region_id=demo["BT-HT"].id, messages={"vi": "Lũ quét ở Hàm Tân"})
    assert poll(app, market, market_tag).status_code == 304  # Phan Thiết's screens never see the change
    changed = poll(app, tan_nghia, tan_nghia_tag)
    assert changed.status_code == 200 and changed.headers["ETag"] != tan_nghia_tag
    assert [a["messages"]["vi"] for a in changed.get_json()["alerts"]] == ["Lũ quét ở Hàm Tân"]


def test_a_poll_after_a_raise_is_answered_from_the_published_answer_without_any_query(app, app_ctx, demo, paired):
    _, market = paired(MARKET)
    _, station = paired(STATION)
    before = poll(app, market).headers["ETag"]
    raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Cảnh báo"})
    with sql_statements() as statements:
        bodies = [poll(app, market, before), poll(app, station)]
    assert [b.status_code for b in bodies] == [200, 200] and statements == []
    assert bodies[0].get_json()["alerts"] == bodies[1].get_json()["alerts"]
    body = bodies[0].get_json()
    assert set(body) == {"alerts", "control", "version", "poll_s", "server_time_ms"}  # control: remote commands
    assert body["alerts"][0]["level"] == "emergency" and body["alerts"][0]["expires_ms"] is None


def test_publishing_twice_without_a_change_moves_no_version(app, app_ctx, demo, paired):
    _, market = paired(MARKET)
    raise_alert(region_id=demo["BT"].id, messages={"vi": "Cảnh báo"})
    tag = poll(app, market).headers["ETag"]
    publish()
    publish()
    assert poll(app, market, tag).status_code == 304


def test_after_redis_lost_everything_the_answers_are_rebuilt_from_the_database(app, app_ctx, demo, paired):
    from signage.redis_client import get_redis

    _, market = paired(MARKET)
    raise_alert(region_id=demo["BT-PT"].id, messages={"vi": "Bão số 5"})
    tag = poll(app, market).headers["ETag"]
    get_redis().flushall()  # tokens too: they are looked up in the database again
    after = poll(app, market, tag)
    assert after.status_code == 200 and after.headers["ETag"] != tag  # never an old version again
    assert [a["messages"]["vi"] for a in after.get_json()["alerts"]] == ["Bão số 5"]


def test_a_stale_answer_left_in_redis_is_replaced_when_the_state_is_rebuilt(app, app_ctx, demo, paired):
    from alerts.service import STATE_KEY, answer_key
    from signage.redis_client import get_redis

    market_id, market = paired(MARKET)
    get_redis().set(answer_key(market_id), json.dumps([{"id": 999, "level": "emergency", "messages": {"vi": "cũ"}}]))
    get_redis().delete(STATE_KEY)
    publish()
    assert poll(app, market).get_json()["alerts"] == []
