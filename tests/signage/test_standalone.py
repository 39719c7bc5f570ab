"""The repository stands alone: a copy of its tracked files, with nothing beside it, migrates and loads the
demo province; no tracked file names a path outside the repository; other provinces load from a file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from signage.config import DEFAULT_DEMO_DATA, PROJECT_ROOT


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, check=True, capture_output=True).stdout
    return [name for name in out.decode().split("\0") if name and (PROJECT_ROOT / name).is_file()]


@pytest.mark.slow
def test_a_copy_of_the_tracked_files_alone_migrates_and_loads_the_demo(tmp_path, redis_url):
    # <tmp>/lonely/repo: the copy's parent holds nothing else, so reading a sibling folder would fail here
    repo = tmp_path / "lonely" / "repo"
    for name in tracked_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, repo / name)
    env = {k: v for k, v in os.environ.items() if k not in ("DEMO_DATA", "DATABASE_URL", "MEDIA_ROOT")}
    env.update(FLASK_APP="wsgi", REDIS_URL=redis_url, SIGNAGE_INSTANCE=str(repo / "instance"), PYTHONPATH=str(repo))
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade", "heads"], ["demo", "load"]):
        result = subprocess.run(flask + command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert "8 screens created" in result.stdout
    assert sorted(p.name for p in (tmp_path / "lonely").iterdir()) == ["repo"]


def test_no_tracked_file_names_a_path_outside_the_repository():
    outside = re.compile(r"\.\./shared|parent\s*/\s*[\"']shared[\"']|/work/shared")
    offenders = [
        name for name in tracked_files()
        if not name.endswith(".md") and name != "tests/signage/test_standalone.py"
        and outside.search((PROJECT_ROOT / name).read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


def test_the_demo_province_ships_inside_the_repository():
    assert str(DEFAULT_DEMO_DATA.relative_to(PROJECT_ROOT)) in tracked_files()


def test_another_province_loads_from_a_file_given_on_the_command_line(app, tmp_path):
    province = {
        "regions": [{"code": "LD", "name": "Tỉnh Lâm Đồng", "parent": None},
                    {"code": "LD-DL", "name": "Phường Xuân Hương - Đà Lạt", "parent": "LD"}],
        "screens": [{"name": "Quảng trường Lâm Viên", "region": "LD-DL", "kind": "led", "width": 1920,
                     "height": 1080, "languages": ["vi", "en"]}],
    }
    path = tmp_path / "lam-dong.json"
    path.write_text(json.dumps(province, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["demo", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 regions created, 1 screens created" in result.output
    from sqlalchemy import select

    from signage.extensions import db
    from signage.models import Region, User

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert db.session.get(Region, admin.region_id).code == "LD"
        assert db.session.scalar(select(User).where(User.username == "hamtan")) is None


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not a UTF-8 JSON file"),
    ('{"regions": []}', 'needs a non-empty "regions" list'),
    ('{"regions": [{"code": "A", "name": "A", "parent": "Z"}]}', "which is not listed before it"),
    ('{"regions": [{"code": "A", "name": "A", "parent": null}], "screens": [{"name": "S", "region": "B", '
     '"kind": "led", "width": 10, "height": 10, "languages": ["vi"]}]}', "unknown region 'B'"),
])
def test_a_malformed_province_file_is_refused_with_a_clear_message_and_nothing_written(app, tmp_path, content,
                                                                                        message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["demo", "load", str(path)])
    assert result.exit_code != 0 and message in result.output
    from sqlalchemy import func, select

    from signage.extensions import db
    from signage.models import Region

    with app.app_context():
        assert db.session.scalar(select(func.count(Region.id))) == 0


def test_a_missing_province_file_is_named(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["demo", "load", str(tmp_path / "nowhere.json")])
    assert result.exit_code != 0 and "Province file not found" in result.output
