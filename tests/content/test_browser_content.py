"""In real headless Chromium against gunicorn: an operator uploads a photo by the drag-and-drop
uploader (XHR with progress), sees a refused SVG explained, composes a bilingual slide with a QR code
while the live preview follows size and language, and submits it; the approver approves it; a ticker's
markup shows as text."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.conftest import browser_sign_in
from tests.content.conftest import make_photo

pytestmark = pytest.mark.browser

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _preview_size(page) -> tuple[int, int]:
    data = page.evaluate("""async () => {
        const img = document.getElementById('preview-image');
        const blob = await (await fetch(img.src)).blob();
        const bytes = new Uint8Array(await blob.arrayBuffer());
        return Array.from(bytes);
    }""")
    with Image.open(io.BytesIO(bytes(data))) as img:
        return img.size


def test_upload_compose_preview_and_approve_in_chromium(page, controller, demo):
    base = controller.url
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_sign_in(page, base, "phanthiet")

    page.goto(f"{base}/content/media/")
    page.set_input_files("#files", [
        {"name": "mui-ne.jpg", "mimeType": "image/jpeg", "buffer": make_photo(2400, 1600)},
        {"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": SVG},
    ])
    page.wait_for_selector("#upload-results[data-finished='1']")
    rows = page.locator("#upload-results li")
    assert rows.count() == 2
    ok = page.locator("#upload-results li[data-status=ok]")
    refused = page.locator("#upload-results li[data-status=rejected]")
    assert "mui-ne.jpg" in ok.inner_text() and ok.locator("progress").get_attribute("value") == "100"
    assert "logo.svg" in refused.inner_text() and "SVG" in refused.inner_text()
    page.reload()
    assert "mui-ne.jpg" in page.locator("#media-list").inner_text()
    assert "logo.svg" not in page.locator("#media-list").inner_text()

    # drag and drop: a file dropped on the zone is uploaded the same way (and its tile added in place)
    encoded = base64.b64encode(make_photo(800, 600, fmt="PNG")).decode()
    transfer = page.evaluate_handle("""(b64) => {
        const dt = new DataTransfer();
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        dt.items.add(new File([bytes], 'ke-ga.png', {type: 'image/png'}));
        return dt; }""", encoded)
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    page.locator("#media-list .media-name", has_text="ke-ga.png").wait_for()

    page.goto(f"{base}/content/slides/new")
    page.fill("input[name=name]", "Đồi cát Mũi Né")
    page.select_option("select[name=template]", "image_caption")
    page.select_option("select[name=media_id]", label="mui-ne.jpg")
    page.fill("input[name=qr_url]", "https://dulich.binhthuan.gov.vn/mui-ne")
    page.fill("input[name=title_vi]", "Đồi cát Mũi Né")
    page.fill("input[name=caption_vi]", "Bình minh trên đồi cát đỏ")
    page.fill("input[name=title_en]", "Mũi Né sand dunes")
    page.fill("input[name=caption_en]", "Sunrise over the red dunes")
    page.wait_for_function("() => document.getElementById('preview-image').dataset.size === '1920x1080'")
    assert _preview_size(page) == (1920, 1080)
    page.select_option("#preview_size", "1080x1920")
    page.select_option("#preview_lang", "en")
    page.wait_for_function("""() => { const i = document.getElementById('preview-image');
        return i.dataset.size === '1080x1920' && i.dataset.lang === 'en' && i.complete; }""")
    assert _preview_size(page) == (1080, 1920)
    page.screenshot(path="test-artifacts/content-composer-preview.png", full_page=True)

    page.click("#save-slide")
    page.wait_for_selector("text=Đã lưu trang dưới dạng bản nháp.")
    slide_url = page.url
    page.click("#submit-for-approval")
    page.wait_for_selector("text=Đã gửi duyệt.")

    page.click("text=Đăng xuất")
    browser_sign_in(page, base, "approver")
    page.goto(f"{base}/approvals/")
    page.click("#approval-queue >> text=Đồi cát Mũi Né")
    page.wait_for_url(slide_url)
    page.click("#approve")
    page.wait_for_selector("text=Đã duyệt: phiên bản này đang được phát.")
    assert "Đang phát: phiên bản 1" in page.locator("#workflow").inner_text()

    page.goto(f"{base}/content/tickers/new")
    page.fill("textarea[name=text_vi]", '<script>window.pwned = 1</script><b>Chào</b>')
    page.fill("input[name=name]", "Chạy chữ thử")
    page.click("#ticker-form button[type=submit]")
    page.wait_for_selector(".ticker-preview")
    assert page.locator(".ticker-preview").first.inner_text() == '<script>window.pwned = 1</script><b>Chào</b>'
    assert page.evaluate("window.pwned") is None
    assert dialogs == []
