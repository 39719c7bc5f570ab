"""Remote commands and blank hours (issue 13) travel on the alert fast path: a command sent by an operator
is in the player's next alert poll, answered from Redis by the WSGI fast path; the player acknowledges it;
the command is audited and scoped to the operator's region."""

from __future__ import annotations

from sqlalchemy import select

from players.models import BlankHours, Command
from signage.extensions import db
from signage.models import AuditLog, Region, Screen

STATION = "Bến xe Phan Thiết"


def _screen() -> Screen:
    return db.session.scalar(select(Screen).where(Screen.name == STATION))


def _poll(player, etag=None):
    headers = {"If-None-Match": etag} if etag else {}
    return player.get("/api/player/v1/alerts", headers=headers)


def _send(app, ui, screen_id: int, kind: str):
    return ui.post_form(f"/players/screens/{screen_id}/commands", {"command-kind": kind},
                        token_from="/")


def test_a_command_reaches_the_players_next_poll_through_the_fast_path(app, login, player_for):
    screen = _screen()
    player = player_for(screen)
    first = _poll(player)
    assert first.status_code == 200 and first.get_json()["control"]["commands"] == []
    assert _poll(player, first.headers["ETag"]).status_code == 304
    ui = login("phanthiet")
    assert _send(app, ui, screen.id, "identify").status_code == 302
    answer = _poll(player, first.headers["ETag"])
    assert answer.status_code == 200
    assert [c["kind"] for c in answer.get_json()["control"]["commands"]] == ["identify"]
    assert _poll(player, answer.headers["ETag"]).status_code == 304


def test_the_fast_path_answers_a_command_without_flask(app, login, player_for, monkeypatch):
    screen = _screen()
    player = player_for(screen)
    etag = _poll(player).headers["ETag"]
    _send(app, login("phanthiet"), screen.id, "reload")
    monkeypatch.setitem(app.view_functions, "player_alerts.poll",
                        lambda: (_ for _ in ()).throw(AssertionError("Flask answered")))
    answer = _poll(player, etag)
    assert answer.get_json()["control"]["commands"][0]["kind"] == "reload"


def test_the_player_acknowledges_a_command_and_it_leaves_the_payload(app, login, player_for):
    screen = _screen()
    player = player_for(screen)
    _send(app, login("phanthiet"), screen.id, "reload")
    command = _poll(player).get_json()["control"]["commands"][0]
    assert player.post("/api/player/v1/commands/ack", json={"done": [command["id"]]}).get_json() == {
        "acknowledged": 1}
    assert player.post("/api/player/v1/commands/ack", json={"done": [command["id"]]}).get_json() == {
        "acknowledged": 0}  # forward only: once
    assert _poll(player).get_json()["control"]["commands"] == []
    row = db.session.get(Command, command["id"])
    db.session.refresh(row)
    assert row.status == "acknowledged" and row.acked_at is not None


def test_a_command_is_audited_with_the_operator_and_region(app, login):
    screen = _screen()
    _send(app, login("phanthiet"), screen.id, "capture")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity == "Command"))
    assert entry.username == "phanthiet" and entry.action == "create" and entry.after["kind"] == "capture"
    assert entry.region_path == screen.region.path


def test_another_districts_operator_cannot_command_or_blank_a_screen(app, login):
    screen = _screen()
    ui = login("hamtan")
    response = ui.post_form(f"/players/screens/{screen.id}/commands", {"command-kind": "reload"}, token_from="/")
    assert response.status_code == 404
    response = ui.post_form(f"/players/screens/{screen.id}/blank-hours", {"blank-starts": "22:00",
                                                                          "blank-ends": "05:00"}, token_from="/")
    assert response.status_code == 404
    own = db.session.scalar(select(Screen).join(Region, Region.id == Screen.region_id)
                            .where(Region.path.startswith(ui_region_path(app, "hamtan"))))
    # another district's region, sent from one of the operator's own screens
    response = ui.post_form(f"/players/regions/{screen.region_id}/blank-hours/from-screen/{own.id}",
                            {"blank-starts": "22:00", "blank-ends": "05:00"}, token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(Command)) is None and db.session.scalar(select(BlankHours)) is None


def ui_region_path(app, username: str) -> str:
    from signage.models import User

    return db.session.scalar(select(User).where(User.username == username)).region.path


def test_blank_hours_of_a_region_reach_its_screens_players(app, login, player_for):
    screen = _screen()
    player = player_for(screen)
    ui = login("phanthiet")
    response = ui.post_form(f"/players/regions/{screen.region_id}/blank-hours/from-screen/{screen.id}",
                            {"blank-starts": "23:00", "blank-ends": "04:30"}, token_from="/")
    assert response.status_code == 302
    assert _poll(player).get_json()["control"]["blank"] == [{"starts": "23:00", "ends": "04:30"}]
