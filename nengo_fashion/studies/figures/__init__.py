"""The thesis' per-image figure (its Fig. 4.1-4.4) for any spiking setting.

Usage::

    python -m nengo_fashion.studies.figures --run results/thesis-relu --dt 0.001 0.01 0.1 1 \\
        --steps 10 \\
        --scale 1 --out results/figures

For each dt it writes ``per_image_<run>_dt<dt>.png``: for the first ``--images``
images of the split (default 4), one row each with

1. the image, its true class and the predicted class;
2. a histogram over the 128 hidden neurons of spikes per neuron per timestep;
3. the softmax of the output over time, one line per class. With the ``mean``
   readout the value at step ``t`` is the softmax of the output averaged over
   steps ``1..t`` (what a prediction at ``t`` would use); with ``last`` it is the
   softmax of the output at ``t``.

Like a sweep, the figures are where a setting is looked at and chosen, so they use the
validation split unless told: ``--split test`` is refused unless ``--report-on-test``
is given too (`nengo_fashion.cli.add_split_arg`). Each PNG records its ``split`` and
``report_on_test`` in its text metadata (and the split in its title).

The library takes a `FiguresConfig` (`make_figures`); the command is
`nengo_fashion.commands.figures`.
"""

import dataclasses
import types
from pathlib import Path
from typing import Optional

import numpy as np

from ... import data as data_mod
from ...atomic import Outputs
from ...cli import spike_settings
from ...data import CLASS_NAMES
from ...errors import ConfigError
from ...knobs import check_field_types, knob
from ...runs import load_run

SPLITS = ("val", "test", "train")


@dataclasses.dataclass(frozen=True)
class FiguresConfig:
    """The per-image figures of a run: one per time step, at the run's spiking setting
    with the options given.

    Parameters
    ----------
    run : str or Path
        A run folder written by ``nengo_fashion.train``.
    dt : tuple of float
        The time steps, in seconds: one figure each.
    steps, synapse, scale : optional
        Replace the run's timesteps per image, lowpass tau (seconds, or ``"none"`` for no
        synapse) and firing-rate scale; None keeps the run's own (``config.json``).
    images : int
        How many images of the split (one row each).
    split : {"val", "test", "train"}
        The split shown: val, where settings are looked at and chosen; test only to
        report (each PNG records ``report_on_test``).
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`).
    out : str or Path or None
        Output folder (default: the run folder).
    overwrite : bool
        Replace figures of the same name (else they are refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    dt: tuple = knob(
        (0.001, 0.01, 0.1, 1.0),
        "time steps (s), a figure each (default 0.001 0.01 0.1 1)",
        parse="positive_float",
        nargs="+",
    )
    steps: Optional[int] = knob(
        None, "timesteps per image (default: the run's)", parse="positive_int"
    )
    synapse: object = knob(None, "lowpass tau (s) or 'none' (default: the run's)", parse="synapse")
    scale: Optional[float] = knob(
        None, "firing-rate scale (default: the run's)", parse="positive_float"
    )
    images: int = knob(4, "how many images of the split", parse="positive_int")
    split: str = "val"
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        if isinstance(self.dt, list):
            object.__setattr__(self, "dt", tuple(self.dt))
        check_field_types(self)
        if not self.dt:
            raise ConfigError("give at least one time step (dt)")
        if self.images < 1:
            raise ConfigError(f"images must be >= 1, got {self.images!r}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")

    def settings(self, base):
        """One `SpikeSettings` per time step: ``base`` (the run's) with the fields given."""
        return [
            spike_settings(
                types.SimpleNamespace(
                    dt=dt, steps=self.steps, synapse=self.synapse, scale=self.scale
                ),
                base,
            )
            for dt in self.dt
        ]


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def running_readout(outputs, how):
    """Readout at every step: cumulative mean (``mean``) or the output itself (``last``)."""
    if how == "mean":
        return np.cumsum(outputs, axis=1) / np.arange(1, outputs.shape[1] + 1)[None, :, None]
    return outputs


def per_image_figure(result, split, path, title="", metadata=None):
    """Draw the per-image figure from a `SpikingResult` kept with ``keep_outputs``.

    ``metadata`` ({str: str}) goes into the PNG's text chunks.
    """
    from ...atomic import atomic_path
    from ...plots import _pyplot

    plt = _pyplot()
    n = result.n_images
    s = result.settings
    fig, axes = plt.subplots(n, 3, figsize=(13, 3 * n), squeeze=False)
    probs = softmax(running_readout(result.outputs, s.readout))
    t = np.arange(1, s.steps + 1) * s.dt
    for i in range(n):
        ax_img, ax_hist, ax_out = axes[i]
        ax_img.imshow(split.images[i].reshape(28, 28), cmap="gray")
        true, pred = CLASS_NAMES[split.labels[i]], CLASS_NAMES[result.predictions[i]]
        ax_img.set_title(f"true: {true}\npredicted: {pred}", fontsize=9)
        ax_img.axis("off")
        per_neuron = result.spikes[i].mean(axis=0)  # spikes per neuron per timestep
        ax_hist.hist(per_neuron, bins=30)
        ax_hist.set_xlabel("spikes per neuron per timestep")
        ax_hist.set_ylabel("neurons")
        for c in range(len(CLASS_NAMES)):
            ax_out.plot(
                t, probs[i, :, c], label=CLASS_NAMES[c], lw=2.5 if c == split.labels[i] else 1
            )
        ax_out.set_ylim(-0.02, 1.02)
        ax_out.set_xlabel("time (s)")
        ax_out.set_ylabel(f"softmax ({s.readout} readout)")
    axes[0, 2].legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    fig.tight_layout()
    # plots.save_png, with the PNG's text metadata
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return path


def figure_name(run_name, s):
    """The file name of the per-image figure of run ``run_name`` at `SpikeSettings` ``s``."""
    return f"per_image_{run_name}_dt{s.dt:g}_steps{s.steps}_scale{s.scale:g}.png"


def make_figures(config, *, log=print):
    """Write one per-image figure per time step (together, or none); return the paths.

    ``config`` is a `FiguresConfig`. An existing figure of the same name in
    ``config.out`` (default: the run folder) is refused unless ``config.overwrite``.
    Each PNG's text metadata records ``split`` and ``report_on_test`` (true on the test
    split: figures there report, they are not where a setting is chosen).
    """
    from ...inference.engine import RunOptions, run_spiking

    run = load_run(config.run)
    settings_list = config.settings(run.config.spiking)
    names = [figure_name(run.path.name, s) for s in settings_list]
    outputs = Outputs(config.out or config.run, names, overwrite=config.overwrite)
    split_name = config.split
    dataset = data_mod.load(config.data_dir, n_val=run.config.n_val)
    split = dataset.split(split_name).subset(config.images)
    metadata = {
        "Title": f"{run.path.name} on the {split_name} split",
        "split": split_name,
        "report_on_test": "true" if split_name == "test" else "false",
    }
    keep = RunOptions(keep_outputs=True)
    with outputs.staging() as stage:
        for s, name in zip(settings_list, names):
            result = run_spiking(run.weights, run.config.neuron, split.images, s, keep)
            title = (
                f"{run.path.name}: spiking {run.config.neuron}, dt {s.dt:g} s, {s.steps} steps, "
                f"scale {s.scale:g}, synapse {s.synapse}; mean rate "
                f"{result.rate_stats()['mean']:.2f} Hz; {split_name} split"
            )
            per_image_figure(result, split, stage / name, title, metadata=metadata)
            log(f"made {name}")
    paths = [Path(outputs.folder) / name for name in names]
    log(f"wrote {len(paths)} figure(s) in {outputs.folder}")
    return paths
