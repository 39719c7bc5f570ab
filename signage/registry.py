"""What feature packages register with the core, which cannot import them: navigation entries, panels on
pages the core (or a lower layer) owns, and demo loaders. Each is kept per app in `app.extensions`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

NAV_KEY = "signage_nav"
PANELS_KEY = "signage_panels"
DEMO_LOADERS_KEY = "signage_demo_loaders"


def add_nav(
    app: Flask, endpoint: str, label, roles: tuple[str, ...] = (), *, order: int = 50, section: str = "main"
) -> None:
    """Add a navigation entry (label is a lazy translation; roles empty = every signed-in user).

    `section` "main" is the top bar, "admin" the administration menu; entries sort by `order`, then by
    registration."""
    app.extensions.setdefault(NAV_KEY, []).append(
        {"endpoint": endpoint, "label": label, "roles": roles, "order": order, "section": section}
    )


def add_panel(app: Flask, slot: str, panel) -> None:
    """Let a package show a panel on a page that a lower layer owns (which cannot import it).

    Slots: "dashboard" — `panel()` returns (title, html-safe markup); "screen" — `panel(screen)` returns
    html-safe markup for the screen's page; "alert" — `panel(alert)` returns html-safe markup for an alert's
    live board, `alert` being plain data (id, level, screen_ids, started_at, ended; see alerts.views).
    Panels show in registration order (the factory's package order)."""
    app.extensions.setdefault(PANELS_KEY, {}).setdefault(slot, []).append(panel)


def panels(slot: str) -> list:
    """The panels registered for `slot` in the current app."""
    return current_app.extensions.get(PANELS_KEY, {}).get(slot, [])


def nav_entries(app: Flask) -> list[dict]:
    return app.extensions.get(NAV_KEY, [])


def add_demo_loader(app: Flask, loader: Callable[[dict], dict[str, int]]) -> None:
    """`loader(province data)` runs in `flask demo load` after the core's; loaders run in registration
    order (the factory's package order, lowest layer first), so a schedule finds the content it plays."""
    app.extensions.setdefault(DEMO_LOADERS_KEY, []).append(loader)


def demo_loaders(app: Flask) -> list[Callable[[dict], dict[str, int]]]:
    return app.extensions.get(DEMO_LOADERS_KEY, [])
