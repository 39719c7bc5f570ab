"""The incident rules as pure functions: a region's rules inherited down the tree, which state breaches
which rule at a frozen `now`, and what to do about an incident nobody was told of yet. A state carries the
vitals of the screen's last heartbeat (players.heartbeat.Vitals; tests/fleet/test_incidents.py has them
read from the heartbeats)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from fleet.rules import Rules, ScreenState, evaluate, notice, resolve

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
RULES = Rules(offline_min=10, stale_min=30, black_min=5, asset_errors=3, storage_min_mb=200, clock_drift_s=120)


def state(**kw) -> ScreenState:
    return ScreenState(**{"screen_id": 1, "region_id": 7, "poll_interval_s": 30, "last_seen_ms": NOW_MS - 5000,
                          **kw})


def causes(*states, rules=RULES) -> dict:
    return evaluate(states, {7: rules}, NOW)


def test_a_region_inherits_the_rules_above_it_and_overrides_only_what_it_sets():
    overrides = {1: {"offline_min": 30, "clock_drift_s": None}, 9: {"offline_min": 5, "black_min": 0}}
    assert resolve(RULES, overrides, "/1/4/9/") == Rules(offline_min=5, stale_min=30, black_min=0, asset_errors=3,
                                                           storage_min_mb=200, clock_drift_s=120)
    assert resolve(RULES, overrides, "/1/4/").offline_min == 30
    assert resolve(RULES, overrides, "/2/") == RULES


def test_a_screen_silent_for_longer_than_the_offline_rule_breaches_offline_only():
    silent = state(last_seen_ms=NOW_MS - 11 * 60_000, clock_offset_ms=999_999)
    assert causes(silent) == {(1, "offline"): {"minutes": 11}}
    assert causes(state(last_seen_ms=NOW_MS - 9 * 60_000)) == {}  # offline, but not for 10 minutes yet


def test_a_screen_that_never_reported_breaches_nothing():
    assert causes(state(last_seen_ms=None)) == {}


def test_an_old_manifest_counts_from_two_polls_after_it_became_old():
    two_polls_ms = 2 * 30_000
    assert causes(state(stale_since_ms=NOW_MS - two_polls_ms - 31 * 60_000)) == {(1, "stale"): {"minutes": 31}}
    assert causes(state(stale_since_ms=NOW_MS - 31 * 60_000)) == {}


@pytest.mark.parametrize(("vitals", "cause", "detail"), [
    ({"blank_s": 300}, "black", {"minutes": 5}),
    ({"asset_errors": 3}, "asset_errors", {"count": 3}),
    ({"free_storage_bytes": 150 * 1024 * 1024}, "storage_low", {"free_mb": 150}),
    ({"clock_offset_ms": -121_000}, "clock_drift", {"seconds": -121}),
])
def test_each_diagnostic_rule_fires_at_its_threshold(vitals, cause, detail):
    assert causes(state(**vitals)) == {(1, cause): detail}


def test_below_every_threshold_nothing_breaches():
    healthy = {"blank_s": 299, "asset_errors": 2, "free_storage_bytes": 300 << 20, "clock_offset_ms": 119_000}
    assert causes(state(**healthy)) == {}


def test_a_rule_set_to_zero_is_off():
    off = Rules(offline_min=0, stale_min=0, black_min=0, asset_errors=0, storage_min_mb=0, clock_drift_s=0)
    silent, black = state(last_seen_ms=NOW_MS - 3600_000), state(screen_id=2, blank_s=9999)
    assert causes(silent, black, rules=off) == {}


def test_the_heartbeat_free_storage_counts_when_the_diagnostics_do_not_say():
    assert list(causes(state(free_storage=10 << 20))) == [(1, "storage_low")]
    assert causes(state(free_storage=10 << 20, free_storage_bytes=300 << 20)) == {}  # the diagnostics say


GRACE, COOLDOWN, QUIET = timedelta(minutes=5), timedelta(hours=2), (time(22, 0), time(6, 0))


def decide(cause="offline", opened=NOW - timedelta(minutes=6), last_sent=None, local=time(15, 0)):
    return notice(cause, opened, NOW, local_now=local, grace=GRACE, cooldown=COOLDOWN, last_sent=last_sent,
                  quiet=QUIET)


def test_an_incident_waits_out_its_grace_period_before_anyone_is_told():
    assert decide(opened=NOW - timedelta(minutes=4)) == "wait"
    assert decide() == "send"


def test_no_second_email_about_the_same_screen_and_cause_within_the_cooldown():
    assert decide(last_sent=NOW - timedelta(minutes=90)) == "cooldown"
    assert decide(last_sent=NOW - timedelta(minutes=121)) == "send"


def test_quiet_hours_hold_back_non_urgent_causes_only():
    assert decide(cause="storage_low", local=time(23, 30)) == "quiet"
    assert decide(cause="storage_low", local=time(5, 59)) == "quiet"
    assert decide(cause="storage_low", local=time(6, 0)) == "send"
    assert decide(cause="offline", local=time(23, 30)) == "send"
