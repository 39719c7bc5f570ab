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


# ---------------------------------------------------------------- the one-person-centre exception (four eyes)


def _district_admin(demo):
    from signage.models import Role, User

    user = User(username="admin-pt", role=Role.ADMIN.value, region_id=demo["BT-PT"].id, display_name="Admin PT")
    user.set_password("demo-2026")
    db.session.add(user)
    db.session.commit()
    return user


def _form(region, **extra):
    return {"code": region.code, "name": region.name, "parent_id": region.parent_id, **extra}


def test_self_approval_is_off_for_every_region_by_default(demo):
    assert not any(region.allow_self_approval for region in demo.values())


def test_an_admin_above_a_district_turns_its_self_approval_on(login, demo):
    admin = login("admin")
    region = demo["BT-PT"]
    assert 'name="allow_self_approval"' in admin.get(f"/regions/{region.id}/edit").get_data(as_text=True)
    response = admin.post_form(f"/regions/{region.id}/edit", _form(region, allow_self_approval="y"))
    assert response.status_code == 302
    db.session.refresh(region)
    assert region.allow_self_approval is True


def test_a_non_admin_cannot_turn_it_on_with_a_tampered_form(login, demo):
    approver = login("approver")
    region = demo["BT-PT"]
    token_page = "/approvals/"  # any signed-in page carries a CSRF token; the edit page itself is refused
    response = approver.post_form(f"/regions/{region.id}/edit", _form(region, allow_self_approval="y"),
                                  token_from=token_page)
    assert response.status_code == 403
    db.session.refresh(region)
    assert region.allow_self_approval is False


def test_a_regions_own_admin_cannot_grant_it_to_themselves(login, demo):
    _district_admin(demo)
    admin = login("admin-pt")
    region = demo["BT-PT"]
    assert 'name="allow_self_approval"' not in admin.get(f"/regions/{region.id}/edit").get_data(as_text=True)
    response = admin.post_form(f"/regions/{region.id}/edit", _form(region, allow_self_approval="y"))
    assert response.status_code == 302  # the rest of the form is saved; the posted flag is ignored
    db.session.refresh(region)
    assert region.allow_self_approval is False
