"""Names of the incident causes and statuses in the UI and the emails (lazy: translated where shown)."""

from flask_babel import lazy_gettext as _l

CAUSE_LABELS = {
    "offline": _l("Offline"),
    "stale": _l("Old programme"),
    "black": _l("Playing nothing"),
    "asset_errors": _l("Asset errors"),
    "storage_low": _l("Storage low"),
    "clock_drift": _l("Clock drift"),
}
STATUS_LABELS = {"open": _l("Open"), "acknowledged": _l("Acknowledged"), "closed": _l("Closed")}
