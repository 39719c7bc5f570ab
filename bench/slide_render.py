"""Slide rendering: Pillow (this project) against HTML in headless Chromium + screenshot (what most
signage products do), the same 1920×1080 slide (photo, title, body, QR code) measured in one run.

    .venv/bin/python bench/slide_render.py [--runs 30]

Prints the median (and p90) time per slide for both routes, JPEG output included, and the ratio.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

from content import fonts, renderer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
TITLE = "Đồi cát Mũi Né — Bàu Trắng"
BODY = ("Biển xanh, cát trắng, nắng vàng quanh năm. Khám phá Mũi Né, Bàu Trắng, Kê Gà, Phú Quý — "
        "quét mã QR để xem lịch Tuần lễ Văn hóa – Du lịch.")
QR_URL = "http://127.0.0.1:8000/q/2f-8-0a1b2c3d"
BOX = (1152, 1080)  # the image_caption template's photo box on a 1920×1080 canvas


def make_photo(path: Path) -> None:
    """A 4000×2667 'camera' JPEG with detail, so decoding and scaling cost what a real photo costs."""
    img = Image.effect_noise((4000, 2667), 60).convert("RGB")
    draw = ImageDraw.Draw(img, "RGBA")
    draw.rectangle((0, 1200, 4000, 1800), fill=(20, 90, 160, 160))
    draw.rectangle((0, 1800, 4000, 2667), fill=(230, 200, 140, 180))
    img.save(path, "JPEG", quality=90)


def spec() -> dict:
    return {"template": "image_caption", "width": 1920, "height": 1080, "lang": "vi", "title": TITLE, "body": "",
            "caption": BODY, "image": {"sha256": "bench", "ext": "jpg"}, "qr": QR_URL}


def pillow_once(photo: Path, n: int = 0) -> bytes:
    # a new QR link each time, so the per-link QR cache never helps
    return renderer.to_jpeg(renderer.render(dict(spec(), qr=f"{QR_URL}{n}"), photo).image)


def html_for(photo_uri: str, font_regular: str, font_bold: str) -> str:
    import qrcode

    qr = qrcode.make(QR_URL, box_size=8, border=4)
    buffer = io.BytesIO()
    qr.save(buffer, "PNG")
    qr_uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@font-face{{font-family:S;src:url("file://{font_regular}")}}
@font-face{{font-family:S;font-weight:700;src:url("file://{font_bold}")}}
html,body{{margin:0;width:1920px;height:1080px;overflow:hidden;background:#102a43;font-family:S,sans-serif;color:#fff}}
.img{{position:absolute;left:0;top:0;width:1152px;height:1080px;background:url("{photo_uri}") center/cover}}
.panel{{position:absolute;left:1206px;top:54px;width:660px;height:972px;display:flex;flex-direction:column}}
h1{{font-size:86px;line-height:1.12;margin:0 0 40px;font-weight:700}}
p{{font-size:54px;line-height:1.12;margin:0;flex:1}}
.qr{{align-self:flex-end;width:296px;height:296px;image-rendering:pixelated}}
</style></head><body><div class="img"></div><div class="panel"><h1>{TITLE}</h1><p>{BODY}</p>
<img class="qr" src="{qr_uri}"></div></body></html>"""


def chromium_times(photo: Path, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    regular, bold = fonts.font_for(BODY, "vi"), fonts.font_for(TITLE, "vi", bold=True)
    photo_uri = "file://" + str(photo)
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        with tempfile.TemporaryDirectory() as tmp:
            html_path = Path(tmp) / "slide.html"
            for i in range(runs + 2):
                start = time.perf_counter()
                html_path.write_text(html_for(photo_uri, regular, bold), encoding="utf-8")
                page.goto("file://" + str(html_path), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                page.screenshot(type="jpeg", quality=88)
                if i >= 2:  # first loads warm the browser caches, as the Pillow warm-up does
                    times.append(time.perf_counter() - start)
        browser.close()
    return times


def pillow_times(photo: Path, runs: int) -> list[float]:
    for n in range(2):
        pillow_once(photo, -1 - n)
    times = []
    for n in range(runs):
        start = time.perf_counter()
        pillow_once(photo, n)
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
    return f"median {statistics.median(times) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   (n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "mui-ne.jpg"
        make_photo(photo)
        photo_size = photo.stat().st_size
        # once per photo and image-box size (made by the render job, kept, reused by every language,
        # screen and later edit): the photo cover-fitted to the box. Both routes render from it.
        start = time.perf_counter()
        fitted = renderer.cover_fit(photo, BOX)
        source = Path(tmp) / "source.jpg"
        fitted.save(source, "JPEG", quality=92)
        prepare_ms = (time.perf_counter() - start) * 1000
        pil = pillow_times(source, args.runs)
        chrome = chromium_times(source, max(10, args.runs // 2))
    print(f"1920×1080 slide: photo ({photo_size / 1e6:.1f} MB 4000×2667 camera JPEG, prepared once as a "
          f"{BOX[0]}×{BOX[1]} JPEG), Vietnamese title and caption, QR code (new link each run); JPEG out")
    print(f"  one-off photo preparation per image-box size: {prepare_ms:.0f} ms")
    print(f"  Pillow renderer        {summary(pil)}")
    print(f"  Chromium + screenshot  {summary(chrome)}")
    print(f"  ratio (Chromium / Pillow, medians): {statistics.median(chrome) / statistics.median(pil):.1f}×")


if __name__ == "__main__":
    main()
