"""The teacher CNN: its configuration, architecture, training loop and loading."""

import dataclasses
import math
import time
from pathlib import Path

import numpy as np

from ..atomic import atomic_dir, read_json, write_json
from ..config import check_seed
from ..errors import ConfigError, DataError
from ..images.augment import AUGMENTERS, augment
from ..progress import epoch_line

MODEL_FILE = "model.keras"


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

    epochs: int = 25
    batch_size: int = 128
    lr: float = 1e-3
    dropout: float = 0.3
    augment: str = "shift-flip"
    seed: int = 0
    n_val: int = 5000
    n_train: int = None
    width: int = 32

    def __post_init__(self):
        for name in ("epochs", "batch_size", "n_val", "width"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"learning rate must be > 0, got {self.lr!r}")
        check_seed(self.seed)
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if self.augment not in AUGMENTERS:
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
    run_dir = Path(out) / name
    log(
        f"training teacher {name}: CNN width {config.width}, {config.epochs} epochs, "
        f"augment {config.augment}, data from {dataset.source}"
    )
    with atomic_dir(run_dir, overwrite=overwrite) as tmp:
        model, history = fit(config, dataset, log=log)
        model.save(str(tmp / MODEL_FILE), include_optimizer=False)
        write_json(tmp / "config.json", config.asdict())
        training_curve(history, tmp / "training_curve.png", title=f"teacher {name}")
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
        write_json(tmp / "results.json", results)
    log(
        f"teacher {name}: validation {accuracy['val'] * 100:.2f} %, test "
        f"{accuracy['test'] * 100:.2f} %, {results['seconds'] / 60:.1f} min; wrote {run_dir}"
    )
    return run_dir


def load_teacher(run_dir):
    """``(model, results)`` of a teacher run folder, with a clear error if it is not one."""
    run_dir = Path(run_dir)
    path = run_dir / MODEL_FILE
    if not path.is_file():
        raise DataError(
            f"{run_dir} is not a teacher run folder (no {MODEL_FILE}); train one with "
            f"`python -m nengo_fashion.teacher --out {run_dir.parent} --name {run_dir.name}`"
        )
    from ..quiet import import_tensorflow

    tf = import_tensorflow()
    try:
        model = tf.keras.models.load_model(path, compile=False)
    except Exception as e:  # Keras raises many types for a damaged file
        raise DataError(f"could not read the teacher model {path}: {e}") from None
    results_path = run_dir / "results.json"
    results = read_json(results_path) if results_path.is_file() else {}
    return model, results
