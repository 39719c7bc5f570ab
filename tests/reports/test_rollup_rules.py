"""The pure cores of the roll-ups: which themes a play carried, how plays, scans and uptime add up."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from players.intervals import split_uptime
from reports.rollup import ThemeContext, opted_out_within, play_rows, play_themes, scan_rows

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLIDE = ("slide", 7)


def ctx(**kwargs) -> ThemeContext:
    base = dict(tags={}, contents={}, entry_playlist={}, screen_default={})
    base.update(kwargs)
    return ThemeContext(**base)


def test_a_play_carries_its_items_themes():
    assert play_themes(SLIDE, None, 1, ctx(tags={SLIDE: frozenset({3})})) == {3}


def test_playlist_items_inherit_the_playlists_themes_nested_ones_too():
    c = ctx(tags={("playlist", 10): frozenset({1}), ("playlist", 11): frozenset({2}), ("playlist", 12): frozenset({9})},
            contents={10: [("playlist", 11), ("slide", 99)], 11: [SLIDE], 12: [("slide", 99)]},
            entry_playlist={5: 10})
    assert play_themes(SLIDE, 5, 1, c) == {1, 2}  # playlist 12 does not contain the slide
    assert play_themes(("slide", 99), 5, 1, c) == {1}


def test_an_entrys_themes_apply_to_everything_it_plays():
    c = ctx(tags={("entry", 5): frozenset({4})}, contents={10: [SLIDE]}, entry_playlist={5: 10})
    assert play_themes(SLIDE, 5, 1, c) == {4}


def test_outside_any_entry_the_screens_default_playlist_gives_its_themes():
    c = ctx(tags={("playlist", 20): frozenset({6})}, contents={20: [SLIDE]}, screen_default={1: 20, 2: None})
    assert play_themes(SLIDE, None, 1, c) == {6}
    assert play_themes(SLIDE, None, 2, c) == frozenset()


def test_a_cycle_of_playlists_does_not_loop():
    c = ctx(tags={("playlist", 1): frozenset({1})}, contents={1: [("playlist", 2)], 2: [("playlist", 1), SLIDE]},
            entry_playlist={5: 1})
    assert play_themes(SLIDE, 5, 1, c) == {1}


def test_every_play_counts_once_in_the_total_and_once_per_theme():
    c = ctx(tags={SLIDE: frozenset({3, 4})})
    rows = play_rows(date(2026, 3, 1), [(1, "slide", 7, None, 10, 150.0, "A"), (1, "ticker", 2, 5, 4, 120.0, "B")], c)
    by_theme = {(r["item_type"], r["theme_id"]): (r["plays"], r["seconds"]) for r in rows}
    assert by_theme == {("slide", 0): (10, 150.0), ("slide", 3): (10, 150.0), ("slide", 4): (10, 150.0),
                        ("ticker", 0): (4, 120.0)}
    assert {r["entry_id"] for r in rows if r["item_type"] == "ticker"} == {5}
    assert {r["entry_id"] for r in rows if r["item_type"] == "slide"} == {0}  # 0 = the default playlist


def test_scans_fall_into_the_local_hour():
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)  # 19:30 in Việt Nam
    rows = scan_rows(date(2026, 3, 1), [(4, 7, at), (4, 7, at + timedelta(minutes=10)), (None, 7, at)], TZ)
    assert rows == [dict(day=date(2026, 3, 1), screen_id=0, slide_id=7, hour=19, scans=1),
                    dict(day=date(2026, 3, 1), screen_id=4, slide_id=7, hour=19, scans=2)]


def test_an_opt_out_counts_against_a_message_only_within_seven_days_after_it():
    sent = datetime(2026, 3, 1, 9, tzinfo=UTC)
    refusals = {1: [sent + timedelta(days=6)], 2: [sent + timedelta(days=8)], 3: [sent - timedelta(hours=1)]}
    assert opted_out_within([(1, sent), (2, sent), (3, sent), (4, sent)], refusals) == 1


def test_uptime_clips_the_history_to_the_period_and_to_now():
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    history = [(True, t0 - timedelta(days=1), t0 + timedelta(hours=20)), (False, t0 + timedelta(hours=20), t0 +
               timedelta(hours=22)), (True, t0 + timedelta(hours=22), None)]
    online, offline = split_uptime(history, t0, t0 + timedelta(days=2), now=t0 + timedelta(days=1))
    assert (online, offline) == (22 * 3600, 2 * 3600)


def test_time_before_a_screens_first_heartbeat_counts_as_neither():
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    assert split_uptime([(True, t0 + timedelta(hours=12), None)], t0, t0 + timedelta(days=1),
                        now=t0 + timedelta(days=5)) == (12 * 3600, 0)
