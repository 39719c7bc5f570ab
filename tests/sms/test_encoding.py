from sms.encoding import analyse, unaccent, unaccented_offer


def test_plain_ascii_is_gsm7_160_in_one_segment_153_per_part():
    assert analyse("a" * 160).segments == 1
    info = analyse("a" * 161)
    assert (info.encoding, info.segments, info.per_segment) == ("GSM-7", 2, 153)
    assert analyse("a" * 306).segments == 2
    assert analyse("a" * 307).segments == 3


def test_gsm_extension_characters_count_twice():
    info = analyse("€" * 80)
    assert info.encoding == "GSM-7" and info.units == 160 and info.segments == 1
    assert analyse("€" * 81).segments == 2


def test_vietnamese_with_diacritics_is_ucs2_70_then_67():
    assert analyse("ă" * 70).segments == 1
    info = analyse("ă" * 71)
    assert (info.encoding, info.segments, info.per_segment) == ("UCS-2", 2, 67)
    assert analyse("ă" * 135).segments == 3


def test_emoji_count_two_ucs2_units():
    assert analyse("😀" * 35).units == 70


def test_unaccented_variant_is_offered_only_when_it_saves_segments():
    text = "Bình Thuận chào đón quý khách đến với tuần lễ văn hóa du lịch Mũi Né từ ngày 20/12!"
    variant, info = unaccented_offer(text)
    assert variant == "Binh Thuan chao don quy khach den voi tuan le van hoa du lich Mui Ne tu ngay 20/12!"
    assert info.encoding == "GSM-7" and info.segments == 1 < analyse(text).segments
    assert unaccented_offer("Đà Lạt") is None  # one segment either way
    assert unaccent("Đường đi") == "Duong di"
