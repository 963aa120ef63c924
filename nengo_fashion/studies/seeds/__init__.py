"""Train one recipe with several seeds and report the spread of its accuracies.

Usage::

    python -m nengo_fashion.studies.seeds --recipe best --neuron relu --seeds 0 1 2
    python -m nengo_fashion.studies.seeds --recipe best --seeds 0 1 2 3 --scheduler local \\
        --workers 2
    python -m nengo_fashion.studies.seeds --seeds 0 1 --epochs 1 --n-train 1280 \\
        --out runs/seeds-quick

Each seed is an independent training (`nengo_fashion.train.train` of
``make_config(**train, seed=s)``, the ``best`` recipe unless ``--recipe`` says another;
every training knob of ``train`` is an option here too, `SeedsConfig.train`), a task of
`nengo_fashion.tasks`: without ``--scheduler`` they run one after another here; with it,
in parallel on a Dask cluster, with the same numbers. ``--out`` (default
``results/seeds/<recipe>-<neuron>``) receives:

``seed-<s>/``
    The run folder of each seed (written as soon as that training finishes).
``seeds.json``
    Per seed: the rate net's validation and test accuracy and the spiking test
    accuracy (from its ``results.json``); their mean and sample standard
    deviation (``ddof=1``; 0 for a single seed), as fractions.

Started again with the same arguments after an interruption, it trains only the
seeds whose run folder is missing or was trained with another configuration, and
says so (``resuming: 2 of 3 tasks already done``); ``--fresh`` trains all again.
The command is `nengo_fashion.commands.seeds`.
"""

import dataclasses
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from ...atomic import Outputs, prepare_out_dir, read_json, write_json
from ...config import check_overrides, check_seed, knob, make_config
from ...errors import ConfigError, OutputError
from ...knobs import check_field_types
from ...runs import finished_run, store_run
from ...tasks import DataRef, Task, TaskRunner, resume
from ...train import check_sources, train_run

FILE_NAME = "seeds.json"
METRICS = ("rate_val_acc", "rate_test_acc", "spiking_test_acc")
"""The accuracies (fractions) read from each run's ``results.json``."""

DEFAULT_RECIPE = "best"
"""The recipe trained unless the training overrides name one."""

FIXED = ("seed",)
"""The training settings that the study sets itself (one run per seed)."""


def run_name(seed):
    """The run folder of one seed, inside ``--out``."""
    return f"seed-{seed}"


def default_out(recipe, neuron, prune_keep=1.0):
    """``results/seeds/<recipe>-<neuron>``, with ``-keep<percent>`` for a pruned recipe."""
    keep = f"-keep{prune_keep * 100:g}" if prune_keep < 1 else ""
    return Path("results") / "seeds" / f"{recipe}-{neuron}{keep}"


@dataclasses.dataclass(frozen=True)
class SeedsConfig:
    """What the seeds study trains and where it writes.

    Parameters
    ----------
    seeds : tuple of int
        One training per seed (distinct, each in 0..2**32 - 1).
    train : dict
        Overrides of the training configuration: `nengo_fashion.config.TrainConfig`
        fields (``recipe`` and ``variant`` included, `DEFAULT_RECIPE` unless given; not
        ``seed``). Seed ``s`` trains ``make_config(**train, seed=s)``.
    out : str or Path, optional
        The folder (default `default_out` of the recipe, neuron and pruning).
    fresh : bool
        Train every seed even if its run folder matches.
    overwrite : bool
        Replace a run folder of another configuration, and a ``seeds.json`` of seeds
        that this study does not train (default: refuse, before any work).
    """

    seeds: Tuple[int, ...] = knob(
        (0, 1, 2), "training seeds, each in 0..2**32 - 1 (default 0 1 2)", parse="seed", nargs="+"
    )
    train: dict = dataclasses.field(default_factory=dict)
    out: Optional[Path] = None
    fresh: bool = knob(
        False,
        "train every seed again (default: keep the run folders with the same configuration)",
        parse="flag",
    )
    overwrite: bool = False

    def __post_init__(self):
        if isinstance(self.seeds, (list, range)):
            object.__setattr__(self, "seeds", tuple(self.seeds))
        check_field_types(self)
        for seed in self.seeds:
            check_seed(seed)
        if not self.seeds:
            raise ConfigError("give at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"the seeds must be distinct, got {list(self.seeds)}")
        object.__setattr__(self, "train", check_overrides(self.train, fixed=FIXED))

    def train_configs(self, n_val=5000):
        """``{run name: TrainConfig}``: what each seed trains (``n_val``: the data's)."""
        base = dict({"recipe": DEFAULT_RECIPE}, **self.train)
        return {run_name(s): make_config(**base, seed=s, n_val=n_val) for s in self.seeds}

    def folder(self, n_val=5000):
        """``out``, or the default folder of what the seeds train (`default_out`)."""
        if self.out is not None:
            return Path(self.out)
        first = next(iter(self.train_configs(n_val).values()))
        return default_out(first.recipe, first.neuron, first.prune_keep)


def prepare(config, n_val=5000):
    """Check ``config`` before any work: its training configurations, what they start
    from (`nengo_fashion.train.check_sources`) and its folder; return the folder."""
    check_sources(next(iter(config.train_configs(n_val).values())))
    return prepare_out_dir(config.folder(n_val))


def summarise(per_seed):
    """Mean and sample standard deviation (ddof=1; 0 for one seed) of each of `METRICS`."""
    mean, std = {}, {}
    for key in METRICS:
        values = np.array([r[key] for r in per_seed], dtype=float)
        mean[key] = float(values.mean())
        std[key] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return mean, std


def run_seeds(config, data, *, runner=None, log=print, quiet=False, on_result=None):
    """Train once per seed, write the run folders and ``seeds.json``; return its dict.

    A seed's run folder that is already there with the same configuration is reused
    (unless ``config.fresh``); one that holds another configuration, or a ``seeds.json``
    of seeds that this call does not train, is refused before any work unless
    ``config.overwrite``.

    Parameters
    ----------
    config : SeedsConfig
        The seeds, the training overrides and the folder.
    data : nengo_fashion.data.FashionMNIST or nengo_fashion.tasks.DataRef
        The data (a `DataRef` names where it came from: workers load their own copy).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Where the trainings run (default: one after another, here).
    log : callable
        Status lines (``resuming: ...``, ``wrote ...``; serial runs: each epoch).
    quiet : bool
        No progress bar (for the default serial runner).
    on_result : callable, optional
        ``on_result(seed, results)`` after each new run folder is written.

    Returns
    -------
    dict
        The contents of ``seeds.json``.
    """
    data = data if isinstance(data, DataRef) else DataRef(data)
    out = prepare_out_dir(config.folder(data.n_val))
    runner = runner or TaskRunner(quiet=quiet)
    tasks = []
    for name, train_config in config.train_configs(data.n_val).items():
        kwargs = dict(config=train_config, data=data, name=name)
        if runner.serial:
            kwargs["log"] = log
        tasks.append(Task(name, train_run, kwargs))

    def stored(task):
        return None if config.fresh else finished_run(out / task.key, task.kwargs["config"])

    done, todo = resume(tasks, stored, log)
    if not config.overwrite:
        check_replacements(out, [out / t.key for t in todo], config.seeds)

    def write(task, result):
        log(f"wrote {store_run(result, out / task.key)}")
        if on_result is not None:
            on_result(task.kwargs["config"].seed, result["results"])

    def label(task, result):
        r = result["results"]
        return (
            f"seed {task.kwargs['config'].seed}: rate val {r['rate_val_acc']:.2%}, "
            f"spiking test {r['spiking_test_acc']:.2%}"
        )

    new = runner.run(todo, "seeds", label=label, on_result=write)
    results = dict(done, **{key: r["results"] for key, r in new.items()})
    summary = _summary(config, tasks[0].kwargs["config"], out, results)
    summary.update(n_val=data.n_val, scheduler=runner.describe(), resumed=sorted(done))
    with Outputs(out, [FILE_NAME], overwrite=True).staging() as stage:
        write_json(stage / FILE_NAME, summary)
    return summary


def _summary(config, first, out, results):
    """``seeds.json`` but ``n_val``, ``scheduler`` and ``resumed``: what was trained (from
    the first seed's `TrainConfig`) and each seed's accuracies, their mean and spread."""
    per_seed = [
        {
            "seed": seed,
            "run": str(out / run_name(seed)),
            **{key: results[run_name(seed)][key] for key in METRICS},
            "seconds": results[run_name(seed)].get("seconds"),
        }
        for seed in config.seeds
    ]
    mean, std = summarise(per_seed)
    return {
        "recipe": first.recipe,
        "neuron": first.neuron,
        "seeds": list(config.seeds),
        "epochs": first.epochs,
        "teacher": first.teacher,
        "prune_keep": first.prune_keep,
        "n_train": first.n_train,
        "train": config.train,
        "per_seed": per_seed,
        "mean": mean,
        "std": std,
        "std_ddof": 1,
        "spiking": results[run_name(config.seeds[0])].get("spiking"),
    }


def check_replacements(out, new_runs, seeds):
    """Refuse (`OutputError`) to replace a run folder in ``new_runs`` that exists, or a
    ``seeds.json`` in ``out`` whose seeds are not all in ``seeds``."""
    for path in new_runs:
        if path.exists():
            raise OutputError(
                f"{path} holds a run of another configuration (or --fresh was given); pass "
                "--overwrite to replace it, or --out to write elsewhere"
            )
    summary = out / FILE_NAME
    if summary.exists():
        old = read_json(summary).get("seeds", [])
        if not set(old) <= set(seeds):
            raise OutputError(
                f"{summary} covers seeds {old}, and this run only {list(seeds)}; pass "
                "--overwrite to replace it, or --out to write elsewhere"
            )


def format_table(summary):
    """The per-seed accuracies and their mean +- std, as text."""
    head = f"{'seed':>6}  {'rate val %':>10}  {'rate test %':>11}  {'spiking test %':>14}"
    title = f"== {summary['recipe']}-{summary['neuron']}, {len(summary['seeds'])} seed(s) =="
    lines = [title, head]
    for r in summary["per_seed"]:
        lines.append(
            f"{r['seed']:>6}  {r['rate_val_acc'] * 100:10.2f}  {r['rate_test_acc'] * 100:11.2f}  "
            f"{r['spiking_test_acc'] * 100:14.2f}"
        )
    m, s = summary["mean"], summary["std"]
    lines.append(
        "mean ± std (ddof 1): "
        + ", ".join(
            f"{name} {m[k] * 100:.2f} ± {s[k] * 100:.2f} %"
            for name, k in zip(("rate val", "rate test", "spiking test"), METRICS)
        )
    )
    return "\n".join(lines)
