"""The Pillow slide renderer: a spec (plain data) in, an image out. No database, no Flask.

Text is wrapped and shrunk until it fits its box (words too long for a line are broken between
characters, which is also how CJK text wraps), so it never overflows or clips. Fonts come from
`content.fonts` per text, so Vietnamese diacritics, Cyrillic, Chinese and Korean each get a font that
has their glyphs. Every drawn text's ink box is reported so tests can check it lies inside the canvas.

Emoji are drawn in colour (`content.fonts.runs`): each emoji run is drawn from the colour font at its one
bitmap size and scaled to the text's size (`EMOJI_EM` tall), on the line like a glyph, inside the same box.

A spec's `mark` ({text, colour}, the slide's theme) is drawn as a badge in the theme's colour at the top
right, in space taken from the title's box (never over the title or the QR code). Running-text strips and
tiny screens (`_is_strip`) leave it out: their one line is the message, and a badge beside it would shrink
the message or be too small to read.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

from content import fonts

Box = tuple[int, int, int, int]

THEMES = {
    "title_body": {"bg": (11, 61, 110), "fg": (255, 255, 255), "accent": (255, 196, 0)},
    "image_caption": {"bg": (16, 42, 67), "fg": (255, 255, 255), "accent": (255, 196, 0)},
    "fullbleed_qr": {"bg": (0, 0, 0), "fg": (255, 255, 255), "accent": (255, 196, 0)},
    "announcement": {"bg": (255, 248, 231), "fg": (25, 25, 25), "accent": (11, 61, 110), "head_fg": (255, 255, 255)},
    "emergency": {"bg": (176, 0, 0), "fg": (255, 255, 255), "accent": (255, 230, 0)},
}
MIN_QR_MODULE_PX = 2
MARK_MIN_PX = 10  # the theme's name is never drawn smaller than this
EMOJI_EM = 1.0  # an emoji's height in ems of the text around it


@dataclass
class Rendered:
    image: Image.Image
    text_boxes: list[tuple[str, Box]] = field(default_factory=list)
    qr_box: Box | None = None
    mark_box: Box | None = None


@functools.lru_cache(maxsize=256)
def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules for a URL (with quiet zone); the same link is drawn at several sizes and languages."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@functools.lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=1)
def _emoji_font() -> ImageFont.FreeTypeFont | None:
    path = fonts.emoji_font()
    return ImageFont.truetype(path, fonts.EMOJI_PX) if path else None


def _runs(font: ImageFont.FreeTypeFont, text: str) -> list[tuple[bool, str]]:
    return fonts.runs(text, font.path) if _emoji_font() is not None else [(False, text)]


def _emoji_tile(run: str) -> Image.Image:
    """An emoji run drawn in colour at the emoji font's one size, on transparency."""
    ref = _emoji_font()
    _, _, right, bottom = ref.getbbox(run, anchor="la")
    tile = Image.new("RGBA", (max(1, int(right)), max(1, int(bottom))), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((0, 0), run, font=ref, anchor="la", embedded_color=True)
    return tile


@functools.lru_cache(maxsize=1024)
def _emoji_width(run: str) -> float:
    """An emoji run's advance per px of emoji height."""
    ref = _emoji_font()
    return ref.getlength(run) / max(1, ref.getbbox(run, anchor="la")[3])


def _measure(font: ImageFont.FreeTypeFont, text: str) -> float:
    """The advance width of `text`, emoji included."""
    parts = _runs(font, text)
    if len(parts) == 1 and not parts[0][0]:
        return font.getlength(text)
    return sum(_emoji_width(run) * font.size * EMOJI_EM if emoji else font.getlength(run) for emoji, run in parts)


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 1.12) + 1


def _wrap(text: str, measure, width: float) -> list[str]:
    """Greedy word wrap; `measure(token)` gives a token's advance width (words measured once)."""
    space = measure(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, current_w = "", 0.0
        for word in paragraph.split(" "):
            word_w = measure(word)
            if current and current_w + space + word_w <= width:
                current, current_w = f"{current} {word}", current_w + space + word_w
                continue
            if current:
                lines.append(current)
                current, current_w = "", 0.0
            if word_w <= width:
                current, current_w = word, word_w
                continue
            # a word wider than the line (or CJK text without spaces): break between characters
            for char in word:
                char_w = measure(char)
                if current and current_w + char_w > width:
                    lines.append(current)
                    current, current_w = "", 0.0
                current, current_w = current + char, current_w + char_w
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _extent(font: ImageFont.FreeTypeFont, line: str) -> tuple[float, float]:
    """Where a line's ink starts and ends relative to its pen position: glyphs such as "j" or "f" reach
    left of the pen or right of the advance, and that ink must fit the box too."""
    parts = _runs(font, line)
    if len(parts) == 1 and not parts[0][0]:
        left, _, right, _ = font.getbbox(line, anchor="la")
        return min(0.0, left), max(font.getlength(line), right)
    first_emoji, first = parts[0]
    left = 0.0 if first_emoji else font.getbbox(first, anchor="la")[0]
    return min(0.0, left), _measure(font, line) + max(1, font.size // 20)


def _fits(lines: list[str], font: ImageFont.FreeTypeFont, box: Box) -> bool:
    # advance widths plus a small allowance for hinting, and the ink reaching past the advance
    width, height = box[2] - box[0] - max(1, font.size // 20), box[3] - box[1]
    if len(lines) * _line_height(font) > height:
        return False
    for line in lines:
        if line:
            start, end = _extent(font, line)
            if end - start > width:
                return False
    return True


REFERENCE_PX = 100


def fit_text(text: str, box: Box, lang: str, *, bold: bool, max_px: int, min_px: int = 6):
    """The largest font size at which `text` wrapped into `box` fits entirely.

    The binary search scales advance widths measured once at a reference size (widths are nearly
    linear in the size); the chosen size is then verified with real measurements, stepping down if
    hinting made it a pixel too wide.
    """
    path = fonts.font_for(text, lang, bold)
    ref = _font(path, REFERENCE_PX)
    ref_widths: dict[str, float] = {}

    def ref_measure(token: str) -> float:
        if token not in ref_widths:
            ref_widths[token] = _measure(ref, token)
        return ref_widths[token]

    width = box[2] - box[0]
    max_px = max(min_px, min(max_px, box[3] - box[1]))
    lo, hi, found = min_px, max_px, None
    while lo <= hi:
        size = (lo + hi) // 2
        scale = size / REFERENCE_PX
        budget = width - max(1, size // 20) - size * 0.02  # keep a hair of slack for hinting
        lines = _wrap(text, lambda t, k=scale: ref_measure(t) * k, budget)
        if len(lines) * _line_height(_font(path, size)) <= box[3] - box[1]:
            found, lo = size, size + 1
        else:
            hi = size - 1
    size = found or min_px
    while size >= min_px:
        font = _font(path, size)
        lines = _wrap(text, functools.partial(_measure, font), width - max(1, size // 20))
        if _fits(lines, font, box):
            return font, lines
        size -= 1
    # not even the minimum size fits: keep what fits, end with an ellipsis
    font = _font(path, min_px)
    lines = _wrap(text, functools.partial(_measure, font), width)
    keep = max(1, (box[3] - box[1]) // _line_height(font))
    lines = lines[:keep]
    while lines and lines[-1] and _measure(font, lines[-1] + "…") > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1] + "…"
    return font, lines


def draw_text(out: Rendered, name: str, text: str, box: Box, lang: str, colour, *, bold: bool, max_px: int,
              align: str = "left", valign: str = "top") -> Box | None:
    """Draw `text` fitted into `box`; returns (and records) the ink box actually drawn."""
    text = (text or "").strip()
    if not text or box[2] - box[0] < 8 or box[3] - box[1] < 8:
        return None
    font, lines = fit_text(text, box, lang, bold=bold, max_px=max_px)
    return _draw_lines(out, name, font, lines, box, colour, align, valign)


def _draw_lines(out: Rendered, name: str, font: ImageFont.FreeTypeFont, lines: list[str], box: Box, colour,
                align: str, valign: str) -> Box | None:
    draw = ImageDraw.Draw(out.image)
    line_h = _line_height(font)
    block_h = len(lines) * line_h
    y = box[1] + {"top": 0, "middle": (box[3] - box[1] - block_h) // 2, "bottom": box[3] - box[1] - block_h}[valign]
    ink: list[int] | None = None
    for line in lines:
        start, end = _extent(font, line) if line else (0.0, 0.0)
        width = end - start
        x = box[0] - start + {"left": 0, "center": (box[2] - box[0] - width) / 2,
                              "right": box[2] - box[0] - width}[align]
        x = max(box[0] - start, x)  # a line wider than its box (the ellipsis case) starts at the box's left edge
        if line:
            bbox = _draw_line(out.image, draw, (x, y), line, font, colour)
            ink = list(bbox) if ink is None else [min(ink[0], bbox[0]), min(ink[1], bbox[1]),
                                                   max(ink[2], bbox[2]), max(ink[3], bbox[3])]
        y += line_h
    if ink is None:
        return None
    result = (int(ink[0]), int(ink[1]), int(round(ink[2])), int(round(ink[3])))
    out.text_boxes.append((name, result))
    return result


def _draw_line(image: Image.Image, draw: ImageDraw.ImageDraw, at: tuple[float, float], line: str,
               font: ImageFont.FreeTypeFont, colour) -> tuple[float, float, float, float]:
    """Draw one line (text runs with `font`, emoji runs in colour, centred on the text's x-height); its ink box."""
    x, y = at
    parts = _runs(font, line)
    if len(parts) == 1 and not parts[0][0]:
        draw.text((x, y), line, font=font, fill=colour, anchor="la")
        return draw.textbbox((x, y), line, font=font, anchor="la")
    ascent, _ = font.getmetrics()
    ink: list[float] | None = None
    for emoji, run in parts:
        if emoji:
            tile = _emoji_tile(run)
            height = max(1, round(font.size * EMOJI_EM))
            tile = tile.resize((max(1, round(tile.width * height / tile.height)), height), Image.Resampling.LANCZOS)
            top = round(y + ascent - font.size * 0.36 - height / 2)
            image.paste(tile, (round(x), top), tile)
            box = (round(x), top, round(x) + tile.width, top + height)
            x += _emoji_width(run) * height
        else:
            draw.text((x, y), run, font=font, fill=colour, anchor="la")
            box = draw.textbbox((x, y), run, font=font, anchor="la")
            x += font.getlength(run)
        ink = list(box) if ink is None else [min(ink[0], box[0]), min(ink[1], box[1]), max(ink[2], box[2]),
                                             max(ink[3], box[3])]
    return tuple(ink)


def _rgb(colour: str) -> tuple[int, int, int]:
    try:
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
    except (TypeError, ValueError):
        return 11, 107, 203


def draw_mark(out: Rendered, mark: dict | None, lang: str, right: int, top: int, height: int,
              max_w: int) -> Box | None:
    """The theme's mark: a badge `height` px tall and at most `max_w` wide in the theme's colour, the name
    fitted inside (never under MARK_MIN_PX; too long a name ends with an ellipsis), its top-right corner
    at (right, top). Returns (and records) the badge's box; None when there is no mark or no room."""
    text = ((mark or {}).get("text") or "").strip()
    pad = max(2, height // 6)
    inner = (0, 0, max_w - 2 * pad, height - 2 * pad)
    if not text or inner[3] < _line_height(_font(fonts.font_for(text, lang, True), MARK_MIN_PX)) \
            or inner[2] < 2 * MARK_MIN_PX:
        return None
    font, lines = fit_text(text, inner, lang, bold=True, max_px=inner[3], min_px=MARK_MIN_PX)
    text_w = max(_measure(font, line) for line in lines) + max(1, font.size // 20) + 1
    badge = (int(right - min(max_w, text_w + 2 * pad)), top, right, top + height)
    fill = _rgb(mark.get("colour"))
    luminance = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
    ImageDraw.Draw(out.image).rectangle((badge[0], badge[1], badge[2] - 1, badge[3] - 1), fill=fill)
    _draw_lines(out, "mark", font, lines, (badge[0] + pad, top + pad, right - pad, top + height - pad),
                (25, 25, 25) if luminance > 160 else (255, 255, 255), "center", "middle")
    out.mark_box = badge
    return badge


def qr_image(url: str, side: int) -> Image.Image | None:
    """A QR code with its quiet zone, exactly `side` px or smaller, in whole pixels per module."""
    matrix = _qr_matrix(url)
    modules = len(matrix)
    scale = side // modules
    if scale < MIN_QR_MODULE_PX:
        return None
    img = Image.new("L", (modules, modules), 255)
    img.putdata([0 if cell else 255 for row in matrix for cell in row])
    return img.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert("RGB")


def _paste_qr(out: Rendered, url: str | None, box: Box) -> Box | None:
    if not url:
        return None
    side = min(box[2] - box[0], box[3] - box[1])
    qr = qr_image(url, side)
    if qr is None:
        return None
    x = box[2] - qr.width
    y = box[3] - qr.height
    out.image.paste(qr, (x, y))
    out.qr_box = (x, y, x + qr.width, y + qr.height)
    return out.qr_box


#: Image source: a path (the photo, cropped and scaled in the render) or a callable giving, for a box
#: size, the path of the photo already cover-fitted to exactly that size (cached by the render job).
ImageSource = Path | Callable[[tuple[int, int]], Path] | None


def cover_fit(path: Path, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop the image to fill `size` exactly (EXIF orientation applied)."""
    with Image.open(path) as src:
        if src.format == "JPEG":
            src.draft("RGB", (size[0], size[1]))
        orientation = src.getexif().get(0x0112, 1)
        if src.size == size and orientation == 1:
            return src.convert("RGB")
        img = ImageOps.exif_transpose(src) if orientation != 1 else src
        if img.mode != "RGB":
            img = img.convert("RGB")
        # crop to the target aspect ratio around the centre, scaling in the same pass; the side that is kept
        # whole is taken as it is (computing it through a float scale gave 2000.0000000000002 of a 2000 px
        # photo, a negative offset and a 500 for portrait photos in landscape boxes)
        if img.width * size[1] >= img.height * size[0]:  # wider than the box: keep the height
            crop_w, crop_h = img.height * size[0] / size[1], float(img.height)
        else:
            crop_w, crop_h = float(img.width), img.width * size[1] / size[0]
        left, top = (img.width - crop_w) / 2, (img.height - crop_h) / 2
        return img.resize(size, Image.Resampling.BICUBIC, box=(left, top, left + crop_w, top + crop_h),
                          reducing_gap=2.0)


def _cover(source: ImageSource, size: tuple[int, int]) -> Image.Image:
    return cover_fit(source(size) if callable(source) else source, size)


def render(spec: dict, image_path: ImageSource = None) -> Rendered:
    """Render a slide spec (see content.rendering.slide_spec) at spec["width"] × spec["height"]."""
    w, h = int(spec["width"]), int(spec["height"])
    template = spec.get("template", "title_body")
    theme = THEMES.get(template, THEMES["title_body"])
    out = Rendered(Image.new("RGB", (w, h), theme["bg"]))
    lang = spec.get("lang", "vi")
    title, body, caption = spec.get("title", ""), spec.get("body", ""), spec.get("caption", "")
    unit = min(w, h)
    m = max(2, round(unit * 0.05))
    portrait = h > w * 1.1

    if _is_strip(w, h):  # running-text strip or tiny screen: one fitted line of text, no extras (no mark)
        draw_text(out, "title", title or body or caption, (m, m // 2, w - m, h - m // 2), lang, theme["fg"],
                  bold=True, max_px=h, valign="middle")
        return out

    # The player may run a ticker bar over the bottom 7.5% of the shorter side (at least 40 px): keep text
    # and QR codes above it; photos and backgrounds still run to the edge.
    sb = max(m, max(40, round(unit * 0.075)) + m // 3)
    qr_side = round(unit * (0.26 if portrait else 0.3))
    draw = ImageDraw.Draw(out.image)
    mark, mark_h = spec.get("mark"), max(2 * MARK_MIN_PX + 4, round(unit * 0.06))

    def below_mark(y: int, right: int, max_w: int) -> int:
        """Draw the mark at the top right; the y where what sits under it (the title) may start."""
        badge = draw_mark(out, mark, lang, right, y, mark_h, max_w)
        return badge[3] + max(4, m // 3) if badge else y

    if template == "image_caption":
        if portrait:
            img_box, panel = (0, 0, w, round(h * 0.55)), (m, round(h * 0.55) + m, w - m, h - sb)
        else:
            img_box, panel = (0, 0, round(w * 0.6), h), (round(w * 0.6) + m, m, w - m, h - sb)
        if image_path:
            out.image.paste(_cover(image_path, (img_box[2] - img_box[0], img_box[3] - img_box[1])), img_box[:2])
        if portrait:  # over the photo, clear of the panel below it
            below_mark(m, w - m, round(w * 0.4))
        else:
            panel = (panel[0], below_mark(panel[1], panel[2], panel[2] - panel[0]), panel[2], panel[3])
        _text_panel(out, panel, title, caption or body, lang, theme, spec.get("qr"), qr_side, portrait)
    elif template == "fullbleed_qr":
        if image_path:
            out.image.paste(_cover(image_path, (w, h)), (0, 0))
        below_mark(m, w - m, round(w * 0.4))  # over the photo; the title and the QR code are at the bottom
        band_h = round(h * (0.2 if portrait else 0.26))
        band = Image.new("RGBA", (w, band_h), (0, 0, 0, 170))
        out.image.paste(band, (0, h - band_h - (sb - m)), band)
        badge = min(qr_side, band_h * 2) if spec.get("qr") else 0
        if badge:
            pad = max(4, m // 3)
            qr_area = (w - m - badge, h - sb - badge, w - m, h - sb)
            draw.rectangle((qr_area[0] - pad, qr_area[1] - pad, qr_area[2] + pad, qr_area[3] + pad), fill="white")
            _paste_qr(out, spec["qr"], qr_area)
        text_right = w - m - (badge + 2 * m if badge else 0)
        inner = (m, h - band_h - (sb - m) + m // 2, text_right, h - sb + m // 2)
        th = (inner[3] - inner[1]) * (0.6 if caption or body else 1)
        draw_text(out, "title", title, (inner[0], inner[1], inner[2], round(inner[1] + th)), lang, theme["fg"],
                  bold=True, max_px=round(unit * 0.09), valign="middle")
        draw_text(out, "caption", caption or body, (inner[0], round(inner[1] + th), inner[2], inner[3]), lang,
                  theme["fg"], bold=False, max_px=round(unit * 0.05))
    elif template == "announcement":
        head_h = round(h * (0.2 if portrait else 0.24))
        draw.rectangle((0, 0, w, head_h), fill=theme["accent"])
        badge = draw_mark(out, mark, lang, w - m, (head_h - mark_h) // 2, mark_h, round(w * 0.3))
        title_right = badge[0] - m // 2 if badge else w - m  # the mark sits in the head, right of the title
        draw_text(out, "title", title, (m, m // 2, title_right, head_h - m // 2), lang, theme["head_fg"], bold=True,
                  max_px=round(unit * 0.1), valign="middle")
        draw.rectangle((0, head_h, w, head_h + max(2, m // 5)), fill=(200, 16, 46))
        _body_with_qr(out, (m, head_h + m, w - m, h - sb), body, lang, theme["fg"], spec.get("qr"), qr_side, portrait)
    elif template == "emergency":
        bar = max(4, m // 2)
        draw.rectangle((0, 0, w - 1, h - 1), outline=theme["accent"], width=bar)
        inner = (m + bar, m + bar, w - m - bar, h - sb - bar)
        split = inner[1] + round((inner[3] - inner[1]) * 0.4)
        title_top = below_mark(inner[1], inner[2], round(w * 0.4))
        draw_text(out, "title", title, (inner[0], title_top, inner[2], split), lang, theme["accent"], bold=True,
                  max_px=round(unit * 0.16), align="center", valign="middle")
        _body_with_qr(out, (inner[0], split + m // 2, inner[2], inner[3]), body, lang, theme["fg"], spec.get("qr"),
                      qr_side, portrait, bold=True)
    else:  # title_body
        draw.rectangle((0, 0, max(4, m // 3), h), fill=theme["accent"])
        split = m + round((h - 2 * m) * (0.28 if portrait else 0.32))
        title_top = below_mark(m, w - m, round(w * 0.4))
        draw_text(out, "title", title, (m, title_top, w - m, split), lang, theme["fg"], bold=True,
                  max_px=round(unit * 0.13), valign="bottom")
        _body_with_qr(out, (m, split + m // 2, w - m, h - sb), body, lang, theme["fg"], spec.get("qr"), qr_side,
                      portrait)
    return out


def _is_strip(w: int, h: int) -> bool:
    return h * 3 < w or min(w, h) < 120


def _body_with_qr(out: Rendered, box: Box, body: str, lang: str, colour, qr: str | None, qr_side: int,
                  portrait: bool, bold: bool = False) -> None:
    x0, y0, x1, y1 = box
    if qr:
        side = min(qr_side, y1 - y0, x1 - x0)
        qr_box = _paste_qr(out, qr, (x1 - side, y1 - side, x1, y1))
        if qr_box:
            gap = max(8, (x1 - x0) // 40)
            if portrait:
                y1 = qr_box[1] - gap
            else:
                x1 = qr_box[0] - gap
    draw_text(out, "body", body, (x0, y0, x1, y1), lang, colour, bold=bold, max_px=round(min(out.image.size) * 0.08))


def _text_panel(out: Rendered, panel: Box, title: str, text: str, lang: str, theme: dict, qr: str | None,
                qr_side: int, portrait: bool) -> None:
    x0, y0, x1, y1 = panel
    split = y0 + round((y1 - y0) * (0.35 if text else 1))
    draw_text(out, "title", title, (x0, y0, x1, split), lang, theme["fg"], bold=True,
              max_px=round(min(out.image.size) * 0.1))
    # the panel is narrow: the QR code goes under the text, never beside it
    _body_with_qr(out, (x0, split, x1, y1), text, lang, theme["fg"], qr, min(qr_side, round((y1 - split) * 0.6)),
                  True)


def to_jpeg(image: Image.Image, quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()
