"""The public address in QR codes and SMS links (issue 12, "dead links"): `flask serve --bind` derives it when
PUBLIC_BASE_URL is unset, and what would make links lead nowhere is said at start-up and to admins."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from signage import public_url
from signage.redis_client import get_redis
from tests.servers import free_port


@pytest.mark.parametrize("bind,expected", [
    ("127.0.0.1:8101", "http://127.0.0.1:8101"),
    ("0.0.0.0:8101", "http://10.1.2.3:8101"),
    ("[::1]:8000", "http://[::1]:8000"),
    ("unix:/run/signage.sock", None),
])
def test_the_address_is_derived_from_the_bind_address(bind, expected):
    assert public_url.derive(bind, outward=lambda: "10.1.2.3") == expected


def test_a_set_public_base_url_is_kept():
    environ = {"PUBLIC_BASE_URL": "https://bang-tin.binhthuan.gov.vn"}
    assert public_url.for_serve("127.0.0.1:8101", environ, "x") == "https://bang-tin.binhthuan.gov.vn"


def test_the_issues_address_is_found_pointing_at_another_port():
    codes = {p["code"] for p in public_url.problems("http://127.0.0.1:8000", "127.0.0.1:8101")}
    assert codes == {"loopback", "other_port"}


def test_a_public_address_on_the_served_port_has_no_problem():
    assert public_url.problems("http://192.168.1.20:8101", "0.0.0.0:8101") == []
    assert public_url.problems("https://bang-tin.binhthuan.gov.vn", "127.0.0.1:8000") == []  # behind a proxy
    assert public_url.problems("https://bang-tin.binhthuan.gov.vn", "0.0.0.0:8101") == []


def test_an_address_where_no_controller_answers_is_found():
    problem = public_url.probe(f"http://127.0.0.1:{free_port()}", timeout_s=1)
    assert problem["code"] == "not_answering"


def test_the_start_up_check_finds_only_what_is_wrong_with_an_answering_address():
    """A server answering /login on the derived address: reachable, but from this machine only."""

    class SignIn(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path == "/login" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), SignIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bind = f"127.0.0.1:{server.server_port}"
        found = public_url.check(public_url.derive(bind), bind, boot_s=5, timeout_s=5)
        assert [p["code"] for p in found] == ["loopback"]
    finally:
        server.shutdown()
        server.server_close()


def _dashboard(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_admins_see_on_the_dashboard_where_links_lead_nowhere(app, login):
    with app.app_context():
        public_url.record(get_redis(), [{"code": "other_port", "url": "http://127.0.0.1:8000", "port": 8101}])
    html = _dashboard(login("admin"))
    assert "http://127.0.0.1:8000" in html and "8101" in html
    assert "http://127.0.0.1:8000" not in _dashboard(login("phanthiet"))  # operators cannot change it


def test_nothing_is_shown_when_the_check_found_nothing(app, login):
    with app.app_context():
        public_url.record(get_redis(), [])
    assert "PUBLIC_BASE_URL" not in _dashboard(login("admin"))
