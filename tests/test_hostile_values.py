"""Hostile input, part 2: bad values and damaged run folders (tracker items 7, 9, 11, 13, 14).

Every row of a table is one hostile input; each must end in one line ``error: ...`` (exit
status 2, no traceback) that names the problem, before any work is done, and must change
nothing (`Snapshot` of the run folder used and of ``results/``).

- damaged run folders: every command that reads a run goes through the one loader
  (`nengo_fashion.runs.load_run`, whose weights come from `Weights.load`), so one
  table of damages runs against every command: in-process (``main(argv)``, the whole
  matrix, cheap) and as real processes (a representative few per command);
- bad seeds (`nengo_fashion.cli.seed_value`, `nengo_fashion.config.check_seed`), a batch
  larger than the training split, steps and presentation times past
  `nengo_fashion.config.MAX_STEPS`, the options ``loihi.tune`` shares with ``loihi``;
- the library's image check (`nengo_fashion.network.check_images`) at ``run_spiking``.

In-process cases replace `nengo_fashion.data.load` by a function that fails the test, so a
case that gets past its check is caught before it trains or simulates anything.
"""

import json
import shutil

import numpy as np
import pytest

from nengo_fashion import data as data_mod
from nengo_fashion import runs
from nengo_fashion.config import MAX_SEED, MAX_STEPS, SpikeSettings, TrainConfig, make_config
from nengo_fashion.errors import ConfigError, RunError
from nengo_fashion.network import Weights

from .hostile import ROOT, Snapshot, assert_one_line_error, leftovers, run

RESULTS = ROOT / "results"
SOURCE = RESULTS / "best-relu"

MAX_SECONDS = 30
"""Bound on a real process that fails before any work. Measured here (2 shared cores): 0.8 to
1.5 s (no TensorFlow, no data is loaded before these checks); 20x margin for a busy machine."""

FIX = "nengo_fashion.train"  # every run-folder error ends with how to mend it


# ---- damaged run folders ----


def _weights(d):
    with np.load(d / "weights.npz") as f:
        return {k: f[k] for k in f.files}


def _save_weights(d, **changes):
    w = dict(_weights(d), **changes)
    np.savez(d / "weights.npz", **{k: v for k, v in w.items() if v is not None})


def _truncate(d):
    raw = (d / "weights.npz").read_bytes()
    (d / "weights.npz").write_bytes(raw[: len(raw) // 2])


def _nan(d):
    w = _weights(d)["hidden_w"].copy()
    w[3, 5] = np.nan
    _save_weights(d, hidden_w=w)


def _inf(d):
    b = _weights(d)["output_b"].copy()
    b[0] = np.inf
    _save_weights(d, output_b=b)


def _config(d, **changes):
    cfg = json.loads((d / "config.json").read_text())
    cfg.update(changes)
    (d / "config.json").write_text(json.dumps(cfg))


def _write(name, text):
    def damage(d):
        (d / name).write_bytes(text if isinstance(text, bytes) else text.encode())

    return damage


# (id, damage(run_dir), words of the one-line error); every error also names the fix
WEIGHT_DAMAGES = [
    ("truncated-npz", _truncate, ("weights.npz", "damaged")),
    ("zero-byte-npz", _write("weights.npz", b""), ("weights.npz", "damaged")),
    ("npz-missing-array", lambda d: _save_weights(d, output_b=None), ("weights.npz", "output_b")),
    (
        "npz-wrong-shape",
        lambda d: _save_weights(d, hidden_w=_weights(d)["hidden_w"].T),
        ("weights.npz", "hidden_w", "shape"),
    ),
    ("npz-nan", _nan, ("weights.npz", "hidden_w", "nan")),
    ("npz-inf", _inf, ("weights.npz", "output_b", "infinite")),
    ("npz-missing", lambda d: (d / "weights.npz").unlink(), ("weights.npz", "not found")),
]
CONFIG_DAMAGES = [
    ("config-list", _write("config.json", "[]"), ("config.json", "array", "object")),
    ("config-number", _write("config.json", "3"), ("config.json", "number", "object")),
    ("config-string", _write("config.json", '"x"'), ("config.json", "string", "object")),
    ("config-neuron-nope", _write("config.json", '{"neuron": "nope"}'), ("config.json", "nope")),
    ("config-empty-object", _write("config.json", "{}"), ("config.json", "neuron")),
    ("config-wrong-type", lambda d: _config(d, lr="fast"), ("config.json", "lr", "number")),
    (
        "config-unknown-spiking-key",
        lambda d: _config(d, spiking={"steps": 30, "foo": 1}),
        ("config.json", "foo"),
    ),
    ("config-bad-seed", lambda d: _config(d, seed=-1), ("config.json", "seed")),
    ("config-not-json", _write("config.json", "{"), ("config.json", "json")),
    ("config-not-utf8", _write("config.json", b"\xff\xfe\x00"), ("config.json", "cannot be read")),
    ("config-missing", lambda d: (d / "config.json").unlink(), ("config.json", "not found")),
    ("results-list", _write("results.json", "[]"), ("results.json", "array", "object")),
    ("results-number", _write("results.json", "3"), ("results.json", "number")),
]
DAMAGES = WEIGHT_DAMAGES + CONFIG_DAMAGES


def _words(words, damage_id):
    # "weights.npz not found" says what is missing; every other error names the fix too
    return words if damage_id == "npz-missing" else (*words, FIX)


def _damaged(tmp_path, damage):
    d = tmp_path / "run"
    shutil.copytree(SOURCE, d, ignore=shutil.ignore_patterns("*.png", "params.npz"))
    damage(d)
    return d


# (command module, argv with {run} and {out}); ``train`` reads only the weights of --init-run
COMMANDS = [
    ("nengo_fashion.evaluate", ["--run", "{run}"]),
    ("nengo_fashion.studies.sweep", ["--run", "{run}"]),
    ("nengo_fashion.studies.figures", ["--run", "{run}"]),
    ("nengo_fashion.studies.pareto", ["--run", "{run}", "--out", "{out}"]),
    ("nengo_fashion.export", ["--run", "{run}", "--out", "{out}"]),
    ("loihi", ["--run", "{run}"]),
    ("loihi.tune", ["--run", "{run}", "--out", "{out}"]),
    ("loihi.finetune", ["--run", "{run}", "--out", "{out}"]),
    ("nengo_fashion.gui", ["--run", "{run}", "--no-browser"]),
    ("nengo_fashion.train", ["--init-run", "{run}", "--out", "{out}", "--epochs", "1"]),
]
IN_PROCESS = {"nengo_fashion.gui"}  # gui: only as a real process (a server if it got past)


_COMMAND_OF = {
    f"nengo_fashion.{path}": f"nengo_fashion.commands.{name}"
    for path, name in [
        ("evaluate", "evaluate"),
        ("export", "export"),
        ("studies.sweep", "sweep"),
        ("studies.pareto", "pareto"),
        ("studies.figures", "figures"),
        ("studies.efficiency", "efficiency"),
        ("train", "train"),
        ("studies.seeds", "seeds"),
        ("studies.search", "search"),
        ("studies.reproduce", "reproduce"),
        ("teacher", "teacher"),
    ]
}
"""The command module (`nengo_fashion.commands`) behind a ``python -m`` path."""
_COMMAND_OF.update(
    {
        "loihi": "nengo_fashion.commands.loihi",
        "loihi.tune": "nengo_fashion.commands.loihi_tune",
        "loihi.finetune": "nengo_fashion.commands.loihi_finetune",
    }
)


def _main(module):
    import importlib

    module = _COMMAND_OF.get(module, module)
    if module in ("loihi", "nengo_fashion.teacher"):  # packages: python -m runs __main__
        module = {"loihi": "loihi.run"}.get(module, f"{module}.__main__")
    return importlib.import_module(module).main


def _argv(argv, run_dir, out):
    return [a.replace("{run}", str(run_dir)).replace("{out}", str(out)) for a in argv]


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if a command gets as far as loading the data."""

    def load(*args, **kwargs):
        raise AssertionError("the command started work (loaded the data) before refusing")

    monkeypatch.setattr(data_mod, "load", load)


def _one_line(capsys, call):
    """Run ``call()`` (a ``main``) in-process; its exit status and its one stderr line."""
    try:
        rc = call()
    except SystemExit as e:  # argparse
        rc = e.code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "error" in lines[0].lower(), lines[0]
    return rc, lines[0]


def _assert_words(line, words):
    for word in words:
        assert word.lower() in line.lower(), f"{word!r} not in {line!r}"


@pytest.mark.parametrize("damage_id, damage, words", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_the_one_loader_refuses_a_damaged_run(damage_id, damage, words, tmp_path):
    from nengo_fashion.runs import load_run

    d = _damaged(tmp_path, damage)
    before = Snapshot(d, RESULTS)
    with pytest.raises(RunError) as e:
        load_run(d)
    assert "\n" not in str(e.value)
    _assert_words(f"error: {e.value}", _words(words, damage_id))
    before.assert_unchanged()


MATRIX = [
    (module, argv, damage)
    for module, argv in COMMANDS
    if module not in IN_PROCESS
    for damage in (WEIGHT_DAMAGES if module == "nengo_fashion.train" else DAMAGES)
]


@pytest.mark.parametrize(
    "module, argv, damage", MATRIX, ids=[f"{m.split('.')[-1]}-{d[0]}" for m, _, d in MATRIX]
)
def test_damaged_run_every_command_in_process(module, argv, damage, tmp_path, capsys, no_work):
    damage_id, damage_fn, words = damage
    d = _damaged(tmp_path, damage_fn)
    before = Snapshot(d, RESULTS)
    rc, line = _one_line(capsys, lambda: _main(module)(_argv(argv, d, tmp_path / "out")))
    assert rc == 2, line
    _assert_words(line, _words(words, damage_id))
    before.assert_unchanged()
    assert not leftovers(d, tmp_path)


# a representative few per command, as real processes: the tracker's two examples (a
# truncated weights.npz, a config.json that is a list) and one more kind each
REAL = {
    "nengo_fashion.evaluate": ("truncated-npz", "config-list", "npz-nan"),
    "nengo_fashion.studies.sweep": ("truncated-npz", "config-number"),
    "nengo_fashion.studies.figures": ("truncated-npz", "config-string"),
    "nengo_fashion.studies.pareto": ("truncated-npz", "config-list"),
    "nengo_fashion.export": ("zero-byte-npz", "config-list"),
    "loihi": ("truncated-npz", "results-list"),
    "loihi.tune": ("truncated-npz", "config-neuron-nope"),
    "loihi.finetune": ("truncated-npz", "npz-wrong-shape"),
    "nengo_fashion.gui": ("truncated-npz", "config-list", "npz-nan"),
    "nengo_fashion.train": ("truncated-npz", "npz-inf"),
}
BY_ID = {d[0]: d for d in DAMAGES}
REAL_CASES = [
    (module, argv, BY_ID[damage_id]) for module, argv in COMMANDS for damage_id in REAL[module]
]


@pytest.mark.parametrize(
    "module, argv, damage",
    REAL_CASES,
    ids=[f"{m.split('.')[-1]}-{d[0]}" for m, _, d in REAL_CASES],
)
def test_damaged_run_real_process(module, argv, damage, tmp_path):
    damage_id, damage_fn, words = damage
    d = _damaged(tmp_path, damage_fn)
    before = Snapshot(d, RESULTS)
    r = run(["-m", module, *_argv(argv, d, tmp_path / "out")], timeout=120)
    assert_one_line_error(r, contains=_words(words, damage_id), max_seconds=MAX_SECONDS)
    before.assert_unchanged()
    assert not leftovers(d, tmp_path)


def test_an_intact_copy_still_loads(tmp_path):
    """The loader's checks refuse nothing that train writes (every committed run loads)."""
    from nengo_fashion.runs import load_run

    runs = [p.parent for p in RESULTS.rglob("weights.npz") if (p.parent / "config.json").exists()]
    runs.remove(RESULTS / "teacher")  # the CNN teacher's folder (load_teacher), not a run's
    assert len(runs) >= 10
    for d in runs:
        load_run(d)
    d = _damaged(tmp_path, lambda d: _config(d, some_future_key=1))  # ignored, as documented
    assert load_run(d).config.neuron == "relu"


# ---- seeds: one argparse type (cli.seed_value) and the configs' own check ----

BAD_SEEDS = [("-1", "-1"), ("2**32", str(2**32)), ("not-an-integer", "x"), ("float", "1.5")]
SEED_OPTIONS = [
    ("nengo_fashion.train", ["--out", "{out}", "--seed"]),
    ("nengo_fashion.teacher", ["--out", "{out}", "--seed"]),
    ("nengo_fashion.studies.seeds", ["--out", "{out}", "--seeds", "0"]),
    ("loihi", ["--run", str(SOURCE), "--out", "{out}", "--seed"]),
]
SEED_CASES = [(m, argv, bad) for m, argv in SEED_OPTIONS for bad in BAD_SEEDS]


@pytest.mark.parametrize(
    "module, argv, bad",
    SEED_CASES,
    ids=[f"{m.split('.')[-1]}-{b[0]}" for m, _, b in SEED_CASES],
)
def test_bad_seed_in_process(module, argv, bad, tmp_path, capsys, no_work):
    argv = [*_argv(argv, "", tmp_path / "out"), bad[1]]
    rc, line = _one_line(capsys, lambda: _main(module)(argv))
    assert rc == 2
    _assert_words(line, ("seed",))
    assert not (tmp_path / "out").exists()


REAL_SEEDS = [
    ("train", ["-m", "nengo_fashion.train", "--seed", "-1"]),
    ("teacher", ["-m", "nengo_fashion.teacher", "--seed", str(2**32)]),
    ("seeds", ["-m", "nengo_fashion.studies.seeds", "--seeds", "0", "-1"]),
]


@pytest.mark.parametrize("case", REAL_SEEDS, ids=[c[0] for c in REAL_SEEDS])
def test_bad_seed_real_process(case, tmp_path):
    before = Snapshot(RESULTS)
    r = run([*case[1], "--out", tmp_path / "out", "--data-dir", tmp_path / "no-data"])
    assert_one_line_error(r, contains=("seed", "4294967295"), max_seconds=MAX_SECONDS)
    before.assert_unchanged()
    assert not (tmp_path / "out").exists()


def test_seed_range_in_the_python_api():
    from nengo_fashion.teacher.model import TeacherConfig

    for bad in (-1, 2**32, 1.5, True, "0"):
        with pytest.raises(ConfigError, match="seed"):
            make_config(seed=bad)
        with pytest.raises(ConfigError, match="seed"):
            TeacherConfig(seed=bad)
    assert make_config(seed=MAX_SEED).seed == TeacherConfig(seed=MAX_SEED).seed == 2**32 - 1


# ---- a batch larger than the training split ----

BATCHES = [
    ("train-100000", ["--batch-size", "100000"], ("batch size", "55000")),
    ("train-n-val", ["--batch-size", "50001", "--n-val", "10000"], ("batch size", "50000")),
    ("train-n-train", ["--batch-size", "2000", "--n-train", "1000"], ("batch size", "n_train")),
    ("n-val-all", ["--n-val", "60000"], ("n_val", "59999")),
]


@pytest.mark.parametrize("case", BATCHES, ids=[c[0] for c in BATCHES])
def test_batch_larger_than_the_data_in_process(case, tmp_path, capsys, no_work):
    from nengo_fashion.commands import train

    rc, line = _one_line(capsys, lambda: train.main([*case[1], "--out", str(tmp_path)]))
    assert rc == 2
    _assert_words(line, case[2])


# ---- pruning and the chip fine-tune ----

PRUNING = [
    # (id, module, argv, words in the one line)
    ("train-keep-0", "nengo_fashion.train", ["--prune-keep", "0"], ("prune-keep",)),
    ("train-keep-1.5", "nengo_fashion.train", ["--prune-keep", "1.5"], ("prune_keep", "(0, 1]")),
    ("train-keep-nan", "nengo_fashion.train", ["--prune-keep", "nan"], ("prune-keep",)),
    ("train-keep-word", "nengo_fashion.train", ["--prune-keep", "half"], ("prune-keep",)),
    ("train-input", "nengo_fashion.train", ["--train-input", "spikes"], ("train-input",)),
    ("seeds-keep-2", "nengo_fashion.studies.seeds", ["--prune-keep", "2"], ("prune_keep",)),
    (
        "finetune-ttfs-no-scale",
        "loihi.finetune",
        ["--run", str(SOURCE), "--ttfs", "--steps", "12"],
        ("--ttfs needs", "--scale"),
    ),
    (
        "finetune-ttfs-lif",
        "loihi.finetune",
        ["--run", str(RESULTS / "best-lif"), "--ttfs", "--steps", "12", "--scale", "1"],
        ("relu runs", "lif"),
    ),
]


@pytest.mark.parametrize("case", PRUNING, ids=[c[0] for c in PRUNING])
def test_pruning_and_chip_options_refused_before_work(case, tmp_path, capsys, no_work):
    _, module, argv, words = case
    out = tmp_path / "out"
    rc, line = _one_line(capsys, lambda: _main(module)([*argv, "--out", str(out)]))
    assert rc == 2
    _assert_words(line, words)
    assert not out.exists() or not any(out.iterdir())


def test_batch_larger_than_the_data_real_process(tmp_path):
    r = run(["-m", "nengo_fashion.train", "--batch-size", "100000", "--out", tmp_path / "out"])
    assert_one_line_error(r, contains=("batch size 100000", "55000"), max_seconds=MAX_SECONDS)
    assert not (tmp_path / "out").exists()


def test_batch_bound_in_the_python_api():
    assert make_config(batch_size=55000).batch_size == 55000  # 60000 - n_val 5000
    with pytest.raises(ConfigError, match="larger than the 55000 training images"):
        make_config(batch_size=55001)
    assert TrainConfig(batch_size=1000, n_train=1000).n_train == 1000


# ---- steps and presentation times: bounded in SpikeSettings and MappingSettings ----

STEPS = [
    ("evaluate-1e9", "nengo_fashion.evaluate", ["--run", "{run}", "--steps", "1000000000"]),
    ("evaluate-10001", "nengo_fashion.evaluate", ["--run", "{run}", "--steps", "10001"]),
    ("train-steps", "nengo_fashion.train", ["--out", "{out}", "--steps", "10001"]),
    ("train-train-steps", "nengo_fashion.train", ["--out", "{out}", "--train-steps", "10001"]),
    ("sweep", "nengo_fashion.studies.sweep", ["--run", "{run}", "--steps", "10", "10001"]),
    ("figures", "nengo_fashion.studies.figures", ["--run", "{run}", "--steps", "10001"]),
    ("loihi-pt-1e6", "loihi", ["--run", "{run}", "--out", "{out}", "--presentation-time", "1e6"]),
    ("loihi-pt-10.5", "loihi", ["--run", "{run}", "--out", "{out}", "--presentation-time", "10.5"]),
    ("loihi-small-dt", "loihi", ["--run", "{run}", "--out", "{out}", "--dt", "2e-6"]),
    (
        "tune-pt-1e6",
        "loihi.tune",
        ["--run", "{run}", "--out", "{out}", "--presentation-time", "0.03", "1e6"],
    ),
]


@pytest.mark.parametrize("case", STEPS, ids=[c[0] for c in STEPS])
def test_steps_bound_in_process(case, tmp_path, capsys, no_work):
    _, module, argv = case
    d = _damaged(tmp_path, lambda d: None)
    before = Snapshot(d, RESULTS)
    rc, line = _one_line(capsys, lambda: _main(module)(_argv(argv, d, tmp_path / "out")))
    assert rc == 2
    _assert_words(line, (str(MAX_STEPS),))
    before.assert_unchanged()


def test_steps_bound_real_process(tmp_path):
    r = run(["-m", "nengo_fashion.evaluate", "--run", SOURCE, "--steps", "1000000000"])
    assert_one_line_error(r, contains=("--steps", "at most 10000"), max_seconds=MAX_SECONDS)
    r = run(["-m", "loihi", "--run", SOURCE, "--out", tmp_path, "--presentation-time", "1e6"])
    assert_one_line_error(r, contains=("presentation time", "10000 steps"), max_seconds=MAX_SECONDS)
    assert not (tmp_path / "loihi.json").exists()


def test_steps_bound_in_the_python_api():
    from loihi.mapping import MappingSettings

    assert SpikeSettings(steps=MAX_STEPS).steps == MAX_STEPS
    for bad in (MAX_STEPS + 1, 0, 30.0, True):
        with pytest.raises(ConfigError, match="steps"):
            SpikeSettings(steps=bad)
    assert MappingSettings(presentation_time=MAX_STEPS * 0.001).steps == MAX_STEPS
    for pt in (MAX_STEPS * 0.001 + 0.002, 1e6, float("inf")):
        with pytest.raises(ConfigError, match="at most 10000 steps"):
            MappingSettings(presentation_time=pt)


def test_steps_bound_is_far_above_every_committed_result():
    """The bound leaves 50x room over the longest presentation any result uses."""
    longest = 0
    for path in RESULTS.rglob("*.json"):
        text = path.read_text()
        for key in ('"steps": ', '"train_steps": '):
            for part in text.split(key)[1:]:
                value = part.split(",")[0].split("\n")[0].strip()
                if value.isdigit():
                    longest = max(longest, int(value))
    assert 30 <= longest <= MAX_STEPS // 50, longest


@pytest.mark.parametrize("module", ["nengo_fashion.evaluate", "loihi", "loihi.tune"])
def test_help_states_the_steps_bound(module, capsys):
    with pytest.raises(SystemExit) as e:
        _main(module)(["--help"])
    assert e.value.code == 0
    assert str(MAX_STEPS) in " ".join(capsys.readouterr().out.split())


def test_long_spiking_evaluation_shows_progress(capsys, monkeypatch):
    """evaluate's spiking path reports progress on stderr in pieces (unless --quiet), with
    the same numbers as in one piece."""
    from nengo_fashion.data import Split
    from nengo_fashion.inference import engine

    run_ = runs.load_run(SOURCE)
    rng = np.random.RandomState(0)
    split = Split(rng.rand(600, 784).astype(np.float32), rng.randint(0, 10, 600), "test")
    monkeypatch.setattr(engine, "PROGRESS_WORK", 200 * 30)  # pieces of >= 200 images
    for voltage in ("shared", "per-image"):
        quiet = engine.evaluate_spiking(
            run_.weights,
            "relu",
            split,
            run_.config.spiking,
            engine.RunOptions(batch_size=100, initial_voltage=voltage),
            quiet=True,
        )
        assert capsys.readouterr().err == ""
        loud = engine.evaluate_spiking(
            run_.weights,
            "relu",
            split,
            run_.config.spiking,
            engine.RunOptions(batch_size=100, initial_voltage=voltage),
            quiet=False,
        )
        err = capsys.readouterr().err
        assert err.count("spiking inference") >= 2 and "600/600 done" in err, err
        assert loud == quiet
    from nengo_fashion.commands import evaluate

    assert evaluate.make_parser().parse_args(["--run", "x", "--quiet"]).quiet


# ---- loihi.tune and loihi: the options they share refuse the same values ----

SHARED = [
    ("skip-negative", ["--skip", "-3"], ("--skip", ">= 0")),
    ("n-images-0", ["--n-images", "0"], ("--n-images",)),
    ("scale-0", ["--scale", "0"], ("--scale",)),
    ("input-rate-negative", ["--input-rate", "-5"], ("--input-rate",)),
    ("presentation-time-0", ["--presentation-time", "0"], ("--presentation-time",)),
    ("presentation-time-1e6", ["--presentation-time", "1e6"], ("10000 steps",)),
    ("input-unknown", ["--input", "morse"], ("--input",)),
    ("ttfs-threshold-1.5", ["--input", "ttfs", "--ttfs-threshold", "1.5"], ("threshold",)),
]
SHARED_CASES = [(m, c) for m in ("loihi", "loihi.tune") for c in SHARED]


@pytest.mark.parametrize(
    "module, case", SHARED_CASES, ids=[f"{m.split('.')[-1]}-{c[0]}" for m, c in SHARED_CASES]
)
def test_shared_loihi_options_refuse_alike(module, case, tmp_path, capsys, no_work):
    argv = ["--run", str(SOURCE), "--out", str(tmp_path / "out"), *case[1]]
    rc, line = _one_line(capsys, lambda: _main(module)(argv))
    assert rc == 2
    _assert_words(line, case[2])


def test_tune_skip_negative_real_process(tmp_path):
    r = run(["-m", "loihi.tune", "--run", SOURCE, "--out", tmp_path, "--skip", "0", "-3"])
    assert_one_line_error(r, contains=("--skip", ">= 0"), max_seconds=MAX_SECONDS)
    assert not list(tmp_path.iterdir())


def test_tune_refuses_what_loihi_refuses_in_the_python_api(no_work):
    """`tune` checks its grid with `MappingSettings` (loihi's own check) before the data."""
    from loihi.tune import TuneConfig, tune

    grid = dict(run=SOURCE, input_rate=[250.0], scale=[100.0])
    with pytest.raises(ConfigError, match="skip"):
        tune(TuneConfig(**grid, presentation_time=[0.03], skip=[0, -3]))
    with pytest.raises(ConfigError, match="10000 steps"):
        tune(TuneConfig(**grid, presentation_time=[0.03, 1e6], skip=[0]))


def test_tune_recommendations_are_accepted_by_loihi():
    """Every committed ``loihi.tune`` winner, as the flags it prints, parses in ``loihi``."""
    from loihi.mapping import MappingSettings
    from nengo_fashion.commands.loihi import make_parser

    files = list(RESULTS.rglob("loihi_tune*.json"))
    assert files
    for path in files:
        b = json.loads(path.read_text())["best"]
        argv = ["--run", "x", "--scale", f"{b['scale']:g}", "--skip", str(b["skip"])]
        argv += ["--presentation-time", f"{b['presentation_time']:g}"]
        args = make_parser().parse_args(argv)
        MappingSettings(presentation_time=args.presentation_time, scale=args.scale, skip=args.skip)


# ---- the library's image check: run_spiking takes what Weights.forward takes ----

IMAGES = [
    ("one-28x28-image", np.zeros((28, 28)), "(28, 28)"),
    ("one-784-vector", np.zeros(784), "(784,)"),
    ("batch-of-28x28", np.zeros((2, 28, 28)), "(2, 28, 28)"),
    ("no-images", np.zeros((0, 784)), "empty"),
    ("strings", [["a"] * 784], "not numeric"),
]


@pytest.mark.parametrize("case", IMAGES, ids=[c[0] for c in IMAGES])
def test_run_spiking_refuses_bad_image_shapes(case):
    from nengo_fashion.inference import executor
    from nengo_fashion.inference.engine import RunOptions, run_spiking

    _, images, given = case
    w = Weights.glorot()
    settings = SpikeSettings(steps=3)
    for call in (
        lambda: run_spiking(w, "relu", images, settings),
        lambda: run_spiking(w, "relu", images, settings, RunOptions(engine="nengo_dl")),
        lambda: executor.run_spiking(w, "relu", images, settings),
    ):
        with pytest.raises(ConfigError) as e:
            call()
        assert given in str(e.value) and "(n, 784)" in str(e.value), e.value
    if given != "empty":  # the rate path accepts no images (an empty result)
        with pytest.raises(ConfigError, match=r"\(n, 784\)"):
            w.forward(images)
