"""Hostile input, part 3: the weights and pictures that ``predict`` reads (issue 26, items 5,
9, 10, 11 and 14).

Every row of a table is one hostile input:

- **weights** (item 5): ``predict``, its API (`nengo_fashion.load`) and the photos study read
  a run's ``weights.npz`` through the one reader (`nengo_fashion.weights.Weights.load`); NaN or
  infinite weights, a truncated, empty or zero-byte file, an int array and a ``.npy`` header
  that claims a 37 GiB array each end in one line ``error: ...`` (exit status 2) naming the
  file and the fix, before any image is read and without allocating the claimed array;
- **pixels** (item 9): a float TIFF with a NaN or infinite pixel is refused with one line
  naming the picture; 32-bit integer and float TIFFs are scaled by their own range (a photo
  stored as ``u8 * 4000`` gives exactly the answer of the 8-bit photo);
- **file names** (item 10): a name that is not UTF-8, or holds a newline, a tab or a
  terminal escape, is printed escaped on one line, the other pictures are answered and
  ``--json`` is written;
- **oversized pictures** (item 11): a 16-bit PNG of 13000 x 13000 pixels (169 megapixels,
  1.5 MB on disk) is refused from its header, before it is decoded; under a 3 GiB memory
  limit the good pictures of the same call are answered; no raw DecompressionBombWarning;
- **empty pictures and Loihi records** (item 14): a 0 x 0 PIL image is an `InputError`; a
  run's ``loihi.json`` that is not a JSON object (or holds no ``settings`` object) is
  refused by ``predict --mode loihi`` instead of falling back to the default mapping.

Real processes run ``predict`` as a user would (`tests.hostile.run`), some under an
address-space limit (``RLIMIT_AS``), so that a picture or an array that would be decoded or
allocated in full fails the test instead of filling the machine's memory.
"""

import contextlib
import io
import json
import resource
import shutil
import struct
import time
import warnings
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

import nengo_fashion as nf
from nengo_fashion import classify
from nengo_fashion import data as data_mod
from nengo_fashion.errors import RunError
from nengo_fashion.images import preprocess as pp
from nengo_fashion.images import reading
from nengo_fashion.weights import Weights

from .hostile import ROOT, Snapshot, assert_one_line_error, run

SOURCE = ROOT / "results" / "best-relu"
FIX = "nengo_fashion.train"  # every weights error ends with how to mend it
MEMORY_LIMIT = 3 << 30
"""Address space of a real process under a memory limit (the tracker's 3 GB)."""
MAX_SECONDS = 30
"""Bound on a real ``predict`` that refuses or answers a few small pictures (rate mode, no
Nengo: about 1 s here; 20x margin for a busy machine)."""


# ---- helpers ----

LIMITED = (
    "import resource, runpy, sys\n"
    "limit = int(sys.argv.pop(1))\n"
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)\n"
)


def run_limited(module, args, *, limit=MEMORY_LIMIT, env=None):
    """``python -m module args`` as a real process whose address space is at most ``limit``."""
    return run(["-c", LIMITED, limit, module, *args], env=env, timeout=120)


@contextlib.contextmanager
def memory_limit(extra=2 << 30):
    """This process may allocate at most ``extra`` bytes more than it has now (RLIMIT_AS)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as f:
        size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _run_copy(tmp_path, damage=None):
    d = tmp_path / "run"
    shutil.copytree(
        SOURCE,
        d,
        ignore=shutil.ignore_patterns("*.png", "params.npz", "loihi-ttfs", "loihi_tune*"),
    )
    if damage is not None:
        damage(d)
    return d


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def garment(fashion):
    """A test image (uint8, 28 x 28) whose pixels span 0 to 255, and its label."""
    u8 = np.rint(fashion.test.images[:50].reshape(-1, 28, 28) * 255).astype(np.uint8)
    i = next(i for i, im in enumerate(u8) if im.min() == 0 and im.max() == 255)
    return u8[i], int(fashion.test.labels[i])


def _photo(u8):
    """A light-background photo of a 28 x 28 image: negated, x5 (nearest), off centre."""
    garment = Image.fromarray(255 - u8).resize((140, 140), Image.Resampling.NEAREST)
    canvas = Image.new("L", (200, 170), 255)
    canvas.paste(garment, (37, 11))
    return np.asarray(canvas)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory, garment):
    """A folder with ``good.png`` (an 8-bit photo of a test image) and ``good2.png``."""
    folder = tmp_path_factory.mktemp("pictures")
    Image.fromarray(_photo(garment[0])).save(folder / "good.png")
    Image.fromarray(garment[0]).save(folder / "good2.png")
    return folder


# ---- item 5: one reader of weights.npz ----


def _weights(d):
    with np.load(d / "weights.npz") as f:
        return {k: f[k] for k in f.files}


def _save_weights(d, **changes):
    np.savez(d / "weights.npz", **dict(_weights(d), **changes))


def _nan(d):
    w = _weights(d)["hidden_w"].copy()
    w[3, 5] = np.nan
    _save_weights(d, hidden_w=w)


def _inf(d):
    b = _weights(d)["output_b"].copy()
    b[0] = np.inf
    _save_weights(d, output_b=b)


def _truncate(d):
    raw = (d / "weights.npz").read_bytes()
    (d / "weights.npz").write_bytes(raw[: len(raw) // 2])


def _zero_bytes(d):
    (d / "weights.npz").write_bytes(b"")


def _empty_zip(d):
    with zipfile.ZipFile(d / "weights.npz", "w"):
        pass


def _lying_header(d):
    """hidden_w's .npy header claims (100000, 100000) float32: 37.3 GiB; its data is 400 KB."""
    arrays = _weights(d)
    with zipfile.ZipFile(d / "weights.npz", "w") as z:
        for name, value in arrays.items():
            shape = (100_000, 100_000) if name == "hidden_w" else value.shape
            header = {
                "descr": np.lib.format.dtype_to_descr(value.dtype),
                "fortran_order": False,
                "shape": shape,
            }
            buf = io.BytesIO()
            np.lib.format.write_array_header_1_0(buf, header)
            z.writestr(f"{name}.npy", buf.getvalue() + value.tobytes())


def _int_weights(d):
    _save_weights(d, hidden_w=np.rint(_weights(d)["hidden_w"] * 1000).astype(np.int32))


# (id, damage(run_dir), words of the one-line error); every error also names the fix
WEIGHT_DAMAGES = [
    ("nan", _nan, ("weights.npz", "hidden_w", "nan")),
    ("inf", _inf, ("weights.npz", "output_b", "infinite")),
    ("truncated", _truncate, ("weights.npz", "damaged")),
    ("zero-bytes", _zero_bytes, ("weights.npz", "empty", "not a weights file")),
    ("empty-zip", _empty_zip, ("weights.npz", "empty", "not a weights file")),
    ("lying-header", _lying_header, ("weights.npz", "hidden_w", "(100000, 100000)")),
    ("int-weights", _int_weights, ("weights.npz", "hidden_w", "int32", "not floats")),
]
WEIGHT_IDS = [c[0] for c in WEIGHT_DAMAGES]


def _assert_words(line, words):
    assert "\n" not in line, line
    for word in (*words, FIX):
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"


@pytest.mark.parametrize("damage_id, damage, words", WEIGHT_DAMAGES, ids=WEIGHT_IDS)
def test_the_one_weights_reader(damage_id, damage, words, tmp_path):
    d = _run_copy(tmp_path, damage)
    t = time.perf_counter()
    with memory_limit(), pytest.raises(RunError) as e:
        Weights.load(d / "weights.npz")
    assert time.perf_counter() - t < 5
    _assert_words(str(e.value), words)


@pytest.mark.parametrize("damage_id, damage, words", WEIGHT_DAMAGES, ids=WEIGHT_IDS)
def test_api_load_refuses_damaged_weights(damage_id, damage, words, tmp_path):
    d = _run_copy(tmp_path, damage)
    with memory_limit(), pytest.raises(RunError) as e:
        nf.load(d)
    _assert_words(str(e.value), words)


@pytest.mark.parametrize("damage_id, damage, words", WEIGHT_DAMAGES, ids=WEIGHT_IDS)
def test_predict_refuses_damaged_weights(damage_id, damage, words, tmp_path, pictures):
    d = _run_copy(tmp_path, damage)
    before = Snapshot(d)
    r = run_limited("nengo_fashion.predict", ["--run", d, pictures / "good.png"])
    assert_one_line_error(r, contains=(*words, FIX), max_seconds=MAX_SECONDS)
    assert r.stdout == "", r  # no answer was printed
    before.assert_unchanged()


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command gets as far as loading the data."""

    def load(*args, **kwargs):
        raise AssertionError("the command started work (loaded the data) before refusing")

    monkeypatch.setattr(data_mod, "load", load)


@pytest.mark.parametrize("damage_id, damage, words", WEIGHT_DAMAGES, ids=WEIGHT_IDS)
def test_photos_refuses_damaged_weights(damage_id, damage, words, tmp_path, capsys, no_work):
    from nengo_fashion.commands import photos

    d = _run_copy(tmp_path, damage)
    argv = ["--run", str(d), "--out", str(tmp_path / "out"), "--no-tune", "--modes", "rate"]
    with memory_limit():
        rc = photos.main(argv)
    lines = _lines(capsys.readouterr().err)
    assert rc == 2 and len(lines) == 1, lines
    _assert_words(lines[0], ("error:", *words))


def test_photos_nan_weights_real_process(tmp_path):
    """The tracker's report: NaN weights made the study report 100 % agreement."""
    d = _run_copy(tmp_path, _nan)
    r = run(["-m", "nengo_fashion.studies.photos", "--run", d, "--out", tmp_path / "out"])
    assert_one_line_error(r, contains=("hidden_w", "nan", FIX), max_seconds=MAX_SECONDS)
    assert not (tmp_path / "out" / "photos.json").exists()


# ---- item 9: pixels that are not finite, 32-bit and float scales ----


def _tiff(folder, name, array, mode):
    path = folder / name
    image = Image.fromarray(array)
    assert image.mode == mode
    image.save(path, format="TIFF")
    return path


def _with_pixel(array, value):
    a = array.copy()
    a[60, 70] = value
    return a


# (id, pixels of the float TIFF made from the 8-bit photo in [0, 1], words of the refusal)
NON_FINITE = [
    ("float-nan", lambda f: _with_pixel(f, np.nan), ("nan",)),
    ("float-inf", lambda f: _with_pixel(f, np.inf), ("infinite",)),
    ("float-minus-inf", lambda f: _with_pixel(f, -np.inf), ("infinite",)),
    ("float-all-nan", lambda f: np.full_like(f, np.nan), ("nan",)),
]
NON_FINITE_IDS = [c[0] for c in NON_FINITE]


def _float_photo(garment):
    return _photo(garment[0]).astype(np.float32) / 255


@pytest.mark.parametrize("case_id, make, words", NON_FINITE, ids=NON_FINITE_IDS)
def test_predict_refuses_non_finite_pixels(case_id, make, words, tmp_path, garment, pictures):
    tiff = _tiff(tmp_path, "photo.tiff", make(_float_photo(garment)), "F")
    r = run(["-m", "nengo_fashion.predict", tiff, pictures / "good.png"])
    assert r.rc == 1 and "Traceback" not in r.stderr, r
    out = _lines(r.stdout)
    assert len(out) == 1 and out[0].startswith(f"{pictures / 'good.png'}: "), r
    assert nf.CLASS_NAMES[garment[1]] in out[0], r
    err = _lines(r.stderr)
    assert len(err) == 2 and err[0].startswith(f"skipped {tiff}: "), r
    for word in words:
        assert word.lower() in err[0].lower(), r
    assert err[1].startswith("error: 1 of 2 files"), r


@pytest.mark.parametrize("case_id, make, words", NON_FINITE, ids=NON_FINITE_IDS)
def test_api_refuses_non_finite_pixels(case_id, make, words, tmp_path, garment):
    a = make(_float_photo(garment))
    tiff = _tiff(tmp_path, "photo.tiff", a, "F")
    clf = nf.load()
    for given, name in ((tiff, str(tiff)), (Image.fromarray(a), "image")):
        with pytest.raises(classify.InputError) as e:
            clf.predict(given)
        assert str(e.value).startswith(f"{name}: ") and "\n" not in str(e.value)
        for word in words:
            assert word.lower() in str(e.value).lower()
    with pytest.raises(pp.ImageReadError, match="(?i)" + words[0]):
        pp.preprocess(Image.fromarray(a))


# (id, Pillow mode, the TIFF's pixels from the 8-bit photo u8); each is the photo, scaled
SCALED = [
    ("int32-above-65535", "I", lambda u: u.astype(np.int32) * 4000),
    ("int32-full-range", "I", lambda u: (u.astype(np.int64) * ((2**31 - 1) // 255))),
    ("int32-negative", "I", lambda u: (u.astype(np.int32) - 128) * 1000),
    ("float-above-255", "F", lambda u: u.astype(np.float32) * 1000),
    ("float-negative", "F", lambda u: (u.astype(np.float32) - 128) / 100),
]
SCALED_IDS = [c[0] for c in SCALED]


def _scaled_tiff(folder, make, mode, garment):
    a = make(_photo(garment[0]))
    return _tiff(folder, "photo.tiff", a.astype(np.int32 if mode == "I" else np.float32), mode)


@pytest.mark.parametrize("case_id, mode, make", SCALED, ids=SCALED_IDS)
def test_wide_pixel_range_is_scaled_not_clipped(case_id, mode, make, tmp_path, garment, pictures):
    tiff = _scaled_tiff(tmp_path, make, mode, garment)
    assert pp.open_image(tiff).mode == mode
    expected = pp.preprocess(pictures / "good.png")
    assert np.array_equal(pp.preprocess(tiff), expected)


@pytest.mark.parametrize("case_id, mode, make", SCALED, ids=SCALED_IDS)
def test_predict_answers_a_wide_range_tiff_as_its_8_bit_photo(
    case_id, mode, make, tmp_path, garment, pictures
):
    tiff = _scaled_tiff(tmp_path, make, mode, garment)
    r = run(["-m", "nengo_fashion.predict", tiff, pictures / "good.png"])
    assert r.rc == 0, r
    out = _lines(r.stdout)
    assert len(out) == 2, r
    name = nf.CLASS_NAMES[garment[1]]
    assert out[0] == f"{tiff}: {out[1].split(': ', 1)[1]}" and name in out[0], r


# ---- item 10: file names that are not UTF-8 or hold control characters ----

# (id, the file's name as bytes, how the output shows it)
NAMES = [
    ("not-utf8", b"\xff.png", "\\xff.png"),
    ("not-utf8-inside", b"shirt-\xe9t\xe9.png", "shirt-\\xe9t\\xe9.png"),
    ("newline", b"a\nb.png", "a\\nb.png"),
    ("carriage-return-tab", b"c\r\td.png", "c\\r\\td.png"),
    ("terminal-escape", b"\x1b[31mred.png", "\\x1b[31mred.png"),
]
NAME_IDS = [c[0] for c in NAMES]
UTF8 = {"PYTHONIOENCODING": "utf-8"}


def _odd_folder(tmp_path, raw, content):
    folder = tmp_path / "odd"
    folder.mkdir()
    with open(bytes(folder) + b"/" + raw, "wb") as f:
        f.write(content)
    (folder / "good.png").write_bytes(content)
    return folder


@pytest.mark.parametrize("case_id, raw, shown", NAMES, ids=NAME_IDS)
def test_odd_file_name_is_printed_escaped(case_id, raw, shown, tmp_path, pictures):
    folder = _odd_folder(tmp_path, raw, (pictures / "good.png").read_bytes())
    answers = tmp_path / "answers.json"
    r = run(["-m", "nengo_fashion.predict", "--json", answers, folder], env=UTF8)
    assert r.rc == 0 and r.stderr == "", r
    out = r.stdout.splitlines()
    assert len(out) == 2, r  # one line per picture
    assert any(line.startswith(f"{folder}/{shown}: ") for line in out), r
    assert "\x1b" not in r.stdout and "\r" not in r.stdout, r
    written = json.loads(answers.read_text(encoding="utf-8"))
    assert sorted(e["file"] for e in written["images"]) == sorted(
        [f"{folder}/{shown}", f"{folder}/good.png"]
    )


@pytest.mark.parametrize("case_id, raw, shown", NAMES, ids=NAME_IDS)
def test_odd_unreadable_file_name_is_one_escaped_line(case_id, raw, shown, tmp_path, pictures):
    folder = _odd_folder(tmp_path, raw, b"not a picture\n")
    (folder / "good.png").write_bytes((pictures / "good.png").read_bytes())
    answers = tmp_path / "answers.json"
    r = run(["-m", "nengo_fashion.predict", "--json", answers, folder], env=UTF8)
    assert r.rc == 1 and "Traceback" not in r.stderr, r
    assert len(r.stdout.splitlines()) == 1 and "good.png: " in r.stdout, r
    err = r.stderr.splitlines()
    assert len(err) == 2 and err[0].startswith(f"skipped {folder}/{shown}: not an image"), r
    assert err[1].startswith("error: 1 of 2 files"), r
    written = json.loads(answers.read_text(encoding="utf-8"))
    assert [f["file"] for f in written["failed"]] == [f"{folder}/{shown}"]


def test_non_ascii_name_on_an_ascii_terminal(tmp_path, pictures):
    """A valid UTF-8 name that stdout's encoding cannot show is escaped, not a crash."""
    folder = _odd_folder(
        tmp_path, "robe-\u00e9t\u00e9.png".encode(), (pictures / "good.png").read_bytes()
    )
    r = run(["-m", "nengo_fashion.predict", folder], env={"PYTHONIOENCODING": "ascii"})
    assert r.rc == 0, r
    assert f"{folder}/robe-\\xe9t\\xe9.png: " in r.stdout, r


def test_progress_line_with_a_name_that_is_not_utf8(tmp_path, pictures):
    """With 10 files the progress lines on stderr name them too."""
    folder = _odd_folder(tmp_path, b"\xff.png", (pictures / "good.png").read_bytes())
    for i in range(classify.PROGRESS_MIN):
        (folder / f"p{i}.png").write_bytes((pictures / "good.png").read_bytes())
    r = run(["-m", "nengo_fashion.predict", folder], env=UTF8)
    assert r.rc == 0 and "Traceback" not in r.stderr, r
    assert len(r.stdout.splitlines()) == classify.PROGRESS_MIN + 2, r


def test_api_json_of_an_odd_name_is_encodable(tmp_path, pictures):
    folder = _odd_folder(tmp_path, b"\xff\n.png", (pictures / "good.png").read_bytes())
    r = nf.load().predict(folder)
    assert f"{folder}/\udcff\n.png" in r.sources  # the name itself, to open the file again
    files = [e["file"] for e in r.asdict()["images"]]
    assert f"{folder}/\\xff\\n.png" in files
    json.dumps(r.asdict(), ensure_ascii=False).encode("utf-8")


# ---- item 11: pictures too large to decode ----

HUGE_SIDE = 13000


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory):
    """A valid 16-bit grey PNG of 13000 x 13000 black pixels (169 megapixels; 338 MB decoded
    by Pillow, 4.3 GB by the old preprocessing), written row by row without holding it."""
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    z = zlib.compressobj(1)
    rows = (b"\0" * (1 + 2 * HUGE_SIDE)) * 100  # filter byte 0, then the row's pixels
    idat = b"".join([z.compress(rows) for _ in range(HUGE_SIDE // 100)] + [z.flush()])
    header = struct.pack(">IIBBBBB", HUGE_SIDE, HUGE_SIDE, 16, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    return path


def test_predict_refuses_a_huge_picture_and_answers_the_others(huge_png, pictures):
    r = run_limited(
        "nengo_fashion.predict",
        [pictures / "good.png", huge_png, pictures / "good2.png"],
        env={"PYTHONWARNINGS": "default"},
    )
    assert r.rc == 1 and "Traceback" not in r.stderr, r
    assert "DecompressionBomb" not in r.stderr, r
    out = _lines(r.stdout)
    assert [line.split(": ")[0] for line in out] == [
        str(pictures / "good.png"),
        str(pictures / "good2.png"),
    ], r
    err = _lines(r.stderr)
    assert len(err) == 2 and err[0].startswith(f"skipped {huge_png}: "), r
    assert f"{HUGE_SIDE} x {HUGE_SIDE}" in err[0] and "too large" in err[0], r
    assert err[1].startswith("error: 1 of 3 files"), r
    assert r.seconds < MAX_SECONDS, r


def test_huge_picture_is_refused_before_it_is_decoded(huge_png):
    t = time.perf_counter()
    with memory_limit(1 << 30), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(pp.ImageReadError) as e:
            pp.open_image(huge_png)
    assert time.perf_counter() - t < 2
    assert not caught, [str(w.message) for w in caught]
    assert str(e.value).startswith(f"{huge_png}: ") and "\n" not in str(e.value)


def test_api_skips_a_huge_picture(huge_png, pictures):
    with memory_limit():
        r = nf.load().predict([pictures / "good.png", huge_png], errors="skip")
        with pytest.raises(classify.InputError, match="too large"):
            nf.load().predict(huge_png)
    assert r.sources == (str(pictures / "good.png"),)
    assert [f for f, _ in r.failed] == [str(huge_png)]


def test_gui_images_skip_a_huge_picture(huge_png, pictures, capsys):
    from nengo_fashion.gui import read_images

    with memory_limit():
        names, pixels = read_images([pictures / "good.png", huge_png])
    assert names == ["good.png"] and pixels.shape == (1, 28, 28)
    err = _lines(capsys.readouterr().err)
    assert len(err) == 1 and err[0].startswith(f"skipped {huge_png}: "), err


def test_out_of_memory_on_one_picture_skips_only_that_one(pictures, monkeypatch):
    """Whatever runs out of memory on one picture (here: a stand-in for its preprocessing)
    costs that picture only."""
    preprocess = pp.preprocess

    def short_of_memory(image, *args, **kwargs):
        if image.width > 100:  # good.png, the 200 x 170 photo
            raise MemoryError()
        return preprocess(image, *args, **kwargs)

    monkeypatch.setattr(pp, "preprocess", short_of_memory)
    r = nf.load().predict([pictures / "good.png", pictures / "good2.png"], errors="skip")
    assert r.sources == (str(pictures / "good2.png"),)
    assert r.failed == (
        (
            str(pictures / "good.png"),
            f"{pictures / 'good.png'}: too large to read in the memory " "available",
        ),
    )


def test_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path, garment, monkeypatch):
    """A JPEG above the limit is decoded at 1/2, 1/4 or 1/8 of its size (Pillow's draft)."""
    big = Image.fromarray(_photo(garment[0])).resize((1000, 850), Image.Resampling.NEAREST)
    path = tmp_path / "big.jpg"
    big.save(path, quality=95)
    full = pp.preprocess(path)
    monkeypatch.setattr(reading, "MAX_DECODED_BYTES", 300_000)
    img = pp.open_image(path)
    assert img.size == (500, 425)  # 1/2: the first scale within 300 kB (1 byte per pixel)
    assert np.abs(pp.preprocess(img) - full).mean() < 0.05


# ---- item 14: empty pictures, a loihi.json that is not a mapping record ----

# (id, a PIL image without pixels)
EMPTY = [
    ("grey-0x0", lambda: Image.new("L", (0, 0))),
    ("rgb-0x5", lambda: Image.new("RGB", (0, 5))),
    ("float-7x0", lambda: Image.new("F", (7, 0))),
    ("rgba-0x0", lambda: Image.new("RGBA", (0, 0))),
]
EMPTY_IDS = [c[0] for c in EMPTY]


@pytest.mark.parametrize("case_id, make", EMPTY, ids=EMPTY_IDS)
def test_api_refuses_an_image_without_pixels(case_id, make, garment):
    clf = nf.load()
    image = make()
    with pytest.raises(classify.InputError) as e:
        clf.predict(image)
    assert str(e.value) == f"image: has no pixels ({image.width} x {image.height})"
    with pytest.raises(pp.ImageReadError, match="no pixels"):
        pp.preprocess(image)
    r = clf.predict([image, Image.fromarray(garment[0])], errors="skip")
    assert r.labels.tolist() == [garment[1]] and len(r.failed) == 1


def _loihi_json(content):
    def damage(d):
        (d / "loihi.json").write_bytes(content if isinstance(content, bytes) else content.encode())

    return damage


# (id, content of loihi.json, words of the one-line error)
LOIHI_RECORDS = [
    ("list", "[]", ("loihi.json", "array", "object")),
    ("number", "3", ("loihi.json", "number", "object")),
    ("string", '"x"', ("loihi.json", "string", "object")),
    ("null", "null", ("loihi.json", "null", "object")),
    ("no-settings", '{"n_images": 20}', ("loihi.json", "settings")),
    ("settings-list", '{"settings": [1, 2]}', ("loihi.json", "settings", "array")),
    ("settings-string", '{"settings": "lif"}', ("loihi.json", "settings", "string")),
    ("not-utf8", b"\xff\xfe{}", ("loihi.json", "cannot be read")),
]
LOIHI_IDS = [c[0] for c in LOIHI_RECORDS]


@pytest.mark.parametrize("case_id, content, words", LOIHI_RECORDS, ids=LOIHI_IDS)
def test_loihi_mode_refuses_a_record_that_is_not_a_mapping(case_id, content, words, tmp_path):
    d = _run_copy(tmp_path, _loihi_json(content))
    clf = nf.load(d)
    with pytest.raises(RunError) as e:
        clf.loihi_mapping()
    line = str(e.value)
    assert "\n" not in line and "python -m loihi" in line, line
    for word in words:
        assert word.lower() in line.lower(), line


@pytest.mark.parametrize("case_id", ["list", "settings-list"])
def test_predict_loihi_refuses_a_record_that_is_not_a_mapping(case_id, tmp_path, pictures):
    _, content, words = LOIHI_RECORDS[LOIHI_IDS.index(case_id)]
    d = _run_copy(tmp_path, _loihi_json(content))
    before = Snapshot(d)
    r = run(["-m", "nengo_fashion.predict", "--mode", "loihi", "--run", d, pictures / "good.png"])
    assert_one_line_error(r, contains=words, max_seconds=60)
    assert r.stdout == "", r
    before.assert_unchanged()
