"""The I/O around fleet.rules: read every screen's state, open and close incidents, decide and queue the
technicians' emails; and the operators' changes to an incident (acknowledge, note, resolve).

Contract:
- `run(now)` (the job every minute, fleet.jobs) is idempotent: an incident is opened by an insert that the
  unique (screen_id, cause, active) turns into nothing when one is open already (two runs, or a run racing
  another, never open two), and closed by `UPDATE … WHERE active IS TRUE` (never twice). A breach that
  lasts opens one incident, however many heartbeats and runs it spans.
- The email about an incident is decided once (`notice` set where it is NULL) and queued with the job id
  `fleet-notify-<incident>-<event>`; fleet.notify sends it at most once per technician.
- Operators' changes go through the ORM (audited by signage.audit), each a forward-only compare-and-set.
- A run is cheap for 10,000 screens (bench/fleet_incidents.py; aim < 1 s on a busy box): it reads each
  screen's heartbeat vitals (players.heartbeat.latest_vitals: one short line per screen, not the beats' JSON),
  in one pass that keeps no object per screen alive once judged (10,000 of them would wake Python's full
  garbage collection, a pause longer than the run), and writes incidents set-wise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from rq import Retry
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from fleet import rules
from fleet.models import FleetRule, Incident, IncidentNote
from fleet.rules import RULE_FIELDS, Rules, ScreenState
from players.heartbeat import latest_vitals
from signage.extensions import db
from signage.models import Region, Screen
from signage.redis_client import get_queue
from signage.timeutil import local_tz

QUEUE = "default"


class IncidentError(Exception):
    """An operator's change that cannot be made; `code` names why (the view translates it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def insert_ignoring_duplicates(table, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING (a unique constraint says the row is there already); rows inserted."""
    if not rows:
        return 0
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    # counted from RETURNING: the rowcount of a multi-row INSERT is not reliable on every driver. The rows go
    # as parameters (SQLAlchemy's "insertmanyvalues": one statement compiled, sent in batches), not as one
    # VALUES clause with a bound parameter per cell, which is compiled afresh for every run.
    statement = dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return len(db.session.execute(statement, rows).all())


# ---------------------------------------------------------------- reading the fleet


def default_rules() -> Rules:
    return Rules(**{name: int(current_app.config[f"FLEET_RULE_{name.upper()}"]) for name in RULE_FIELDS})


def rules_by_region() -> dict[int, Rules]:
    """The effective rule set of every region (defaults, then each region's overrides down the tree)."""
    overrides = {row.region_id: {name: getattr(row, name) for name in RULE_FIELDS}
                 for row in db.session.scalars(select(FleetRule))}
    defaults = default_rules()
    return {rid: rules.resolve(defaults, overrides, path)
            for rid, path in db.session.execute(select(Region.id, Region.path))}


def live_screens() -> list[tuple[int, int, int]]:
    """(id, region_id, poll interval) of every screen in service, as plain tuples: the collector stops tracking
    a tuple of numbers, not a result row (10,000 rows kept for the run would wake the full collection)."""
    return [(sid, region_id, poll or 30) for sid, region_id, poll in db.session.execute(
        select(Screen.id, Screen.region_id, Screen.poll_interval).where(Screen.retired_at.is_(None)))]


def screen_states(screens: list[tuple[int, int, int]]) -> Iterator[ScreenState]:
    """The state of each of `live_screens`, in no particular order, from the vitals of its last heartbeat (the
    short lines in Redis, not the beats' JSON: players.heartbeat.latest_vitals). A generator: each state is
    judged and dropped as it goes (see `live_screens`)."""
    by_id = {sid: (region_id, poll) for sid, region_id, poll in screens}
    for sid, vitals in latest_vitals(list(by_id)):
        region_id, poll = by_id[sid]
        # positional: ScreenState is (screen_id, region_id, poll_interval_s, *Vitals) (tests/fleet pin the order)
        yield ScreenState(sid, region_id, poll, *vitals) if vitals is not None else ScreenState(sid, region_id, poll)


def noting_judged(states: Iterable[ScreenState], now: datetime, judged: dict[int, tuple[str, ...]]
                  ) -> Iterator[ScreenState]:
    """The states passed on, what `rules.judged` says of each noted in `judged` (one pass over the fleet)."""
    for state in states:
        judged[state.screen_id] = rules.judged(state, now)
        yield state


# ---------------------------------------------------------------- the evaluation


@dataclass
class RunResult:
    opened: int = 0
    closed: int = 0
    queued: int = 0


def apply(breaches: dict[tuple[int, str], dict], region_of: dict[int, int], now: datetime,
          judged: dict[int, tuple[str, ...]] | None = None) -> RunResult:
    """Open an incident for each new breach, close the open ones that no longer breach — among the causes
    `judged` could tell for each screen (all of them when not given; a screen not evaluated, e.g. retired,
    has all its incidents closed). Commits."""
    result = RunResult()
    open_now = {(row.screen_id, row.cause): row.id for row in db.session.execute(
        select(Incident.id, Incident.screen_id, Incident.cause).where(Incident.active.is_(True)))}
    new = [{"screen_id": sid, "cause": cause, "detail": detail, "region_id": region_of[sid], "status": "open",
            "active": True, "opened_at": now}
           for (sid, cause), detail in breaches.items() if (sid, cause) not in open_now]
    result.opened = insert_ignoring_duplicates(Incident.__table__, new)
    judged = judged or {}
    gone = [iid for (sid, cause), iid in open_now.items()
            if (sid, cause) not in breaches and cause in judged.get(sid, rules.CAUSES)]
    if gone:
        result.closed = db.session.execute(
            update(Incident).where(Incident.id.in_(gone), Incident.active.is_(True))
            .values(status="closed", active=None, closed_at=now, closed_reason="recovered")
            .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    # the technicians told of an incident are told it is over (deterministic job id: queued once)
    if gone:
        result.queued = queue_notifications(list(db.session.scalars(
            select(Incident.id).where(Incident.id.in_(gone), Incident.notice == "sent"))), "closed")
    return result


def decide_notices(now: datetime) -> int:
    """Decide the email of each open incident past its grace period (one UPDATE per decision, on the rows
    still undecided); queue the ones to send. Returns how many were queued."""
    cfg = current_app.config
    grace = timedelta(minutes=cfg["FLEET_NOTIFY_GRACE_MIN"])
    cooldown = timedelta(minutes=cfg["FLEET_NOTIFY_COOLDOWN_MIN"])
    waiting = db.session.execute(select(Incident.id, Incident.screen_id, Incident.cause, Incident.opened_at).where(
        Incident.active.is_(True), Incident.notice.is_(None), Incident.opened_at <= now - grace)).all()
    if not waiting:
        return 0
    # when each screen and cause was last emailed about (the incidents decided "sent"); the waiting are undecided
    last_sent = {(sid, cause): at for sid, cause, at in db.session.execute(
        select(Incident.screen_id, Incident.cause, func.max(Incident.opened_at))
        .where(Incident.notice == "sent", Incident.screen_id.in_({row.screen_id for row in waiting}))
        .group_by(Incident.screen_id, Incident.cause))}
    local = now.astimezone(local_tz()).time()
    decided: dict[str, list[int]] = {}
    for row in waiting:
        decision = rules.notice(row.cause, row.opened_at, now, local_now=local, grace=grace, cooldown=cooldown,
                                last_sent=last_sent.get((row.screen_id, row.cause)), quiet=cfg["FLEET_QUIET_HOURS"])
        if decision != "wait":
            decided.setdefault("sent" if decision == "send" else decision, []).append(row.id)
    claimed: dict[str, list[int]] = {}
    for notice, ids in decided.items():
        claimed[notice] = list(db.session.scalars(
            update(Incident).where(Incident.id.in_(ids), Incident.notice.is_(None)).values(notice=notice)
            .returning(Incident.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return queue_notifications(claimed.get("sent", []), "opened")


def queue_notifications(incident_ids: list[int], event: str) -> int:
    """Queue the email job of each incident (job id `fleet-notify-<incident>-<event>`), in one round trip."""
    if not incident_ids:
        return 0
    queue = get_queue(QUEUE)
    # a failed send is retried by RQ; the ledger (fleet.notify) lets a retry send only what was not sent
    retry = Retry(max=3, interval=[60, 300, 900])
    queue.enqueue_many([queue.prepare_data("fleet.jobs.notify_job", (iid, event), job_id=f"fleet-notify-{iid}-{event}",
                                           timeout=120, result_ttl=3600, failure_ttl=7 * 86400, retry=retry)
                        for iid in incident_ids])
    return len(incident_ids)


def run(now: datetime) -> RunResult:
    """One evaluation of the whole fleet at `now`."""
    screens = live_screens()
    judged: dict[int, tuple[str, ...]] = {}
    breaches = rules.evaluate(noting_judged(screen_states(screens), now, judged), rules_by_region(), now)
    result = apply(breaches, {sid: region_id for sid, region_id, _ in screens}, now, judged)
    result.queued += decide_notices(now)
    return result


# ---------------------------------------------------------------- operators' changes


def _lock(incident: Incident) -> None:
    """Read the row again under a row lock (PostgreSQL; SQLite has one writer at a time), so the check that
    follows sees what another operator or the evaluation wrote last."""
    db.session.refresh(incident, with_for_update=True)


def acknowledge(incident: Incident, user, now: datetime) -> None:
    _lock(incident)
    if incident.status != "open":
        db.session.rollback()
        raise IncidentError("not_open")
    incident.status, incident.acknowledged_at, incident.acknowledged_by_id = "acknowledged", now, user.id
    db.session.commit()


def resolve(incident: Incident, user, now: datetime) -> None:
    _lock(incident)
    if incident.status == "closed":
        db.session.rollback()
        raise IncidentError("closed")
    incident.status, incident.active, incident.closed_at = "closed", None, now
    incident.closed_reason, incident.closed_by_id = "resolved", user.id
    db.session.commit()


def add_note(incident: Incident, user, text: str, now: datetime) -> IncidentNote:
    text = text.strip()
    if not text:
        raise IncidentError("empty_note")
    note = IncidentNote(incident_id=incident.id, user_id=user.id, text=text[:4000], created_at=now)
    db.session.add(note)
    db.session.commit()
    return note
