"""Settings of scheduling: none yet (schedules follow SIGNAGE_TIMEZONE, a core setting)."""

SETTINGS = ()
