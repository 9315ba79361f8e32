"""Turn untrusted upload bytes into clean WebP variants. Pure: no Flask, no storage.

Every output is re-encoded from pixel data alone, so nothing the uploader put in the file
(EXIF and GPS, XMP, comments, bytes appended after the image) can reach another user.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from app.errors import Invalid

try:
    import pillow_heif
except ImportError:  # HEIC uploads are then rejected like any other unknown format
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()

# GIF is deliberately absent: photos never need it, and a renamed GIF is a classic hostile upload.
# MPO is what Pillow calls the multi-picture JPEGs many phone cameras write.
OPEN_FORMATS = ("JPEG", "PNG", "WEBP") + (("HEIF",) if pillow_heif else ())
ACCEPTED_FORMATS = frozenset(OPEN_FORMATS) | {"MPO"}

WEBP_QUALITY = 82
WEBP_METHOD = 4  # 6 is only a few percent smaller and several times slower
HIGH_BIT_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

MSG_EMPTY = _l("The image file is empty.")
MSG_UNSUPPORTED = _l("Please upload a JPEG, PNG, WebP or HEIC photo.")
MSG_TOO_LARGE = _l("This image is too large.")
MSG_CORRUPT = _l("This image is damaged or incomplete.")


@dataclass(frozen=True)
class EncodedVariant:
    name: str
    data: bytes
    width: int
    height: int
    content_type: str = "image/webp"
    extension: str = "webp"


@dataclass(frozen=True)
class ProcessedImage:
    width: int
    height: int
    variants: dict[str, EncodedVariant] = field(default_factory=dict)


def process_image(data: bytes, *, sizes: dict[str, int], max_pixels: int, max_side: int) -> ProcessedImage:
    """Validate ``data`` and encode one WebP per entry of ``sizes`` (name -> max width, never upscaled).

    Raises ``Invalid`` with code image_empty, image_unsupported, image_too_large or image_corrupt.
    """
    if not data:
        raise Invalid(MSG_EMPTY, code="image_empty")
    picture = _decode(data, max_pixels=max_pixels, max_side=max_side)
    variants = {name: _encode_variant(picture, name, max_width) for name, max_width in sizes.items()}
    return ProcessedImage(width=picture.width, height=picture.height, variants=variants)


def _decode(data: bytes, *, max_pixels: int, max_side: int) -> Image.Image:
    """Return the first frame, upright, 8-bit sRGB(A), with no metadata attached."""
    # Pillow signals bombs with a warning below 2x its own limit; make that an error we can map.
    # catch_warnings is process-global; the worst a concurrent request sees is a muted warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=OPEN_FORMATS) as im:
                if im.format not in ACCEPTED_FORMATS:
                    raise Invalid(MSG_UNSUPPORTED, code="image_unsupported")
                width, height = im.size
                if width * height > max_pixels or max(width, height) > max_side:
                    raise Invalid(MSG_TOO_LARGE, code="image_too_large")
                im.load()  # a full decode, not verify(): truncation only shows up here
                upright = ImageOps.exif_transpose(im)
                return _pixels_only(_to_8bit_srgb(upright, im.info.get("icc_profile")))
        except Invalid:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Invalid(MSG_TOO_LARGE, code="image_too_large") from error
        except UnidentifiedImageError as error:
            raise Invalid(MSG_UNSUPPORTED, code="image_unsupported") from error
        except Exception as error:  # decoders fed hostile bytes fail in many ways: OSError, struct.error…
            raise Invalid(MSG_CORRUPT, code="image_corrupt") from error


def _to_8bit_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    if im.mode in HIGH_BIT_DEPTH_MODES:
        # Pillow clips 16-bit greys when converting to 8 bits; scale them down instead.
        im = im.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    target_mode = "RGBA" if im.has_transparency_data else "RGB"
    if icc_profile and im.mode in ("RGB", "RGBA", "CMYK"):
        # Bake the profile into the pixels (phones shoot Display P3) so that dropping it is lossless.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(im, source, SRGB_PROFILE, outputMode=target_mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile is not worth rejecting the photo for
    return im if im.mode == target_mode else im.convert(target_mode)


def _pixels_only(im: Image.Image) -> Image.Image:
    """Copy into a fresh image so no info dict, EXIF cache or palette rides along."""
    clean = Image.new(im.mode, im.size)
    clean.paste(im)
    return clean


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """A variant's size: at most max_width wide, never upscaled, aspect ratio kept."""
    scaled_width = min(max_width, width)
    return scaled_width, max(1, round(height * scaled_width / width))


def _encode_variant(picture: Image.Image, name: str, max_width: int) -> EncodedVariant:
    width, height = scaled_size(picture.width, picture.height, max_width)
    resized = picture
    if (width, height) != picture.size:
        resized = picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    resized.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"")
    return EncodedVariant(name=name, data=out.getvalue(), width=width, height=height)
