"""Hostile input, the security part: **no code from a model file**.

A teacher run folder (``python -m nengo_fashion.teacher``) is read by ``train --recipe
distill``, ``studies.seeds`` and ``studies.search --space distill``. Keras rebuilds a
``Lambda`` layer of an HDF5 model file from marshalled bytecode when it loads it (its
``safe_mode`` does not apply to HDF5), and a pickle runs whatever it names, so a teacher
is only ever read as numbers: ``weights.npz`` (``np.load(allow_pickle=False)``, arrays
``w000``, ``w001``, ... in ``get_weights()`` order) into the architecture that
``config.json`` describes, rebuilt in code.

Every case here builds a teacher folder that runs code (a marker file appears) if it is
loaded the unsafe way, or that is damaged, and checks that loading it fails with one clear
error and that the marker never appears:

- `LEGACY`: a folder with only a model file of another format (the old ``model.keras``,
  HDF5 with a ``Lambda`` layer; ``.h5``; a pickle; a ``torch.save`` file; a SavedModel);
- `DAMAGES`: a ``weights.npz`` with pickled objects, the wrong number, names, shapes or
  types of arrays, non-finite values, or a bad ``config.json``;
- `COMMANDS`: the three commands that read a teacher, as real processes, refuse the
  malicious folder before any work (one ``error:`` line, exit status 2, no marker).
"""

import io
import json
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nengo_fashion.errors import DataError
from nengo_fashion.teacher import TeacherConfig, build_cnn, load_teacher

from .hostile import assert_one_line_error, run

CONFIG = TeacherConfig(width=2)  # a tiny CNN: the format, not the accuracy, is tested


class _Touch:
    """Pickles to a call of ``open(marker, "w")``: loading the pickle makes the marker."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _pickle_bytes(marker):
    return pickle.dumps([_Touch(marker)])


@pytest.fixture(scope="module")
def reference():
    """The weights of the tiny CNN (``get_weights()`` order), as float32 arrays."""
    return [np.asarray(w, np.float32) for w in build_cnn(CONFIG).get_weights()]


def _write_npz(path, arrays, **extra):
    with open(path, "wb") as f:
        np.savez(f, **{f"w{i:03d}": a for i, a in enumerate(arrays)}, **extra)


def _teacher(folder, reference, config=CONFIG):
    """A valid weights-only teacher folder."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config.asdict()))
    _write_npz(folder / "weights.npz", reference)
    (folder / "results.json").write_text(json.dumps({"model": "weights.npz"}))
    return folder


def _lambda_model(path, marker):
    """An HDF5 Keras model (saved under ``path``'s name) whose ``Lambda`` layer makes
    ``marker`` whenever the model is rebuilt, as ``tf.keras.models.load_model`` does."""
    from nengo_fashion.quiet import import_tensorflow

    tf = import_tensorflow()
    inp = tf.keras.Input((784,))
    x = tf.keras.layers.Lambda(lambda t, p=str(marker): (open(p, "w").close(), t)[1])(inp)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(10)(x))
    h5 = Path(path).with_name("tmp-model.h5")
    model.save(h5, save_format="h5", include_optimizer=False)
    h5.rename(path)
    Path(marker).unlink()  # building it ran the Lambda once: only a load may make it again
    assert Path(path).read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


def _savedmodel(folder, marker):
    (folder / "saved_model").mkdir()
    (folder / "saved_model" / "saved_model.pb").write_bytes(_pickle_bytes(marker))


# ---- 1. model files of other formats: refused unread, one line ----

# (id, how to make the folder's only model file from (folder, marker))
LEGACY = [
    ("keras-hdf5-lambda", lambda d, m: _lambda_model(d / "model.keras", m)),
    ("h5-lambda", lambda d, m: _lambda_model(d / "model.h5", m)),
    ("pickle", lambda d, m: (d / "model.pkl").write_bytes(_pickle_bytes(m))),
    ("torch-save", lambda d, m: (d / "model.pt").write_bytes(_pickle_bytes(m))),
    ("joblib", lambda d, m: (d / "model.joblib").write_bytes(_pickle_bytes(m))),
    ("savedmodel", _savedmodel),
]


@pytest.mark.parametrize("make", [c[1] for c in LEGACY], ids=[c[0] for c in LEGACY])
def test_other_model_format_is_refused_unread(make, tmp_path):
    folder = tmp_path / "teacher"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(CONFIG.asdict()))
    marker = tmp_path / "PWNED"
    make(folder, marker)
    with pytest.raises(DataError) as e:
        load_teacher(folder)
    message = str(e.value)
    assert "\n" not in message, message
    assert "not loaded" in message and "unsafe" in message, message
    assert "python -m nengo_fashion.teacher" in message, message  # how to mend it
    assert not marker.exists(), "the model file ran code"


def test_model_file_beside_weights_is_ignored(reference, tmp_path):
    """A valid teacher with a malicious ``model.keras`` left beside it: the weights are
    read, the model file never is."""
    folder = _teacher(tmp_path / "teacher", reference)
    marker = tmp_path / "PWNED"
    _lambda_model(folder / "model.keras", marker)
    model, results = load_teacher(folder)
    assert results == {"model": "weights.npz"}
    for got, want in zip(model.get_weights(), reference):
        np.testing.assert_array_equal(got, want)
    assert not marker.exists()


# ---- 2. a damaged weights.npz or config.json: one clear error ----


def _object_array(d, ref, marker):
    # an object array of a pickle that makes the marker, in place of the first array
    _write_npz(d / "weights.npz", [np.array([_Touch(marker)], dtype=object)] + ref[1:])


def _npz_is_pickle(d, ref, marker):
    (d / "weights.npz").write_bytes(_pickle_bytes(marker))


def _npy_not_npz(d, ref, marker):
    (d / "weights.npz").write_bytes(_npy(ref[0]))


def _garbage(d, ref, marker):
    (d / "weights.npz").write_bytes(b"PK\x03\x04 not a zip archive at all")


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _zip(path, members):
    """A zip archive of ``members`` (name: bytes), in order (names may repeat)."""
    with zipfile.ZipFile(path, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": meant
        for name, data in members:
            z.writestr(name, data)


def _members(ref, **replace):
    return [(f"w{i:03d}.npy", replace.get(f"w{i:03d}", _npy(a))) for i, a in enumerate(ref)]


def _pickle_member(d, ref, marker):
    # a zip whose first member is a pickle, not an .npy array
    _zip(d / "weights.npz", _members(ref, w000=_pickle_bytes(marker)))


def _duplicate_member(d, ref, marker):
    # two members named w000.npy: which one a reader takes is not for the file to choose
    _zip(d / "weights.npz", _members(ref) + [("w000.npy", _npy(ref[0]))])


def _arrays(transform):
    def damage(d, ref, marker):
        _write_npz(d / "weights.npz", transform([a.copy() for a in ref]))

    return damage


def _set(i, value):
    def transform(arrays):
        arrays[i].flat[0] = value
        return arrays

    return transform


def _config(text):
    def damage(d, ref, marker):
        (d / "config.json").write_text(text)

    return damage


def _no_config(d, ref, marker):
    (d / "config.json").unlink()


def _extra_named(d, ref, marker):
    _write_npz(d / "weights.npz", ref, extra=np.zeros(3, np.float32))


def _renamed(d, ref, marker):
    with open(d / "weights.npz", "wb") as f:
        np.savez(f, *ref)  # arr_0, arr_1, ...: not the documented names


def _huge_header(d, ref, marker):
    # an array that claims 2**40 floats: refused from its header, before anything is read
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": (2**20, 2**20)}
    )
    _zip(d / "weights.npz", _members(ref, w000=buf.getvalue() + b"\x00" * 64))


# (id, damage(folder, reference, marker), words of the error, case-insensitive)
DAMAGES = [
    ("object-array", _object_array, ("weights.npz", "object")),
    ("npz-is-a-pickle", _npz_is_pickle, ("weights.npz", "not")),
    ("npy-not-npz", _npy_not_npz, ("weights.npz", "archive")),
    ("not-a-zip", _garbage, ("weights.npz", "not")),
    ("pickle-member", _pickle_member, ("weights.npz", "w000")),
    ("duplicate-member", _duplicate_member, ("weights.npz", "w000", "twice")),
    ("one-array-missing", _arrays(lambda a: a[:-1]), ("weights.npz", "arrays")),
    ("one-array-extra", _arrays(lambda a: a + [a[-1]]), ("weights.npz", "arrays")),
    ("no-arrays", _arrays(lambda a: []), ("weights.npz", "arrays")),
    ("extra-name", _extra_named, ("weights.npz", "extra")),
    ("unnamed-arrays", _renamed, ("weights.npz", "arr_0")),
    ("shape-transposed", _arrays(lambda a: [a[0].T] + a[1:]), ("weights.npz", "w000", "shape")),
    ("shape-swapped-order", _arrays(lambda a: a[::-1]), ("weights.npz", "shape")),
    ("huge-header", _huge_header, ("weights.npz", "w000", "shape")),
    ("dtype-int", _arrays(lambda a: [a[0].astype(np.int32)] + a[1:]), ("w000", "float")),
    ("dtype-complex", _arrays(lambda a: [a[0].astype(np.complex64)] + a[1:]), ("w000", "float")),
    ("nan", _arrays(_set(3, np.nan)), ("weights.npz", "w003", "finite")),
    ("inf", _arrays(_set(-1, np.inf)), ("weights.npz", "finite")),
    ("config-missing", _no_config, ("config.json",)),
    ("config-not-json", _config('{"width": '), ("config.json",)),
    ("config-a-list", _config("[2, 3]"), ("config.json", "object")),
    ("config-unknown-key", _config('{"width": 2, "layers": "Lambda"}'), ("config.json", "layers")),
    ("config-width-zero", _config('{"width": 0}'), ("config.json", "width")),
    ("config-width-string", _config('{"width": "2"}'), ("config.json", "width")),
    ("config-width-huge", _config('{"width": 1000000000}'), ("config.json", "width")),
    ("config-other-width", _config('{"width": 4}'), ("weights.npz", "shape")),
]


@pytest.mark.parametrize("damage, words", [c[1:] for c in DAMAGES], ids=[c[0] for c in DAMAGES])
def test_damaged_teacher_is_refused(reference, tmp_path, damage, words):
    folder = _teacher(tmp_path / "teacher", reference)
    marker = tmp_path / "PWNED"
    damage(folder, reference, marker)
    with pytest.raises(DataError) as e:
        load_teacher(folder)
    message = str(e.value)
    assert "\n" not in message and "Traceback" not in message, message
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    assert not marker.exists(), "the teacher folder ran code"


def test_valid_teacher_round_trips(reference, tmp_path):
    """The control: the undamaged folder loads, with exactly the saved weights."""
    model, _ = load_teacher(_teacher(tmp_path / "teacher", reference))
    got = model.get_weights()
    assert len(got) == len(reference)
    for g, r in zip(got, reference):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, r)


# ---- 3. the commands that read a teacher, as real processes ----

# (id, argv before --teacher DIR --out OUT): tiny work, in case a command got past
COMMANDS = [
    (
        "train",
        ["-m", "nengo_fashion.train", "--recipe", "distill", "--epochs", "1"]
        + ["--n-train", "2000"],
    ),
    (
        "seeds",
        ["-m", "nengo_fashion.studies.seeds", "--recipe", "distill", "--seeds", "0"]
        + ["--epochs", "1", "--n-train", "256", "--workers", "1"],
    ),
    (
        "search",
        ["-m", "nengo_fashion.studies.search", "--space", "distill", "--only", "kd-a0.5-T4"]
        + ["--epochs-scale", "0.02", "--workers", "1"],
    ),
]


@pytest.mark.parametrize("argv", [c[1] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_command_refuses_malicious_teacher_before_work(argv, tmp_path):
    folder = tmp_path / "teacher"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(CONFIG.asdict()))
    marker = tmp_path / "PWNED"
    _lambda_model(folder / "model.keras", marker)
    out = tmp_path / "out"
    result = run([*argv, "--teacher", folder, "--out", out], timeout=300)
    assert not marker.exists(), f"the teacher's model file ran code\n{result}"
    assert_one_line_error(result, contains=("model.keras", "not loaded"), rc=2, max_seconds=120)
    assert "epoch" not in result.stdout.lower(), str(result)  # no training began
    made = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert made == [], made
