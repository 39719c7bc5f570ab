"""The issue's done-when, in real headless Chromium against gunicorn: a district operator signs in, sees
only the district's screens, adds one; an admin sees the change in the audit log."""

import pytest

from tests.conftest import browser_sign_in

pytestmark = pytest.mark.browser


def test_district_operator_adds_a_screen_and_admin_sees_it_in_the_audit_log(page, controller, demo):
    base = controller.url
    browser_sign_in(page, base, "phanthiet")
    page.click("nav.mainnav summary >> text=Màn hình & lịch phát")  # the group's menu opens
    page.locator("nav.mainnav").get_by_role("link", name="Màn hình", exact=True).click()
    rows = page.locator("#screens tbody tr")
    names = rows.locator("td:first-child").all_inner_texts()
    assert "Chợ Phan Thiết" in names
    assert "Trung tâm thị trấn Tân Nghĩa" not in names  # Hàm Tân is another district

    page.click("text=Thêm màn hình")
    page.fill("input[name=name]", "Bến du thuyền Mũi Né")
    page.select_option("select[name=region_id]", label="— — Phường Mũi Né")
    page.select_option("select[name=kind]", "led")
    page.fill("input[name=width]", "1280")
    page.fill("input[name=height]", "720")
    page.select_option("select[name=languages]", ["vi", "en", "ru"])
    page.fill("input[name=tags]", "tourist, harbour")
    page.click("button[type=submit].primary")
    page.wait_for_selector("text=Đã thêm màn hình.")  # on the new screen's own page
    assert "Bến du thuyền Mũi Né" in page.locator("h1").inner_text()
    page.goto(f"{base}/screens/")
    assert "Bến du thuyền Mũi Né" in page.locator("#screens").inner_text()
    page.screenshot(path="test-artifacts/foundation-screens-phanthiet.png", full_page=True)

    page.click("text=Đăng xuất")
    browser_sign_in(page, base, "admin")
    page.click("nav.mainnav summary >> text=Báo cáo & quản trị")
    page.click("nav.mainnav >> text=Nhật ký thay đổi")
    audit = page.locator("#audit").inner_text()
    assert "phanthiet" in audit and "Bến du thuyền Mũi Né" in audit
    page.screenshot(path="test-artifacts/foundation-audit-admin.png", full_page=True)


def test_operator_ui_fits_a_phone(chromium, controller, demo):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN")
    page = context.new_page()
    browser_sign_in(page, controller.url, "phanthiet")
    page.goto(f"{controller.url}/screens/")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path="test-artifacts/foundation-phone.png", full_page=True)
    context.close()
    assert width <= 390
