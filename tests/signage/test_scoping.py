"""An account sees its region subtree only — enforced on queries and URLs, not just menus."""

from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen


def _screen(name: str) -> Screen:
    return db.session.scalar(select(Screen).where(Screen.name == name))


def test_district_operator_lists_only_their_districts_screens(login):
    page = login("phanthiet").get("/screens/").get_data(as_text=True)
    assert "Chợ Phan Thiết" in page
    assert "Đồi cát Mũi Né — bãi đỗ xe" in page  # a commune below the district
    assert "Trung tâm thị trấn Tân Nghĩa" not in page  # Hàm Tân


def test_province_account_sees_every_screen(login):
    page = login("operator").get("/screens/").get_data(as_text=True)
    assert "Trung tâm thị trấn Tân Nghĩa" in page and "Chợ Phan Thiết" in page


def test_reaching_into_another_district_by_url_is_not_found(login):
    other = _screen("Trung tâm thị trấn Tân Nghĩa")
    c = login("phanthiet")
    assert c.get(f"/screens/{other.id}/edit").status_code == 404
    response = c.post_form(f"/screens/{other.id}/retire", {}, token_from="/screens/")
    assert response.status_code == 404
    db.session.refresh(other)
    assert other.retired_at is None


def test_creating_a_screen_in_another_district_is_forbidden(login, demo):
    c = login("phanthiet")
    data = {"name": "Lậu", "region_id": demo["BT-HT"].id, "kind": "lcd", "width": 1920, "height": 1080,
            "orientation": "landscape", "languages": ["vi"], "poll_interval": 30}
    response = c.post_form("/screens/new", data)
    assert response.status_code in (400, 403)
    assert _screen("Lậu") is None


def test_district_operator_sees_only_their_subtree_of_regions(login):
    page = login("phanthiet").get("/regions/").get_data(as_text=True)
    assert "Phường Mũi Né" in page and "Huyện Hàm Tân" not in page
