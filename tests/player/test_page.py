"""The player page, its service worker and the redirect a kiosk follows."""

from players.page import SHELL_FILES, player_version


def test_play_redirects_permanently_and_cacheably_so_an_offline_restart_still_finds_the_page(client):
    response = client.get("/play?speed=5")
    assert response.status_code == 301
    assert response.headers["Location"] == "/play/?speed=5"
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_page_carries_the_version_the_manifest_announces(client):
    html = client.get("/play/").get_data(as_text=True)
    assert f'data-version="{player_version()}"' in html
    assert '<script type="module" src="/play/static/js/main.js">' in html


def test_the_version_covers_the_page_template_as_well_as_the_scripts(monkeypatch, tmp_path):
    import players.version as version

    for folder in ("static", "templates/player"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "file").write_text("one")
    monkeypatch.setattr(version, "HERE", tmp_path)
    monkeypatch.setattr(version, "PLAYER_FILES", (tmp_path / "static", tmp_path / "templates" / "player"))
    monkeypatch.setattr(version, "_cached", (float("-inf"), ""))
    before = version.player_version()
    (tmp_path / "templates" / "player" / "file").write_text("two")
    monkeypatch.setattr(version, "_cached", (float("-inf"), ""))  # past the recheck interval
    assert version.player_version() != before


def test_pairing_texts_are_bilingual_whatever_the_ui_language(client):
    html = client.get("/play/?lang=en").get_data(as_text=True)
    assert "Kết nối màn hình này" in html and "Pair this screen" in html


def test_service_worker_precaches_the_shell_and_is_never_cached_by_http(client):
    response = client.get("/play/sw.js")
    body = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.mimetype == "text/javascript"
    assert player_version() in body
    for name in SHELL_FILES:
        assert client.get(f"/play/static/{name}").status_code == 200
        assert f"/play/static/{name}" in body
