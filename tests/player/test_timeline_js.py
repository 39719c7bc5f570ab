"""The player's timeline rules (players/static/js/timeline.js), run in Chromium on synthetic manifests.

The module is served from the app's static route through Playwright routing, so no server process is needed.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def timeline(module_page):
    page = module_page

    def pick(manifest: dict, t: int, failed: list[str] = ()):
        return page.evaluate(
            """([m, t, failed]) => import('/play/static/js/timeline.js')
                 .then(tl => tl.pick(m, t, new Set(failed)))""",
            [manifest, t, list(failed)],
        )

    return pick


def item(key: str, duration: float, langs=("vi",)) -> dict:
    return {"key": key, "item_type": "media", "item_id": 1, "name": key, "duration_s": duration, "kind": "image",
            "assets": {lang: {"url": f"/media/{key}-{lang}.jpg", "sha256": "", "size": 1, "mime": "image/jpeg"}
                       for lang in langs}}


def manifest(timeline=(), fallback=(), languages=("vi",)) -> dict:
    return {"screen": {"languages": list(languages)}, "timeline": list(timeline), "fallback": {"items": list(fallback)}}


def segment(start: int, end: int, items, priority=50, entry_id=1) -> dict:
    return {"start_ms": start, "end_ms": end, "entry_id": entry_id, "priority": priority, "items": items}


def test_items_loop_from_the_segment_start(timeline):
    m = manifest([segment(1_000_000, 2_000_000, [item("a", 10), item("b", 20)])])
    assert timeline(m, 1_000_000)["item"]["key"] == "a"
    assert timeline(m, 1_015_000)["item"]["key"] == "b"
    slot = timeline(m, 1_031_000)
    assert (slot["item"]["key"], slot["start"], slot["end"]) == ("a", 1_030_000, 1_040_000)


def test_an_item_is_cut_at_the_segment_end_and_the_fallback_follows(timeline):
    m = manifest([segment(0, 25_000, [item("a", 10)])], fallback=[item("f", 7)])
    assert timeline(m, 21_000)["end"] == 25_000
    after = timeline(m, 26_000)
    assert after["item"]["key"] == "f" and after["source"] == "fallback" and after["entryId"] is None


def test_the_highest_priority_segment_wins_an_overlap(timeline):
    m = manifest([segment(0, 100_000, [item("low", 10)], priority=10),
                  segment(0, 100_000, [item("high", 10)], priority=90, entry_id=2)])
    slot = timeline(m, 5_000)
    assert slot["item"]["key"] == "high" and slot["entryId"] == 2


def test_language_rotates_once_per_loop_and_falls_back_to_vietnamese(timeline):
    m = manifest([segment(0, 10**9, [item("a", 10, ("vi", "en")), item("b", 10, ("vi",))])],
                 languages=("vi", "en"))
    first, second = timeline(m, 5_000), timeline(m, 25_000)
    assert (first["lang"], first["asset"]["url"]) == ("vi", "/media/a-vi.jpg")
    assert (second["lang"], second["asset"]["url"]) == ("en", "/media/a-en.jpg")
    assert timeline(m, 35_000)["asset"]["url"] == "/media/b-vi.jpg"  # no English version: Vietnamese


def test_failed_items_are_left_out_and_nothing_playable_means_none(timeline):
    m = manifest([segment(0, 10**9, [item("a", 10), item("b", 10)])])
    assert timeline(m, 1_000, ["a"])["item"]["key"] == "b"
    assert timeline(m, 1_000, ["a", "b"]) is None
