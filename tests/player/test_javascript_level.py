"""The player must run on the Chromium builds signage hardware ships (about Chrome 69): its scripts may use
nothing newer than ES2017. esprima 4 parses exactly ES2017, so any newer syntax (`?.`, `??`, class fields,
object spread...) fails here before it blanks a billboard."""

from pathlib import Path

import esprima
import pytest

PLAYERS = Path(__file__).resolve().parents[2] / "players"
MODULES = sorted((PLAYERS / "static" / "js").glob("*.js"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_player_module_is_es2017(path):
    esprima.parseModule(path.read_text(encoding="utf-8"))


def test_service_worker_is_an_es2017_classic_script(app):
    body = app.test_client().get("/play/sw.js").get_data(as_text=True)
    esprima.parseScript(body)


def test_esprima_rejects_syntax_newer_than_es2017():
    with pytest.raises(esprima.Error):
        esprima.parseModule("var a = b?.c;")
    with pytest.raises(esprima.Error):
        esprima.parseModule("class A { x = 1 }")


def test_player_never_parses_markup_from_data():
    """Texts (tickers, alerts, names) go in through textContent; innerHTML/insertAdjacentHTML never appear."""
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{path.name} uses {sink}"
