"""Fixtures for the alert tests: paired players (shared with tests/player) and the SMS package's contacts and
outbox gateway (an alert may text people)."""

from tests.player.conftest import paired  # noqa: F401
from tests.sms.conftest import make_contact, outbox_app, sms_sync  # noqa: F401
