"""Share posters: one PNG with the cover, title, price, who shared it and a QR code of the link.

Pure: no Flask, no storage. Every string arrives already translated. Chinese is drawn with a CJK
font when the system has one (``fc-match`` or the usual Noto paths, or ``font_path`` from config);
without one, Pillow's bundled font draws what it can and characters it lacks are dropped rather than
drawn as empty boxes. The QR code never depends on a font, so a poster always scans.
"""

from __future__ import annotations

import io
import logging
import math
import re
import shutil
import subprocess  # nosec B404  # only to run fc-match, see below
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from app.errors import Invalid
from app.media.images import _decode

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 750, 1334
MARGIN = 40
COVER_HEIGHT = 780
QR_SIZE = 250  # target side in pixels, quiet zone included; ~55 mm on a phone held at arm's length
QR_MIN_MODULE = 3  # below this a photo of a screen stops scanning reliably
MAX_URL_LENGTH = 1000
TITLE_SIZE, TITLE_LINE, TITLE_MAX_LINES = 40, 54, 2

BRAND = (255, 36, 66)
INK = (34, 34, 34)
GREY = (136, 136, 136)
RULE = (236, 236, 236)
WHITE = (255, 255, 255)

# Noto Sans CJK collections hold one face per region; the simplified Chinese face is the default.
NOTO_TTC_INDEX = {"JP": 0, "KR": 1, "SC": 2, "TC": 3, "HK": 4}
# Latin, accents, ¥ and · when no CJK font exists: better than Pillow's ASCII-only face.
LATIN_FALLBACKS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf")
KNOWN_CJK_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk")
FC_MATCH_TIMEOUT = 2.0
# Invisible characters that some fonts nonetheless draw as a box (variation selectors after emoji…).
_INVISIBLE = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_NOTDEF_PROBE = "\U0010fffd"  # a private-use code point no font maps


@dataclass(frozen=True)
class FontChoice:
    """Where to load the regular and bold faces from; ``path`` None means Pillow's bundled font."""

    path: str | None = None
    index: int = 0
    bold_path: str | None = None
    bold_index: int = 0


def render_poster(
    *,
    cover: bytes | None,
    title: str,
    price_text: str | None,
    sharer_name: str,
    url: str,
    caption: str,
    badge: str | None = None,
    font_path: str | None = None,
    find_system_font: bool = True,
    cjk_region: str = "SC",
    max_pixels: int = 50_000_000,
    max_side: int = 12_000,
) -> bytes:
    """A 750x1334 PNG poster. ``caption`` is the translated line under the sharer's name.

    ``font_path`` (the POSTER_FONT_PATH setting) is tried first; then, if ``find_system_font``,
    ``fc-match`` and the usual Noto paths for ``cjk_region`` (SC, TC, HK, JP, KR); then Pillow's font.
    Raises ``ValueError`` only for an empty or absurdly long ``url``.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValueError("a poster needs a URL of 1 to 1000 characters")
    choice = choose_font(font_path, find_system_font=find_system_font, cjk_region=cjk_region)

    canvas = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    canvas.paste(_cover_image(cover, (WIDTH, COVER_HEIGHT), max_pixels=max_pixels, max_side=max_side), (0, 0))
    draw = ImageDraw.Draw(canvas)

    if badge:
        _draw_badge(draw, choice, badge)
    y = COVER_HEIGHT + 34
    title_font = _font(choice, TITLE_SIZE, bold=True)
    for line in wrap_text(renderable(title, title_font), title_font, WIDTH - 2 * MARGIN, max_lines=TITLE_MAX_LINES):
        draw.text((MARGIN, y), line, font=title_font, fill=INK, anchor="la")
        y += TITLE_LINE
    if price_text:
        price_font = _font(choice, 46, bold=True)
        price = renderable(price_text, price_font)
        if price:
            draw.text((MARGIN, y + 6), _fit(price, price_font, WIDTH - 2 * MARGIN), font=price_font, fill=BRAND)

    rule_y = HEIGHT - QR_SIZE - 2 * 30
    draw.line((MARGIN, rule_y, WIDTH - MARGIN, rule_y), fill=RULE, width=2)
    qr = qr_image(url)
    qr_box = (WIDTH - MARGIN + 12 - qr.width, HEIGHT - 30 + 12 - qr.height)  # its quiet zone overlaps the margin
    canvas.paste(qr, qr_box)
    _draw_sharer(draw, choice, sharer_name, caption, top=rule_y + 40, right=qr_box[0] - 16)

    out = io.BytesIO()
    # No pnginfo: Pillow writes no time or text chunks, so the same inputs give the same bytes.
    canvas.save(out, format="PNG", compress_level=3)
    return out.getvalue()


# --- QR code ----------------------------------------------------------------------------------


def qr_image(url: str, target: int = QR_SIZE) -> Image.Image:
    """Black modules on white with the 4-module quiet zone, in whole pixels per module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    # optimize=0: one byte-mode segment. Mixed-mode segmenting saves a few modules on a URL but
    # qrcode compiles regular expressions per call to find the segments, which costs more than the poster.
    code.add_data(url.encode("utf-8"), optimize=0)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    module_px = max(QR_MIN_MODULE, target // modules)
    bits = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (modules, modules), bits)
    return small.resize((modules * module_px, modules * module_px), Image.Resampling.NEAREST).convert("RGB")


# --- cover ------------------------------------------------------------------------------------


def _cover_image(data: bytes | None, size: tuple[int, int], *, max_pixels: int, max_side: int) -> Image.Image:
    if data:
        try:
            picture = _decode(data, max_pixels=max_pixels, max_side=max_side)
        except Invalid as error:
            log.info("poster cover unusable (%s); drawing the placeholder", error.code)
        else:
            if picture.mode == "RGBA":
                flat = Image.new("RGB", picture.size, WHITE)
                flat.paste(picture, mask=picture.getchannel("A"))
                picture = flat
            return _fill(picture, size)
    return placeholder_cover(size)


def _fill(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to cover ``size`` and crop the overflow, centred (ImageOps.fit, with a reducing gap)."""
    width, height = picture.size
    target_ratio = size[0] / size[1]
    if width / height > target_ratio:
        crop_width = height * target_ratio
        box = ((width - crop_width) / 2, 0, (width + crop_width) / 2, height)
    else:
        crop_height = width / target_ratio
        box = (0, (height - crop_height) / 2, width, (height + crop_height) / 2)
    return picture.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


@lru_cache(maxsize=4)
def _placeholder(size: tuple[int, int]) -> Image.Image:
    """A soft brand gradient with a sprout (種草): a stem and two almond-shaped leaves."""
    width, height = size
    top, bottom = (255, 236, 239), (255, 214, 200)
    ramp = Image.linear_gradient("L").resize((width, height))
    canvas = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)
    draw = ImageDraw.Draw(canvas)
    cx, cy, unit = width / 2, height / 2, min(size) / 10
    draw.ellipse((cx - 2.6 * unit, cy - 2.6 * unit, cx + 2.6 * unit, cy + 2.6 * unit), fill=(255, 248, 249))
    leaf_colour = (255, 120, 140)
    stem_top = (cx, cy - 0.3 * unit)
    draw.line((cx, cy + 1.5 * unit, *stem_top), fill=leaf_colour, width=max(2, int(unit * 0.2)))
    draw.polygon(_leaf(stem_top, length=1.7 * unit, width=0.8 * unit, degrees=205), fill=leaf_colour)
    draw.polygon(_leaf(stem_top, length=1.9 * unit, width=0.9 * unit, degrees=-30), fill=leaf_colour)
    return canvas


def _leaf(base: tuple[float, float], *, length: float, width: float, degrees: float) -> list[tuple[float, float]]:
    angle = math.radians(degrees)
    along, across = (math.cos(angle), math.sin(angle)), (-math.sin(angle), math.cos(angle))
    steps = [i / 24 for i in range(25)]
    outline = [(t, width / 2 * math.sin(math.pi * t)) for t in steps]
    outline += [(t, -width / 2 * math.sin(math.pi * t)) for t in reversed(steps)]
    return [
        (base[0] + along[0] * t * length + across[0] * offset, base[1] + along[1] * t * length + across[1] * offset)
        for t, offset in outline
    ]


def placeholder_cover(size: tuple[int, int]) -> Image.Image:
    return _placeholder(size).copy()


# --- text -------------------------------------------------------------------------------------


def _draw_badge(draw: ImageDraw.ImageDraw, choice: FontChoice, badge: str) -> None:
    font = _font(choice, 30, bold=True)
    text = _fit(renderable(badge, font, whole=True), font, WIDTH - 2 * MARGIN - 48)
    if not text:
        return
    pad_x, height = 24, 56
    text_width = font.getlength(text)
    left, bottom = MARGIN, COVER_HEIGHT - 28
    box = (left, bottom - height, left + text_width + 2 * pad_x, bottom)
    draw.rounded_rectangle(box, radius=height / 2, fill=BRAND)
    draw.text((left + pad_x, bottom - height / 2), text, font=font, fill=WHITE, anchor="lm")


def _draw_sharer(
    draw: ImageDraw.ImageDraw, choice: FontChoice, name: str, caption: str, *, top: int, right: int
) -> None:
    avatar = 76
    left = MARGIN
    name_font, caption_font = _font(choice, 32, bold=True), _font(choice, 26, bold=False)
    name = renderable(name, name_font)
    draw.ellipse((left, top, left + avatar, top + avatar), fill=BRAND)
    initial = name[:1].upper()
    if initial.strip():
        draw.text(
            (left + avatar / 2, top + avatar / 2), initial, font=_font(choice, 36, bold=True), fill=WHITE, anchor="mm"
        )
    text_left = left + avatar + 20
    width = right - text_left
    if name:
        draw.text((text_left, top + 2), _fit(name, name_font, width), font=name_font, fill=INK, anchor="la")
    y = top + 48
    for line in wrap_text(renderable(caption, caption_font, whole=True), caption_font, width, max_lines=2):
        draw.text((text_left, y), line, font=caption_font, fill=GREY, anchor="la")
        y += 36


def renderable(text: str, font: ImageFont.FreeTypeFont, *, whole: bool = False) -> str:
    """``text`` on one line, without characters ``font`` would draw as empty boxes.

    What is left must still say something (a letter or digit), else the result is "". With ``whole``,
    losing any letter or digit loses everything: half a badge ("39 · 3") would mislead.
    """
    text = _INVISIBLE.sub("", text or "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif has_glyph(_font_key(font), char):
            kept.append(char)
        elif whole and category[0] in "LN":
            return ""
    result = re.sub(r" {2,}", " ", "".join(kept)).strip()
    return result if any(unicodedata.category(char)[0] in "LN" for char in result) else ""


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


_CLOSING = frozenset("，。、！？；：）」』》】〉”’,.!?;:)]}%")


def _tokens(text: str) -> list[str]:
    """Wide characters (CJK, kana, emoji) break anywhere; other runs break only at spaces."""
    tokens: list[str] = []
    for match in re.finditer(r"\s+|\S", text):
        piece = match.group()
        if piece.isspace():
            tokens.append(" ")
        elif _is_wide(piece) or not tokens or tokens[-1] == " " or _is_wide(tokens[-1][-1]):
            tokens.append(piece)
        else:
            tokens[-1] += piece
    return tokens


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float, *, max_lines: int) -> list[str]:
    """Greedy lines no wider than ``max_width``; the last kept line ends with an ellipsis if text was cut."""
    lines: list[str] = []
    current = ""
    pieces = _tokens(text)
    position = 0
    while position < len(pieces) and len(lines) < max_lines:
        piece = pieces[position]
        if piece == " " and not current:
            position += 1  # no line starts with a space
            continue
        hanging = piece in _CLOSING and current  # CJK typesetting lets closing punctuation hang
        if hanging or font.getlength((current + piece).rstrip()) <= max_width:
            current += piece
            position += 1
            continue
        if not current:
            # A single word wider than the line: break it by character.
            head = _fit_chars(piece, font, max_width)
            current, pieces[position] = head, piece[len(head) :]
        lines.append(current.rstrip())
        current = ""
    if current.strip() and len(lines) < max_lines:
        lines.append(current.rstrip())
        current = ""
    if lines and (current.strip() or any(piece.strip() for piece in pieces[position:])):
        lines[-1] = _with_ellipsis(lines[-1], font, max_width)
    return lines


def _fit_chars(word: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    for end in range(len(word), 0, -1):
        if font.getlength(word[:end]) <= max_width:
            return word[:end]
    return word[:1]


def _ellipsis(font: ImageFont.FreeTypeFont) -> str:
    return "…" if has_glyph(_font_key(font), "…") else "..."


def _with_ellipsis(line: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    mark = _ellipsis(font)
    while line and font.getlength(line.rstrip() + mark) > max_width:
        line = line[:-1]
    return line.rstrip(" ,，、.。") + mark


def _fit(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    if font.getlength(text) <= max_width:
        return text
    return _with_ellipsis(text, font, max_width)


# --- fonts ------------------------------------------------------------------------------------


def _font_key(font: ImageFont.FreeTypeFont) -> tuple[str, int]:
    path = getattr(font, "path", None)
    if not isinstance(path, str):  # Pillow's bundled font is loaded from memory
        return ("<default>", 0)
    return (path, int(getattr(font, "index", 0)))


@lru_cache(maxsize=4096)
def has_glyph(key: tuple[str, int], char: str) -> bool:
    """Whether the font maps ``char``: a missing glyph renders exactly like a known-missing one."""
    font = _probe_font(key)
    glyph, notdef = font.getmask(char), font.getmask(_NOTDEF_PROBE)
    return glyph.size != notdef.size or bytes(glyph) != bytes(notdef)


@lru_cache(maxsize=8)
def _probe_font(key: tuple[str, int]) -> ImageFont.FreeTypeFont:
    path, index = key
    if path == "<default>":
        return ImageFont.load_default(size=24)
    return ImageFont.truetype(path, 24, index=index)


@lru_cache(maxsize=64)
def _loaded(path: str | None, index: int, size: int) -> ImageFont.FreeTypeFont:
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size, index=index)


def _font(choice: FontChoice, size: int, *, bold: bool) -> ImageFont.FreeTypeFont:
    if bold and choice.bold_path:
        return _loaded(choice.bold_path, choice.bold_index, size)
    return _loaded(choice.path, choice.index, size)


@lru_cache(maxsize=16)
def choose_font(font_path: str | None, *, find_system_font: bool = True, cjk_region: str = "SC") -> FontChoice:
    """The first usable font: the configured path, then a system CJK font, then Pillow's own."""
    region = cjk_region.upper() if cjk_region.upper() in NOTO_TTC_INDEX else "SC"
    index = NOTO_TTC_INDEX[region]
    candidates: list[tuple[str, int]] = []
    if font_path:
        # A collection may hold fewer faces than Noto's; its first face is better than none.
        is_collection = font_path.lower().endswith(".ttc")
        candidates.extend([(font_path, index), (font_path, 0)] if is_collection else [(font_path, 0)])
    if find_system_font:
        candidates.extend(_fc_match(f"Noto Sans CJK {region}"))
        candidates.extend((f"{folder}/NotoSansCJK-Regular.ttc", index) for folder in KNOWN_CJK_DIRS)
    for path, face in candidates:
        if _usable(path, face, require_cjk=path != font_path):
            return _with_bold(path, face)
        if path == font_path and face == 0:
            log.warning("poster font %s cannot be loaded; trying others", font_path)
    for path in LATIN_FALLBACKS if find_system_font else ():
        if _usable(path, 0, require_cjk=False):
            return _with_bold(path, 0)
    return FontChoice()


def _with_bold(path: str, index: int) -> FontChoice:
    bold = _bold_sibling(path, index)
    return FontChoice(path=path, index=index, bold_path=bold[0] if bold else None, bold_index=bold[1] if bold else 0)


def _usable(path: str, index: int, *, require_cjk: bool) -> bool:
    if not Path(path).is_file():
        return False
    try:
        _loaded(path, index, 24)
    except OSError:
        return False
    # fc-match always answers with something; a Latin-only font would turn every title into boxes.
    return not require_cjk or has_glyph((path, index), "中")


def _bold_sibling(path: str, index: int) -> tuple[str, int] | None:
    name = Path(path).name
    if "Regular" in name:
        sibling = str(Path(path).with_name(name.replace("Regular", "Bold")))
    elif name.endswith("Sans.ttf"):  # DejaVuSans.ttf -> DejaVuSans-Bold.ttf
        sibling = str(Path(path).with_name(name.replace(".ttf", "-Bold.ttf")))
    else:
        return None
    return (sibling, index) if _usable(sibling, index, require_cjk=False) else None


@lru_cache(maxsize=8)
def _fc_match(pattern: str) -> tuple[tuple[str, int], ...]:
    executable = shutil.which("fc-match")
    if executable is None:
        return ()
    try:
        result = subprocess.run(  # noqa: S603 (fixed executable, the pattern is ours, no shell)  # nosec B603
            [executable, "-f", "%{file}|%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    path, _, index = result.stdout.strip().partition("|")
    if not path:
        return ()
    return ((path, int(index) if index.isdigit() else 0),)
