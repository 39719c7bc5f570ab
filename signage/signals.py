"""Signals other packages subscribe to (e.g. the player API bumps manifest versions on them).

Each is sent after the change is committed, with `screen_ids` = the screens whose output may change.
"""

from blinker import Namespace

_signals = Namespace()

#: sender: the app; kwargs: screen_ids (list[int]) — a screen was created, edited, moved or retired.
screens_changed = _signals.signal("screens-changed")
#: sender: the app; kwargs: group_id (int), screen_ids (list[int]) — group membership or rule changed.
screen_group_changed = _signals.signal("screen-group-changed")

#: sender: the app; kwargs: item_type ("slide" | "media" | "ticker"), item_id (int) — what screens show for
#: this item changed (approved, new on-air version, replaced media, deleted, re-rendered).
content_changed = _signals.signal("content-changed")

# Alerts (sent by `alerts.service` after the commit and the publish of what each screen shows). Plain data only,
# so a subscriber (the SMS package) needs nothing from `alerts`:
#   alert_id (int); level ("emergency" | "announcement" | "correction"); severity ("extreme" | "severe" |
#   "moderate"); messages (dict[str, str]: language code → text, "vi" always present);
#   region_ids (list[int]: the regions whose people the alert is for — its chosen SMS regions, else its target
#     regions and the regions of the screens it reaches, else its owner region; what an SMS should reach);
#   owner_region_id (int); send_sms (bool: the alert goes out by SMS too — the operator's tick box, or the CAP
#     rules); expires_at (str | None: ISO 8601 time it ends by itself); user_id (int | None: who raised it; None
#     for CAP).

#: sender: the app; kwargs: as above — a new alert is on air (raised, or approved / confirmed by a second person).
alert_raised = _signals.signal("alert-raised")
#: sender: the app; kwargs: as above plus replaces (list[int]) — a new alert is on air in place of these
#: (ended in the same commit; no `alert_cancelled` is sent for them).
alert_updated = _signals.signal("alert-updated")
#: sender: the app; kwargs: alert_id (int), user_id (int | None), reason ("cancelled" | "expired") — the alert
#: left the air, nothing replaces it. A receiver may answer with a dict of what it did (the SMS package:
#: {"sms_stopped": n, "sms_sent": n}), which the canceller is shown.
alert_cancelled = _signals.signal("alert-cancelled")

#: sender: the app; kwargs: screen_ids (list[int]) — what the players' alert poll answers for these screens changed
#: (sent by `alerts.service.publish` and `players.commands.publish` after their Redis writes, the publish lock
#: released; players push the new answers to the screens' players).
alert_answers_published = _signals.signal("alert-answers-published")

#: sender: the app; no kwargs — `flask worker` is about to take jobs: plan periodic jobs (idempotently).
worker_starting = _signals.signal("worker-starting")

#: sender: the app; kwargs: item_type ("slide" | "media" | "ticker"), item_id (int). A question, not a
#: notice: each receiver returns True when the item is on air now or scheduled later (scheduling answers).
#: Content asks it before deleting an item and refuses when any receiver says yes; it never imports the
#: layers above it to find out.
item_in_use_query = _signals.signal("item-in-use-query")


def item_in_use(sender, item_type: str, item_id: int) -> bool:
    """True when any receiver of `item_in_use_query` says the item is on air or scheduled."""
    return any(answer for _, answer in item_in_use_query.send(sender, item_type=item_type, item_id=item_id))
