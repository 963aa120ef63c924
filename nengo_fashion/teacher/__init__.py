"""A convolutional teacher for distilling the 784-128-10 student (`nengo_fashion.teacher.distill`).

The teacher is a tool, not a Nengo network: a small Keras CNN trained on the
training split (the validation images held out, the test split untouched until
it is reported), with the same augmentation the student gets. Its run folder
(``python -m nengo_fashion.teacher``, default ``results/teacher/``) holds:

``config.json``
    The resolved `TeacherConfig`.
``weights.npz``
    The trained weights and nothing else: the Keras model's ``get_weights()``
    arrays, float32, named ``w000``, ``w001``, ... in that order (`save_weights`).
    `load_teacher` rebuilds the architecture from ``config.json`` in code
    (`build_cnn`) and reads the arrays with ``np.load(allow_pickle=False)``,
    checking their count, shapes and finiteness; the model's outputs are logits.
``results.json``
    ``val_acc``, ``test_acc`` (fractions), ``history``, ``seconds``, ``model`` (the
    model file's name) and the parameter count.
``training_curve.png``
    Loss and train/validation accuracy per epoch.

**No code from a model file.** A teacher folder may come from someone else, so a
model file that can run code when loaded is never read: not a Keras model file
(``model.keras``, which an older version wrote; Keras rebuilds the ``Lambda``
layers of an HDF5 file from marshalled bytecode, whatever ``safe_mode`` says), nor
a pickle. A folder that has only such a file is refused with one line; train the
teacher again (``python -m nengo_fashion.teacher``).
"""

from .model import (
    MODEL_FILE,
    TeacherConfig,
    build_cnn,
    load_teacher,
    predict_logits,
    read_weights,
    save_weights,
    train_teacher,
)

__all__ = [
    "MODEL_FILE",
    "TeacherConfig",
    "build_cnn",
    "load_teacher",
    "predict_logits",
    "read_weights",
    "save_weights",
    "train_teacher",
]
