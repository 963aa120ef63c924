"""Knowledge distillation from the CNN teacher into the 784-128-10 network.

The student's loss (Hinton et al., "Distilling the knowledge in a neural
network", 2015) for an image with label ``y``, student logits ``s`` and teacher
logits ``t`` is::

    (1 - alpha) * CE(y_smoothed, softmax(s))
        + alpha * T**2 * KL(softmax(t / T) || softmax(s / T))

with ``alpha`` the weight of the teacher, ``T`` the temperature (the ``T**2``
keeps the soft term's gradient on the same scale as ``T`` changes) and
``y_smoothed`` the one-hot label with ``label_smoothing`` spread over the 10
classes.

**The teacher's logits are computed once, not in the training loop.** Each
epoch the student sees one of ``copies`` augmented copies of the training split
(copy ``epoch % copies``, drawn from the seed and the copy's index, so it can be
drawn again identically); the teacher's logits of every copy are computed
before training and cached in the teacher's folder (``logits_cache/``). Running
the teacher in the loop instead would cost one teacher inference of the
training split per epoch, several times a student epoch (``results.json``
records both times).
"""

import hashlib
import time
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..images.augment import augment

CACHE_DIR = "logits_cache"


def augmented_copy(name, images, seed, copy):
    """Augmented copy number ``copy`` of ``images`` (the same for the same arguments)."""
    return augment(name, images, np.random.RandomState([seed, copy]))


def _fingerprint(*parts):
    h = hashlib.sha1()
    for p in parts:
        h.update(p if isinstance(p, bytes) else repr(p).encode())
    return h.hexdigest()[:16]


def teacher_pool(teacher_dir, images, *, augment_name, seed, copies, log=print):
    """The teacher's logits of every augmented copy of ``images``.

    Parameters
    ----------
    teacher_dir : str or Path
        A teacher run folder (`nengo_fashion.teacher`).
    images : numpy.ndarray
        ``(n, 784)`` training images (before augmentation).
    augment_name : str
        The augmentation (a key of `nengo_fashion.images.augment.AUGMENTERS`).
    seed : int
        The student's seed (copy ``c`` is drawn from ``RandomState([seed, c])``).
    copies : int
        How many augmented copies.

    Returns
    -------
    logits : numpy.ndarray
        ``(copies, n, 10)`` float32 teacher logits.
    info : dict
        ``seconds`` (computing them, 0 if read from the cache), ``cached`` and
        ``seconds_per_copy`` (one teacher inference of the training split: what
        running the teacher in the loop would cost per epoch).
    """
    from .model import MODEL_FILE, load_teacher

    teacher_dir = Path(teacher_dir)
    model_path = teacher_dir / MODEL_FILE
    config_path = teacher_dir / "config.json"
    if not (model_path.is_file() and config_path.is_file()):
        load_teacher(teacher_dir)  # raises the clear error
    key = _fingerprint(
        model_path.read_bytes(),
        config_path.read_bytes(),
        np.ascontiguousarray(images).tobytes(),
        augment_name,
        seed,
        copies,
    )
    cache = teacher_dir / CACHE_DIR / f"{key}.npz"
    cached = _read_cache(cache, (copies, len(images), 10))
    if cached is not None:
        return cached
    from .model import predict_logits

    model, _ = load_teacher(teacher_dir)
    start = time.time()
    logits = np.empty((copies, len(images), 10), dtype=np.float32)
    for c in range(copies):
        logits[c] = predict_logits(model, augmented_copy(augment_name, images, seed, c))
        log(f"teacher logits: copy {c + 1}/{copies}")
    seconds = time.time() - start
    cache.parent.mkdir(exist_ok=True)
    with atomic_path(cache) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, logits=logits, seconds_per_copy=seconds / copies)
    return logits, {"seconds": seconds, "cached": False, "seconds_per_copy": seconds / copies}


def _read_cache(path, shape):
    """``(logits, info)`` of a logits cache file of the right shape; ``None`` if there is
    none or it is not readable as one (it is then computed again). No pickles are read."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            logits = np.asarray(f["logits"])
            seconds_per_copy = float(f["seconds_per_copy"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    if logits.shape != shape or logits.dtype != np.float32 or not np.isfinite(logits).all():
        return None
    return logits, {"seconds": 0.0, "cached": True, "seconds_per_copy": seconds_per_copy}


def _readout(tf, y_pred, how):
    return tf.reduce_mean(y_pred, axis=1) if how == "mean" else y_pred[:, -1]


def label_loss(weight, label_smoothing, how):
    """``weight * CE`` of the readout against the (smoothed) label (a Keras loss).

    ``y_true`` is ``(n, steps, 1)`` labels, ``y_pred`` ``(n, steps, 10)`` outputs.
    """
    import tensorflow as tf

    def loss(y_true, y_pred):
        logits = _readout(tf, y_pred, how)
        labels = tf.one_hot(tf.cast(y_true[:, -1, 0], tf.int32), logits.shape[-1])
        return weight * tf.keras.losses.categorical_crossentropy(
            labels, logits, from_logits=True, label_smoothing=label_smoothing
        )

    return loss


def soft_loss(weight, temperature, how):
    """``weight * T**2 * KL(softmax(t / T) || softmax(s / T))`` (a Keras loss).

    ``y_true`` is ``(n, steps, 10)`` teacher logits (the same at every step),
    ``y_pred`` ``(n, steps, 10)`` student outputs.
    """
    import tensorflow as tf

    def loss(y_true, y_pred):
        s = _readout(tf, y_pred, how) / temperature
        t = y_true[:, -1] / temperature
        p_t = tf.nn.softmax(t)
        kl = tf.reduce_sum(p_t * (tf.nn.log_softmax(t) - tf.nn.log_softmax(s)), axis=-1)
        return weight * temperature**2 * kl

    return loss
