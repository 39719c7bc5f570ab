"""Decree 91/2020 rules as pure functions, with explicit clocks (07:00–22:00 Asia/Ho_Chi_Minh = 00:00–15:00 UTC)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sms.compliance import Action, Recipient, decide, label, next_window_start, promotional_text, with_optout

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OK = Recipient(has_consent=True, suppressed=False, opted_out_kinds=frozenset())


def vn(day, hh, mm=0):
    return datetime(2026, 12, day, hh, mm, tzinfo=VN).astimezone(UTC)


def test_promotional_inside_the_window_is_sent():
    assert decide("promotional", OK, vn(20, 7, 0), VN).action is Action.SEND
    assert decide("promotional", OK, vn(20, 21, 59), VN).action is Action.SEND


def test_promotional_after_22h_waits_until_07h_next_day():
    d = decide("promotional", OK, vn(20, 22, 0), VN)
    assert d.action is Action.DEFER and d.until == vn(21, 7, 0) and d.reason == "outside_window"


def test_promotional_before_7h_waits_until_07h_same_day():
    assert decide("promotional", OK, vn(20, 5, 30), VN).until == vn(20, 7, 0)


def test_deferred_message_whose_validity_ends_first_is_dropped():
    d = decide("promotional", OK, vn(20, 23, 0), VN, valid_until=vn(21, 6, 0))
    assert d.action is Action.SKIP and d.reason == "expired"


def test_fourth_promotional_in_24h_waits_for_the_oldest_to_age_out():
    now = vn(20, 12, 0)
    recent = (now - timedelta(hours=23), now - timedelta(hours=2), now - timedelta(hours=1))
    d = decide("promotional", Recipient(True, False, frozenset(), recent), now, VN)
    assert d.action is Action.DEFER and d.reason == "daily_cap" and d.until == now + timedelta(hours=1)
    older = (now - timedelta(hours=25),) + recent[1:]
    assert decide("promotional", Recipient(True, False, frozenset(), older), now, VN).action is Action.SEND


def test_cap_freeing_at_night_moves_to_the_next_window():
    now = vn(20, 21, 0)
    recent = (vn(19, 23, 30), vn(20, 8, 0), vn(20, 9, 0))  # oldest ages out at 23:30 → next 07:00
    d = decide("promotional", Recipient(True, False, frozenset(), recent), now, VN)
    assert d.action is Action.DEFER and d.until == vn(21, 7, 0)


def test_promotional_needs_consent_and_no_suppression():
    assert decide("promotional", Recipient(False, False, frozenset()), vn(20, 9), VN).reason == "no_consent"
    assert decide("promotional", Recipient(True, True, frozenset()), vn(20, 9), VN).reason == "suppressed"


def test_public_service_and_emergency_ignore_window_cap_consent_but_not_their_own_optout():
    night = vn(20, 23, 30)
    capped = Recipient(False, True, frozenset({"promotional"}), (night,) * 5)
    assert decide("emergency", capped, night, VN).action is Action.SEND
    assert decide("public_service", capped, night, VN).action is Action.SEND
    refused = Recipient(True, False, frozenset({"emergency"}))
    assert decide("emergency", refused, night, VN).reason == "opted_out"


def test_opted_out_promotional_is_never_sent():
    assert decide("promotional", Recipient(True, False, frozenset({"promotional"})), vn(20, 9), VN).reason == \
        "opted_out"


def test_next_window_start_is_now_inside_the_window():
    assert next_window_start(vn(20, 10), VN) == vn(20, 10)


def test_labels_qc_for_vietnamese_ad_for_others_added_once():
    assert label("Chào mừng", "vi") == "[QC] Chào mừng"
    assert label("[QC] Chào mừng", "vi") == "[QC] Chào mừng"
    assert label("  [qc] Chào", "vi") == "[QC] Chào"
    assert label("Welcome", "en") == "[AD] Welcome"
    assert label("Добро пожаловать", "ru") == "[AD] Добро пожаловать"


def test_every_promotional_text_carries_the_optout_link():
    link = "https://x.vn/sms/o/ab-12"
    assert with_optout("Hi. Stop: {optout}", link, "en") == "Hi. Stop: https://x.vn/sms/o/ab-12"
    assert promotional_text("Chào {name}", "vi", link).endswith(link)
    assert promotional_text("Chào", "vi", link).startswith("[QC] ")
