"""Online/offline history per screen: heartbeats open online intervals, the sweeper closes them at the last
contact when a screen falls silent, and a comeback closes the offline interval — no gaps, no overlaps."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from players import heartbeat
from players.intervals import split_uptime
from players.models import ScreenInterval
from players.sweep import sweep
from signage.extensions import db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def beat(screen_id: int, at: datetime) -> None:
    heartbeat.record(screen_id, {"app_version": "1"}, int(at.timestamp() * 1000))


def history(screen_id: int) -> list[tuple[bool, datetime, datetime | None]]:
    db.session.expire_all()
    return [(r.online, r.started_at, r.ended_at) for r in db.session.scalars(
        select(ScreenInterval).where(ScreenInterval.screen_id == screen_id).order_by(ScreenInterval.started_at,
                                                                                      ScreenInterval.id))]


def test_a_first_heartbeat_opens_an_online_interval_and_regular_ones_change_nothing(screens):
    sid = screens["BT-HT"][0].id  # polls every 30 s: offline after 48 s of silence
    for n in range(5):
        beat(sid, T0 + timedelta(seconds=30 * n))
    assert history(sid) == [(True, T0, None)]
    assert sweep(T0 + timedelta(seconds=150)) == 0


def test_a_silent_screen_goes_offline_at_its_last_contact_and_comes_back_on_its_next_beat(screens):
    sid = screens["BT-HT"][0].id
    beat(sid, T0)
    beat(sid, T0 + timedelta(seconds=30))
    last = T0 + timedelta(seconds=30)
    assert sweep(last + timedelta(seconds=47)) == 0  # still within 1.1 × 30 s + 15 s
    assert sweep(last + timedelta(seconds=60)) == 1
    assert sweep(last + timedelta(seconds=120)) == 0  # idempotent
    back = last + timedelta(minutes=10)
    beat(sid, back)
    assert history(sid) == [(True, T0, last), (False, last, back), (True, back, None)]
    online, offline = split_uptime(history(sid), T0, T0 + timedelta(hours=1), now=back + timedelta(minutes=5))
    assert (online, offline) == (30 + 300, 600)


def test_a_comeback_before_the_sweeper_ran_still_records_the_silence(screens):
    sid = screens["BT-HT"][0].id
    beat(sid, T0)
    back = T0 + timedelta(minutes=5)
    beat(sid, back)
    assert history(sid) == [(True, T0, T0), (False, T0, back), (True, back, None)]


def test_the_history_survives_redis_losing_every_beat(screens):
    from signage.redis_client import get_redis

    sid = screens["BT-HT"][0].id
    beat(sid, T0)
    get_redis().flushall()
    beat(sid, T0 + timedelta(seconds=30))  # the database still says when the screen was last seen
    assert history(sid) == [(True, T0, None)]
