"""What feature packages register with the core, which cannot import them: navigation entries, panels on
pages the core (or a lower layer) owns, and demo loaders. Each is kept per app in `app.extensions`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

NAV_KEY = "signage_nav"
PANELS_KEY = "signage_panels"
DEMO_LOADERS_KEY = "signage_demo_loaders"


#: The navigation's groups, in the order of the bar; "top" entries (the dashboard) stand alone before them.
NAV_GROUPS = {
    "content": _l("Content"),
    "screens": _l("Screens & schedule"),
    "sms": _l("SMS"),
    "alerts": _l("Alerts"),
    "admin": _l("Reports & administration"),
}


def add_nav(
    app: Flask, endpoint: str, label, roles: tuple[str, ...] = (), *, group: str, order: int = 50
) -> None:
    """Add a navigation entry (label is a lazy translation; roles empty = every signed-in user).

    `group` is a key of NAV_GROUPS (or "top" for an entry of its own); entries sort by `order` within their
    group, then by registration. The bar shows a group as a menu, or as a plain link when the user sees one
    entry of it."""
    if group != "top" and group not in NAV_GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    app.extensions.setdefault(NAV_KEY, []).append(
        {"endpoint": endpoint, "label": label, "roles": roles, "order": order, "group": group}
    )


def nav_groups(app: Flask, user, endpoint: str | None) -> list[dict]:
    """The bar for `user` on the page of `endpoint`: [{"key", "label", "items", "active"}] in bar order, the
    groups the user sees nothing of left out. "active" is the endpoint of the entry of the page shown (the page's
    own, else one of its blueprint), in the group holding it."""
    items = sorted((n for n in nav_entries(app) if user.is_authenticated and (
        not n["roles"] or user.has_role(*n["roles"]))), key=lambda n: n["order"])
    current = endpoint or ""
    endpoints = [n["endpoint"] for n in items]
    active = current if current in endpoints else next(
        (e for e in endpoints if e.split(".")[0] == current.split(".")[0]), None)
    groups = [{"key": n["endpoint"], "label": n["label"], "items": [n]} for n in items if n["group"] == "top"]
    groups += [{"key": key, "label": label, "items": [n for n in items if n["group"] == key]}
               for key, label in NAV_GROUPS.items()]
    for g in groups:  # the entries themselves are shared by every request: marks go on the group
        g["active"] = next((n["endpoint"] for n in g["items"] if n["endpoint"] == active), None)
    return [g for g in groups if g["items"]]


def add_panel(app: Flask, slot: str, panel, *, order: int = 50) -> None:
    """Let a package show a panel on a page that a lower layer owns (which cannot import it).

    Slots: "dashboard" — `panel()` returns (title, html-safe markup), or None to show nothing; "screen" —
    `panel(screen)` returns html-safe markup for the screen's page; "alert" — `panel(alert)` returns html-safe
    markup for an alert's live board, `alert` being plain data (id, level, screen_ids, started_at, ended; see
    alerts.views). Panels show by `order`, then in registration order (the factory's package order)."""
    app.extensions.setdefault(PANELS_KEY, {}).setdefault(slot, []).append((order, panel))


def panels(slot: str) -> list:
    """The panels registered for `slot` in the current app, in the order they show."""
    entries = current_app.extensions.get(PANELS_KEY, {}).get(slot, [])
    return [panel for _order, panel in sorted(entries, key=lambda e: e[0])]


def nav_entries(app: Flask) -> list[dict]:
    return app.extensions.get(NAV_KEY, [])


def add_demo_loader(app: Flask, loader: Callable[[dict], dict[str, int]]) -> None:
    """`loader(province data)` runs in `flask demo load` after the core's; loaders run in registration
    order (the factory's package order, lowest layer first), so a schedule finds the content it plays."""
    app.extensions.setdefault(DEMO_LOADERS_KEY, []).append(loader)


def demo_loaders(app: Flask) -> list[Callable[[dict], dict[str, int]]]:
    return app.extensions.get(DEMO_LOADERS_KEY, [])
