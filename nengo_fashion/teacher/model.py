"""The teacher CNN: its configuration, architecture, training loop and loading.

**No code from a model file.** A teacher is saved as numbers only: ``config.json`` (a
`TeacherConfig`) and ``weights.npz``, the model's ``get_weights()`` arrays as float32
under the names ``w000``, ``w001``, ... in that order (`WEIGHT_NAME`). `load_teacher`
rebuilds the architecture in code (`build_cnn`) and reads the arrays with
``np.load(allow_pickle=False)``, checking their number, names, shapes (from each
array's header, before its data is read), type and finiteness. A Keras model file
(``model.keras``, HDF5 or not) is never loaded: Keras rebuilds a ``Lambda`` layer of an
HDF5 file from marshalled bytecode (``safe_mode`` does not cover HDF5), so loading a
model file can run any code; pickles (``torch.save``, joblib) can too.
"""

import dataclasses
import io
import math
import time
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np

from ..atomic import atomic_dir, child_folder, fill_folder, read_json, write_json
from ..config import check_seed, knob
from ..errors import ConfigError, DataError, NengoFashionError
from ..images.augment import AUGMENTERS, augment
from ..progress import epoch_line

MODEL_FILE = "weights.npz"
"""The teacher's weights (see the module's docstring for the format)."""
WEIGHT_NAME = "w{:03d}"
"""The name of the ``i``-th array of ``get_weights()`` in `MODEL_FILE`."""
MAX_WIDTH = 512
"""The widest first convolution a `TeacherConfig` may ask for (a bound on memory)."""
UNSAFE_FILES = ("*.keras", "*.h5", "*.hdf5", "*.pb", "*.pkl", "*.pickle", "*.pt", "*.pth")
UNSAFE_FILES += ("*.joblib", "*.ckpt", "*.index", "*.tflite", "saved_model*", "*.npy")
"""Model files of other formats (a teacher folder of an older version held ``model.keras``):
refused, never read."""


@dataclasses.dataclass(frozen=True)
class TeacherConfig:
    """Everything that determines a teacher run.

    Parameters
    ----------
    epochs : int
        Passes over the training split.
    batch_size : int
        Minibatch size.
    lr : float
        Adam's initial learning rate, decayed to zero on a cosine over all steps.
    dropout : float
        Dropout rate before each of the two dense layers.
    augment : str
        A key of `nengo_fashion.images.augment.AUGMENTERS`, drawn anew every epoch (seeded).
    seed : int
        Seed of weight initialisation, shuffling, augmentation and TensorFlow.
    n_val : int
        Number of last training images held out for validation.
    n_train : int or None
        Use only the first ``n_train`` training images (quick runs and tests).
    width : int
        Channels of the first convolution (the next two have twice as many).
    """

    epochs: int = knob(25, "passes over the training split (default 25)", parse="positive_int")
    batch_size: int = knob(128, "minibatch size (default 128)", parse="positive_int")
    lr: float = knob(1e-3, "initial learning rate (cosine decay to 0)", parse="positive_float")
    dropout: float = knob(0.3, "dropout rate before each dense layer, [0, 1)", parse="float")
    augment: str = knob(
        "shift-flip",
        "training augmentation (default shift-flip: shifts of up to 2 pixels and "
        "left-right flips)",
        parse=tuple(sorted(AUGMENTERS)),
    )
    seed: int = knob(0, "0..2**32 - 1", parse="seed")
    n_val: int = 5000
    n_train: Optional[int] = knob(
        None, "use only the first N training images", parse="positive_int"
    )
    width: int = knob(32, f"first conv's channels (1..{MAX_WIDTH})", parse="positive_int")

    def __post_init__(self):
        for name in ("epochs", "batch_size", "n_val", "width"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if self.width > MAX_WIDTH:
            raise ConfigError(f"width must be at most {MAX_WIDTH}, got {self.width!r}")
        if not isinstance(self.lr, (int, float)) or isinstance(self.lr, bool):
            raise ConfigError(f"learning rate must be a number, got {self.lr!r}")
        if not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool):
            raise ConfigError(f"dropout must be a number, got {self.dropout!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"learning rate must be > 0, got {self.lr!r}")
        check_seed(self.seed)
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.augment, str) or self.augment not in AUGMENTERS:
            raise ConfigError(
                f"augment must be one of {', '.join(AUGMENTERS)}, got {self.augment!r}"
            )
        if self.n_train is not None and (
            not isinstance(self.n_train, int) or self.n_train < self.batch_size
        ):
            raise ConfigError(
                f"n_train must be at least the batch size ({self.batch_size}), got {self.n_train!r}"
            )

    def asdict(self):
        return dataclasses.asdict(self)


def build_cnn(config):
    """The teacher: three 3x3 convolutions (with batch norm) and two dense layers.

    ``(n, 784)`` images in, ``(n, 10)`` logits out: conv(w) - pool - conv(2w) -
    conv(2w) - pool - dropout - dense(256) - dropout - dense(10), ReLU throughout.
    About 0.9 M parameters at ``width`` 32, 27 s per epoch of 55,000 images on two
    CPU cores.
    """
    import tensorflow as tf

    L = tf.keras.layers
    w = config.width

    def conv(channels):
        return [
            L.Conv2D(channels, 3, padding="same", use_bias=False),
            L.BatchNormalization(),
            L.ReLU(),
        ]

    return tf.keras.Sequential(
        [L.Reshape((28, 28, 1), input_shape=(784,))]
        + conv(w)
        + [L.MaxPool2D()]
        + conv(2 * w)
        + conv(2 * w)
        + [
            L.MaxPool2D(),
            L.Flatten(),
            L.Dropout(config.dropout),
            L.Dense(256),
            L.ReLU(),
            L.Dropout(config.dropout),
            L.Dense(10),
        ],
        name="teacher",
    )


def predict_logits(model, images, batch_size=1000):
    """The teacher's ``(n, 10)`` float32 logits of ``(n, 784)`` images."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype=np.float32)


def fit(config, dataset, log=print):
    """Train the teacher; return ``(model, history)``.

    The validation split scores every epoch; the test split is not touched.
    """
    from ..quiet import import_tensorflow

    tf = import_tensorflow()
    tf.keras.utils.set_random_seed(config.seed)
    train = dataset.train.subset(config.n_train)
    rng = np.random.RandomState(config.seed)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    model = build_cnn(config)
    schedule = tf.keras.optimizers.schedules.CosineDecay(config.lr, config.epochs * steps_per_epoch)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(schedule),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
    for epoch in range(config.epochs):
        start = time.time()
        order = rng.permutation(len(train))
        x = augment(config.augment, train.images[order], rng)
        result = model.fit(
            x, train.labels[order], batch_size=config.batch_size, epochs=1, shuffle=False, verbose=0
        )
        val_pred = np.argmax(predict_logits(model, dataset.val.images), axis=1)
        history["loss"].append(float(result.history["loss"][-1]))
        history["train_acc"].append(float(result.history["accuracy"][-1]))
        history["val_acc"].append(float(np.mean(val_pred == dataset.val.labels)))
        history["seconds"].append(time.time() - start)
        log(epoch_line(epoch, config.epochs, history))
    return model, history


def train_teacher(config, dataset, *, out="results", name="teacher", overwrite=False, log=print):
    """Train, evaluate and write a teacher run folder (``<out>/<name>/``); return its path."""
    from ..plots import training_curve

    start = time.time()
    run_dir = child_folder(out, name)
    log(
        f"training teacher {name}: CNN width {config.width}, {config.epochs} epochs, "
        f"augment {config.augment}, data from {dataset.source}"
    )
    with atomic_dir(run_dir, overwrite=overwrite) as tmp:
        model, history = fit(config, dataset, log=log)
        accuracy = {}
        for split in ("val", "test"):  # the test split only now, to report
            s = dataset.split(split)
            accuracy[split] = float(
                np.mean(np.argmax(predict_logits(model, s.images), 1) == s.labels)
            )
        results = {
            "val_acc": accuracy["val"],
            "test_acc": accuracy["test"],
            "model": MODEL_FILE,
            "n_params": int(model.count_params()),
            "n_train_used": len(dataset.train.subset(config.n_train)),
            "n_val": len(dataset.val),
            "data_source": dataset.source,
            "history": history,
            "config": config.asdict(),
            "seconds": time.time() - start,
        }

        def write(folder):
            save_weights(model, folder / MODEL_FILE)
            write_json(folder / "config.json", config.asdict(), rescue=False)
            training_curve(history, folder / "training_curve.png", title=f"teacher {name}")
            write_json(folder / "results.json", results, rescue=False)

        fill_folder(tmp, write, run_dir)
    log(
        f"teacher {name}: validation {accuracy['val'] * 100:.2f} %, test "
        f"{accuracy['test'] * 100:.2f} %, {results['seconds'] / 60:.1f} min; wrote {run_dir}"
    )
    return run_dir


def save_weights(model, path):
    """Write ``model.get_weights()`` to ``path`` as `MODEL_FILE` (float32, no pickles)."""
    arrays = {
        WEIGHT_NAME.format(i): np.asarray(w, np.float32) for i, w in enumerate(model.get_weights())
    }
    buf = io.BytesIO()  # in memory first: a zip left open by a full disk warns at exit
    np.savez(buf, **arrays)
    Path(path).write_bytes(buf.getvalue())


def _unsafe_files(run_dir):
    """The model files of other formats in ``run_dir`` (never read), by name."""
    found = {p.name for pattern in UNSAFE_FILES for p in run_dir.glob(pattern)}
    return sorted(found)


def read_config(run_dir):
    """The `TeacherConfig` of a teacher run folder's ``config.json``; `DataError` if it is
    not a JSON object of `TeacherConfig`'s fields with valid values."""
    path = Path(run_dir) / "config.json"
    try:
        raw = read_json(path)
    except NengoFashionError as e:
        raise DataError(f"teacher {e}") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"teacher {path} cannot be read ({e})") from None
    if not isinstance(raw, dict):
        raise DataError(f"teacher {path} is not a JSON object of TeacherConfig's fields")
    fields = {f.name for f in dataclasses.fields(TeacherConfig)}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise DataError(f"teacher {path} has unknown keys: {', '.join(map(str, unknown))}")
    try:
        return TeacherConfig(**raw)
    except (ConfigError, TypeError, ValueError) as e:
        raise DataError(f"teacher {path} is not a valid TeacherConfig: {e}") from None


def _header(zf, member):
    """``(shape, dtype)`` of the ``.npy`` member ``member`` of ``zf``, from its header only."""
    with zf.open(member) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    return shape, dtype


def read_weights(path, shapes):
    """The float32 arrays of a `MODEL_FILE`, checked against the expected ``shapes``.

    Nothing of the file is run: names, count, shapes and types are checked from the
    archive's listing and each array's header before any data is read, then the data
    with ``np.load(allow_pickle=False)``; every value must be finite. Raises
    `DataError` naming what is wrong.
    """
    path = Path(path)
    names = [WEIGHT_NAME.format(i) for i in range(len(shapes))]
    try:
        if not zipfile.is_zipfile(path):
            raise DataError(f"teacher {path} is not a weights archive (.npz)")
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            twice = sorted({m for m in members if members.count(m) > 1})
            if twice:
                raise DataError(f"teacher {path} holds {', '.join(twice)} twice")
            got = [m[: -len(".npy")] if m.endswith(".npy") else m for m in members]
            extra = sorted(set(got) - set(names))
            if extra:
                raise DataError(
                    f"teacher {path} holds extra or unknown arrays ({', '.join(extra[:5])}); "
                    f"expected the {len(names)} arrays {names[0]}..{names[-1]}"
                )
            if len(got) != len(names):
                raise DataError(
                    f"teacher {path} holds {len(got)} arrays; the architecture of its "
                    f"config.json has {len(names)} ({names[0]}..{names[-1]})"
                )
            for name, shape in zip(names, shapes):
                try:
                    got_shape, dtype = _header(zf, name + ".npy")
                except ValueError as e:
                    raise DataError(f"teacher {path}: {name} is not an array ({e})") from None
                if dtype.hasobject:
                    raise DataError(f"teacher {path}: {name} holds objects, not numbers")
                if dtype.kind != "f":
                    raise DataError(f"teacher {path}: {name} is {dtype}, not float")
                if tuple(got_shape) != tuple(shape):
                    raise DataError(
                        f"teacher {path}: {name} has shape {tuple(got_shape)}, but the "
                        f"architecture of its config.json needs {tuple(shape)}"
                    )
        arrays = []
        with np.load(path, allow_pickle=False) as f:
            for name in names:
                a = np.asarray(f[name], dtype=np.float32)
                if not np.isfinite(a).all():
                    raise DataError(f"teacher {path}: {name} has values that are not finite")
                arrays.append(a)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"teacher {path} not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise DataError(f"teacher {path} cannot be read ({e})") from None
    return arrays


def load_teacher(run_dir):
    """``(model, results)`` of a teacher run folder, with a clear error if it is not one.

    The model is `build_cnn` of the folder's ``config.json`` with the weights of its
    `MODEL_FILE` (`read_weights`); no model file of any other format is read (a folder
    that has only one, such as an older version's ``model.keras``, is refused).
    """
    run_dir = Path(run_dir)
    path = run_dir / MODEL_FILE
    retrain = f"`python -m nengo_fashion.teacher --out {run_dir.parent} --name {run_dir.name}`"
    if not path.is_file():
        unsafe = _unsafe_files(run_dir) if run_dir.is_dir() else []
        if unsafe:
            raise DataError(
                f"{run_dir / unsafe[0]} is an old or unsafe model format and is not loaded "
                f"(a model file can run code); a teacher is {MODEL_FILE} and config.json: "
                f"train one with {retrain}"
            )
        raise DataError(
            f"{run_dir} is not a teacher run folder (no {MODEL_FILE}); train one with {retrain}"
        )
    config = read_config(run_dir)
    from ..quiet import import_tensorflow

    import_tensorflow()
    model = build_cnn(config)
    model.set_weights(read_weights(path, [tuple(w.shape) for w in model.weights]))
    results_path = run_dir / "results.json"
    results = read_json(results_path) if results_path.is_file() else {}
    return model, results
