"""Tests that kill the mutants the core modules' own tests let survive.

Written from a mutmut run on ``nengo_fashion.network``, ``nengo_fashion.data``,
``nengo_fashion.runs``, ``nengo_fashion.inference.synops`` and
``nengo_fashion.inference.encoding`` (docs/development.md, "Mutation testing", lists the
run, its scores and the survivors left as equivalent). Each test names the behaviour it pins;
none needs the real data, TensorFlow or NengoDL, and the whole file runs in about a second.
"""

import gzip
import json
import sys
import types
import warnings
import zlib

import nengo
import numpy as np
import pytest

from nengo_fashion import data, runs
from nengo_fashion.config import TrainConfig
from nengo_fashion.errors import ConfigError, DataError, RunError
from nengo_fashion.inference import synops
from nengo_fashion.inference.encoding import TTFSCode, spike_steps
from nengo_fashion.network import N_HIDDEN, NetworkSpec, Weights, build_network, check_images

from .conftest import make_idx_dir

TRAIN = "python -m nengo_fashion.train"  # the fix every run-folder error names, as typed


# ---- nengo_fashion.inference.synops ----


def test_count_splits_the_synops_by_layer():
    c = synops.count(input_spikes=392, hidden_spikes=100, steps=16)
    assert c["input_synops_per_image"] == 392 * 128
    assert c["hidden_synops_per_image"] == 100 * 10


# ---- nengo_fashion.inference.encoding ----


def test_spike_steps_default_threshold_lets_every_pixel_spike():
    steps = spike_steps(np.array([0.0, 0.25, 0.5, 1.0]), 8)
    assert steps.tolist() == [8, 6, 4, 0]
    assert np.issubdtype(steps.dtype, np.integer)


def test_spike_steps_a_pixel_at_the_threshold_spikes():
    assert spike_steps(np.array([0.5, 0.49]), 10, threshold=0.5).tolist() == [5, 10]
    assert TTFSCode(10, threshold=0.5).spike_steps(np.array([[0.5, 0.49]])).tolist() == [[5, 10]]


def test_spike_steps_stay_in_the_window_whatever_the_input():
    # brighter than 1: the first step, not a negative one
    assert spike_steps(np.array([1.5, 3.0]), 10).tolist() == [0, 0]
    # below 0 with no threshold to catch it: the last step (no spike), not past the window
    assert spike_steps(np.array([-0.5]), 10, threshold=-np.inf).tolist() == [10]


def test_ttfs_code_passes_its_threshold_on():
    code = TTFSCode(10, threshold=0.3)
    images = np.array([[0.2, 0.3, 0.9]])
    assert code.spike_steps(images).tolist() == [[10, 7, 1]]
    assert code.spikes_per_image(images).tolist() == [2]


def test_ttfs_window_of_one_step_is_valid():
    code = TTFSCode(1)
    images = np.array([[0.2, 0.7, 1.0]])
    assert code.spike_steps(images).tolist() == [[1, 0, 0]]
    assert code.effective_input(images).tolist() == [[0.0, 1.0, 1.0]]
    for window in (0, -1, 2.0):
        with pytest.raises(ConfigError, match="window"):
            TTFSCode(window)


def test_ttfs_effective_input_and_arrivals_are_float32():
    code = TTFSCode(4)
    images = np.array([[0.0, 0.5, 1.0]])
    x_eff = code.effective_input(images)
    assert x_eff.dtype == np.float32 and x_eff.tolist() == [[0.0, 0.5, 1.0]]
    arrivals = code.arrivals(images, 2)
    assert arrivals.dtype == np.float32 and arrivals.tolist() == [[0.0, 1.0, 0.0]]


# ---- nengo_fashion.runs ----


def _run_folder(path, config=None, results=None):
    """A minimal complete run folder: config.json, weights.npz and results.json."""
    path.mkdir(parents=True, exist_ok=True)
    config = TrainConfig() if config is None else config
    (path / "config.json").write_text(json.dumps(config.asdict()))
    Weights.glorot(seed=0).save(path / "weights.npz")
    (path / "results.json").write_text(json.dumps(results or {"rate_test_acc": 0.5}))
    return path


def test_load_run_missing_folder_names_it_and_the_exact_fix(tmp_path):
    with pytest.raises(RunError) as e:
        runs.load_run(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(e.value) and TRAIN in str(e.value)


def test_load_run_without_config_names_the_exact_fix(tmp_path):
    d = _run_folder(tmp_path / "run")
    (d / "config.json").unlink()
    with pytest.raises(RunError) as e:
        runs.load_run(d)
    assert "config.json not found" in str(e.value)
    assert str(e.value).endswith(f"(train one with {TRAIN})")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("[]", "array"),
        ('"x"', "string"),
        ("null", "null"),
        ("3", "number"),
        ("1.5", "number"),
        ("true", "boolean"),
    ],
)
def test_load_run_says_which_file_holds_which_json_kind(tmp_path, text, kind):
    d = _run_folder(tmp_path / "run")
    (d / "config.json").write_text(text)
    with pytest.raises(RunError) as e:
        runs.load_run(d)
    assert f"config.json is not a run configuration: it holds a JSON {kind}, not" in str(e.value)
    d = _run_folder(tmp_path / "run2")
    (d / "results.json").write_text(text)
    with pytest.raises(RunError) as e:
        runs.load_run(d)
    assert f"results.json is not a results file: it holds a JSON {kind}, not" in str(e.value)


def test_unreadable_config_gives_the_reason(tmp_path):
    d = _run_folder(tmp_path / "run")
    (d / "config.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(RunError) as e:
        runs.load_run(d)
    assert "config.json cannot be read (" in str(e.value)
    assert "codec can't decode byte 0xff" in str(e.value)  # the error's first line


def test_a_reason_without_words_is_the_error_type(tmp_path, monkeypatch):
    d = _run_folder(tmp_path / "run")

    def read_json(path):
        raise OSError()

    monkeypatch.setattr(runs, "read_json", read_json)
    with pytest.raises(RunError, match=r"config\.json cannot be read \(OSError\); restore"):
        runs.load_run(d)


def test_store_run_writes_nested_files_and_replaces_a_run(tmp_path):
    run_dir = tmp_path / "runs" / "a"
    run_dir.mkdir(parents=True)
    (run_dir / "stale.txt").write_text("from an older run")
    files = {"config.json": b"{}", "sub/deeper/weights.npz": b"\x00\x01"}
    assert runs.store_run({"files": files}, run_dir) == run_dir
    assert (run_dir / "config.json").read_bytes() == b"{}"
    assert (run_dir / "sub" / "deeper" / "weights.npz").read_bytes() == b"\x00\x01"
    assert not (run_dir / "stale.txt").exists()
    # the given path, not a str or a temporary folder
    assert runs.store_run({"files": files}, str(run_dir)) == run_dir


def test_finished_run_only_for_the_same_config(tmp_path):
    config = TrainConfig(epochs=3, seed=2)
    d = _run_folder(tmp_path / "run", config, {"rate_test_acc": 0.8})
    assert runs.finished_run(d, config) == {"rate_test_acc": 0.8}
    assert runs.finished_run(str(d), config) == {"rate_test_acc": 0.8}
    assert runs.finished_run(d, TrainConfig(epochs=3, seed=3)) is None
    (d / "results.json").unlink()  # interrupted before the results: not finished
    assert runs.finished_run(d, config) is None
    assert runs.finished_run(tmp_path / "absent", config) is None


def test_load_run_refuses_another_family_and_keeps_what_it_read(tmp_path):
    d = _run_folder(tmp_path / "run", results={"rate_test_acc": 0.7})
    run = runs.load_run(d, family="relu")
    assert run.path == d and run.config == TrainConfig()
    assert run.results == {"rate_test_acc": 0.7}
    with pytest.raises(RunError) as e:
        runs.load_run(d, family="lif")
    assert "trained with the 'relu' neuron family, not 'lif'" in str(e.value)
    assert "use --neuron relu or train a lif run" in str(e.value)
    (d / "results.json").unlink()  # optional: a run without results still loads
    assert runs.load_run(d).results == {}


# ---- nengo_fashion.data ----

FILE_NAMES = ", ".join(data.FILES.values())


@pytest.fixture
def no_system_data(tmp_path, monkeypatch):
    """No Debian folder, an empty Keras cache, no $NENGO_FASHION_DATA, no download."""
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.delenv(data.UNVERIFIED_ENV_VAR, raising=False)
    monkeypatch.setattr(data, "_download_with_keras", lambda: None)
    return tmp_path


def test_read_idx_checks_count_and_item_shape(tmp_path):
    path = tmp_path / "x.gz"
    data.write_idx(path, np.zeros((3, 28, 27)))
    with pytest.raises(DataError, match=r"x\.gz: holds 3 items, expected 5; "):
        data.read_idx(path, 3, expected_count=5)
    with pytest.raises(DataError, match=r"items of shape \(28, 27\), expected \(28, 28\)"):
        data.read_idx(path, 3, item_shape=(28, 28))
    assert data.read_idx(path, 3, 3, (28, 27)).shape == (3, 28, 27)


def test_read_idx_errors_name_the_file_and_what_is_wrong(tmp_path):
    with pytest.raises(DataError, match=r"absent\.gz: file not found; replace it"):
        data.read_idx(tmp_path / "absent.gz", 1)
    long = tmp_path / ("x" * 300 + ".gz")  # an OS error other than "not found"
    with pytest.raises(DataError, match=r"\.gz: cannot be read \(File name too long\); "):
        data.read_idx(long, 1)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(b"\x00\x00\x08"))
    with pytest.raises(DataError, match=r"short\.gz: too short to be an IDX file \(3 bytes\)"):
        data.read_idx(short, 1)
    padded = tmp_path / "padded.gz"
    data.write_idx(padded, np.zeros(4))
    raw = gzip.decompress(padded.read_bytes())
    padded.write_bytes(gzip.compress(raw + b"\x00\x00"))
    with pytest.raises(DataError, match="truncated or padded: 6 data bytes, header says 4"):
        data.read_idx(padded, 1)


def test_an_idx_file_of_no_items_is_valid(tmp_path):
    path = tmp_path / "empty.gz"
    data.write_idx(path, np.zeros(0))  # the header only: 8 bytes
    assert data.read_idx(path, 1).shape == (0,)


def test_how_to_fix_a_file_in_a_folder_that_cannot_be_resolved(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # resolving it fails (a symlink loop)
    fix = data.how_to_fix(loop / "train-images-idx3-ubyte.gz")
    assert fix.startswith("replace it with the original train-images-idx3-ubyte.gz")


@pytest.mark.parametrize("value", ["false", "False", "FALSE", "no", "NO", "off", " Off "])
def test_unverified_env_var_off_in_any_case(monkeypatch, value):
    monkeypatch.setenv(data.UNVERIFIED_ENV_VAR, value)
    assert not data.unverified_allowed()


@pytest.mark.parametrize("value", ["TRUE", "Yes", "on"])
def test_unverified_env_var_on_in_any_case(monkeypatch, value):
    monkeypatch.setenv(data.UNVERIFIED_ENV_VAR, value)
    assert data.unverified_allowed()


def test_keras_cache_dir_defaults_to_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == tmp_path / ".keras" / "datasets" / "fashion-mnist"


def test_search_order_debian_then_keras_then_download(no_system_data, monkeypatch):
    keras = make_idx_dir(data.keras_cache_dir())
    debian = no_system_data / "debian"
    debian.mkdir()
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    assert data.find_data_dir() == keras  # Debian's folder lacks the files
    make_idx_dir(debian)
    assert data.find_data_dir() == debian
    with pytest.raises(DataError, match="Fashion-MNIST not found"):
        data.find_data_dir(search_system=False, download=False)


def test_download_is_the_last_resort(no_system_data, monkeypatch):
    downloaded = make_idx_dir(no_system_data / "downloaded")
    monkeypatch.setattr(data, "_download_with_keras", lambda: downloaded)
    assert data.find_data_dir() == downloaded
    with pytest.raises(DataError, match="Fashion-MNIST not found"):
        data.find_data_dir(download=False)


def test_explicit_folder_lacking_files_is_refused(idx_dir, no_system_data):
    for key in ("test_images", "test_labels"):
        (idx_dir / data.FILES[key]).unlink()
    with pytest.raises(DataError) as e:
        data.find_data_dir(idx_dir)
    lacking = f"{data.FILES['test_images']}, {data.FILES['test_labels']}"
    assert str(e.value).startswith(f"{idx_dir} lacks {lacking}. ")


def _fake_tensorflow(get_file):
    """A stand-in for ``tensorflow`` whose ``keras.utils.get_file`` is ``get_file``."""
    utils = types.SimpleNamespace(get_file=get_file)
    return types.SimpleNamespace(keras=types.SimpleNamespace(utils=utils))


def test_download_with_keras_fetches_the_four_files_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    calls = []

    def get_file(fname, origin, cache_subdir):  # a stand-in for Keras' (same keywords)
        calls.append((fname, origin, cache_subdir))
        folder = tmp_path / "keras" / cache_subdir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / fname).write_bytes(b"")
        return str(folder / fname)

    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow(get_file))
    assert data._download_with_keras() == data.keras_cache_dir()
    assert calls == [
        (f, data.KERAS_ORIGIN + f, "datasets/fashion-mnist") for f in data.FILES.values()
    ]


def test_download_with_keras_gives_none_when_it_cannot(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def offline(fname, origin, cache_subdir):
        raise OSError("network unreachable")

    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow(offline))
    assert data._download_with_keras() is None
    # Keras said it fetched them, but they are not where the search looks
    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow(lambda *a, **k: "x"))
    assert data._download_with_keras() is None
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # no TensorFlow installed
    assert data._download_with_keras() is None


def test_split_subset_and_split_by_name(idx_dir):
    d = data.load(idx_dir, n_val=10, verify=False)
    train = d.train
    assert train.subset(None) is train and train.subset(len(train) + 1) is train
    three = train.subset(3)
    assert len(three) == 3 and three.name == "train"
    assert np.array_equal(three.images, train.images[:3])
    assert np.array_equal(three.labels, train.labels[:3])
    assert d.split("train") is d.train and d.split("val") is d.val and d.split("test") is d.test
    with pytest.raises(ValueError, match="unknown split 'dev'; use train, val or test"):
        d.split("dev")


def test_load_raw_checks_counts_and_publication_by_default(idx_dir):
    with pytest.raises(DataError, match="images-idx3-ubyte.gz: holds 60 items, expected 60000"):
        data.load_raw(idx_dir)
    with pytest.raises(DataError, match="not the published Fashion-MNIST"):
        data.load_raw(idx_dir, expect_full=False)
    raw = data.load_raw(idx_dir, expect_full=False, verify=False)
    assert sorted(raw) == ["test", "train"]
    assert raw["train"][0].shape == (60, 28, 28) and raw["train"][1].shape == (60,)
    assert raw["test"][0].shape == (20, 28, 28)


def test_load_raw_checks_each_file_against_the_full_counts(idx_dir, monkeypatch):
    monkeypatch.setattr(data, "EXPECTED_COUNTS", {"train": 60, "test": 20})
    assert data.load_raw(idx_dir, verify=False)["train"][0].shape == (60, 28, 28)
    data.write_idx(idx_dir / data.FILES["train_labels"], np.zeros(50))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz: holds 50 items, expected 60"):
        data.load_raw(idx_dir, verify=False)


def test_load_raw_checks_the_image_shape(idx_dir):
    data.write_idx(idx_dir / data.FILES["train_images"], np.zeros((60, 28, 27)))
    with pytest.raises(DataError, match=r"items of shape \(28, 27\), expected \(28, 28\)"):
        data.load_raw(idx_dir, expect_full=False, verify=False)


def test_label_ten_is_out_of_range(idx_dir):
    data.write_idx(idx_dir / data.FILES["test_labels"], np.full(20, 10))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz: label 10 out of range 0\.\.9"):
        data.load_raw(idx_dir, expect_full=False, verify=False)


def test_load_finds_the_system_folder_and_wants_the_full_set_there(no_system_data, monkeypatch):
    debian = make_idx_dir(no_system_data / "debian")
    monkeypatch.setattr(data, "DEBIAN_DIR", debian)
    with pytest.raises(DataError, match="holds 60 items, expected 60000"):
        data.load(n_val=10, verify=False)  # a system folder holds the whole set
    monkeypatch.setattr(data, "EXPECTED_COUNTS", {"train": 60, "test": 20})
    assert data.load(n_val=10, verify=False).source.startswith(f"{debian} (unverified: ")
    with pytest.raises(DataError, match="Fashion-MNIST not found"):
        data.load(n_val=10, verify=False, search_system=False, download=False)


def test_load_downloads_when_nothing_else_is_found(no_system_data, monkeypatch):
    downloaded = make_idx_dir(no_system_data / "downloaded")
    monkeypatch.setattr(data, "_download_with_keras", lambda: downloaded)
    monkeypatch.setattr(data, "EXPECTED_COUNTS", {"train": 60, "test": 20})
    assert data.load(n_val=10, verify=False).source.startswith(str(downloaded))
    with pytest.raises(DataError, match="Fashion-MNIST not found"):
        data.load(n_val=10, verify=False, download=False)


def test_load_from_the_env_var_accepts_a_small_set(idx_dir, no_system_data, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(idx_dir))
    d = data.load(n_val=10, verify=False)
    assert (len(d.train), len(d.val), len(d.test)) == (50, 10, 20)


def test_load_names_the_splits_and_allows_no_validation(idx_dir, no_system_data):
    d = data.load(idx_dir, n_val=0, verify=False)
    assert (len(d.train), len(d.val), len(d.test)) == (60, 0, 20)
    assert (d.train.name, d.val.name, d.test.name) == ("train", "val", "test")
    assert d.source == f"{idx_dir} (unverified: {FILE_NAMES} not the published Fashion-MNIST)"


def test_published_data_has_a_bare_source(idx_dir, no_system_data, monkeypatch):
    monkeypatch.setattr(data, "is_published", lambda path, gz, raw: True)
    assert data.load(idx_dir, n_val=10).source == str(idx_dir)
    assert data.unverified_note([]) == ""


# ---- nengo_fashion.network ----

FIX = Weights.FIX


def test_weights_are_float32():
    w = Weights.glorot()
    assert all(getattr(w, k).dtype == np.float32 for k in Weights.SHAPES)
    w = Weights(np.ones((128, 784), int), np.ones(128, int), np.ones((10, 128)), np.ones(10))
    assert all(getattr(w, k).dtype == np.float32 for k in Weights.SHAPES)


def _arrays(**changes):
    w = Weights.glorot(seed=0)
    arrays = {k: getattr(w, k) for k in Weights.SHAPES}
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


def test_weights_load_errors_name_the_file_once_and_the_fix_once(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, **_arrays(output_w=None, output_b=None))
    with pytest.raises(RunError) as e:
        Weights.load(path)
    assert str(e.value) == f"{path} lacks output_w, output_b; {FIX}"
    np.savez(path, **_arrays(hidden_b=np.zeros(3)))
    with pytest.raises(RunError) as e:
        Weights.load(path)
    assert str(e.value) == (f"{path}: weights 'hidden_b' has shape (3,), expected (128,); {FIX}")
    np.save(tmp_path / "one.npy", np.zeros(3))
    (tmp_path / "one.npy").rename(path)
    with pytest.raises(RunError) as e:
        Weights.load(path)
    assert str(e.value) == f"{path} holds one array, not the four of a weights file; {FIX}"


def test_weights_load_damaged_file_gives_the_reason(tmp_path, monkeypatch):
    path = tmp_path / "weights.npz"
    path.write_bytes(b"not a weights file at all")
    with pytest.raises(RunError) as e:
        Weights.load(path)
    assert str(e.value).startswith(f"{path} is damaged or not a weights file (Cannot load file")

    def load(*args, **kwargs):
        raise zlib.error()  # an error without words: its type is the reason

    monkeypatch.setattr(np, "load", load)
    with pytest.raises(RunError) as e:
        Weights.load(path)
    assert str(e.value) == f"{path} is damaged or not a weights file (error); {FIX}"


def test_weights_load_overflow_is_one_error_and_no_warning(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, **_arrays(output_b=np.full(10, 1e300)))  # inf in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would be a second line on stderr
        with pytest.raises(RunError, match="'output_b' hold NaN or infinite values"):
            Weights.load(path)


def test_glorot_is_keras_glorot_uniform():
    w = Weights.glorot()
    assert np.array_equal(w.hidden_w, Weights.glorot(seed=0).hidden_w)
    assert not np.array_equal(w.hidden_w, Weights.glorot(seed=1).hidden_w)
    for m, (n_out, n_in) in ((w.hidden_w, (128, 784)), (w.output_w, (10, 128))):
        limit = np.sqrt(6.0 / (n_in + n_out))
        assert -limit <= m.min() < -0.9 * limit and 0.9 * limit < m.max() <= limit
    assert not w.hidden_b.any() and not w.output_b.any()


def test_forward_uses_the_rate_neuron_of_any_family():
    x = np.random.RandomState(0).uniform(0, 1, (2, 784))
    logits = Weights.glorot(seed=1).forward(x, "qcfs4")  # its spiking type has no rates
    assert logits.shape == (2, 10) and np.all(np.isfinite(logits))


def test_check_images_accepts_none_by_default_and_says_what_was_given():
    assert check_images(np.zeros((0, 784))).shape == (0, 784)
    with pytest.raises(ConfigError, match="images is empty"):
        check_images(np.zeros((0, 784)), allow_empty=False)
    with pytest.raises(ConfigError) as e:
        check_images([["a"] * 784])
    assert "got list that is not numeric (could not convert string to float: 'a')" in str(e.value)


def test_build_network_defaults():
    net = build_network()
    assert net.family.name == "relu" and net.spiking is False and net.scale == 1.0
    assert net.seed == 0 and net.p_hidden is None and net.inp_neurons is None
    assert np.array_equal(net.conn_hidden.transform.init, Weights.glorot(seed=0).hidden_w)
    net = build_network(None, "lif", NetworkSpec(seed=3, spiking=True, scale=2.0))
    assert net.seed == 3 and net.family.name == "lif" and net.spiking is True
    assert net.scale == 2.0
    assert np.array_equal(net.conn_hidden.transform.init, Weights.glorot(seed=3).hidden_w)


def test_build_network_refuses_a_zero_scale():
    with pytest.raises(ConfigError, match="scale must be > 0, got 0"):
        build_network(spec=NetworkSpec(scale=0))


def test_rate_code_input_neurons():
    net = build_network(spec=NetworkSpec(input_neurons=nengo.SpikingRectifiedLinear))
    ens = net.inp_neurons
    assert ens.n_neurons == 784 and ens.gain.options.tolist() == [250.0]
    assert ens.neuron_type.amplitude == pytest.approx(1 / 250)
    spec = NetworkSpec(input_neurons=nengo.SpikingRectifiedLinear, input_rate=100.0)
    net = build_network(spec=spec)
    assert net.inp_neurons.gain.options.tolist() == [100.0]
    assert net.inp_neurons.neuron_type.amplitude == pytest.approx(1 / 100)


def test_output_synapse_on_both_output_connections():
    net = build_network(spec=NetworkSpec(synapse=0.005))
    assert net.conn_out.synapse == nengo.Lowpass(0.005)
    assert net.conn_bias.synapse == nengo.Lowpass(0.005)
    assert build_network().conn_out.synapse is None
    assert net.hidden.n_neurons == N_HIDDEN
