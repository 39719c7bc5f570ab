"""The running-text strip (issue 12): on a 384×64 strip the ticker fills the display, so nothing is picked
under it — no play recorded, nothing reported as playing — and slides play there only when no ticker runs."""

from __future__ import annotations

import pytest

from tests.player.test_timeline_js import item, segment, timeline  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


def strip(segments=(), tickers=()) -> dict:
    return {"screen": {"kind": "ticker", "width": 384, "height": 64, "languages": ["vi"]},
            "timeline": list(segments), "fallback": {"items": [], "tickers": []}, "tickers": list(tickers)}


def ticker(start: int | None, end: int | None) -> dict:
    def iso(ms):
        return None if ms is None else f"1970-01-01T00:{ms // 60_000:02d}:{ms // 1000 % 60:02d}Z"
    return {"key": "ticker:1", "texts": {"vi": "Chào mừng đến Mũi Né"}, "valid_from": iso(start),
            "valid_until": iso(end)}


def test_nothing_plays_under_a_ticker_on_a_strip(timeline):  # noqa: F811
    m = strip([segment(0, 3_600_000, [item("slide", 10)])], [ticker(None, None)])
    assert timeline(m, 5_000) is None


def test_a_strip_plays_its_slides_when_no_ticker_runs_and_cuts_one_when_a_ticker_starts(timeline):  # noqa: F811
    m = strip([segment(0, 3_600_000, [item("slide", 10)])], [ticker(65_000, 120_000)])
    slot = timeline(m, 61_000)
    assert slot["item"]["key"] == "slide" and slot["end"] == 65_000  # not 70 000: the ticker covers it then
    assert timeline(m, 66_000) is None
    assert timeline(m, 121_000)["item"]["key"] == "slide"


def test_a_ticker_with_no_text_in_the_strips_languages_leaves_the_slides_playing(timeline):  # noqa: F811
    silent = dict(ticker(None, None), texts={"ru": "Добро пожаловать"})  # the strip shows vi only: nothing runs
    m = strip([segment(0, 3_600_000, [item("slide", 10)])], [silent])
    assert timeline(m, 5_000)["item"]["key"] == "slide"


def test_a_ticker_bar_on_a_normal_screen_leaves_the_slides_playing(timeline):  # noqa: F811
    m = strip([segment(0, 3_600_000, [item("slide", 10)])], [ticker(None, None)])
    m["screen"].update(kind="lcd", width=1920, height=1080)
    assert timeline(m, 5_000)["item"]["key"] == "slide"
