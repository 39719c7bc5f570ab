"""Load the demo province (../shared/data/demo-region.json): idempotent, safe to run again."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from sqlalchemy import select

from signage.extensions import db
from signage.models import Region, Role, Screen, User
from signage.regions import create_region

#: Demo accounts: (username, role, region code, display name). Password = DEMO_PASSWORD.
DEMO_PASSWORD = "demo-2026"
DEMO_USERS = (
    ("admin", Role.ADMIN, "BT", "Quản trị Sở"),
    ("approver", Role.APPROVER, "BT", "Lãnh đạo Sở (duyệt)"),
    ("operator", Role.OPERATOR, "BT", "Biên tập viên tỉnh"),
    ("phanthiet", Role.OPERATOR, "BT-PT", "Trung tâm VH-TT-TT Phan Thiết"),
    ("hamtan", Role.OPERATOR, "BT-HT", "Trung tâm VH-TT-TT Hàm Tân"),
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def load_demo(path: Path) -> dict[str, int]:
    """Create what is missing from the demo file; never duplicates. Returns counts of what was created."""
    data = json.loads(path.read_text(encoding="utf-8"))
    created = {"regions": 0, "screens": 0, "users": 0}
    by_code: dict[str, Region] = {r.code: r for r in db.session.scalars(select(Region))}
    for item in data["regions"]:
        if item["code"] in by_code:
            continue
        parent = by_code[item["parent"]] if item["parent"] else None
        by_code[item["code"]] = create_region(item["code"], nfc(item["name"]), parent)
        created["regions"] += 1
    for item in data["screens"]:
        region = by_code[item["region"]]
        name = nfc(item["name"])
        if db.session.scalar(select(Screen.id).where(Screen.region_id == region.id, Screen.name == name)):
            continue
        width, height = item["width"], item["height"]
        db.session.add(
            Screen(
                name=name, region_id=region.id, kind=item["kind"], width=width, height=height,
                orientation="portrait" if height > width else "landscape",
                languages=item["languages"], tags=item["tags"], poll_interval=30,
            )
        )
        created["screens"] += 1
    for username, role, code, display in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        user = User(username=username, role=role.value, region_id=by_code[code].id, display_name=display)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created["users"] += 1
    db.session.commit()
    return created
