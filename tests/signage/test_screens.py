"""Creating, editing and retiring screens."""

from sqlalchemy import func, select

from signage.extensions import db
from signage.models import Screen


def _new_screen(demo, **overrides):
    data = {"name": "Bãi biển Đồi Dương", "region_id": demo["BT-PT"].id, "kind": "led", "width": 1920,
            "height": 1080, "orientation": "landscape", "languages": ["vi", "en"], "tags": "tourist, Beach",
            "organisation": "Trung tâm VH-TT-TT Phan Thiết", "location": "", "poll_interval": 30}
    data.update(overrides)
    return data


def test_operator_adds_a_screen_in_their_district(login, demo):
    response = login("phanthiet").post_form("/screens/new", _new_screen(demo))
    assert response.status_code == 302
    screen = db.session.scalar(select(Screen).where(Screen.name == "Bãi biển Đồi Dương"))
    assert screen.region_id == demo["BT-PT"].id
    assert screen.languages == ["vi", "en"]
    assert screen.tags == ["tourist", "beach"]


def test_duplicate_name_in_the_same_region_is_refused_and_nothing_is_written(login, demo):
    c = login("phanthiet")
    before = db.session.scalar(select(func.count(Screen.id)))
    response = c.post_form("/screens/new", _new_screen(demo, name="Chợ Phan Thiết"))
    assert response.status_code == 409
    assert "đã có màn hình trùng tên" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Screen.id))) == before


def test_same_name_in_another_region_is_fine(login, demo):
    response = login("operator").post_form("/screens/new", _new_screen(demo, name="Chợ Phan Thiết",
                                                                       region_id=demo["BT-LG"].id))
    assert response.status_code == 302


def test_invalid_resolution_is_reported_on_the_field(login, demo):
    response = login("phanthiet").post_form("/screens/new", _new_screen(demo, width=0))
    assert response.status_code == 400


def test_retiring_hides_the_screen_from_the_default_list(login):
    c = login("phanthiet")
    screen = db.session.scalar(select(Screen).where(Screen.name == "Chợ Phan Thiết"))
    assert c.post_form(f"/screens/{screen.id}/retire", {}, token_from="/screens/").status_code == 302
    assert "Chợ Phan Thiết" not in c.get("/screens/").get_data(as_text=True)
    assert "Chợ Phan Thiết" in c.get("/screens/?retired=1").get_data(as_text=True)


def test_demo_names_keep_their_diacritics(login):
    page = login("admin").get("/screens/").get_data(as_text=True)
    assert "Quảng trường Nguyễn Tất Thành" in page
    assert "Đường Nguyễn Đình Chiểu — khu resort Hàm Tiến" in page


def test_only_the_current_page_is_marked_active_in_the_navigation(login):
    import re

    page = login("admin").get("/screens/").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]+)"\s+class="active"', page) == ["/screens/"]
