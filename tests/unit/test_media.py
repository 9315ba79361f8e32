"""The image pipeline against good and hostile files: what gets in, and what never gets out."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from PIL import Image, ImageCms, ImageFile
from werkzeug.datastructures import FileStorage

from app.errors import AppError, Invalid
from app.media import images, service
from app.media.art import paint_avatar, paint_photo
from app.media.images import process_image
from app.media.storage import LocalStorage, get_storage, is_valid_name
from app.media.views import bp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
SIZES = {"thumb": 36, "large": 1080}
CAPS = {"max_pixels": 50_000_000, "max_side": 12_000}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def process(data: bytes, **overrides):
    return process_image(data, sizes=overrides.pop("sizes", SIZES), **{**CAPS, **overrides})


def reopen(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def encode(im: Image.Image, image_format: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, format=image_format, **params)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A 1-bit PNG that declares ``width`` x ``height`` but whose pixel stream stops after one row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj()
    # A sync flush, not a finish: a cleanly ended short stream is silently padded by Pillow.
    one_row = compressor.compress(b"\x00" * (1 + (width + 7) // 8)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", one_row) + chunk(b"IEND", b"")


# --- process_image -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("bomb.png", "image_too_large"),
        ("truncated.jpg", "image_corrupt"),
        ("gif_renamed.jpg", "image_unsupported"),
        ("svg_renamed.jpg", "image_unsupported"),
        ("html_renamed.jpg", "image_unsupported"),
        ("empty.jpg", "image_empty"),
    ],
)
def test_hostile_files_are_rejected_with_a_code(name, code):
    with pytest.raises(Invalid) as caught:
        process(fixture(name))
    assert caught.value.code == code
    assert caught.value.status == 400


def test_our_caps_reject_from_the_header_before_any_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    # 64 Mpx: under Pillow's own warning threshold, so only our cap can stop it.
    with pytest.raises(Invalid) as caught:
        process(png_declaring(8_000, 8_000), max_pixels=50_000_000, max_side=12_000)
    assert caught.value.code == "image_too_large"
    assert decoded == []


@pytest.mark.parametrize(("max_pixels", "max_side"), [(64 * 48 - 1, 100), (10**6, 63)])
def test_pixel_and_side_caps_both_apply(max_pixels, max_side):
    with pytest.raises(Invalid) as caught:
        process(fixture("good.png"), max_pixels=max_pixels, max_side=max_side)
    assert caught.value.code == "image_too_large"


def test_pillow_bomb_warning_becomes_invalid_even_with_generous_caps():
    # 100 Mpx sits between Pillow's warning and error thresholds; -W error would turn a leak into a crash.
    with pytest.raises(Invalid) as caught:
        process(png_declaring(10_000, 10_000), max_pixels=10**12, max_side=10**6)
    assert caught.value.code == "image_too_large"


def test_missing_pixel_data_is_corrupt_not_accepted():
    with pytest.raises(Invalid) as caught:
        process(png_declaring(500, 500))
    assert caught.value.code == "image_corrupt"


def test_exif_orientation_is_applied_then_all_metadata_is_stripped():
    source = fixture("gps_orientation6.jpg")
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the fixture really carries GPS

    result = process(source)

    assert (result.width, result.height) == (40, 60)
    for variant in result.variants.values():
        im = reopen(variant.data)
        assert im.format == "WEBP"
        assert variant.content_type == "image/webp"
        assert len(im.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(im.info)
        assert b"ZhongcaoCam" not in variant.data
        assert b"home address" not in variant.data
        rgb = im.convert("RGB")
        red_top, blue_bottom = rgb.getpixel((im.width // 2, 2)), rgb.getpixel((im.width // 2, im.height - 3))
        assert red_top[0] > 150 > red_top[2], "stored left edge must end up on top"
        assert blue_bottom[2] > 150 > blue_bottom[0]


def test_bytes_appended_after_a_jpeg_never_reach_the_output():
    source = fixture("jpeg_with_html.jpg")
    assert b"<script" in source

    result = process(source)

    for variant in result.variants.values():
        assert b"<script" not in variant.data
        assert b"<html" not in variant.data
        assert reopen(variant.data).size == (variant.width, variant.height)


def test_animation_keeps_only_its_first_frame():
    result = process(fixture("animated.webp"))

    im = Image.open(io.BytesIO(result.variants["large"].data))
    assert getattr(im, "n_frames", 1) == 1
    red, green, blue = im.convert("RGB").getpixel((16, 16))
    assert red > 200
    assert green < 40
    assert blue < 40


def test_multi_picture_jpeg_from_phones_is_accepted_as_its_main_picture():
    main, depth_map = Image.new("RGB", (30, 20), (0, 0, 255)), Image.new("RGB", (30, 20), (255, 255, 0))
    mpo = encode(main, "MPO", save_all=True, append_images=[depth_map])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"

    im = reopen(process(mpo).variants["large"].data).convert("RGB")

    assert im.getpixel((15, 10))[2] > 200


def test_variants_are_never_upscaled_and_record_their_real_size():
    result = process(fixture("good.png"), sizes={"thumb": 36, "large": 1080})

    assert (result.width, result.height) == (64, 48)
    assert (result.variants["thumb"].width, result.variants["thumb"].height) == (36, 27)
    assert (result.variants["large"].width, result.variants["large"].height) == (64, 48)
    for variant in result.variants.values():
        assert reopen(variant.data).size == (variant.width, variant.height)
        assert variant.extension == "webp"


def test_alpha_survives_as_webp_alpha():
    im = reopen(process(fixture("good.png")).variants["large"].data)
    assert im.mode == "RGBA"
    assert im.getpixel((32, 0))[3] < 30
    assert im.getpixel((32, 47))[3] > 220


@pytest.mark.parametrize(
    ("source", "expected_mode"),
    [
        (Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "RGB"),
        (Image.new("I;16", (20, 10), 32_768), "RGB"),
        (Image.new("LA", (20, 10), (120, 60)), "RGBA"),
        (Image.new("L", (20, 10), 200), "RGB"),
    ],
    ids=["cmyk", "16-bit", "grey-alpha", "grey"],
)
def test_unusual_modes_are_converted(source, expected_mode):
    image_format = "JPEG" if source.mode == "CMYK" else "PNG"
    im = reopen(process(encode(source, image_format)).variants["large"].data)
    assert im.mode == expected_mode
    if source.mode == "I;16":
        assert 110 < im.convert("L").getpixel((5, 5)) < 145, "16-bit grey must be scaled, not clipped"


def test_palette_transparency_is_kept():
    paletted = Image.new("P", (20, 10), 0)
    paletted.putpalette([255, 0, 0, 0, 0, 255])
    paletted.paste(1, (10, 0, 20, 10))
    im = reopen(process(encode(paletted, "PNG", transparency=1)).variants["large"].data)
    assert im.mode == "RGBA"
    assert im.getpixel((15, 5))[3] == 0
    assert im.getpixel((2, 5))[3] == 255


def test_an_embedded_colour_profile_is_baked_in_and_dropped():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(Image.new("RGB", (20, 10), (10, 120, 200)), "JPEG", icc_profile=profile)
    im = reopen(process(source).variants["large"].data)
    assert "icc_profile" not in im.info


def test_heic_is_accepted_when_pillow_heif_is_installed():
    if "HEIF" not in images.OPEN_FORMATS:
        pytest.skip("pillow_heif is not installed")
    heic = encode(Image.new("RGB", (80, 50), (10, 200, 30)), "HEIF", quality=80)
    assert heic[4:12] == b"ftypheic"

    result = process(heic, sizes={"thumb": 40})

    assert (result.width, result.height) == (80, 50)
    assert reopen(result.variants["thumb"].data).size == (40, 25)


# --- storage -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../x", "a/b", "..", ".", ".hidden", "", "a\\b", "x..y.webp", "/etc/passwd", "a b", "é.webp"]
)
def test_storage_refuses_names_that_could_escape_or_hide(tmp_path, name):
    storage = LocalStorage(tmp_path / "media")
    assert not is_valid_name(name)
    with pytest.raises(ValueError, match="invalid storage name"):
        storage.save(name, b"x")
    with pytest.raises(ValueError, match="invalid storage name"):
        storage.open(name)


def test_local_storage_round_trip_leaves_no_temp_files(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    storage.save("abc_thumb.webp", b"one")
    storage.save("abc_thumb.webp", b"two")  # overwrite goes through the same rename

    assert storage.open("abc_thumb.webp") == b"two"
    assert storage.exists("abc_thumb.webp")
    assert storage.path("abc_thumb.webp") == tmp_path / "media" / "abc_thumb.webp"
    assert [p.name for p in (tmp_path / "media").iterdir()] == ["abc_thumb.webp"]
    storage.delete("abc_thumb.webp")
    storage.delete("abc_thumb.webp")  # deleting twice is not an error
    assert not storage.exists("abc_thumb.webp")


def test_get_storage_uses_media_dir_and_is_cached(tmp_path):
    app = Flask(__name__)
    app.config["MEDIA_DIR"] = str(tmp_path)
    storage = get_storage(app)
    assert storage.root == tmp_path
    assert get_storage(app) is storage


# --- service -------------------------------------------------------------------------------


def test_store_image_writes_one_file_per_variant_named_by_key(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = service.store_image(storage, fixture("good.png"), sizes=SIZES, **CAPS)

    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", stored.key)
    assert stored.variants == {
        "thumb": (f"{stored.key}_thumb.webp", 36, 27),
        "large": (f"{stored.key}_large.webp", 64, 48),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(v[0] for v in stored.variants.values())
    assert reopen(storage.open(service.variant_filename(stored.key, "thumb"))).size == (36, 27)

    service.delete_image(storage, stored.key, SIZES)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_no_orphan_files(tmp_path, monkeypatch):
    storage = LocalStorage(tmp_path)
    real_save, calls = storage.save, []

    def flaky_save(name, data):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        real_save(name, data)

    monkeypatch.setattr(storage, "save", flaky_save)
    with pytest.raises(OSError, match="disk full"):
        service.store_image(storage, fixture("good.png"), sizes=SIZES, **CAPS)
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []


def test_invalid_images_write_nothing(tmp_path):
    with pytest.raises(Invalid):
        service.store_image(LocalStorage(tmp_path), fixture("truncated.jpg"), sizes=SIZES, **CAPS)
    assert list(tmp_path.iterdir()) == []


def upload(data: bytes, filename: str = "photo.jpg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="image/jpeg")


def test_store_image_from_upload(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = service.store_image_from_upload(
        storage, upload(fixture("good.png")), max_bytes=10_000, sizes=SIZES, **CAPS
    )
    assert storage.exists(stored.variants["large"][0])


@pytest.mark.parametrize(
    ("file_storage", "code"),
    [(None, "image_empty"), (upload(b""), "image_empty"), (upload(b"\xff" * 10_001), "image_too_large")],
    ids=["missing", "empty", "over-max-bytes"],
)
def test_store_image_from_upload_rejects(tmp_path, file_storage, code):
    with pytest.raises(Invalid) as caught:
        service.store_image_from_upload(
            LocalStorage(tmp_path), file_storage, max_bytes=10_000, sizes=SIZES, **CAPS
        )
    assert caught.value.code == code


# --- view ----------------------------------------------------------------------------------


@pytest.fixture
def media_client(tmp_path):
    app = Flask(__name__)
    app.config.update(TESTING=True, MEDIA_DIR=str(tmp_path / "media"))
    Babel(app)
    app.register_blueprint(bp)
    app.register_error_handler(AppError, lambda error: ({"error": {"code": error.code}}, error.status))
    (tmp_path / "secret.webp").write_bytes(b"outside the media dir")
    return app.test_client(), get_storage(app)


def test_view_serves_variants_as_cacheable_webp(media_client):
    client, storage = media_client
    stored = service.store_image(storage, fixture("good.png"), sizes=SIZES, **CAPS)
    filename = stored.variants["thumb"][0]

    response = client.get(f"/media/{filename}")

    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.data == storage.open(filename)
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "/media/missing_thumb.webp",
        "/media/..%2fsecret.webp",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/..secret.webp",
        "/media/.upload-abc",
        "/media/notes.html",
    ],
)
def test_view_404s_for_bad_or_missing_names(media_client, url):
    client, storage = media_client
    storage.save("notes.html", b"<script>alert(1)</script>")  # exists, but never served as HTML
    response = client.get(url)
    assert response.status_code == 404


# --- art -----------------------------------------------------------------------------------


def test_placeholder_art_is_deterministic_jpeg():
    photo = paint_photo(7, (120, 160), label="早午餐")
    assert photo == paint_photo(7, (120, 160), label="早午餐")
    assert photo != paint_photo(8, (120, 160), label="早午餐")
    assert reopen(photo).format == "JPEG"
    assert reopen(photo).size == (120, 160)
    avatar = paint_avatar(3, "小红", size=64)
    assert avatar == paint_avatar(3, "小红", size=64)
    assert reopen(avatar).size == (64, 64)
    assert process(photo).variants["large"].width == 120  # demo art goes through the same pipeline


def test_app_bound_helpers_read_caps_and_sizes_from_config(tmp_path):
    app = Flask(__name__)
    app.config.update(
        MEDIA_DIR=str(tmp_path),
        MAX_IMAGE_BYTES=10_000,
        MAX_IMAGE_PIXELS=50_000_000,
        MAX_IMAGE_SIDE=12_000,
        AVATAR_SIZES={"thumb": 16, "large": 32},
    )
    Babel(app)  # Invalid's lazy message is rendered inside the app context
    with app.app_context():
        key = service.store_avatar(upload(fixture("good.png")))
        assert reopen(service.local_path(key, "thumb").read_bytes()).size == (16, 12)
        assert len(list(tmp_path.iterdir())) == 2
        service.delete_avatar(key)
        assert list(tmp_path.iterdir()) == []

        with pytest.raises(Invalid) as caught:
            service.save_bytes(b"\xff" * 10_001, {"large": 32})
        assert caught.value.code == "image_too_large"
