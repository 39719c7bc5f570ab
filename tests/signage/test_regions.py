"""Regions form a tree of any depth; moves keep subtrees intact and cycles are refused."""

import pytest

from signage.extensions import db
from signage.regions import RegionError, create_region, move_region, subtree_ids


def test_tree_of_any_depth(demo):
    a = create_region("X1", "Cấp 4", demo["BT-PT-MN"])
    b = create_region("X2", "Cấp 5", a)
    db.session.commit()
    assert b.depth == 4
    assert demo["BT"].contains(b) and not demo["BT-HT"].contains(b)


def test_moving_a_district_moves_its_communes(demo):
    move_region(demo["BT-PT"], demo["BT-HT"])
    db.session.commit()
    mui_ne = db.session.get(type(demo["BT"]), demo["BT-PT-MN"].id)
    assert demo["BT-HT"].contains(mui_ne)
    assert mui_ne.id in subtree_ids(demo["BT-HT"])


def test_moving_a_region_under_its_own_descendant_is_a_cycle(demo):
    with pytest.raises(RegionError, match="cycle"):
        move_region(demo["BT-PT"], demo["BT-PT-MN"])


def test_cycle_through_the_ui_is_refused_and_nothing_changes(login, demo):
    c = login("admin")
    region = demo["BT-PT"]
    response = c.post_form(f"/regions/{region.id}/edit",
                           {"code": "BT-PT", "name": region.name, "parent_id": demo["BT-PT-MN"].id})
    assert response.status_code == 409
    db.session.refresh(region)
    assert region.parent_id == demo["BT"].id


def test_duplicate_region_code_is_refused(demo):
    with pytest.raises(RegionError):
        create_region("BT-PT", "Trùng", demo["BT"])
