"""Signing in and out, roles, CSRF, expired sessions, rate limit."""

from signage.extensions import db
from signage.models import User


def test_wrong_password_is_refused_with_a_clear_message(client, demo):
    response = client.post_form("/login", {"username": "phanthiet", "password": "nope"})
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_login_then_dashboard_shows_the_users_region(client, demo):
    client.login("phanthiet")
    page = client.get("/").get_data(as_text=True)
    assert "Thành phố Phan Thiết" in page


def test_anonymous_users_are_sent_to_login(client, demo):
    response = client.get("/screens/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_form_without_csrf_token_is_rejected(client, demo):
    response = client.post("/login", data={"username": "admin", "password": "demo-2026"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_changing_session_version_expires_existing_sessions(client, demo, app):
    client.login("phanthiet")
    user = db.session.scalar(db.select(User).where(User.username == "phanthiet"))
    user.session_version += 1
    db.session.commit()
    response = client.get("/screens/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_requires_post_and_ends_the_session(client, demo):
    client.login("admin")
    page = client.get("/").get_data(as_text=True)
    client.post_form("/logout", {}, token_from="/")
    assert "Đăng xuất" in page
    assert client.get("/").status_code == 302


def test_a_request_that_changes_nothing_leaves_the_session_cookie_alone(client, demo):
    """Otherwise a slow background request answering after a form post would put the older session
    back: its flash message, or a logout, would be lost."""
    client.login("admin")
    client.get("/")
    response = client.get("/screens/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_operator_cannot_open_the_audit_log(login):
    assert login("phanthiet").get("/audit/").status_code == 403


def test_login_is_rate_limited(app, demo):
    from tests.conftest import Client

    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        c = Client(app)
        codes = [c.post_form("/login", {"username": "admin", "password": "bad"}).status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_session_cookie_is_http_only(client, demo):
    response = client.login("admin")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_english_can_be_selected(client, demo):
    client.login("admin")
    client.post_form("/language/en", {"next": "/"}, token_from="/")
    assert "Screens" in client.get("/").get_data(as_text=True)


def test_a_session_older_than_its_lifetime_must_sign_in_again(client, demo):
    from datetime import timedelta

    import time_machine

    from signage.timeutil import utcnow

    with time_machine.travel(utcnow(), tick=False) as clock:
        client.login("phanthiet")
        assert client.get("/screens/").status_code == 200
        clock.shift(timedelta(hours=8, minutes=1))
        response = client.get("/screens/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
