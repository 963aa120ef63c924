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
"""

import sys
from pathlib import Path

import numpy as np

from .. import data as data_mod
from ..atomic import Outputs
from ..cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    add_split_arg,
    positive_float,
    positive_int,
    run_cli,
    spike_settings,
    synapse_value,
)
from ..data import CLASS_NAMES
from ..progress import make_log
from ..runs import load_run


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
    from ..atomic import atomic_path
    from ..plots import _pyplot

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


def make_figures(
    run_dir,
    settings_list,
    *,
    out,
    n_images=4,
    split_name="val",
    data_dir=None,
    log=print,
    overwrite=False,
):
    """Write one per-image figure per setting (together, or none); return the paths.

    An existing figure of the same name in ``out`` is refused unless ``overwrite``.
    Each PNG's text metadata records ``split`` and ``report_on_test`` (true on the test
    split: figures there report, they are not where a setting is chosen).
    """
    from ..inference.engine import run_spiking

    run = load_run(run_dir)
    names = [figure_name(run.path.name, s) for s in settings_list]
    outputs = Outputs(out, names, overwrite=overwrite)
    out = outputs.folder
    dataset = data_mod.load(data_dir, n_val=run.config.n_val)
    split = dataset.split(split_name).subset(n_images)
    metadata = {
        "Title": f"{run.path.name} on the {split_name} split",
        "split": split_name,
        "report_on_test": "true" if split_name == "test" else "false",
    }
    with outputs.staging() as stage:
        for s, name in zip(settings_list, names):
            result = run_spiking(run.weights, run.config.neuron, split.images, s, keep_outputs=True)
            title = (
                f"{run.path.name}: spiking {run.config.neuron}, dt {s.dt:g} s, {s.steps} steps, "
                f"scale {s.scale:g}, synapse {s.synapse}; mean rate "
                f"{result.rate_stats()['mean']:.2f} Hz; {split_name} split"
            )
            per_image_figure(result, split, stage / name, title, metadata=metadata)
            log(f"made {name}")
    paths = [Path(out) / name for name in names]
    log(f"wrote {len(paths)} figure(s) in {out}")
    return paths


def main(argv=None):
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.figures", description=__doc__.splitlines()[0]
    )
    p.add_argument("--run", required=True)
    p.add_argument("--dt", type=positive_float, nargs="+", default=[0.001, 0.01, 0.1, 1.0])
    p.add_argument("--steps", type=positive_int, default=None)
    p.add_argument("--synapse", type=synapse_value, default=None)
    p.add_argument("--scale", type=positive_float, default=None)
    p.add_argument("--images", type=positive_int, default=4, help="how many images of the split")
    add_split_arg(p, "choose")
    add_output_args(p, "the run folder", "per_image_<run>_dt<dt>_steps<k>_scale<s>.png")
    add_data_args(p, n_val=False)
    args = p.parse_args(argv)

    def run():
        base = load_run(args.run).config.spiking
        settings = []
        for dt in args.dt:
            args_dt = type(args)(**{**vars(args), "dt": dt})
            settings.append(spike_settings(args_dt, base))
        make_figures(
            args.run,
            settings,
            out=args.out or args.run,
            n_images=args.images,
            split_name=args.split,
            data_dir=args.data_dir,
            log=make_log(args.quiet),
            overwrite=args.overwrite,
        )

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
