"""Fixtures of the reports tests: the demo province, and helpers that write raw rows as players, QR codes
and the SMS gateway would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ids = itertools.count(1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def screens(demo) -> dict[str, Screen]:
    """The demo province's screens by region code of their district (BT-PT has seven, BT-HT one)."""
    by_code: dict[str, list[Screen]] = {}
    for screen in db.session.scalars(select(Screen).order_by(Screen.id)):
        code = screen.region.code if screen.region.parent.parent_id is None else screen.region.parent.code
        by_code.setdefault(code, []).append(screen)
    return by_code


def play(screen_id: int, at: datetime, seconds: float = 10.0, *, item=("slide", 1), entry=None,
         received: datetime | None = None):
    from players.models import PlayRecord

    row = PlayRecord(screen_id=screen_id, client_id=f"t-{next(_ids)}", item_type=item[0], item_id=item[1],
                     entry_id=entry, started_at=at.astimezone(UTC), duration_s=seconds, name=f"{item[0]} {item[1]}",
                     received_at=(received or at).astimezone(UTC))
    db.session.add(row)
    return row


def scan(screen_id: int | None, slide_id: int, at: datetime):
    from content.models import QrScan

    db.session.add(QrScan(screen_id=screen_id, slide_id=slide_id, at=at.astimezone(UTC), target_url="https://x.vn"))
