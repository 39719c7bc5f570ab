"""Operator UI of the player side: pair and unpair a screen's player, the screens' status page and
dashboard panel, and the player panel on the screen's page (which scheduling owns and cannot import us:
the panel reaches it through `signage.add_panel(app, "screen", ...)`).

Routes are scoped like every operator view (`get_scoped_or_404`): a district operator cannot pair, unpair
or look at another district's screen by editing the URL."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from players import status
from players.auth import has_live_token, publish_tokens, revoke_tokens
from players.forms import ClaimForm
from players.pairing import PairingError, claim
from signage.extensions import db
from signage.models import Region, Screen
from signage.registry import add_nav, add_panel
from signage.scoping import get_scoped_or_404, scoped_select
from signage.signals import screens_changed
from signage.timeutil import local_tz

bp = Blueprint("players", __name__, url_prefix="/players", template_folder="templates")


def _screen_page(screen: Screen):
    return redirect(url_for("screens.show", screen_id=screen.id))


@bp.route("/screens/<int:screen_id>/pair", methods=["POST"])
@login_required
def screen_pair(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    form = ClaimForm(prefix="claim")
    if not form.validate_on_submit():
        flash(_("Type the 6-character code shown on the screen."), "error")
        return _screen_page(screen)
    try:
        claim(form.code.data, screen, current_user.id)
    except PairingError:
        flash(_("No player is showing this code (it may have expired). Check the code on the screen."), "error")
        return _screen_page(screen)
    flash(_("Player paired with %(name)s. It starts playing within a few seconds.", name=screen.name), "success")
    return _screen_page(screen)


@bp.route("/screens/<int:screen_id>/revoke", methods=["POST"])
@login_required
def screen_revoke(screen_id: int):
    screen = get_scoped_or_404(Screen, screen_id)
    revoked = revoke_tokens(screen.id, current_user.id)
    db.session.commit()
    publish_tokens([screen.id])
    flash(_("Player unpaired; it shows the pairing code again.") if revoked else _("No player was paired."),
          "success")
    return _screen_page(screen)


@bp.route("/status")
@login_required
def screens_status():
    screens = list(db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None))
                                      .order_by(Region.path, Screen.name)))
    return render_template("players/status.html", rows=status.screen_statuses(screens))


def _local(value):
    return value.astimezone(local_tz()).replace(tzinfo=None) if value else None


def screen_panel(screen: Screen) -> Markup:
    """The screen page's player card (pairing, online state) and proof of play."""
    return Markup(render_template(
        "players/_screen_panel.html", screen=screen, claim=ClaimForm(prefix="claim"),
        paired=has_live_token(screen.id), status=status.screen_statuses([screen])[0],
        plays=status.recent_plays(screen), local=_local,
    ))


def dashboard_panel():
    if not current_user.is_authenticated:
        return _l("Screens"), Markup("")
    screens = list(db.session.scalars(scoped_select(Screen).where(Screen.retired_at.is_(None))))
    rows = status.screen_statuses(screens)
    html = render_template("players/_status_widget.html", rows=rows, online=sum(1 for r in rows if r["online"]))
    return _l("Screens on air"), Markup(html)


def _on_screens_changed(sender, screen_ids=(), **_):
    # a retired or moved screen's token cache is rewritten, so its player is refused at once
    publish_tokens(list(screen_ids))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, "players.screens_status", _l("Screen status"), group="screens", order=20)
    add_panel(app, "screen", screen_panel, order=10)  # pairing and status first: what a new screen needs
    add_panel(app, "dashboard", dashboard_panel)
    screens_changed.connect(_on_screens_changed, sender=app, weak=False)
