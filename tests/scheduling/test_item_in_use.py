"""`item_in_use`: the content side's delete protection (on air now or scheduled in the future)."""

from __future__ import annotations

from datetime import date

import time_machine

from scheduling.api import item_in_use
from tests.scheduling.conftest import local


def test_an_item_in_a_live_entrys_playlist_is_in_use(build, content, screens):
    playlist = build.playlist("P", [("slide", 1)])
    assert not item_in_use("slide", 1)  # in a playlist nobody plays
    build.entry(playlist, [("screen", next(iter(screens.values())).id)], start=date(2027, 1, 1))
    assert item_in_use("slide", 1)  # scheduled in the future
    assert not item_in_use("slide", 2)


def test_an_item_nested_in_a_default_playlist_is_in_use(build, content, screens):
    inner = build.playlist("Inner", [("media", 5)])
    outer = build.playlist("Outer", [("playlist", inner.id)])
    build.default(next(iter(screens.values())), outer)
    assert item_in_use("media", 5)


def test_an_item_whose_entries_have_all_ended_is_free(build, content, screens):
    playlist = build.playlist("P", [("ticker", 3)])
    build.entry(playlist, [("screen", next(iter(screens.values())).id)], start=date(2026, 1, 1),
                end=date(2026, 3, 31))
    with time_machine.travel(local(2026, 12, 1, 8), tick=False):
        assert not item_in_use("ticker", 3)
    with time_machine.travel(local(2026, 3, 31, 23), tick=False):
        assert item_in_use("ticker", 3)
