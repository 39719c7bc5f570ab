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

#: sender: the app; no kwargs — `flask worker` is about to take jobs: plan periodic jobs (idempotently).
worker_starting = _signals.signal("worker-starting")
