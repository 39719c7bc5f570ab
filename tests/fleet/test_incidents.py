"""Incidents from the evaluation every minute (fleet.service.run): one per screen and cause however many
heartbeats and runs a breach spans, closed on recovery; a region's rules apply to its subtree."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fleet import service
from fleet.models import FleetRule, Incident
from fleet.rules import ScreenState
from players import heartbeat
from signage.extensions import db
from signage.models import Region
from signage.redis_client import get_redis
from tests.fleet.conftest import beat

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def incidents(screen_id: int) -> list[tuple[str, str, datetime, datetime | None]]:
    db.session.expire_all()
    return [(i.cause, i.status, i.opened_at, i.closed_at) for i in db.session.scalars(
        select(Incident).where(Incident.screen_id == screen_id).order_by(Incident.id))]


def test_a_silent_screen_opens_one_offline_incident_however_many_runs_see_it(screens):
    sid = screens["Bến xe Phan Thiết"].id
    for n in range(10):
        beat(sid, T0 + timedelta(seconds=30 * n))
    last = T0 + timedelta(seconds=270)
    for minute in range(1, 16):
        service.run(last + timedelta(minutes=minute))
    assert incidents(sid) == [("offline", "open", last + timedelta(minutes=11), None)]


def test_the_incident_closes_when_the_screen_reports_again(screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0)
    service.run(T0 + timedelta(minutes=11))
    back = T0 + timedelta(minutes=20)
    beat(sid, back)
    assert service.run(back + timedelta(seconds=5)).closed == 1
    assert incidents(sid) == [("offline", "closed", T0 + timedelta(minutes=11), back + timedelta(seconds=5))]
    beat(sid, back + timedelta(minutes=1))
    service.run(back + timedelta(minutes=1, seconds=5))
    assert len(incidents(sid)) == 1  # nothing new while it is well


def test_a_screen_that_has_played_nothing_opens_a_black_incident_beside_being_online(screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0)
    beat(sid, T0 + timedelta(seconds=30), diagnostics={"blank_s": 600})
    service.run(T0 + timedelta(seconds=40))
    assert [c for c, *_ in incidents(sid)] == ["black"]


def test_a_black_screen_that_falls_silent_keeps_its_black_incident_beside_the_offline_one(screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0, diagnostics={"blank_s": 600})
    service.run(T0 + timedelta(seconds=10))
    service.run(T0 + timedelta(minutes=11))  # silent: its diagnostics are old, neither confirmed nor cleared
    assert [(c, s) for c, s, *_ in incidents(sid)] == [("black", "open"), ("offline", "open")]
    beat(sid, T0 + timedelta(minutes=12), diagnostics={"blank_s": 0})
    service.run(T0 + timedelta(minutes=12, seconds=5))
    assert [(c, s) for c, s, *_ in incidents(sid)] == [("black", "closed"), ("offline", "closed")]


def test_the_database_refuses_a_second_open_incident_for_a_screen_and_cause(screens):
    sid, region_id = screens["Bến xe Phan Thiết"].id, screens["Bến xe Phan Thiết"].region_id
    for _ in range(2):
        db.session.add(Incident(screen_id=sid, region_id=region_id, cause="offline", opened_at=T0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_run_racing_another_opens_nothing_twice_and_counts_what_it_opened(screens):
    # what a second run finds when the first inserted the same breaches after it read the open incidents
    a, b = list(screens.values())[:2]
    row = {"cause": "offline", "detail": {"minutes": 11}, "status": "open", "active": True, "opened_at": T0}
    first = [dict(row, screen_id=a.id, region_id=a.region_id)]
    assert service.insert_ignoring_duplicates(Incident.__table__, first) == 1
    again = [*first, dict(row, screen_id=b.id, region_id=b.region_id)]
    assert service.insert_ignoring_duplicates(Incident.__table__, again) == 1
    db.session.commit()
    assert len(incidents(a.id)) == 1 and len(incidents(b.id)) == 1


def test_a_district_rule_applies_to_its_screens_and_not_to_the_others(screens, demo):
    db.session.add(FleetRule(region_id=demo["BT-PT"].id, offline_min=60))
    db.session.commit()
    in_phan_thiet = screens["Bến xe Phan Thiết"]
    elsewhere = next(s for s in screens.values() if not s.region.path.startswith(demo["BT-PT"].path))
    for screen in (in_phan_thiet, elsewhere):
        beat(screen.id, T0)
    service.run(T0 + timedelta(minutes=30))
    assert incidents(in_phan_thiet.id) == []
    assert [c for c, *_ in incidents(elsewhere.id)] == ["offline"]
    assert service.rules_by_region()[db.session.scalar(
        select(Region.id).where(Region.code == "BT-PT-DK"))].offline_min == 60  # inherited by the ward below


# ---------------------------------------------------------------- what the evaluation reads of the heartbeats


def test_a_state_is_the_screen_and_the_vitals_of_its_last_beat_field_for_field():
    # fleet.service builds the states positionally from players.heartbeat.Vitals: the orders must agree
    assert ScreenState._fields == ("screen_id", "region_id", "poll_interval_s", *heartbeat.Vitals._fields)


def test_the_vitals_of_a_beat_are_stored_beside_it_and_read_back_as_they_were(screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0, free_storage=900 << 20, diagnostics={
        "blank_s": 42, "missing_assets": ["a.jpg", "b.jpg"], "corrupt_assets": ["c.mp4"], "clock_offset_ms": -1500})
    expected = heartbeat.Vitals(last_seen_ms=int(T0.timestamp() * 1000), stale_since_ms=None,
                                free_storage=900 << 20, blank_s=42, asset_errors=3, free_storage_bytes=None,
                                clock_offset_ms=-1500)
    assert heartbeat.vitals_of(heartbeat.latest([sid])[sid]) == expected
    assert dict(heartbeat.latest_vitals([sid])) == {sid: expected}
    assert heartbeat.decode_vitals(heartbeat.encode_vitals(expected).encode()) == expected


def test_a_beat_the_fast_path_answers_updates_the_vitals_too(app, screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0)  # the first beat goes to the database (Flask); the next one is quiet
    now_ms = int((T0 + timedelta(seconds=30)).timestamp() * 1000)
    quiet = heartbeat.normalise({"app_version": "1", "diagnostics": {"blank_s": 600}}, now_ms, "")
    assert heartbeat.fast_record(get_redis(), sid, quiet, get_redis().mget(heartbeat.state_keys(sid)), now_ms,
                                 app.config["PLAYER_HEARTBEAT_DB_INTERVAL_S"])
    assert dict(heartbeat.latest_vitals([sid]))[sid][:4] == (now_ms, None, None, 600)


def test_the_evaluation_reads_the_vitals_not_the_beats_json(screens):
    sid = screens["Bến xe Phan Thiết"].id
    beat(sid, T0, diagnostics={"blank_s": 600, "missing_assets": ["a.jpg"], "corrupt_assets": ["b.jpg", "c.mp4"]})
    get_redis().set(f"player:hb:{sid}", b"{not json")  # parsing it would raise
    service.run(T0 + timedelta(seconds=10))
    assert [c for c, *_ in incidents(sid)] == ["black", "asset_errors"]


def test_where_redis_lost_the_vitals_the_evaluation_reads_the_beat_then_the_database_row(screens):
    sid = screens["Bến xe Phan Thiết"].id
    other = next(s.id for s in screens.values() if s.id != sid)
    beat(sid, T0, diagnostics={"blank_s": 600})  # the first beat is written to the database too
    beat(other, T0, diagnostics={"blank_s": 600})
    get_redis().delete(f"player:vitals:{sid}")
    get_redis().set(f"player:vitals:{other}", b"1,2")  # a line of another shape: the beat is read instead
    service.run(T0 + timedelta(seconds=10))
    assert [c for c, *_ in incidents(sid)] == ["black"] and [c for c, *_ in incidents(other)] == ["black"]
    get_redis().flushall()  # Redis lost everything: the screen status rows say the same
    assert service.run(T0 + timedelta(seconds=20)).closed == 0
    assert [(c, s) for c, s, *_ in incidents(sid)] == [("black", "open")]
