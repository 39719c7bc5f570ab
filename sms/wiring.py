"""Registers the SMS blueprints, CLI, navigation, approval queue, dashboard widget and demo loader, and
subscribes to the alert signals (an alert asking for SMS starts its campaign; a cancel or expiry stops its
unsent SMS; its live board shows the SMS progress), and plans the minute sweep and reconciliation."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def wire(app: Flask) -> None:
    from signage.approval import register_queue
    from signage.registry import add_demo_loader, add_nav, add_panel
    from signage.signals import alert_cancelled, alert_raised, alert_updated
    from sms import broadcast, cli, public, views, webhooks

    app.register_blueprint(views.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(webhooks.bp)
    add_nav(app, "sms.index", _l("SMS"), group="sms")
    register_queue(app, views.approval_queue)
    # An update re-sends: a changed warning (new area, new instructions) must reach phones too.
    alert_raised.connect(broadcast.on_alert, app, weak=False)
    alert_updated.connect(broadcast.on_alert, app, weak=False)
    alert_cancelled.connect(broadcast.on_alert_cancelled, app, weak=False)
    add_panel(app, "alert", broadcast.alert_panel)
    cli.init_app(app)
    from sms.jobs import init_periodic

    init_periodic(app)  # the minute sweep and reconciliation (the database is the only source of truth)
    from signage.labels import register_labels
    from sms.forms import CONTACT_KINDS, KIND_CHOICES

    register_labels(app, "campaign_kind", KIND_CHOICES)
    register_labels(app, "contact_kind", CONTACT_KINDS)
    # Why a queued message waits, as set by the dispatcher (sms.dispatch.park, sms.compliance.decide).
    register_labels(app, "skip_reason", [
        ("retry_after", _l("waiting: the gateway asked to try again later")),
        ("gateway_retry", _l("waiting: the gateway is unavailable, trying again")),
        ("unreachable", _l("number unreachable (30005/30006)")),
    ])
    register_labels(app, "campaign_status", [
        ("draft", _l("Not started")), ("running", _l("Sending")), ("done", _l("Finished")),
        ("cancelled", _l("Cancelled")),
    ])
    from sms.demo import dashboard_widget, load_demo

    add_demo_loader(app, load_demo)
    add_panel(app, "dashboard", dashboard_widget)
