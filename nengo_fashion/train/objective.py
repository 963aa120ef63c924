"""What training minimises and how: the readout's loss and accuracy over time, the firing-rate
regulariser, and the optimizer with its learning-rate schedule."""

from ..sparsity import pruning
from ..teacher.distill import label_loss


def readout_loss(how, label_smoothing=0.0):
    """Cross-entropy of the readout over time (``mean`` or ``last`` step) vs the label."""
    import tensorflow as tf

    if label_smoothing:
        return label_loss(1.0, label_smoothing, how)

    def loss(y_true, y_pred):
        logits = tf.reduce_mean(y_pred, axis=1) if how == "mean" else y_pred[:, -1]
        return tf.keras.losses.sparse_categorical_crossentropy(
            y_true[:, -1], logits, from_logits=True
        )

    return loss


def readout_accuracy(how):
    """Accuracy of the readout over time (a Keras metric function)."""
    import tensorflow as tf

    def accuracy(y_true, y_pred):
        logits = tf.reduce_mean(y_pred, axis=1) if how == "mean" else y_pred[:, -1]
        return tf.keras.metrics.sparse_categorical_accuracy(y_true[:, -1], logits)

    return accuracy


def rate_regulariser(weight, target_hz, amplitude):
    """``weight * sum_i (rate_i - target)^2`` per image; rates in Hz over the presentation.

    The hidden probe reads ``amplitude * rate`` (rate neurons) or ``amplitude / dt``
    per spike (spiking), so its mean over time divided by ``amplitude`` is Hz.
    """
    import tensorflow as tf

    def loss(y_true, y_pred):
        hz = tf.reduce_mean(y_pred, axis=1) / amplitude
        return weight * tf.reduce_sum(tf.square(hz - target_hz), axis=-1)

    return loss


def make_optimizer(config, steps_per_epoch, masks=()):
    """Adam, or AdamW when ``weight_decay > 0``, with the configured schedule; with
    ``masks`` (`nengo_fashion.sparsity.pruning.LayerMask`), one that keeps them applied."""
    import tensorflow as tf

    lr = config.lr
    if config.lr_schedule == "cosine":
        lr = tf.keras.optimizers.schedules.CosineDecay(lr, config.epochs * steps_per_epoch)
    cls, kwargs = tf.keras.optimizers.Adam, {}
    if config.weight_decay > 0:
        cls, kwargs = tf.keras.optimizers.AdamW, {"weight_decay": config.weight_decay}
    if masks:
        return pruning.masked_optimizer(cls, masks, lr, **kwargs)
    return cls(lr, **kwargs)
