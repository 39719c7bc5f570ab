"""Screen groups: static lists and dynamic rules, resolved inside the owner's region."""

from sqlalchemy import select

from signage.extensions import db
from signage.models import Screen, ScreenGroup
from signage.screens_service import resolve_group


def _names(screens):
    return sorted(s.name for s in screens)


def test_dynamic_group_by_tag_follows_new_screens(demo):
    group = ScreenGroup(name="Du lịch", region_id=demo["BT"].id, dynamic=True, rule_tags=["tourist"])
    db.session.add(group)
    db.session.commit()
    before = _names(resolve_group(group))
    db.session.add(Screen(name="Hòn Rơm", region_id=demo["BT-PT-MN"].id, tags=["tourist"]))
    db.session.commit()
    assert "Hòn Rơm" not in before
    assert "Hòn Rơm" in _names(resolve_group(group))


def test_dynamic_group_never_reaches_outside_its_owner_region(demo):
    group = ScreenGroup(name="Lấn", region_id=demo["BT-HT"].id, dynamic=True, rule_tags=[],
                        rule_region_id=demo["BT-PT"].id)
    db.session.add(group)
    db.session.commit()
    assert _names(resolve_group(group)) == ["Trung tâm thị trấn Tân Nghĩa"]


def test_static_group_skips_retired_screens(demo):
    from signage.timeutil import utcnow

    screens = list(db.session.scalars(select(Screen).where(Screen.region_id == demo["BT-PT"].id)))
    group = ScreenGroup(name="Cố định", region_id=demo["BT-PT"].id, members=screens[:2])
    db.session.add(group)
    screens[0].retired_at = utcnow()
    db.session.commit()
    assert _names(resolve_group(group)) == [screens[1].name]


def test_group_form_creates_a_static_group(login, demo):
    c = login("phanthiet")
    ids = [s.id for s in db.session.scalars(select(Screen).where(Screen.region_id == demo["BT-PT"].id))][:2]
    response = c.post_form("/groups/new", {"name": "Bến xe & chợ", "region_id": demo["BT-PT"].id,
                                           "members": ids, "rule_tags": "", "rule_region_id": 0})
    assert response.status_code == 302
    group = db.session.scalar(select(ScreenGroup).where(ScreenGroup.name == "Bến xe & chợ"))
    assert sorted(s.id for s in group.members) == sorted(ids)
