"""`flask players push-proxy`: Debian's nginx with the nchan module in front of the controller, in the foreground —
the players' server-sent events (players.push) and acknowledgements (players.push_acks), nchan's publisher on
loopback, everything else proxied — with the acknowledgements' consumer running in this process beside nginx (a
child: the command ends when nginx does, and stops nginx when it is stopped).

The configuration is rendered from templates/players/nginx-push.conf into `<instance>/push-proxy/` (with the
pid file and nginx's temporary folders) at each start. The paths come from the settings the controller uses —
the subscribers' location from PLAYER_PUSH_SUBSCRIBE_URL, the publisher's from PLAYER_PUSH_PUBLISH_URL (its
host and port too, unless --publish says otherwise) — so both sides always agree.
"""

from __future__ import annotations

import os
import pwd
import re
import resource
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from players import push_acks
from signage.config import is_loopback

players_cli = AppGroup("players", help="Players: the push proxy (server-sent events through nginx + nchan).")

NGINX = "/usr/sbin/nginx"
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
DEFAULT_PUBLISH = "127.0.0.1:8081"
DEFAULT_PUBLISH_PATH = "/pub"
DEFAULT_SUBSCRIBE_PATH = "/push/sub"
DEFAULT_ACK_PATH = "/push/ack"
TEMP_FOLDERS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_PATH = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")


class ProxyConfigError(ValueError):
    """The push proxy cannot be configured as asked; the message says what to change."""


@dataclass(frozen=True)
class ProxyPlan:
    bind: str
    upstream: str
    publish: str
    publish_path: str
    subscribe_path: str
    ack_path: str
    folder: Path


def _path(url: str, default: str, name: str) -> str:
    path = urlsplit(url).path.rstrip("/") if url else default
    if not _PATH.match(path):
        raise ProxyConfigError(f"{name}: the path {path!r} must be /letters-digits[/...]")
    return path


def plan(config, *, bind: str, upstream: str, publish: str | None, folder: Path) -> ProxyPlan:
    """What to run, from the options and the settings; ProxyConfigError for a publisher off loopback or a path
    the configuration cannot hold."""
    publish_url = config["PLAYER_PUSH_PUBLISH_URL"]
    if publish is None:
        parts = urlsplit(publish_url) if publish_url else None
        publish = f"{parts.hostname}:{parts.port or 80}" if parts and parts.hostname else DEFAULT_PUBLISH
    if publish.startswith(("unix:", "fd://")) or not is_loopback(publish):
        raise ProxyConfigError(f"the publisher must listen on loopback only, not {publish}")
    return ProxyPlan(bind=bind, upstream=upstream, publish=publish,
                     publish_path=_path(publish_url, DEFAULT_PUBLISH_PATH, "PLAYER_PUSH_PUBLISH_URL"),
                     subscribe_path=_path(config["PLAYER_PUSH_SUBSCRIBE_URL"], DEFAULT_SUBSCRIBE_PATH,
                                          "PLAYER_PUSH_SUBSCRIBE_URL"),
                     ack_path=_path(config["PLAYER_PUSH_ACK_URL"], DEFAULT_ACK_PATH, "PLAYER_PUSH_ACK_URL"),
                     folder=folder)


def write_config(app: Flask, proxy: ProxyPlan, *, worker_connections: int = 20000) -> Path:
    """Render the configuration (and make its folders); returns the file. Run as root, nginx's workers run
    as the owner of the folder (they write its temporary files)."""
    proxy.folder.mkdir(parents=True, exist_ok=True)
    for name in TEMP_FOLDERS:
        (proxy.folder / name).mkdir(exist_ok=True)
    user = pwd.getpwuid(proxy.folder.stat().st_uid).pw_name if os.geteuid() == 0 else None
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # a container may not let even root go above it
    nofile = worker_connections * 2 + 1024
    nofile = nofile if hard == resource.RLIM_INFINITY else min(hard, nofile)
    worker_connections = min(worker_connections, nofile - 64)
    text = app.jinja_env.get_template("players/nginx-push.conf").render(  # no request: no context processors
        nchan_module=NCHAN_MODULE, user=user, folder=proxy.folder,
        worker_processes="auto", worker_connections=worker_connections, nofile=nofile,
        shared_memory="128m", bind=proxy.bind, upstream=proxy.upstream, publish=proxy.publish,
        publish_path=proxy.publish_path, subscribe_path=proxy.subscribe_path,
        max_body=app.config["MAX_CONTENT_LENGTH"], ack_path=proxy.ack_path, ack_group=push_acks.GROUP,
        ack_channel=push_acks.CHANNEL, ack_buffer=push_acks.BUFFER, ack_timeout_s=push_acks.KEPT_S,
        ack_ping_s=push_acks.PING_S,
    )
    conf = proxy.folder / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def nginx_command(conf: Path) -> list[str]:
    """nginx in the foreground (`daemon off` is in the configuration) with everything under its folder."""
    for path in (NGINX, NCHAN_MODULE):
        if not Path(path).exists():
            raise ProxyConfigError(f"{path} is missing: install Debian's nginx and libnginx-mod-nchan "
                                   "(make run does)")
    return [NGINX, "-e", "stderr", "-p", f"{conf.parent}/", "-c", str(conf)]


@players_cli.command("push-proxy")
@click.option("--bind", default="0.0.0.0:8080", show_default=True, help="Where players and operators connect.")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True, help="The controller (flask serve).")
@click.option("--publish", default=None,
              help=f"nchan's publisher, loopback only [default: PLAYER_PUSH_PUBLISH_URL's, else {DEFAULT_PUBLISH}]")
@click.option("--check", is_flag=True, help="Write and test the configuration (nginx -t), then stop.")
def push_proxy(bind: str, upstream: str, publish: str | None, check: bool) -> None:
    """Run nginx + nchan in the foreground in front of the controller, and record the players' acknowledgements
    nchan collects (Ctrl-C stops both)."""
    app = current_app._get_current_object()
    try:
        proxy = plan(app.config, bind=bind, upstream=upstream, publish=publish,
                     folder=Path(app.instance_path) / "push-proxy")
        command = nginx_command(write_config(app, proxy))
    except ProxyConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    wanted = f"http://{proxy.publish}{proxy.publish_path}"
    if app.config["PLAYER_PUSH_PUBLISH_URL"].rstrip("/") != wanted or not app.config["PLAYER_PUSH_SUBSCRIBE_URL"]:
        click.echo(f"Note: the controller pushes only with PLAYER_PUSH_PUBLISH_URL={wanted} and "
                   f"PLAYER_PUSH_SUBSCRIBE_URL={proxy.subscribe_path} in its environment.", err=True)
    if not app.config["BEHIND_PROXY"]:
        click.echo("Note: set BEHIND_PROXY=1 for the controller, so it sees the clients' addresses "
                   "(X-Forwarded-For) and not the proxy's.", err=True)
    if check:
        os.execv(shutil.which(NGINX) or NGINX, [*command, "-t"])
    click.echo(f"nginx + nchan on {bind} -> {upstream}; publisher on {proxy.publish}{proxy.publish_path}; "
               f"players' acknowledgements at {proxy.ack_path}/<channel>, recorded from "
               f"{proxy.publish}{proxy.publish_path}/{push_acks.CHANNEL}")
    raise SystemExit(run_with_consumer(app, command, f"http://{proxy.publish}{proxy.publish_path}"))


def run_with_consumer(app: Flask, command: list[str], publish_url: str) -> int:
    """nginx as a child and the acknowledgements' consumer (players.push_acks, reading beside the publisher at
    publish_url) in this process until nginx stops: SIGTERM or SIGINT here stops nginx, which ends the command;
    nginx dying ends it with nginx's exit status."""
    nginx = subprocess.Popen(command)

    def forward(signum, _frame):
        if nginx.poll() is None:
            nginx.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    consumer, thread = push_acks.start(app, publish_url)
    try:
        status = nginx.wait()
    finally:
        consumer.stop()
        thread.join(5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - status if status < 0 else status  # killed by a signal: the shell's 128 + its number


def init_app(app: Flask) -> None:
    app.cli.add_command(players_cli)
