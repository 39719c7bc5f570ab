"""Flask CLI commands of the core: `flask users create`, `flask demo load`, `flask worker`, `flask serve`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from signage.extensions import db
from signage.models import Region, Role, User
from signage.redis_client import QUEUE_NAMES
from signage.registry import demo_loaders

users_cli = AppGroup("users", help="Manage operator accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.OPERATOR.value)
@click.option("--region", "region_code", required=True, help="Region code the account is scoped to.")
@click.option("--name", "display_name", default="")
@click.password_option()
def create_user(username: str, role: str, region_code: str, display_name: str, password: str) -> None:
    """Create an account scoped to REGION's subtree."""
    region = db.session.scalar(select(Region).where(Region.code == region_code))
    if region is None:
        raise click.ClickException(f"No region with code {region_code!r}.")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise click.ClickException(f"User {username!r} already exists.")
    if len(password) < 8:
        raise click.ClickException("Password must have at least 8 characters.")
    user = User(username=username, role=role, region_id=region.id, display_name=display_name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {username} for {region.name}.")


@demo_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def demo_load(path: Path | None) -> None:
    """Load a province from PATH (default: DEMO_DATA, the bundled demo); running it twice creates nothing twice."""
    from signage.demo import ProvinceFileError, load_demo, read_province

    path = path or Path(current_app.config["DEMO_DATA"])
    try:
        data = read_province(path)
    except ProvinceFileError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = load_demo(data)
    for loader in demo_loaders(current_app):
        counts.update(loader(data))
    click.echo("Demo data: " + ", ".join(f"{v} {k} created" for k, v in counts.items()))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--scheduler/--no-scheduler", default=True)
@click.option("--queue", "only", multiple=True, type=click.Choice(QUEUE_NAMES),
              help="Take jobs from this queue only (repeatable); default: every queue, urgent first. "
                   "`--queue urgent` is a worker that an alert's SMS never wait for.")
def worker(burst: bool, scheduler: bool, only: tuple[str, ...]) -> None:
    """Run an RQ worker (with the scheduler) inside the app context; jobs get the app and database."""
    from rq import Worker

    from signage.redis_client import get_redis
    from signage.signals import worker_starting

    worker_starting.send(current_app._get_current_object())
    db.engine.dispose()  # never share pooled connections with forked work horses
    conn = get_redis()
    queues = [name for name in QUEUE_NAMES if not only or name in only]
    Worker(queues, connection=conn).work(with_scheduler=scheduler, burst=burst)


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=1, show_default=True, help="RQ worker processes.")
@click.option("--with-demo", is_flag=True, help="Migrate the database and load the demo province first.")
def serve(bind: str, workers: int, with_demo: bool) -> None:
    """Run Redis (embedded unless REDIS_URL is set), gunicorn and RQ workers; Ctrl-C stops them all."""
    from signage.supervisor import run

    raise SystemExit(run(bind=bind, rq_workers=workers, setup_demo=with_demo))


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(worker)
    app.cli.add_command(serve)
