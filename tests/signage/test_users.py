"""Admins manage accounts inside their region; deactivation signs the account out at once."""

from sqlalchemy import select

from signage.extensions import db
from signage.models import User


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def test_admin_creates_a_district_operator_who_can_sign_in(login, demo, app):
    from tests.conftest import Client

    response = login("admin").post_form("/users/new", {
        "username": "laggi", "display_name": "TT VH-TT-TT La Gi", "role": "operator",
        "region_id": demo["BT-LG"].id, "password": "mật-khẩu-dài", "active": "y"})
    assert response.status_code == 302
    assert _user("laggi").region_id == demo["BT-LG"].id
    Client(app).login("laggi", "mật-khẩu-dài")


def test_deactivating_an_account_ends_its_open_sessions(login, demo):
    operator = login("hamtan")
    admin = login("admin")
    user = _user("hamtan")
    response = admin.post_form(f"/users/{user.id}/edit", {
        "username": "hamtan", "display_name": "", "role": "operator", "region_id": user.region_id})
    assert response.status_code == 302
    assert _user("hamtan").active is False
    assert operator.get("/screens/").status_code == 302


def test_duplicate_username_is_refused(login, demo):
    response = login("admin").post_form("/users/new", {
        "username": "phanthiet", "role": "operator", "region_id": demo["BT-PT"].id, "password": "12345678x",
        "active": "y"})
    assert response.status_code == 400
    assert "Tên đăng nhập này đã được dùng" in response.get_data(as_text=True)


def test_operators_cannot_manage_accounts(login):
    assert login("phanthiet").get("/users/").status_code == 403
