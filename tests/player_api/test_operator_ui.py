"""Operator UI of the player side: pairing and unpairing from the screen page, the status page and the
dashboard panel — always inside the user's region."""

from __future__ import annotations

import time

import time_machine

STATION, TAN_NGHIA = "Bến xe Phan Thiết", "Trung tâm thị trấn Tân Nghĩa"


def test_claiming_a_code_pairs_the_player_and_revoking_unpairs_it(app, login, screens, content):
    http = app.test_client()
    started = http.post("/api/player/v1/pair", json={"device": {}}).get_json()
    ui = login("phanthiet")
    screen_url = f"/screens/{screens[STATION].id}"
    player_url = f"/players/screens/{screens[STATION].id}"
    response = ui.post_form(f"{player_url}/pair", {"claim-code": started["code"].lower()}, token_from=screen_url)
    assert response.status_code == 302
    token = http.get(f"/api/player/v1/pair/{started['pairing_id']}").get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert http.post("/api/player/v1/heartbeat", json={}, headers=auth).status_code == 200
    assert f"{player_url}/revoke" in ui.get(screen_url).get_data(as_text=True)  # the player panel, paired
    ui.post_form(f"{player_url}/revoke", {}, token_from=screen_url)
    assert http.post("/api/player/v1/heartbeat", json={}, headers=auth).status_code == 401


def test_status_page_shows_online_and_offline_screens(app, login, screens, player_for, content):
    player = player_for(screens[STATION])
    player_for(screens[TAN_NGHIA])
    player.post("/api/player/v1/heartbeat", json={"playing": {"name": "Lễ hội Nghinh Ông"}})
    ui = login("admin")
    page = ui.get("/players/status").get_data(as_text=True)
    dashboard = ui.get("/").get_data(as_text=True)
    row = page.split(f'data-screen-id="{screens[STATION].id}"')[1].split("</tr>")[0]
    assert 'class="badge ok"' in row and "Lễ hội Nghinh Ông" in row
    row = page.split(f'data-screen-id="{screens[TAN_NGHIA].id}"')[1].split("</tr>")[0]
    assert 'class="badge danger"' in row
    assert "/players/status" in dashboard
    with time_machine.travel(time.time() + 60, tick=False):  # > 1.1 × 30 s + 15 s
        page = ui.get("/players/status").get_data(as_text=True)
    row = page.split(f'data-screen-id="{screens[STATION].id}"')[1].split("</tr>")[0]
    assert 'class="badge danger"' in row


def test_a_district_operator_cannot_pair_or_unpair_another_districts_screen(app, login, screens, content):
    http = app.test_client()
    started = http.post("/api/player/v1/pair", json={"device": {}}).get_json()
    ui = login("hamtan")
    own = f"/screens/{screens[TAN_NGHIA].id}"
    other = f"/players/screens/{screens[STATION].id}"
    assert ui.post_form(f"{other}/pair", {"claim-code": started["code"]}, token_from=own).status_code == 404
    assert ui.post_form(f"{other}/revoke", {}, token_from=own).status_code == 404
    assert http.get(f"/api/player/v1/pair/{started['pairing_id']}").get_json().get("token") is None
    assert screens[STATION].name not in ui.get("/players/status").get_data(as_text=True)
