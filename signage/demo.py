"""Load a province from a JSON file (by default the bundled demo, `signage/demo_data/binh-thuan.json`).

Idempotent: running it again creates only what is missing. The file format is documented in the README
("Loading a province"); a malformed file is refused with a message naming the problem before anything is
written."""

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


class ProvinceFileError(ValueError):
    """The province file cannot be loaded; the message names the file and the problem."""


def read_province(path: Path) -> dict:
    """Read and check a province file before anything is written (format: README, "Loading a province")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProvinceFileError(f"Province file not found: {path} (give a path or set DEMO_DATA).") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProvinceFileError(f"{path} is not a UTF-8 JSON file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("regions"), list) or not data["regions"]:
        raise ProvinceFileError(f"{path}: needs a non-empty \"regions\" list.")
    codes: set[str] = set()
    for number, item in enumerate(data["regions"], 1):
        if not isinstance(item, dict) or not item.get("code") or not item.get("name") or "parent" not in item:
            raise ProvinceFileError(f"{path}: region {number} needs \"code\", \"name\" and \"parent\".")
        if item["parent"] and item["parent"] not in codes:
            raise ProvinceFileError(f"{path}: region {item['code']!r} names parent {item['parent']!r}, "
                                    "which is not listed before it.")
        codes.add(item["code"])
    for number, item in enumerate(data.get("screens") or [], 1):
        missing = [k for k in ("name", "region", "kind", "width", "height", "languages") if k not in item]
        if missing:
            raise ProvinceFileError(f"{path}: screen {number} lacks {', '.join(missing)}.")
        known = item["region"] in codes or db.session.scalar(select(Region.id).where(Region.code == item["region"]))
        if not known:
            raise ProvinceFileError(f"{path}: screen {item['name']!r} is in unknown region {item['region']!r}.")
        if not (isinstance(item["width"], int) and isinstance(item["height"], int)
                and 0 < item["width"] <= 16384 and 0 < item["height"] <= 16384):
            raise ProvinceFileError(f"{path}: screen {item['name']!r} needs a width and height in pixels.")
    return data


def load_demo(source: Path | dict) -> dict[str, int]:
    """Create what is missing from the province (a path or data from `read_province`); never duplicates.
    Returns counts of what was created."""
    data = read_province(source) if isinstance(source, (str, Path)) else source
    created = {"regions": 0, "screens": 0, "users": 0}
    by_code: dict[str, Region] = {r.code: r for r in db.session.scalars(select(Region))}
    for item in data["regions"]:
        if item["code"] in by_code:
            continue
        parent = by_code[item["parent"]] if item["parent"] else None
        by_code[item["code"]] = create_region(item["code"], nfc(item["name"]), parent)
        created["regions"] += 1
    for item in data.get("screens") or []:
        region = by_code[item["region"]]
        name = nfc(item["name"])
        if db.session.scalar(select(Screen.id).where(Screen.region_id == region.id, Screen.name == name)):
            continue
        width, height = item["width"], item["height"]
        db.session.add(
            Screen(
                name=name, region_id=region.id, kind=item["kind"], width=width, height=height,
                orientation="portrait" if height > width else "landscape",
                languages=item["languages"], tags=item.get("tags", []), poll_interval=30,
            )
        )
        created["screens"] += 1
    for username, role, code, display in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        region = by_code.get(code)
        if region is None:  # another province's file: province-wide accounts get its root, district ones none
            if code != DEMO_USERS[0][2]:
                continue
            region = by_code[data["regions"][0]["code"]]
        user = User(username=username, role=role.value, region_id=region.id, display_name=display)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created["users"] += 1
    db.session.commit()
    return created
