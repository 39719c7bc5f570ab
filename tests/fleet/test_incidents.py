"""Incidents from the evaluation every minute (fleet.service.run): one per screen and cause however many
heartbeats and runs a breach spans, closed on recovery; a region's rules apply to its subtree."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fleet import service
from fleet.models import FleetRule, Incident
from signage.extensions import db
from signage.models import Region
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
