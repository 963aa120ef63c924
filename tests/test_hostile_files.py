"""Hostile files, each case a row of a table:

- **data files** that are not regular files, or that inflate without bound (a gzip bomb, a
  header that claims absurd dimensions, a huge sparse file), given to a real command
  (``python -m nengo_fashion.evaluate --data-dir COPY``) under a 1.5 GiB address-space limit
  and a short timeout, so that a reader without a bound fails fast instead of eating the
  machine or hanging;
- **result folders that the project itself leaves** (``NAME.unsaved-*``, ``unsaved-*``,
  hidden temporary folders) and folders that are no run's, which the efficiency study and
  the report must not gather; two emulator runs of one run must not get the same label;
- **damaged result files** (truncated, a list, a string, a null or a string where a number
  is expected) given to ``python -m tools.report`` and ``python -m
  nengo_fashion.studies.efficiency``: one line naming the file and the field, exit 2;
- **report markers without their pair**: refused, naming the file and the marker.
"""

import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from nengo_fashion import data
from nengo_fashion.studies import efficiency
from tools import report

from .conftest import make_idx_dir
from .hostile import ENV, ROOT, Result, Snapshot, assert_one_line_error, leftovers, run

BEST = ROOT / "results" / "best-relu"
MAX_SECONDS = 30
MEMORY_LIMIT = 3 * 2**29  # 1.5 GiB of address space: far more than a bounded read needs
GZ_CHUNK = 1 << 24


def run_limited(argv, *, timeout=MAX_SECONDS, env=None):
    """`hostile.run`, with the address space limited to `MEMORY_LIMIT` (a reader that inflates
    without bound ends in a MemoryError within seconds, not after eating the machine) and a
    short timeout (a reader that blocks on a FIFO fails the test instead of hanging it)."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    cmd = [sys.executable, *map(str, argv)]
    t0 = time.monotonic()
    p = subprocess.run(
        cmd,
        cwd=ROOT,
        env={**ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
    )
    return Result(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


# --- data files ----------------------------------------------------------------------------


def gzip_of_zeros(head, n_zeros, *, exact=True):
    """A gzip file whose content is ``head`` then ``n_zeros`` zero bytes, made in milliseconds
    however large the content: 16 MiB of zeros are deflated once (a full flush on each side,
    so that the blocks stand alone) and the blocks repeated (~16 KB a copy). ``exact=False``
    writes no CRC (never reached by a bounded reader, and too slow to compute for GiBs)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)]
    copies, rest = divmod(n_zeros, GZ_CHUNK)
    if copies:
        parts.append((c.compress(bytes(GZ_CHUNK)) + c.flush(zlib.Z_FULL_FLUSH)) * copies)
    if rest:
        parts.append(c.compress(bytes(rest)) + c.flush(zlib.Z_FULL_FLUSH))
    parts.append(c.flush())
    crc = 0
    if exact:
        crc = zlib.crc32(head)
        for _ in range(copies):
            crc = zlib.crc32(bytes(GZ_CHUNK), crc)
        crc = zlib.crc32(bytes(rest), crc)
    size = (len(head) + n_zeros) & 0xFFFFFFFF
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # RFC 1952: deflate, no name, Unix
    return header + b"".join(parts) + struct.pack("<II", crc, size)


def _idx_header(*dims):
    return struct.pack(">I", 0x0800 + len(dims)) + struct.pack(f">{len(dims)}I", *dims)


def symlink_to_dev_zero(folder):
    path = folder / data.FILES["train_images"]
    path.unlink()
    os.symlink("/dev/zero", path)
    return path.name


def fifo(folder):
    path = folder / data.FILES["test_labels"]
    path.unlink()
    os.mkfifo(path)
    return path.name


def symlink_to_fifo(folder):
    target = folder.parent / "pipe"
    os.mkfifo(target)
    path = folder / data.FILES["train_labels"]
    path.unlink()
    os.symlink(target, path)
    return path.name


def unix_socket(folder):
    path = folder / data.FILES["test_images"]
    path.unlink()
    # a socket file: AF_UNIX paths are limited to ~108 bytes, so bind from inside the folder
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        s = socket.socket(socket.AF_UNIX)
        s.bind(path.name)
        s.close()
    finally:
        os.chdir(cwd)
    return path.name


def bomb_real_dims(folder):
    """The header says 60,000 images of 28 x 28 (47 MB); 2 GiB of zeros follow (2 MB of gzip)."""
    path = folder / data.FILES["train_images"]
    path.write_bytes(gzip_of_zeros(_idx_header(60000, 28, 28), 128 * GZ_CHUNK, exact=False))
    return path.name


def bomb_absurd_dims(folder):
    """The header claims 4e9 images (3 TB); 2 GiB of zeros follow."""
    path = folder / data.FILES["train_images"]
    head = _idx_header(4_000_000_000, 28, 28)
    path.write_bytes(gzip_of_zeros(head, 128 * GZ_CHUNK, exact=False))
    return path.name


def huge_sparse_file(folder):
    """A 4 GiB file (sparse: it takes no disk), far larger than any IDX file could be."""
    path = folder / data.FILES["train_images"]
    with open(path, "r+b") as f:
        f.truncate(4 * 2**30)
    return path.name


def more_items_than_fashion_mnist(folder):
    """A well-formed file of 100,000 images (78 MB of content): more than Fashion-MNIST
    has, so not inflated in full to learn that it is not the published file."""
    path = folder / data.FILES["train_images"]
    path.write_bytes(gzip_of_zeros(_idx_header(100000, 28, 28), 100000 * 784))
    return path.name


# (id, damage, --unverified-data, words of the error line besides the file name)
DATA_CASES = [
    ("symlink-to-dev-zero", symlink_to_dev_zero, True, ["not a regular file", "device"]),
    ("fifo", fifo, True, ["not a regular file", "fifo"]),
    ("symlink-to-fifo", symlink_to_fifo, True, ["not a regular file", "fifo"]),
    ("unix-socket", unix_socket, True, ["not a regular file", "socket"]),
    ("gzip-bomb-real-dims", bomb_real_dims, True, ["padded", "header says 47040000"]),
    ("gzip-bomb-real-dims-verified", bomb_real_dims, False, ["padded", "header says 47040000"]),
    ("gzip-bomb-absurd-dims", bomb_absurd_dims, True, ["4000000000", "limit"]),
    ("huge-sparse-file", huge_sparse_file, True, ["4294967296 bytes", "larger than"]),
    (
        "more-items-than-fashion-mnist",
        more_items_than_fashion_mnist,
        False,
        ["100000 items", "--unverified-data"],
    ),
]


@pytest.fixture(scope="module")
def protected():
    """``results/best-relu`` (read by the command), never changed."""
    snap = Snapshot(BEST)
    yield snap
    snap.assert_unchanged()


@pytest.mark.parametrize(
    "damage, opt_in, words", [pytest.param(*c[1:], id=c[0]) for c in DATA_CASES]
)
def test_data_file_is_bounded(damage, opt_in, words, tmp_path, protected):
    folder = make_idx_dir(tmp_path / "data")
    name = damage(folder)
    argv = ["-m", "nengo_fashion.evaluate", "--run", BEST, "--data-dir", folder]
    if opt_in:
        argv.append("--unverified-data")
    result = run_limited(argv, env={data.UNVERIFIED_ENV_VAR: ""})
    assert_one_line_error(result, contains=[name, *words], max_seconds=MAX_SECONDS)
    assert str(folder) in result.stderr.strip().splitlines()[-1]
    assert "MemoryError" not in result.stderr
    protected.assert_unchanged()


def test_symlinks_to_regular_files_are_read(tmp_path):
    """A symlink is resolved, and a regular file behind it is read as itself."""
    real = make_idx_dir(tmp_path / "real")
    linked = tmp_path / "linked"
    linked.mkdir()
    for name in data.FILES.values():
        os.symlink(real / name, linked / name)
    a = data.load(real, n_val=10, verify=False)
    b = data.load(linked, n_val=10, verify=False)
    assert (a.train.images == b.train.images).all() and (a.test.labels == b.test.labels).all()


# --- where the efficiency study and the report look ------------------------------------------


def _copy_run(src, dest):
    dest.mkdir(parents=True)
    for name in ("config.json", "weights.npz"):
        shutil.copyfile(src / name, dest / name)
    return dest


def _loihi_json(results, rel, run, n_images):
    r = json.loads((BEST / "loihi.json").read_text())
    r.update(run=str(results / run), n_images=n_images)
    path = results / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(r))
    return path


@pytest.fixture(scope="module")
def tiny_test(tmp_path_factory):
    """20 test images of random pixels: the ANN baselines are counted on them (a file-format
    fixture, not data)."""
    folder = make_idx_dir(tmp_path_factory.mktemp("idx"))
    return data.load(folder, n_val=10, verify=False).test


@pytest.fixture
def layout(tmp_path):
    """A results folder with run folders ``r`` and ``seeds/x/seed-0`` (copies of
    ``results/best-relu``'s weights), and ``r/loihi.json`` on 10,000 images."""
    results = tmp_path / "results"
    _copy_run(BEST, results / "r")
    _copy_run(BEST, results / "seeds" / "x" / "seed-0")
    _loihi_json(results, "r/loihi.json", "r", 10000)
    return results


# (id, where one more loihi.json of 20 images lies, the run folder it names, gathered?)
PLACES = [
    ("unsaved-run-folder", "r.unsaved-a1b2/run/loihi.json", "r.unsaved-a1b2/run", False),
    ("unsaved-outputs-folder", "r/unsaved-x1y2/loihi.json", "r", False),
    ("hidden-temporary-run-folder", ".r.k3j4.tmp/loihi.json", ".r.k3j4.tmp", False),
    ("hidden-staging-folder", "r/.outputs.k3j4.tmp/loihi.json", "r", False),
    ("too-deep", "r/a/b/loihi.json", "r", False),
    ("not-a-run-folder", "notes/loihi.json", "r", False),
    ("seeds-recipe-folder", "seeds/x/loihi.json", "seeds/x/seed-0", False),
    # the places the commands write to: kept
    ("run-folder", "seeds/x/seed-0/loihi.json", "seeds/x/seed-0", True),
    ("out-folder-of-a-run", "r/loihi-20/loihi.json", "r", True),
    ("out-folder-of-a-seed-run", "seeds/x/seed-0/loihi-ttfs/loihi.json", "seeds/x/seed-0", True),
]


@pytest.mark.parametrize("rel, run_folder, kept", [pytest.param(*c[1:], id=c[0]) for c in PLACES])
def test_efficiency_gathers_only_known_places(rel, run_folder, kept, layout, tiny_test):
    results = layout
    if run_folder not in ("r", "seeds/x/seed-0"):
        _copy_run(BEST, results / run_folder)
    extra = _loihi_json(results, rel, run_folder, 20)
    points = [p for p in efficiency.collect(results, tiny_test) if p["kind"] == "loihi"]
    sources = {p["source"] for p in points}
    assert str(results / "r" / "loihi.json") in sources
    assert (str(extra) in sources) == kept, sources
    labels = [p["label"] for p in points]
    assert len(set(labels)) == len(labels), labels


@pytest.mark.parametrize(
    "rel, run_folder, kept", [pytest.param(*c[1:], id=c[0]) for c in PLACES if not c[3]]
)
def test_report_loihi_table_skips_unknown_places(rel, run_folder, kept, layout):
    if run_folder not in ("r", "seeds/x/seed-0"):
        _copy_run(BEST, layout / run_folder)
    _loihi_json(layout, rel, run_folder, 20)
    text = report.TABLES["loihi"](layout)
    assert "`r`" in text and Path(rel).parent.as_posix() not in text.replace("`r`", "")


# (id, the second emulator run of ``r``: where, on how many images; words of its label)
LABELS = [
    ("other-image-count", "r/loihi-20/loihi.json", 20, ["20 test images"]),
    ("same-image-count", "r/loihi-again/loihi.json", 10000, ["10,000 test images"]),
]


@pytest.mark.parametrize("rel, n_images, words", [pytest.param(*c[1:], id=c[0]) for c in LABELS])
def test_two_emulator_runs_of_one_run_are_labelled_apart(rel, n_images, words, layout, tiny_test):
    _loihi_json(layout, rel, "r", n_images)
    points = [p for p in efficiency.collect(layout, tiny_test) if p["kind"] == "loihi"]
    assert len(points) == 2
    first, second = sorted(points, key=lambda p: p["source"] != str(layout / "r/loihi.json"))
    assert first["label"] != second["label"]
    assert "10,000 test images" in first["label"]
    assert all(w in second["label"] for w in words), second["label"]


def test_committed_efficiency_labels_are_unique_and_name_their_images():
    points = json.loads((ROOT / "results/efficiency/efficiency.json").read_text())["points"]
    labels = [p["label"] for p in points]
    assert len(set(labels)) == len(labels)
    assert all("test images" in label for label in labels), labels


# --- damaged result files: report ------------------------------------------------------------

SEEDS = {
    "recipe": "best",
    "neuron": "relu",
    "seeds": [0, 1],
    "per_seed": [{"run": "s/seed-0", "spiking_test_acc": 0.8}] * 2,
    "mean": {"rate_val_acc": 0.8, "rate_test_acc": 0.8, "spiking_test_acc": 0.8},
    "std": {"rate_val_acc": 0.0, "rate_test_acc": 0.0, "spiking_test_acc": 0.0},
}


def _with(doc, dotted, value):
    doc = json.loads(json.dumps(doc))
    *keys, last = dotted.split(".")
    inner = doc
    for k in keys:
        inner = inner[k]
    if value is _with:
        del inner[last]
    else:
        inner[last] = value
    return doc


def _block(name):
    return f"<!-- BEGIN report:{name} -->\nold\n<!-- END report:{name} -->\n"


RUN_FRAGMENT = "It scores <!-- report:run r rate_test_acc -->1<!-- /report --> %.\n"
EFFICIENCY = json.loads((ROOT / "results/efficiency/efficiency.json").read_text())

# (id, {file under results: its text}, the page, words of the error line)
REPORT_CASES = [
    (
        "efficiency-json-truncated",
        {"efficiency/efficiency.json": json.dumps(EFFICIENCY)[:300]},
        _block("efficiency"),
        ["efficiency.json", "not valid JSON"],
    ),
    (
        "seeds-json-is-a-list",
        {"seeds/a/seeds.json": "[]"},
        _block("seeds"),
        ["seeds.json", "list", "JSON object"],
    ),
    (
        "accuracy-is-a-string",
        {"r/results.json": json.dumps({"rate_test_acc": "0.9"})},
        RUN_FRAGMENT,
        ["r/results.json", "rate_test_acc", "a string", "number"],
    ),
    (
        "recipe-search-is-a-string",
        {"recipe_search.json": json.dumps("best")},
        _block("recipe_search"),
        ["recipe_search.json", "a string", "JSON object"],
    ),
    (
        "seeds-mean-is-null",
        {"seeds/a/seeds.json": json.dumps(_with(SEEDS, "mean.spiking_test_acc", None))},
        _block("headline"),
        ["seeds.json", "mean.spiking_test_acc", "null", "number"],
    ),
    (
        "seeds-std-missing",
        {"seeds/a/seeds.json": json.dumps(_with(SEEDS, "std", _with))},
        _block("seeds"),
        ["seeds.json", "field std", "missing"],
    ),
    (
        "efficiency-point-without-label",
        {"efficiency/efficiency.json": json.dumps(_with(EFFICIENCY, "points", [{"kind": "x"}]))},
        _block("efficiency"),
        ["efficiency.json", "points[0].label", "missing"],
    ),
    (
        "efficiency-points-is-an-object",
        {"efficiency/efficiency.json": json.dumps({"points": {}})},
        _block("baselines"),
        ["efficiency.json", "points", "an object", "list"],
    ),
    (
        "loihi-json-is-a-list",
        {"r/loihi.json": "[1, 2]"},
        _block("loihi"),
        ["r/loihi.json", "JSON object"],
    ),
    (
        "search-candidate-accuracy-is-a-string",
        {
            "recipe_search.json": json.dumps(
                {"best": "a", "candidates": {"a": {"overrides": {}, "val_acc": "88"}}}
            )
        },
        _block("recipe_search"),
        ["recipe_search.json", "candidates.a.val_acc", "number"],
    ),
]


def _results(tmp_path, files):
    results = tmp_path / "results"
    _copy_run(BEST, results / "r")  # a run folder: a loihi.json beside it is in its place
    (results / "marker.json").write_text("{}")  # a results folder: some *.json at its top
    for rel, text in files.items():
        (results / rel).parent.mkdir(parents=True, exist_ok=True)
        (results / rel).write_text(text)
    return results


@pytest.mark.parametrize(
    "files, page, words", [pytest.param(*c[1:], id=c[0]) for c in REPORT_CASES]
)
@pytest.mark.parametrize("mode", ["--check", "--write"])
def test_report_refuses_a_damaged_result_file(files, page, words, mode, tmp_path):
    results = _results(tmp_path, files)
    md = tmp_path / "R.md"
    md.write_text(page)
    snap = Snapshot(results, md)
    result = run(["-m", "tools.report", mode, md, "--results", results], timeout=60)
    assert_one_line_error(result, contains=words, max_seconds=MAX_SECONDS)
    snap.assert_unchanged()
    assert not leftovers(tmp_path)


# --- report markers without their pair (14) --------------------------------------------------

# (id, the page, words of the error line besides the file name)
MARKER_CASES = [
    (
        "begin-without-end",
        "# t\n<!-- BEGIN report:recipe_search -->\nold\n",
        ["BEGIN report:recipe_search", "no <!-- END report:recipe_search -->"],
    ),
    (
        "end-without-begin",
        "# t\nold\n<!-- END report:recipe_search -->\n",
        ["END report:recipe_search", "no <!-- BEGIN report:recipe_search -->"],
    ),
    (
        "end-of-another-name",
        "<!-- BEGIN report:recipe_search -->\nold\n<!-- END report:seeds -->\n",
        ["BEGIN report:recipe_search", "no <!-- END report:recipe_search -->"],
    ),
    (
        "begin-without-end-after-a-good-block",
        _block("recipe_search") + "\n<!-- BEGIN report:seeds -->\nold\n",
        ["BEGIN report:seeds", "no <!-- END report:seeds -->"],
    ),
]


@pytest.mark.parametrize("page, words", [pytest.param(*c[1:], id=c[0]) for c in MARKER_CASES])
@pytest.mark.parametrize("mode", ["--check", "--write"])
def test_report_refuses_a_marker_without_its_pair(page, words, mode, tmp_path):
    results = _results(tmp_path, {"recipe_search.json": json.dumps(_RECIPE_SEARCH)})
    md = tmp_path / "R.md"
    md.write_text(page)
    result = run(["-m", "tools.report", mode, md, "--results", results], timeout=60)
    assert_one_line_error(result, contains=[str(md), *words], max_seconds=MAX_SECONDS)
    assert md.read_text() == page


_RECIPE_SEARCH = {"best": "a", "candidates": {"a": {"overrides": {}, "val_acc": 0.5}}}


# --- damaged result files: the efficiency study ----------------------------------------------

RUN_RESULTS = json.loads((BEST / "results.json").read_text())
LOIHI = json.loads((BEST / "loihi.json").read_text())
PARETO = json.loads((ROOT / "results/pareto/best-relu/pareto.json").read_text())
TUNE = {
    "n_images": 1000,
    "best": {k: LOIHI["settings"][k] for k in ("input_rate", "scale", "presentation_time", "skip")},
}

# (id, {file under results: its text}, words of the error line)
EFFICIENCY_CASES = [
    ("run-results-is-a-list", {"r/results.json": "[]"}, ["r/results.json", "JSON object"]),
    (
        "null-accuracy",
        {"r/results.json": json.dumps(_with(RUN_RESULTS, "spiking_test_acc", None))},
        ["r/results.json", "spiking_test_acc", "null", "number"],
    ),
    (
        "string-presentation-time",
        {
            "r/loihi.json": json.dumps(_with(LOIHI, "settings.presentation_time", "1")),
            "r/loihi_tune.json": json.dumps(TUNE),
        },
        ["r/loihi.json", "settings.presentation_time", "a string", "number"],
    ),
    (
        "tune-best-is-null",
        {
            "r/loihi.json": json.dumps(LOIHI),
            "r/loihi_tune.json": json.dumps({"n_images": 9, "best": None}),
        },
        ["r/loihi_tune.json", "best", "null"],
    ),
    (
        "pareto-chosen-test-is-a-string",
        {"pareto/r/pareto.json": json.dumps(_with(PARETO, "chosen_test", "5 steps"))},
        ["pareto.json", "chosen_test", "a string"],
    ),
    (
        "seeds-per-seed-empty",
        {"seeds/a/seeds.json": json.dumps(_with(SEEDS, "per_seed", []))},
        ["seeds.json", "per_seed", "empty"],
    ),
    (
        "loihi-json-truncated",
        {"r/loihi.json": json.dumps(LOIHI)[:200]},
        ["r/loihi.json", "not valid JSON"],
    ),
]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """IDX files of random pixels (a file-format fixture) with more training images than the
    default validation split: the study loads the data before it reads the result files."""
    return make_idx_dir(tmp_path_factory.mktemp("data"), n_train=5010)


@pytest.mark.parametrize("files, words", [pytest.param(*c[1:], id=c[0]) for c in EFFICIENCY_CASES])
def test_efficiency_refuses_a_damaged_result_file(files, words, tmp_path, tiny_data):
    results = _results(tmp_path, files)
    out = tmp_path / "out"
    snap = Snapshot(results)
    argv = ["-m", "nengo_fashion.studies.efficiency", "--results", results, "--out", out]
    argv += ["--data-dir", tiny_data, "--unverified-data", "--quiet"]
    result = run(argv, timeout=120)
    assert_one_line_error(result, contains=words, max_seconds=MAX_SECONDS)
    snap.assert_unchanged()
    assert not (out / efficiency.FILE_NAME).exists() and not leftovers(tmp_path)
