"""A convolutional teacher for distilling the 784-128-10 student (`nengo_fashion.teacher.distill`).

The teacher is a tool, not a Nengo network: a small Keras CNN trained on the
training split (the validation images held out, the test split untouched until
it is reported), with the same augmentation the student gets. Its run folder
(``python -m nengo_fashion.teacher``, default ``results/teacher/``) holds:

``config.json``
    The resolved `TeacherConfig`.
``model.keras``
    The trained Keras model (``tf.keras.models.load_model``); its outputs are
    logits.
``results.json``
    ``val_acc``, ``test_acc`` (fractions), ``history``, ``seconds``, ``model`` (the
    model file's name) and the parameter count.
``training_curve.png``
    Loss and train/validation accuracy per epoch.
"""

from .model import (
    MODEL_FILE,
    TeacherConfig,
    build_cnn,
    load_teacher,
    predict_logits,
    train_teacher,
)

__all__ = [
    "MODEL_FILE",
    "TeacherConfig",
    "build_cnn",
    "load_teacher",
    "predict_logits",
    "train_teacher",
]
