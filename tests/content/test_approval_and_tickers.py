"""Approval of slides and tickers (on-air snapshot), tickers shown literally, signals after commit."""

from __future__ import annotations

from content import api
from content.models import Slide, Ticker
from signage.extensions import db
from signage.signals import content_changed

SCRIPT = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


def _new_slide(client, region_id: int, title: str = "Lễ hội Dinh Thầy Thím") -> int:
    response = client.post_form("/content/slides/new", {
        "name": title, "region_id": region_id, "template": "title_body", "media_id": 0, "duration_s": 10,
        "title_vi": title, "body_vi": "Tháng Hai âm lịch tại La Gi.",
    }, token_from="/content/slides/new")
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def _post(client, url: str, data: dict | None = None, page: str | None = None):
    return client.post_form(url, data or {}, token_from=page)


def test_vietnamese_title_is_required(app, demo, login):
    client = login("phanthiet")
    response = client.post_form("/content/slides/new", {"name": "x", "region_id": demo["BT-PT"].id,
                                                         "template": "title_body", "media_id": 0, "duration_s": 10,
                                                         "title_en": "English only"}, token_from="/content/slides/new")
    assert response.status_code == 400


def test_texts_are_stored_nfc(app, demo, login):
    decomposed = "Mu\u0303i Ne\u0301"
    slide_id = _new_slide(login("phanthiet"), demo["BT-PT"].id, decomposed)
    with app.app_context():
        assert db.session.get(Slide, slide_id).texts["title"]["vi"] == "Mũi Né"


def test_only_http_qr_targets_are_accepted(app, demo, login):
    client = login("phanthiet")
    response = client.post_form("/content/slides/new", {
        "name": "x", "region_id": demo["BT-PT"].id, "template": "title_body", "media_id": 0, "duration_s": 10,
        "title_vi": "x", "qr_url": "javascript:alert(1)"}, token_from="/content/slides/new")
    assert response.status_code == 400


def test_an_operator_cannot_approve(app, demo, login):
    client = login("phanthiet")
    slide_id = _new_slide(client, demo["BT-PT"].id)
    page = f"/content/slides/{slide_id}"
    _post(client, f"{page}/submit", page=page)
    _post(client, f"{page}/approve", page=page)
    with app.app_context():
        assert db.session.get(Slide, slide_id).approval_state == "submitted"
        assert not api.is_schedulable("slide", slide_id)


def test_an_approver_cannot_approve_what_they_submitted_and_is_told_why_in_vietnamese(app, demo, login):
    approver = login("approver")
    slide_id = _new_slide(approver, demo["BT"].id)
    page = f"/content/slides/{slide_id}"
    _post(approver, f"{page}/submit", page=page)
    response = _post(approver, f"{page}/approve", page=page)
    assert "cần một người duyệt khác" in approver.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Slide, slide_id).approval_state == "submitted"
        assert not api.is_schedulable("slide", slide_id)
    from signage.models import Role, User

    with app.app_context():
        second = User(username="approver2", role=Role.APPROVER.value, region_id=demo["BT"].id, display_name="P2")
        second.set_password("demo-2026")
        db.session.add(second)
        db.session.commit()
    _post(login("approver2"), f"{page}/approve", page=page)
    with app.app_context():
        assert db.session.get(Slide, slide_id).approval_state == "approved"


def test_rejection_needs_a_comment_and_is_shown_to_the_author(app, demo, login):
    operator, approver = login("phanthiet"), login("approver")
    slide_id = _new_slide(operator, demo["BT-PT"].id)
    page = f"/content/slides/{slide_id}"
    _post(operator, f"{page}/submit", page=page)
    _post(approver, f"{page}/reject", {"comment": ""}, page=page)
    with app.app_context():
        assert db.session.get(Slide, slide_id).approval_state == "submitted"
    _post(approver, f"{page}/reject", {"comment": "Ghi rõ ngày tổ chức"}, page=page)
    with app.app_context():
        assert db.session.get(Slide, slide_id).approval_state == "rejected"
    assert "Ghi rõ ngày tổ chức" in operator.get(page).get_data(as_text=True)


def test_editing_approved_content_goes_back_to_review_and_the_approved_version_stays_on_air(app, demo, login):
    operator, approver = login("phanthiet"), login("approver")
    slide_id = _new_slide(operator, demo["BT-PT"].id, "Phiên bản một")
    page = f"/content/slides/{slide_id}"
    _post(operator, f"{page}/submit", page=page)
    heard = []

    def listener(sender, **kwargs):
        with app.app_context():  # the change is committed when subscribers hear it
            heard.append((kwargs, db.session.get(Slide, kwargs["item_id"]).on_air_version))

    with content_changed.connected_to(listener):
        _post(approver, f"{page}/approve", page=page)
    # first the approval, then one per render finished for the district's screens
    assert heard[0] == ({"item_type": "slide", "item_id": slide_id}, 1)
    assert len(heard) > 1 and all(h == heard[0] for h in heard)

    response = operator.post_form(page, {"name": "Phiên bản hai", "region_id": demo["BT-PT"].id,
                                         "template": "title_body", "media_id": 0, "duration_s": 10,
                                         "title_vi": "Phiên bản hai"})
    assert response.status_code == 302
    with app.app_context():
        slide = db.session.get(Slide, slide_id)
        assert slide.approval_state == "draft"
        assert slide.on_air["texts"]["title"]["vi"] == "Phiên bản một"
        assert api.is_schedulable("slide", slide_id)
    _post(operator, f"{page}/submit", page=page)
    _post(approver, f"{page}/approve", page=page)
    with app.app_context():
        slide = db.session.get(Slide, slide_id)
        assert (slide.on_air_version, slide.on_air["texts"]["title"]["vi"]) == (2, "Phiên bản hai")


def test_another_district_gets_404_on_a_slide(app, demo, login):
    slide_id = _new_slide(login("phanthiet"), demo["BT-PT"].id)
    assert login("hamtan").get(f"/content/slides/{slide_id}").status_code == 404


def test_the_preview_renders_unsaved_content_at_the_chosen_size(app, demo, login):
    client = login("phanthiet")
    from io import BytesIO

    from PIL import Image

    from tests.conftest import csrf_token

    token = csrf_token(client.get("/content/slides/new").get_data(as_text=True))
    response = client.post("/content/slides/preview", data={
        "csrf_token": token, "name": "", "region_id": demo["BT-PT"].id, "template": "emergency", "media_id": 0,
        "duration_s": 10, "title_vi": "CẢNH BÁO", "body_vi": "Áp thấp nhiệt đới", "preview_size": "1080x1920",
        "preview_lang": "vi"})
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(BytesIO(response.data)) as img:
        assert img.size == (1080, 1920)
        assert img.convert("RGB").getpixel((540, 1800))[0] > 150  # emergency red


def _new_ticker(client, region_id: int, text: str) -> int:
    response = client.post_form("/content/tickers/new", {
        "name": "Chạy chữ", "region_id": region_id, "text_vi": text, "text_en": "Welcome",
        "speed_px_s": 90, "fg": "#FFCC00", "bg": "#000000", "duration_s": 30,
        "valid_from": "2026-12-20T07:00", "valid_until": "2026-12-27T22:00"}, token_from="/content/tickers/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def test_ticker_markup_is_shown_literally_never_executed(app, demo, login):
    operator = login("phanthiet")
    ticker_id = _new_ticker(operator, demo["BT-PT"].id, SCRIPT)
    for url in (f"/content/tickers/{ticker_id}", "/content/tickers/"):
        html = operator.get(url).get_data(as_text=True)
        assert "<script>document.title" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    with app.app_context():
        assert db.session.get(Ticker, ticker_id).texts["vi"] == SCRIPT  # stored as typed


def test_an_approved_ticker_is_given_to_players_as_plain_text_with_local_validity(app, demo, login):
    operator, approver = login("phanthiet"), login("approver")
    ticker_id = _new_ticker(operator, demo["BT-PT"].id, "Tuần lễ Văn hóa – Du lịch Mũi Né")
    page = f"/content/tickers/{ticker_id}"
    _post(operator, f"{page}/submit", page=page)
    _post(approver, f"{page}/approve", page=page)
    with app.app_context():
        ticker = api.ticker_for(ticker_id)
        assert ticker["texts"] == {"vi": "Tuần lễ Văn hóa – Du lịch Mũi Né", "en": "Welcome"}
        assert (ticker["speed_px_s"], ticker["fg"], ticker["bg"]) == (90, "#ffcc00", "#000000")
        assert ticker["valid_from"] == "2026-12-20T00:00:00+00:00"  # 07:00 in Asia/Ho_Chi_Minh
        assert [i["type"] for i in api.schedulable_items(demo["BT-PT"].id)] == ["ticker"]
        assert api.item_languages("ticker", ticker_id) == ["vi", "en"]


def test_approvers_queue_lists_submitted_tickers(app, demo, login):
    operator = login("phanthiet")
    ticker_id = _new_ticker(operator, demo["BT-PT"].id, "Xin chào")
    _post(operator, f"/content/tickers/{ticker_id}/submit", page=f"/content/tickers/{ticker_id}")
    queue = login("approver").get("/approvals/").get_data(as_text=True)
    assert f"/content/tickers/{ticker_id}" in queue
