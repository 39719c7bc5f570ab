"""The public address (PUBLIC_BASE_URL) that QR codes, SMS opt-out links and webhook URLs carry.

Unset, `flask serve --bind HOST:PORT` (and so `make run BIND=…`) derives it from the bind address — a
wildcard host (0.0.0.0, ::) becomes this machine's outward address — and hands it to every process it
starts, so the web server, the workers and the render clean-up put the same address into QR codes.

At start-up the supervisor checks the address as configured (`problems`, pure, then `probe`, one HTTP
request) and logs what it finds; the findings are kept in Redis (`KEY`, a cache of the last check, never the
truth) as codes with their values, which the dashboard panel shows admins in their language:

- ``loopback``: the host is this machine's loopback address; phones and screens elsewhere cannot open it.
- ``other_port``: the address names this machine's host but another port than the one served.
- ``invalid``: not an http(s) address with a host.
- ``not_answering``: a request to the address did not reach a controller.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from redis import Redis
from redis.exceptions import RedisError

from signage.redis_client import get_redis
from signage.registry import add_panel

KEY = "signage:public-url:problems"
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]", "*")


def outward_address() -> str:
    """The address this machine reaches the network from (no packet is sent: a UDP socket only picks a
    route); 127.0.0.1 when there is no route at all."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 80))  # TEST-NET-1: never answered, only routed
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def derive(bind: str, outward: Callable[[], str] = outward_address) -> str | None:
    """http://HOST:PORT for a gunicorn bind address ("HOST:PORT", "[v6]:PORT"); None for a unix socket."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        host, port = bind, "8000"
    if host in WILDCARD_HOSTS:
        host = outward()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def for_serve(bind: str, environ: dict, fallback: str) -> str:
    """The address `flask serve --bind` gives its children: PUBLIC_BASE_URL when set, else the bind's."""
    return environ.get("PUBLIC_BASE_URL") or derive(bind) or fallback


def _is_address(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(url: str, bind: str | None = None) -> list[dict]:
    """What is wrong with `url` as the address phones and screens open, without asking the network."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        return [{"code": "invalid", "url": url}]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [{"code": "invalid", "url": url}]
    found = []
    if _is_loopback(parts.hostname):
        found.append({"code": "loopback", "url": url})
    if bind and not bind.startswith(("unix:", "fd://")):
        bind_host, _, bind_port = bind.rpartition(":")
        bind_host = bind_host.strip("[]")
        # a name (not an address) may well be a proxy in front of another port: only addresses are compared
        same_host = _is_address(parts.hostname) and (
            parts.hostname == bind_host or bind_host in WILDCARD_HOSTS
            or (_is_loopback(parts.hostname) and _is_loopback(bind_host)))
        port = port or (443 if parts.scheme == "https" else 80)
        if same_host and bind_port.isdigit() and port != int(bind_port):
            found.append({"code": "other_port", "url": url, "port": int(bind_port)})
    return found


def probe(url: str, timeout_s: float = 3.0) -> dict | None:
    """One request to the address's sign-in page: None when a controller answers, else the problem."""
    target = url.rstrip("/") + "/login"
    try:
        with urllib.request.urlopen(target, timeout=timeout_s) as answer:  # noqa: S310 (http(s) checked above)
            if answer.status < 400:
                return None
            detail = f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        detail = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        detail = str(getattr(exc, "reason", None) or exc)
    return {"code": "not_answering", "url": url, "detail": detail}


def check(url: str, bind: str, *, boot_s: float = 60.0, timeout_s: float = 30.0) -> list[dict]:
    """The start-up check: `problems`, then, once the server at `bind` accepts connections (or `boot_s`
    passed), one `probe` given `timeout_s` (its worker may still be loading the app). One request only: probes
    repeated while the server boots would queue up in its few threads and slow its first real pages."""
    found = problems(url, bind)
    if any(p["code"] == "invalid" for p in found):
        return found
    _wait_listening(bind, boot_s)
    answer = probe(url, timeout_s=timeout_s)
    return [*found, answer] if answer else found


def _wait_listening(bind: str, boot_s: float) -> None:
    local = urlsplit(derive(bind, lambda: "127.0.0.1") or "")
    if not local.hostname:
        return
    deadline = time.monotonic() + boot_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((local.hostname, local.port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.5)


def record(redis: Redis, found: list[dict]) -> None:
    """Keep the last start-up check's findings for the dashboard (an empty list clears them)."""
    try:
        redis.set(KEY, json.dumps(found))
    except RedisError:
        pass


def recorded() -> list[dict]:
    try:
        raw = get_redis().get(KEY)
    except RedisError:
        return []
    return json.loads(raw) if raw else []


def describe(problem: dict) -> str:
    """A finding in the user's language."""
    code, url = problem.get("code"), problem.get("url", "")
    if code == "loopback":
        return _("PUBLIC_BASE_URL is %(url)s: only this computer can open it, so QR codes on screens and links "
                 "in SMS do not open on phones. Set PUBLIC_BASE_URL to the address the public reaches.", url=url)
    if code == "other_port":
        return _("PUBLIC_BASE_URL is %(url)s but this controller serves port %(port)s: QR codes and SMS links "
                 "lead elsewhere.", url=url, port=problem.get("port"))
    if code == "not_answering":
        return _("PUBLIC_BASE_URL %(url)s does not answer as this controller (%(detail)s): QR codes and SMS links "
                 "lead nowhere.", url=url, detail=problem.get("detail", ""))
    return _("PUBLIC_BASE_URL is not an http(s) address: %(url)s", url=url)


def dashboard_panel():
    """For admins, what the start-up check found wrong with the public address; None otherwise."""
    if not (current_user.is_authenticated and current_user.has_role("admin")):
        return None
    found = recorded()
    if not found:
        return None
    items = Markup("").join(Markup("<li>{}</li>").format(describe(p)) for p in found)
    return _l("Public address"), Markup('<div class="flash error" role="alert"><ul>{}</ul></div>').format(items)


def init_app(app: Flask) -> None:
    add_panel(app, "dashboard", dashboard_panel, order=0)  # a warning: above the figures
