"""`nengo_fashion.images.preprocess`: real pictures into Fashion-MNIST's form.

Tolerances (stated here, measured on the first 60 test images):

- a 28 x 28 Fashion-MNIST image passes unchanged, to the bit;
- a light-background photo made from it with *integer nearest-neighbour* scaling (sharp edges)
  comes back identical, pixel for pixel, whenever the trim can find the frame (its outermost
  pixels brighter than the 5 % fuzz: 183 of the first 200 test images);
- with *bicubic* scaling the garment's edges are soft and the trim box can miss the frame by a
  fraction of a pixel: the mean absolute pixel difference (pixels in [0, 1]) must stay below
  0.08 on average (measured: 0.066) and the rate network's class must agree on at least 85 %
  of the images (measured: 91.7 %; the network is sensitive: a one-pixel shift alone changes
  about 15 % of its answers; the agreement over thousands of photos is measured by
  ``python -m nengo_fashion.studies.photos``).
"""

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

import nengo_fashion as nf
from nengo_fashion.errors import ConfigError
from nengo_fashion.images import preprocess as pp

MAD_MEAN = 0.08
AGREE_MIN = 0.85


@pytest.fixture(scope="module")
def test_u8(fashion):
    return np.rint(fashion.test.images.reshape(-1, 28, 28) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def clf():
    return nf.load()


def photo(original, scale=6, canvas=(260, 200), at=(31, 17), resample=Image.Resampling.BICUBIC):
    """A light-background photo: negated, scaled, placed off centre on a white canvas."""
    side = 28 * scale
    garment = Image.fromarray(255 - original, "L").convert("RGB").resize((side, side), resample)
    c = Image.new("RGB", canvas, (255, 255, 255))
    c.paste(garment, at)
    return c


def test_fashion_images_pass_unchanged(fashion):
    """All 10,000 test images, as floats and as uint8, come back as the dataset has them."""
    x = fashion.test.images.reshape(-1, 28, 28)
    for image in x:
        out = pp.preprocess(image)
        assert out.dtype == np.float32 and np.array_equal(out, image)
    u8 = np.rint(x[:500] * 255).astype(np.uint8)
    for image, ref in zip(u8, x[:500]):
        assert np.array_equal(pp.preprocess(image), ref)
        assert np.array_equal(pp.preprocess(Image.fromarray(image, "L")), ref)


def _frame_found_exactly(image):
    """Whether the trim (at the fuzz) finds the image's frame: its pixels above the fuzz span
    the same box as all its non-zero pixels, 28 pixels on the long side."""
    boxes = []
    for mask in (image > pp.DEFAULT.fuzz * 255, image > 0):
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        boxes.append((rows[0], rows[-1], cols[0], cols[-1]))
    r0, r1, c0, c1 = boxes[1]
    return boxes[0] == boxes[1] and max(r1 - r0, c1 - c0) + 1 == 28


def test_exact_round_trip_with_sharp_edges(test_u8):
    """Nearest-neighbour scaling by 5, off centre on a 4:3 canvas: when the trim can find the
    frame (183 of the first 200 test images), every pixel comes back."""
    eligible = [o for o in test_u8[:200] if _frame_found_exactly(o)]
    assert len(eligible) >= 170
    for original in eligible:
        p = photo(
            original, scale=5, canvas=(300, 220), at=(40, 25), resample=Image.Resampling.NEAREST
        )
        assert np.array_equal(np.rint(pp.preprocess(p) * 255).astype(np.uint8), original)


def test_bicubic_photo_comes_back_close(test_u8, clf, fashion):
    """The tolerance of the module's docstring: mean absolute difference and same class."""
    originals, outs = test_u8[:60], []
    for k, original in enumerate(originals):
        # a different place and canvas shape for each image
        outs.append(
            pp.preprocess(photo(original, scale=4 + k % 5, at=(10 + 7 * k % 50, 9 + 3 * k % 31)))
        )
    outs = np.stack(outs)
    ref = fashion.test.images[:60]
    mad = np.abs(outs.reshape(60, -1) - ref).mean(axis=1)
    assert mad.mean() < MAD_MEAN, mad.mean()
    agree = np.mean(clf.predict(outs).labels == clf.predict(ref).labels)
    assert agree >= AGREE_MIN, agree


def test_light_28x28_is_negated(test_u8):
    original = test_u8[0]
    out = pp.preprocess(255 - original)  # light background: not Fashion-MNIST-like
    assert np.abs(out - original / 255.0).mean() < 0.01


def test_exif_rotation_is_applied(test_u8):
    upright = photo(test_u8[1])
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    stored = pp.encode(upright.transpose(Image.Transpose.ROTATE_90), "PNG", exif=exif.tobytes())
    opened = pp.open_image(stored)
    assert opened.size == upright.size
    assert np.array_equal(pp.preprocess(opened), pp.preprocess(upright))


def test_alpha_cutout_equals_white_background(test_u8):
    """A black cut-out on transparent black pixels reads as the garment on white."""
    original = test_u8[2]
    cut = Image.new("RGBA", (28, 28), (0, 0, 0, 0))
    cut.putalpha(Image.fromarray(original, "L"))
    big = cut.resize((168, 168), Image.Resampling.NEAREST)
    canvas = Image.new("RGBA", (250, 200), (0, 0, 0, 0))
    canvas.paste(big, (40, 12))
    out = pp.preprocess(pp.open_image(pp.encode(canvas, "PNG")))
    white = photo(
        original, scale=6, canvas=(250, 200), at=(40, 12), resample=Image.Resampling.NEAREST
    )
    assert np.abs(out - pp.preprocess(white)).max() <= 2 / 255


def test_dark_background_is_not_negated(test_u8):
    original = test_u8[3]
    dark = ImageOps.invert(photo(original, scale=5, resample=Image.Resampling.NEAREST))
    out = pp.preprocess(dark)
    assert np.abs(out - original / 255.0).mean() < 0.01


def test_colour_cast_is_undone(test_u8):
    """A tinted backdrop (each channel darkened) becomes white before negation."""
    p = np.asarray(photo(test_u8[4], scale=5, resample=Image.Resampling.NEAREST), dtype=float)
    tinted = Image.fromarray(np.rint(p * [0.8, 0.9, 0.7]).astype(np.uint8), "RGB")
    out = pp.preprocess(tinted)
    assert np.abs(out - test_u8[4] / 255.0).mean() < 0.02


def test_modes_and_sizes():
    rng = np.random.RandomState(0)
    for img in (
        Image.new("L", (1, 1), 255),
        Image.new("RGB", (3000, 2000), (250, 250, 250)),  # blank: no garment, no crash
        Image.fromarray((rng.rand(40, 90) * 65535).astype(np.uint16)),  # 16-bit grey
        Image.new("CMYK", (50, 60)),
        Image.new("P", (64, 48)),
        Image.new("LA", (33, 77)),
    ):
        out = pp.preprocess(img)
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert 0 <= out.min() and out.max() <= 1


def test_large_photo_is_fast(test_u8):
    import time

    big = photo(test_u8[5], scale=80, canvas=(3000, 2400), at=(500, 100))
    t = time.perf_counter()
    out = pp.preprocess(big)
    assert time.perf_counter() - t < 2.0
    assert np.abs(out - test_u8[5] / 255.0).mean() < MAD_MEAN


def test_unreadable_files_are_one_line_errors(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not a picture\n")
    good = tmp_path / "good.png"
    Image.fromarray(np.random.RandomState(0).randint(0, 256, (200, 200), np.uint8)).save(good)
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:5000])
    cases = {
        "empty.png": "empty file",
        "text.png": "not an image",
        "cut.png": "truncated or corrupt",
        "missing.png": "no such file",
        ".": "is a folder",
    }
    for name, words in cases.items():
        with pytest.raises(pp.ImageReadError) as e:
            pp.open_image(tmp_path / name)
        assert words in str(e.value) and "\n" not in str(e.value)


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="resample"):
        pp.Settings(resample="cubic-ish")
    with pytest.raises(ConfigError, match="fuzz"):
        pp.Settings(fuzz=1.5)
    with pytest.raises(ConfigError, match="denoise"):
        pp.Settings(denoise=4)


def test_package_exports_preprocess(test_u8):
    x = test_u8[6]
    assert nf.preprocess is pp.preprocess
    assert np.array_equal(nf.preprocess(x), pp.preprocess(x))
    from nengo_fashion.images.preprocess import preprocess

    assert callable(preprocess) and np.array_equal(preprocess(x), x / np.float32(255))
    buf = io.BytesIO()
    Image.fromarray(x).save(buf, "PNG")
    buf.seek(0)
    assert np.array_equal(nf.preprocess(pp.open_image(buf)), x / np.float32(255))
