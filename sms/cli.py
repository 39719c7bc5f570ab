"""`flask sms ...`: import suppression lists and contacts, run the dispatcher for running campaigns."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from signage.timeutil import utcnow
from sms.imports import ImportFileError, decode_upload, import_contacts, import_suppression
from sms.jobs import sweep as sweep_campaigns

sms_cli = AppGroup("sms", help="SMS campaigns, contacts and suppression lists.")


@sms_cli.command("import-dnc")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", default="national-dnc", show_default=True)
def import_dnc(path: Path, list_name: str) -> None:
    """Import a suppression list (CSV/TXT, one number per line, first column), streamed in batches."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        counts = import_suppression(handle, list_name)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@sms_cli.command("import-contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_contacts_cmd(path: Path) -> None:
    """Import contacts from CSV (same columns and encodings as the web import); prints every rejected row."""
    try:
        text, _encoding = decode_upload(path.read_bytes())
    except ImportFileError as exc:
        raise click.ClickException(f"{path.name} is not a CSV file ({exc.kind or exc.code})") from exc
    report = import_contacts(text, source_name=path.name)
    for line, phone, reason in report.errors:
        click.echo(f"line {line} ({phone}): {reason}", err=True)
    click.echo(f"Imported {report.imported} of {report.total} rows.")


@sms_cli.command("sweep")
def sweep() -> None:
    """Run the minute sweep now: dispatch every running campaign with work no job holds (also resolves rows
    left in `sending` by a dead worker). The workers do this by themselves every minute."""
    for cid, outcome in sweep_campaigns(utcnow(), force=True).items():
        click.echo(f"campaign {cid}: {outcome}")


def init_app(app: Flask) -> None:
    app.cli.add_command(sms_cli)
