"""Deterministic placeholder photos and avatars for demo data: no downloads, no licences.

A seed picks one of a few scenes (a dish from above, layered hills at dusk, a product still life)
and a palette, so a seeded demo looks the same on every machine.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
# Only for ASCII text: these fonts would draw Chinese as empty boxes.
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/Library/Fonts/Arial.ttf")

Color = tuple[int, int, int]


def paint_photo(seed: int, size: tuple[int, int] = (1080, 1350), label: str = "") -> bytes:
    """A JPEG that reads as a photo at thumbnail size; the same seed gives the same bytes."""
    rng = random.Random(seed)  # nosec B311  # seeded on purpose: the same picture every time
    scene = (_dish, _hills, _still_life)[rng.randrange(3)]
    canvas = scene(rng, size)
    if label:
        _draw_label(canvas, label)
    return _jpeg(canvas)


def paint_avatar(seed: int, initials: str, size: int = 256) -> bytes:
    rng = random.Random(seed)  # nosec B311  # seeded on purpose: the same picture every time
    hue = rng.random()
    canvas = _gradient((size, size), _hsv(hue, 0.45, 0.95), _hsv(hue + 0.08, 0.65, 0.75))
    text = initials.strip()[:2].upper()
    font = _font(int(size * (0.42 if text.isascii() else 0.36)), latin_ok=text.isascii())
    if text and font is not None:
        ImageDraw.Draw(canvas).text((size / 2, size / 2), text, font=font, fill=(255, 255, 255), anchor="mm")
    return _jpeg(canvas)


# --- scenes -------------------------------------------------------------------------------


def _dish(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    unit = min(size)
    hue = rng.random()
    canvas = _gradient(size, _hsv(hue, 0.18, 0.92), _hsv(hue + 0.03, 0.28, 0.78))
    centre = (width * rng.uniform(0.42, 0.58), height * rng.uniform(0.42, 0.55))
    radius = unit * rng.uniform(0.30, 0.38)

    _soft_ellipse(canvas, _offset(centre, unit * 0.03), radius * 1.04, (0, 0, 0, 90), blur=unit * 0.03)
    _soft_ellipse(canvas, centre, radius, (250, 248, 244, 255))
    _soft_ellipse(canvas, centre, radius * 0.78, (236, 232, 226, 255), blur=unit * 0.006)
    food_hue = rng.choice((0.02, 0.07, 0.11, 0.3, 0.95))
    _soft_ellipse(canvas, centre, radius * 0.62, (*_hsv(food_hue, 0.7, 0.8), 255), blur=unit * 0.02)
    for _ in range(rng.randint(7, 14)):
        angle, distance = rng.uniform(0, 6.283), rng.uniform(0, radius * 0.5)
        spot = (centre[0] + distance * math.cos(angle), centre[1] + distance * math.sin(angle))
        garnish = _hsv(rng.choice((food_hue + 0.05, 0.28, 0.33, 0.0)), rng.uniform(0.4, 0.75), 0.85)
        _soft_ellipse(canvas, spot, unit * rng.uniform(0.015, 0.04), (*garnish, 235), blur=unit * 0.004)

    cup = (width * rng.choice((0.14, 0.86)), height * rng.uniform(0.12, 0.2))
    _soft_ellipse(canvas, _offset(cup, unit * 0.02), unit * 0.12, (0, 0, 0, 70), blur=unit * 0.025)
    _soft_ellipse(canvas, cup, unit * 0.115, (*_hsv(hue + 0.5, 0.25, 0.95), 255))
    _soft_ellipse(canvas, cup, unit * 0.085, (*_hsv(0.08, 0.6, rng.uniform(0.35, 0.6)), 255))
    return canvas


def _hills(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    hue = rng.choice((0.58, 0.62, 0.05, 0.9))
    sky_top, sky_bottom = _hsv(hue, 0.45, 0.85), _hsv(hue + 0.45, 0.35, 0.98)
    canvas = _gradient(size, sky_top, sky_bottom)
    sun = (width * rng.uniform(0.25, 0.75), height * rng.uniform(0.22, 0.4))
    _soft_ellipse(canvas, sun, min(size) * 0.2, (255, 236, 200, 110), blur=min(size) * 0.08)
    _soft_ellipse(canvas, sun, min(size) * 0.07, (255, 246, 226, 255), blur=min(size) * 0.004)

    near = _hsv(hue + 0.3, 0.5, 0.28)
    layers = rng.randint(3, 5)
    for layer in range(layers):
        depth = (layer + 1) / layers
        colour = _mix(sky_bottom, near, 0.25 + 0.75 * depth)
        base = height * (0.48 + 0.4 * depth)
        points, x, y = [], 0.0, base - height * rng.uniform(0.05, 0.15)
        while x <= width + 40:
            points.append((x, y))
            x += width * rng.uniform(0.05, 0.12)
            y = min(base, max(height * 0.3, y + height * rng.uniform(-0.06, 0.06)))
        shape = Image.new("L", size, 0)
        ImageDraw.Draw(shape).polygon([(0, height), *points, (width, height)], fill=255)
        shape = shape.filter(ImageFilter.GaussianBlur(max(1.0, 6 * (1 - depth))))
        canvas.paste(Image.new("RGB", size, colour), mask=shape)
    return canvas


def _still_life(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    unit = min(size)
    hue = rng.random()
    canvas = _gradient(size, _hsv(hue, 0.2, 0.97), _hsv(hue, 0.3, 0.82))
    floor_y = int(height * rng.uniform(0.62, 0.7))
    floor = _gradient((width, height - floor_y), _hsv(hue, 0.25, 0.9), _hsv(hue, 0.2, 0.98))
    canvas.paste(floor, (0, floor_y))

    x = width * rng.uniform(0.15, 0.25)
    for _ in range(rng.randint(2, 3)):
        object_width = unit * rng.uniform(0.16, 0.26)
        object_height = unit * rng.uniform(0.3, 0.6)
        colour = _hsv(hue + rng.uniform(0.25, 0.75), rng.uniform(0.3, 0.6), rng.uniform(0.6, 0.9))
        shadow_centre = (x + object_width * 0.8, floor_y + unit * 0.02)
        _soft_ellipse(
            canvas, shadow_centre, object_width * 0.75, (0, 0, 0, 80), blur=unit * 0.02, squash=0.22
        )
        box = (x, floor_y - object_height, x + object_width, floor_y + unit * 0.01)
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        draw.rounded_rectangle(box, radius=object_width * rng.choice((0.08, 0.3, 0.5)), fill=(*colour, 255))
        highlight = (
            box[0] + object_width * 0.15,
            box[1] + object_width * 0.2,
            box[0] + object_width * 0.28,
            box[3] - object_width * 0.3,
        )
        draw.rounded_rectangle(highlight, radius=object_width * 0.06, fill=(255, 255, 255, 90))
        canvas.paste(layer, mask=layer)
        x += object_width + unit * rng.uniform(0.04, 0.1)
    return canvas


# --- drawing helpers ------------------------------------------------------------------------


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _soft_ellipse(canvas, centre, radius, rgba, *, blur: float = 0.0, squash: float = 1.0) -> None:
    """Paint an ellipse through a blurred mask; the blur happens on a crop around it to stay fast."""
    margin = int(blur * 3) + 2
    half_width, half_height = radius, radius * squash
    left, top = int(centre[0] - half_width) - margin, int(centre[1] - half_height) - margin
    box_size = (int(half_width * 2) + 2 * margin, int(half_height * 2) + 2 * margin)
    mask = Image.new("L", box_size, 0)
    ImageDraw.Draw(mask).ellipse(
        (margin, margin, margin + half_width * 2, margin + half_height * 2), fill=rgba[3]
    )
    if blur:
        mask = mask.filter(ImageFilter.GaussianBlur(blur))
    canvas.paste(Image.new("RGB", box_size, rgba[:3]), (left, top), mask)


def _draw_label(canvas: Image.Image, label: str) -> None:
    unit = min(canvas.size)
    font = _font(max(12, int(unit * 0.045)), latin_ok=label.isascii())
    if font is None:
        return
    draw = ImageDraw.Draw(canvas, "RGBA")
    margin = unit * 0.05
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    padding = unit * 0.025
    box = (
        margin,
        canvas.height - margin - (bottom - top) - 2 * padding,
        margin + (right - left) + 2 * padding,
        canvas.height - margin,
    )
    draw.rounded_rectangle(box, radius=(box[3] - box[1]) / 2, fill=(0, 0, 0, 110))
    draw.text((box[0] + padding - left, box[1] + padding - top), label, font=font, fill=(255, 255, 255, 240))


@lru_cache(maxsize=16)
def _font(size: int, *, latin_ok: bool) -> ImageFont.FreeTypeFont | None:
    for candidate in CJK_FONTS + (LATIN_FONTS if latin_ok else ()):
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return None


def _jpeg(canvas: Image.Image) -> bytes:
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _hsv(hue: float, saturation: float, value: float) -> Color:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _mix(a: Color, b: Color, amount: float) -> Color:
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))


def _offset(point, distance):
    return point[0] + distance, point[1] + distance
