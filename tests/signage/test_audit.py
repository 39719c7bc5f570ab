"""Every operator change lands in the audit log with who, what, before and after."""

from sqlalchemy import select

from signage.extensions import db
from signage.models import AuditLog, Screen


def test_screen_edit_is_audited_with_before_and_after(login, demo):
    c = login("phanthiet")
    screen = db.session.scalar(select(Screen).where(Screen.name == "Chợ Phan Thiết"))
    data = {"name": "Chợ Phan Thiết (cổng chính)", "region_id": screen.region_id, "kind": "ticker",
            "width": 384, "height": 64, "orientation": "landscape", "languages": ["vi"], "tags": "market",
            "poll_interval": 30}
    assert c.post_form(f"/screens/{screen.id}/edit", data).status_code == 302
    row = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "Screen", AuditLog.action == "update").order_by(AuditLog.id.desc())
    )
    assert row.username == "phanthiet"
    assert row.before["name"] == "Chợ Phan Thiết"
    assert row.after["name"] == "Chợ Phan Thiết (cổng chính)"


def test_admin_sees_the_change_in_the_audit_page(login, demo):
    login("phanthiet").post_form(
        "/screens/new",
        {"name": "Cổng Lầu Ông Hoàng", "region_id": demo["BT-PT"].id, "kind": "lcd", "width": 1920,
         "height": 1080, "orientation": "landscape", "languages": ["vi"], "poll_interval": 30},
    )
    page = login("admin").get("/audit/").get_data(as_text=True)
    assert "Cổng Lầu Ông Hoàng" in page and "phanthiet" in page


def test_password_hashes_never_reach_the_audit_log(demo):
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "User")).all()
    assert rows and all("password_hash" not in (r.after or {}) for r in rows)


def test_a_rolled_back_change_leaves_no_audit_row(demo):
    count = len(db.session.scalars(select(AuditLog)).all())
    screen = db.session.scalar(select(Screen))
    screen.name = "tạm"
    db.session.flush()
    db.session.rollback()
    assert len(db.session.scalars(select(AuditLog)).all()) == count


def test_a_district_admin_sees_only_their_districts_changes(login, demo, app):
    from signage.models import Role, User

    admin = User(username="admin-ht", role=Role.ADMIN.value, region_id=demo["BT-HT"].id)
    admin.set_password("demo-2026")
    db.session.add(admin)
    db.session.commit()
    login("phanthiet").post_form(
        "/screens/new",
        {"name": "Cổng Lầu Ông Hoàng", "region_id": demo["BT-PT"].id, "kind": "lcd", "width": 1920,
         "height": 1080, "orientation": "landscape", "languages": ["vi"], "poll_interval": 30},
    )
    page = login("admin-ht").get("/audit/").get_data(as_text=True)
    assert "Cổng Lầu Ông Hoàng" not in page
    assert "Tỉnh Bình Thuận" not in page.split("<tbody>")[1]
