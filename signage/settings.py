"""The one settings mechanism: each package declares its settings once (name, default, type, meaning) in a
tuple `SETTINGS` of its `settings` module; the app factory reads and casts them all at start-up.

Precedence: a value given to `create_app(overrides)` wins, then the environment (and `.env`), then the
default. A value that does not parse stops the start with a `ConfigError` naming the variable — never a
surprise on the first request that reads it. After start-up code reads `app.config[NAME]`, already typed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(RuntimeError):
    """Raised when the configuration cannot work; the message says what to fix."""


def parse_boolean(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected on/off, true/false, yes/no or 1/0, got {value!r}")


def comma_list(value: str) -> list[str]:
    """`"a, b,,c"` → `["a", "b", "c"]`."""
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Setting:
    """One setting. `default` is already of the setting's type; `cast` parses the environment's text."""

    name: str
    default: Any
    cast: Callable[[str], Any] = str
    help: str = ""

    def read(self, overrides: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
        if self.name in overrides:
            value = overrides[self.name]
            if not isinstance(value, str) or self.cast is str:
                return value
        elif self.name in environ and environ[self.name] != "":
            value = environ[self.name]
        else:
            return self.default
        try:
            return self.cast(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.name}={value!r} is not valid: {exc}") from exc


def read_all(settings: Iterable[Setting], overrides: Mapping[str, Any] | None = None,
             environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting's typed value; `environ` defaults to the process environment."""
    overrides = overrides or {}
    environ = os.environ if environ is None else environ
    return {s.name: s.read(overrides, environ) for s in settings}


def declared_names(settings: Iterable[Setting]) -> list[str]:
    return [s.name for s in settings]
