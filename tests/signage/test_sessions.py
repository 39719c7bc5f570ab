"""Sessions end for real: a cookie copied before sign-out, a password change, a new role or region, or a
deactivation no longer opens anything (a per-account session generation checked on each request)."""

import pytest
from sqlalchemy import select

from signage.extensions import db
from signage.models import User
from tests.conftest import Client


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def _copy_of(client: Client, app) -> Client:
    """A second browser holding a copy of `client`'s cookies (what an attacker who copied them has)."""
    thief = Client(app)
    for name in ("session", "remember_token"):
        cookie = client.http.get_cookie(name)
        if cookie is not None:
            thief.http.set_cookie(name, cookie.value, domain=cookie.domain)
    return thief


def _edit(admin: Client, user: User, **changes) -> None:
    form = {"username": user.username, "display_name": user.display_name, "role": user.role,
            "region_id": user.region_id, "active": "y", **changes}
    response = admin.post_form(f"/users/{user.id}/edit", {k: v for k, v in form.items() if v is not None})
    assert response.status_code == 302


def test_a_cookie_copied_before_sign_out_does_not_work_after_it(app, demo):
    operator = Client(app)  # signs in with "keep me signed in": the remember-me cookie is copied too
    operator.post_form("/login", {"username": "phanthiet", "password": "demo-2026", "remember": "y"})
    thief = _copy_of(operator, app)
    assert thief.get("/screens/").status_code == 200
    operator.post_form("/logout", {}, token_from="/")
    response = thief.get("/screens/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("change", ["password", "role", "region", "deactivation"])
def test_an_account_change_ends_its_open_sessions(change, login, demo):
    operator = login("phanthiet")
    user = _user("phanthiet")
    changes = {
        "password": {"password": "a-new-password-2026"},
        "role": {"role": "approver"},
        "region": {"region_id": demo["BT-LG"].id},
        "deactivation": {"active": None},
    }[change]
    _edit(login("admin"), user, **changes)
    response = operator.get("/screens/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_change_of_display_name_keeps_the_session(login, demo):
    operator = login("phanthiet")
    _edit(login("admin"), _user("phanthiet"), display_name="Phan Thiết (mới)")
    assert operator.get("/screens/").status_code == 200


def test_signing_in_again_after_sign_out_works(login, app, demo):
    operator = login("phanthiet")
    operator.post_form("/logout", {}, token_from="/")
    operator.login("phanthiet")
    assert operator.get("/screens/").status_code == 200
