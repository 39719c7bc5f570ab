"""After sign-in and the language switch, only paths on this site are followed (no open redirect)."""

import pytest

from tests.conftest import Client

OFF_SITE = ["/%09/evil.example/x", "//evil.example/x", "/\\evil.example/x", "/%0a/evil.example/x",
            "https://evil.example/x", "/%20/evil.example/x", "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_does_not_follow_an_off_site_next(target, app, demo):
    client = Client(app)
    response = client.post_form(f"/login?next={target}", {"username": "phanthiet", "password": "demo-2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_follows_a_path_on_this_site(app, demo):
    client = Client(app)
    response = client.post_form("/login?next=/screens/%3Fretired%3D1", {"username": "phanthiet",
                                                                       "password": "demo-2026"})
    assert response.headers["Location"] == "/screens/?retired=1"


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "//evil.example/x", "/\\evil.example/x"])
def test_the_language_switch_does_not_follow_an_off_site_next(target, login):
    response = login("phanthiet").post_form("/language/en", {"next": target}, token_from="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
