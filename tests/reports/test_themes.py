"""Themes: approvers manage them inside their region; playlists and schedule entries carry them through
their forms; one main theme per region and year."""

from datetime import date

from sqlalchemy import select

from scheduling.models import Playlist, ScheduleEntry
from signage.extensions import db
from signage.themes import Theme, save_theme, set_themes, themes_of


def test_an_approver_adds_a_theme_and_an_operator_may_not(login, demo):
    approver = login("approver")
    response = approver.post_form("/themes/new", {
        "name_vi": "Năm Du lịch quốc gia 2026", "name_en": "National Tourism Year 2026", "region_id": demo["BT"].id,
        "starts_on": "2026-01-01", "ends_on": "2026-12-31", "colour": "#0B6BCB", "is_main": "y"})
    assert response.status_code == 302
    with approver.app.app_context():
        theme = db.session.scalar(select(Theme))
        assert (theme.names, theme.colour, theme.is_main) == (
            {"vi": "Năm Du lịch quốc gia 2026", "en": "National Tourism Year 2026"}, "#0b6bcb", True)
    assert "Năm Du lịch quốc gia 2026" in approver.get("/themes/").get_data(as_text=True)
    assert login("operator").get("/themes/").status_code == 403


def test_marking_a_main_theme_unmarks_the_regions_other_main_theme_of_that_year(app_ctx, demo):
    first = Theme(region_id=demo["BT"].id, names={"vi": "A"}, starts_on=date(2026, 1, 1), is_main=True)
    other_year = Theme(region_id=demo["BT"].id, names={"vi": "C"}, starts_on=date(2025, 1, 1), is_main=True)
    save_theme(first)
    save_theme(other_year)
    save_theme(Theme(region_id=demo["BT"].id, names={"vi": "B"}, starts_on=date(2026, 3, 1), is_main=True))
    db.session.commit()
    mains = {t.names["vi"] for t in db.session.scalars(select(Theme).where(Theme.is_main.is_(True)))}
    assert mains == {"B", "C"}


def test_tags_are_set_and_read_per_item(app_ctx, demo):
    a = Theme(region_id=demo["BT"].id, names={"vi": "A"}, starts_on=date(2026, 1, 1))
    b = Theme(region_id=demo["BT"].id, names={"vi": "B"}, starts_on=date(2026, 1, 1))
    db.session.add_all([a, b])
    db.session.flush()
    set_themes("slide", 5, [a.id, b.id, 999])
    set_themes("slide", 5, [b.id])
    set_themes("campaign", 5, [a.id])
    assert themes_of("slide", [5, 6]) == {5: [b.id]}
    assert themes_of("campaign", [5]) == {5: [a.id]}


def test_playlists_and_schedule_entries_carry_themes_from_their_forms(login, demo, screens):
    with login("operator").app.app_context():
        theme = Theme(region_id=demo["BT"].id, names={"vi": "Chuyển đổi số"}, starts_on=date(2026, 1, 1))
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
    operator = login("operator")
    response = operator.post_form("/schedule/playlists/new", {
        "name": "Số hóa", "region_id": demo["BT"].id, "description": "", "themes": [theme_id]})
    assert response.status_code == 302
    with operator.app.app_context():
        playlist = db.session.scalar(select(Playlist).where(Playlist.name == "Số hóa"))
        assert themes_of("playlist", [playlist.id]) == {playlist.id: [theme_id]}
        playlist_id = playlist.id
    page = operator.get(f"/schedule/playlists/{playlist_id}").get_data(as_text=True)
    assert f'<option selected value="{theme_id}">Chuyển đổi số (2026)</option>' in page
    response = operator.post_form("/schedule/entries/new", {
        "name": "Tuần số hóa", "region_id": demo["BT"].id, "playlist_id": playlist_id,
        "screens": [screens["BT-HT"][0].id], "start_date": "2026-03-01", "days": list(range(7)),
        "recurrence": "daily", "priority": 50, "enabled": "y", "themes": [theme_id]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with operator.app.app_context():
        entry = db.session.scalar(select(ScheduleEntry).where(ScheduleEntry.name == "Tuần số hóa"))
        assert themes_of("entry", [entry.id]) == {entry.id: [theme_id]}


def test_a_ticker_carries_themes_without_needing_approval_again(login, demo):
    with login("operator").app.app_context():
        theme = Theme(region_id=demo["BT"].id, names={"vi": "An toàn giao thông"}, starts_on=date(2026, 1, 1))
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
    operator = login("operator")
    form = {"name": "Đội mũ bảo hiểm", "region_id": demo["BT"].id, "text_vi": "Hãy đội mũ bảo hiểm",
            "speed_px_s": 80, "fg": "#ffd400", "bg": "#000000", "duration_s": 30, "themes": [theme_id]}
    response = operator.post_form("/content/tickers/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with operator.app.app_context():
        from content.models import Ticker

        ticker = db.session.scalar(select(Ticker))
        assert themes_of("ticker", [ticker.id]) == {ticker.id: [theme_id]}
        ticker_id = ticker.id
    operator.post_form(f"/content/tickers/{ticker_id}", dict(form, themes=[]))
    with operator.app.app_context():
        assert themes_of("ticker", [ticker_id]) == {}


def test_a_district_operator_cannot_tag_with_another_districts_theme_by_posting_its_id(app, demo, login):
    from content.models import Ticker

    with app.app_context():
        phan_thiet = Theme(region_id=demo["BT-PT"].id, names={"vi": "Lễ hội Nghinh Ông"}, starts_on=date(2026, 1, 1))
        ham_tan = Theme(region_id=demo["BT-HT"].id, names={"vi": "Chợ phiên"}, starts_on=date(2026, 1, 1))
        ticker = Ticker(region_id=demo["BT-HT"].id, name="Tin", texts={"vi": "Chợ phiên Tân Nghĩa"})
        db.session.add_all([phan_thiet, ham_tan, ticker])
        db.session.commit()
        ids = {"other": phan_thiet.id, "own": ham_tan.id, "ticker": ticker.id}
    operator = login("hamtan")
    url = f"/content/tickers/{ids['ticker']}"
    form = {"name": "Tin", "region_id": demo["BT-HT"].id, "text_vi": "Chợ phiên Tân Nghĩa", "speed_px_s": 80,
            "fg": "#ffd400", "bg": "#000000", "duration_s": 30}
    assert operator.post_form(url, dict(form, themes=[ids["other"]])).status_code == 400
    assert operator.post_form(url, dict(form, themes=[ids["own"]])).status_code == 302
    with app.app_context():
        assert themes_of("ticker", [ids["ticker"]]) == {ids["ticker"]: [ids["own"]]}
