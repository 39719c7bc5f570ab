"""Settings are declared once, in each package's `settings.py`, and read by the factory at start-up: typed,
documented in the README, refused with the variable's name when they do not parse."""

from __future__ import annotations

import importlib

import pytest

from signage import FEATURE_PACKAGES
from signage.config import PROJECT_ROOT, SETTINGS
from signage.settings import ConfigError, Setting, comma_list, parse_boolean, read_all


def declared() -> list[Setting]:
    packages = [importlib.import_module(f"{name}.settings") for name in FEATURE_PACKAGES]
    return list(SETTINGS) + [setting for package in packages for setting in package.SETTINGS]


def test_every_setting_is_declared_once():
    names = [s.name for s in declared()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_every_setting_is_in_the_readme_configuration_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert [s.name for s in declared() if f"`{s.name}`" not in readme] == []


def test_values_from_the_environment_are_cast_to_the_declared_type():
    settings = (Setting("A_NUMBER", 3, int), Setting("A_SWITCH", False, parse_boolean),
                Setting("A_LIST", [], comma_list))
    values = read_all(settings, environ={"A_NUMBER": "7", "A_SWITCH": "on", "A_LIST": "x, y,,z"})
    assert values == {"A_NUMBER": 7, "A_SWITCH": True, "A_LIST": ["x", "y", "z"]}


def test_an_override_given_to_the_factory_wins_over_the_environment():
    assert read_all((Setting("A_NUMBER", 3, int),), {"A_NUMBER": 9}, environ={"A_NUMBER": "7"}) == {"A_NUMBER": 9}


def test_a_value_that_does_not_parse_stops_the_start_naming_the_variable():
    with pytest.raises(ConfigError, match="SMS_BATCH_SIZE='lots'"):
        read_all((Setting("SMS_BATCH_SIZE", 100, int),), environ={"SMS_BATCH_SIZE": "lots"})


def test_a_bad_value_stops_create_app(monkeypatch):
    from signage import create_app

    monkeypatch.setenv("PLAYER_PAIRING_TTL_S", "fifteen minutes")
    with pytest.raises(ConfigError, match="PLAYER_PAIRING_TTL_S"):
        create_app({"TESTING": True})
