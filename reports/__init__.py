"""The measurement system of the provincial plans: indicators per period and scope (airtime, uptime, QR
scans, opt-ins, the SMS funnel and its cost, against targets), computed from daily roll-ups, shown as a
dashboard with charts, exported (CSV, XLSX), written up as the period report (page, PDF, DOCX) and served
read-only as JSON to the province's portal. The top layer: it reads every package, none reads it."""

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from reports import api, cli, jobs, models, views  # noqa: F401  (models: tables on the metadata)
    from reports.demo import generate
    from signage.labels import register_labels
    from signage.registry import add_demo_loader

    views.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    register_labels(app, "report_deadline", [("monthly", _l("monthly")), ("quarterly", _l("quarterly")),
                                             ("yearly", _l("yearly"))])

    def load_demo_history(data: dict) -> dict[str, int]:
        counts = generate(int(app.config["REPORTS_DEMO_DAYS"]), plays_per_screen_day=120)
        return {f"report demo {k}": v for k, v in counts.items()}

    add_demo_loader(app, load_demo_history)  # last: it plays the demo schedule's content
