"""Looking after the screens in the field (issue 13): the health rules per region (`fleet.rules`, pure), the
incidents they open and close (`fleet.service`, a job every minute in `fleet.jobs`), the technicians' emails,
SMS and daily digest (`fleet.notify`), and the operators' fleet and incident pages (`fleet.views`). Technicians
and a region's rules are set with `flask fleet` (`fleet.cli`).

Layering: above `players` (it reads the heartbeats, online/offline rules and status read model there) and
below `reports`; no lower package imports it.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Models, the jobs, the pages and the CLI."""
    from fleet import cli, jobs, models, views  # noqa: F401  (models: tables known to the metadata)

    jobs.init_app(app)
    views.init_app(app)
    cli.init_app(app)
