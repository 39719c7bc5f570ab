"""`flask fleet ...`: name a region's technicians, set a region's rules, evaluate now, send the digest now."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from fleet import notify, service
from fleet.models import FleetRule, Technician
from fleet.rules import RULE_FIELDS
from signage.extensions import db
from signage.models import Region, User
from signage.timeutil import utcnow
from sms.phones import InvalidPhone, normalize_phone

fleet_cli = AppGroup("fleet", help="Screens in the field: technicians, rules, incidents.")


def _region(code: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise click.ClickException(f"no region with the code {code!r}")
    return region


@fleet_cli.command("technician")
@click.argument("username")
@click.argument("region_code")
@click.option("--email", default="", help="Tell them by email at this address.")
@click.option("--phone", default="")
@click.option("--sms", is_flag=True, help="Tell them by SMS too (needs a valid mobile --phone).")
@click.option("--off", is_flag=True, help="Stop telling this account about the region.")
def technician(username: str, region_code: str, email: str, phone: str, sms: bool, off: bool) -> None:
    """Tell USERNAME about the incidents of REGION_CODE and the regions below it: by email (--email), by SMS
    (--sms --phone), or both — the rules of the admins' page (fleet.forms.TechnicianForm)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account {username!r}")
    region = _region(region_code)
    if sms:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise click.ClickException(f"--sms needs a valid mobile --phone: {exc}") from exc
    elif not email.strip() and not off:
        raise click.ClickException("give --email, or --sms with --phone")
    row = db.session.scalar(select(Technician).where(Technician.user_id == user.id,
                                                      Technician.region_id == region.id))
    row = row or Technician(user_id=user.id, region_id=region.id)
    row.email, row.phone, row.notify_sms, row.active = email.strip(), phone, sms, not off
    db.session.add(row)
    db.session.commit()
    channels = " and ".join(c for c, on in (("email " + row.email, bool(row.email)), ("SMS " + phone, sms)) if on)
    click.echo(f"{username}: {'off' if off else channels} for {region.name}")


@fleet_cli.command("rules")
@click.argument("region_code")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=N",
              help=f"One of {', '.join(RULE_FIELDS)}; N empty inherits from the region above, 0 turns the rule off.")
def set_rules(region_code: str, pairs: tuple[str, ...]) -> None:
    """Show (and with --set change) the rules of REGION_CODE and its subtree."""
    region = _region(region_code)
    row = db.session.get(FleetRule, region.id) or FleetRule(region_id=region.id)
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in RULE_FIELDS:
            raise click.ClickException(f"unknown rule {name!r}")
        setattr(row, name, int(value) if value.strip() else None)
    if pairs:
        db.session.add(row)
        db.session.commit()
    effective = service.rules_by_region()[region.id]
    for name in RULE_FIELDS:
        click.echo(f"{name} = {getattr(effective, name)}" + ("" if getattr(row, name) is None else " (set here)"))


@fleet_cli.command("evaluate")
def evaluate() -> None:
    """Run the incident evaluation now (the worker does every minute)."""
    click.echo(vars(service.run(utcnow())))


@fleet_cli.command("digest")
def digest() -> None:
    """Send today's digest now (once per technician and day)."""
    click.echo(f"{notify.send_digests(utcnow())} emails")


def init_app(app: Flask) -> None:
    app.cli.add_command(fleet_cli)
