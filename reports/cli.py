"""`flask reports ...`: generate demo history, roll up days by hand, run the nightly job now."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from reports import demo, jobs, rollup
from signage.timeutil import localnow, utcnow

reports_cli = AppGroup("reports", help="Measurement: roll-ups, demo history.")


@reports_cli.command("generate-demo")
@click.option("--days", default=30, show_default=True, help="Days of history, ending yesterday.")
@click.option("--plays-per-screen-day", default=300, show_default=True)
@click.option("--scans-per-day", default=12, show_default=True)
def generate_demo(days: int, plays_per_screen_day: int, scans_per_day: int) -> None:
    """Plays, online/offline history, QR scans, opt-ins and SMS for the loaded province, rolled up."""
    counts = demo.generate(days, plays_per_screen_day=plays_per_screen_day, scans_per_day=scans_per_day)
    if not counts:
        raise click.ClickException("Load a province first (flask demo load).")
    click.echo("Generated: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@reports_cli.command("rollup")
@click.option("--day", "day_text", help="YYYY-MM-DD (default: yesterday).")
@click.option("--days", default=1, show_default=True, help="How many days ending with --day.")
def rollup_days(day_text: str | None, days: int) -> None:
    """Roll up days again (idempotent): plays, scans and SMS."""
    last = date.fromisoformat(day_text) if day_text else localnow().date() - timedelta(days=1)
    for n in range(days - 1, -1, -1):
        day = last - timedelta(days=n)
        counts = {source: fn(day) for source, fn in rollup.ROLLUPS.items()}
        click.echo(f"{day}: " + ", ".join(f"{v} {k} rows" for k, v in counts.items()))


@reports_cli.command("nightly")
def nightly() -> None:
    """Run the nightly job now: late rows, then retention."""
    result = jobs.nightly(utcnow())
    click.echo(", ".join(f"{k}: {len(v)} days" for k, v in result["rolled_up"].items())
               + "; deleted " + ", ".join(f"{v} raw {k}" for k, v in result["purged"].items()))


def init_app(app: Flask) -> None:
    app.cli.add_command(reports_cli)
