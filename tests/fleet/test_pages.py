"""The operators' fleet pages: incidents scoped to the operator's region, acknowledge / note / resolve
through the service (forward only, audited), and the fleet's state as the page's poll reads it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from fleet import service
from fleet.models import Incident
from signage.extensions import db
from signage.models import AuditLog
from tests.fleet.conftest import beat

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
PHAN_THIET, HAM_TAN = "Bến xe Phan Thiết", "Trung tâm thị trấn Tân Nghĩa"


def silent_screens(screens, *names) -> dict[str, int]:
    """Each named screen reported once at T0 and was evaluated silent 11 minutes later: incident id by name."""
    for name in names:
        beat(screens[name].id, T0)
    service.run(T0 + timedelta(minutes=11))
    return {name: db.session.scalar(select(Incident.id).where(Incident.screen_id == screens[name].id))
            for name in names}


def test_an_operator_sees_the_incidents_of_their_region_only(login, screens):
    ids = silent_screens(screens, PHAN_THIET, HAM_TAN)
    hamtan = login("hamtan")
    page = hamtan.get("/fleet/incidents").get_data(as_text=True)
    assert HAM_TAN in page and PHAN_THIET not in page
    assert hamtan.get(f"/fleet/incidents/{ids[PHAN_THIET]}").status_code == 404
    assert hamtan.post(f"/fleet/incidents/{ids[PHAN_THIET]}/acknowledge").status_code in (400, 404)


def test_acknowledge_note_and_resolve_move_forward_and_are_audited(login, screens):
    incident_id = silent_screens(screens, PHAN_THIET)[PHAN_THIET]
    operator = login("phanthiet")
    url = f"/fleet/incidents/{incident_id}"
    for action, data in (("acknowledge", {}), ("note", {"text": "Mất điện khu bến xe, đã gọi điện lực"}),
                         ("resolve", {})):
        assert operator.post_form(f"{url}/{action}", data, token_from=url).status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident_id)
    assert (incident.status, incident.closed_reason, incident.closed_by.username) == ("closed", "resolved",
                                                                                       "phanthiet")
    assert [n.text for n in incident.notes] == ["Mất điện khu bến xe, đã gọi điện lực"]
    audited = db.session.execute(select(AuditLog.entity, AuditLog.username).where(
        AuditLog.entity.in_(("Incident", "IncidentNote")))).all()
    assert sorted(audited) == [("Incident", "phanthiet")] * 2 + [("IncidentNote", "phanthiet")]
    operator.post_form(f"{url}/acknowledge", {}, token_from=url)  # a closed incident is not acknowledged again
    db.session.expire_all()
    assert db.session.get(Incident, incident_id).acknowledged_at is not None
    assert db.session.get(Incident, incident_id).status == "closed"


def test_the_fleet_state_lists_the_regions_screens_with_their_open_incidents(login, screens):
    silent_screens(screens, PHAN_THIET, HAM_TAN)
    state = login("phanthiet").get("/fleet/state.json?state=incident").get_json()
    assert [(r["name"], r["state"], [i["cause"] for i in r["incidents"]]) for r in state["rows"]] == [
        (PHAN_THIET, "offline", ["offline"])]
    everything = login("hamtan").get("/fleet/state.json").get_json()["rows"]
    assert {r["name"] for r in everything} == {s.name for s in screens.values() if s.region.code.startswith("BT-HT")}


def test_the_fleet_page_loads_its_script_from_a_file_and_has_no_inline_script(login, screens):
    page = login("phanthiet").get("/fleet/").get_data(as_text=True)
    assert PHAN_THIET in page
    assert "/fleet/static/fleet.js" in page
    assert "<script>" not in page and "onclick=" not in page


def test_the_fleet_shows_the_players_latest_capture_labelled_as_the_players(login, screens):
    from players.models import Capture

    sid = screens[PHAN_THIET].id
    beat(sid, T0)
    for n, jpeg in enumerate((b"\xff\xd8older\xff\xd9", b"\xff\xd8newest\xff\xd9")):
        db.session.add(Capture(screen_id=sid, taken_at=T0 + timedelta(minutes=n), width=640, height=360,
                               size_bytes=len(jpeg), jpeg=jpeg))
    db.session.commit()
    operator = login("phanthiet")
    row = next(r for r in operator.get("/fleet/state.json").get_json()["rows"] if r["id"] == sid)
    assert row["thumbnail_kind"] == "capture"
    assert operator.get(row["thumbnail"]).data == b"\xff\xd8newest\xff\xd9"


def test_the_screen_page_shows_its_incident_history(login, screens):
    silent_screens(screens, PHAN_THIET)
    beat(screens[PHAN_THIET].id, T0 + timedelta(minutes=20))
    service.run(T0 + timedelta(minutes=20, seconds=5))  # recovered: closed, still in the history
    page = login("phanthiet").get(f"/screens/{screens[PHAN_THIET].id}").get_data(as_text=True)
    history = page[page.index('id="health-history"'):]
    assert "Mất kết nối" in history and "Đã đóng" in history


def test_an_admin_names_a_technician_and_sets_a_districts_rule_on_the_setup_page(login, demo):
    from fleet.models import FleetRule, Technician
    from signage.models import User

    admin = login("admin")
    hamtan_id = db.session.scalar(select(User.id).where(User.username == "hamtan"))
    assert admin.post_form("/fleet/setup", {"action": "tech", "tech-user_id": hamtan_id,
                                            "tech-region_id": demo["BT-HT"].id,
                                            "tech-email": "ky-thuat@hamtan.example"}).status_code == 302
    assert admin.post_form("/fleet/setup", {"action": "rule", "rule-region_id": demo["BT-HT"].id,
                                            "rule-offline_min": "30", "rule-black_min": "0"}).status_code == 302
    assert [(t.user_id, t.region_id, t.email) for t in db.session.scalars(select(Technician))] == [
        (hamtan_id, demo["BT-HT"].id, "ky-thuat@hamtan.example")]
    rule = db.session.get(FleetRule, demo["BT-HT"].id)
    assert (rule.offline_min, rule.black_min, rule.stale_min) == (30, 0, None)  # empty: inherited
    assert service.rules_by_region()[demo["BT-HT"].id].stale_min == 30  # the default
    assert "ky-thuat@hamtan.example" in admin.get("/fleet/setup").get_data(as_text=True)
    assert login("phanthiet").get("/fleet/setup").status_code == 403


def test_the_incident_list_says_when_no_technician_can_be_emailed(app, login, screens):
    configured = app.config["SMTP_HOST"]
    app.config["SMTP_HOST"] = ""
    try:
        assert 'id="no-email"' in login("phanthiet").get("/fleet/incidents").get_data(as_text=True)
        app.config["SMTP_HOST"] = "127.0.0.1"
        assert 'id="no-email"' not in login("phanthiet").get("/fleet/incidents").get_data(as_text=True)
    finally:
        app.config["SMTP_HOST"] = configured


def test_the_fleet_says_when_it_was_updated_in_the_provinces_time_with_the_zone_named(login, screens):
    import time_machine

    with time_machine.travel(datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC), tick=False):
        state = login("phanthiet").get("/fleet/state.json").get_json()
    assert state["updated"] == "Cập nhật lúc 08:02:03 (Asia/Ho_Chi_Minh)"  # not the browser's zone, not UTC
