"""`flask content ...` commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

content_cli = AppGroup("content", help="Media, slides and tickers.")


@content_cli.command("prerender")
def prerender() -> None:
    """Render every on-air slide for every screen in its region now (normally RQ jobs do this)."""
    from content import jobs
    from content.models import Slide
    from content.rendering import slide_languages
    from signage.extensions import db
    from signage.models import Region, Screen

    count = 0
    for slide in db.session.scalars(select(Slide).where(Slide.on_air.is_not(None))).all():
        langs = slide_languages(slide.on_air)
        screens = db.session.scalars(
            select(Screen).join(Region, Region.id == Screen.region_id)
            .where(Region.path.startswith(slide.region.path), Screen.retired_at.is_(None))
        ).all()
        for screen in screens:
            for lang in [lang for lang in screen.languages or ["vi"] if lang in langs] or ["vi"]:
                jobs.render_slide(slide.id, screen.width, screen.height, lang,
                                  screen.id if slide.on_air.get("qr_url") else None)
                count += 1
    click.echo(f"{count} slide renders checked.")


@content_cli.command("check-fonts")
@click.option("--all", "every", is_flag=True, help="Every language the product knows, not only CONTENT_LANGUAGES.")
def check_fonts(every: bool) -> None:
    """Which installed font draws each language (the start-up check, shown); exit 1 when one cannot be drawn."""
    from content import fonts
    from signage import languages

    langs = list(languages.KNOWN.values()) if every else list(languages.configured())
    failed = False
    for lang in langs:
        problems = fonts.language_problems([lang])
        path = None if problems else fonts.covering_font(lang)
        click.echo(f"{lang.code:4} {lang.name:10} {lang.script.name:27} {path or 'NO: ' + problems[0]}")
        failed = failed or bool(problems)
    if failed:
        raise SystemExit(1)


@content_cli.command("gc")
@click.option("--dry-run", is_flag=True, help="Only count what would be freed; delete nothing.")
@click.option("--tmp-age-hours", default=24, show_default=True, help="Remove unfinished uploads older than this.")
def gc(dry_run: bool, tmp_age_hours: int) -> None:
    """What the nightly job does: delete renders nothing needs any more (superseded slide versions, deleted
    media, retired screen sizes) once older than RENDER_GC_GRACE_DAYS, then files no row refers to and
    abandoned temporary uploads."""
    from content import storage_gc
    from content.render_gc import KeysMismatch, collect

    try:
        result = collect(dry_run=dry_run)
    except KeysMismatch as exc:
        raise click.ClickException(str(exc)) from exc
    store = storage_gc.collect(tmp_age_hours * 3600, dry_run=dry_run)
    verb = "would be freed" if dry_run else "freed"
    click.echo(f"{result.rows} renders, {result.files} files, {result.bytes} bytes "
               f"({result.bytes / 1024 / 1024:.1f} MB) {verb} (grace {result.grace_days} days).")
    click.echo(f"{store['orphans']} orphan files and {store['temporary']} temporary files {verb}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
