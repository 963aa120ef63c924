"""Train one recipe with several seeds and report the spread of its accuracies.

Usage::

    python -m nengo_fashion.studies.seeds --recipe best --neuron relu --seeds 0 1 2
    python -m nengo_fashion.studies.seeds --recipe best --seeds 0 1 2 3 --scheduler local \\
        --workers 2
    python -m nengo_fashion.studies.seeds --seeds 0 1 --epochs 1 --n-train 1280 \\
        --out runs/seeds-quick

Each seed is an independent training (`nengo_fashion.train.train` of
``make_config(recipe, neuron=..., seed=s)``), a task of `nengo_fashion.tasks`:
without ``--scheduler`` they run one after another here; with it, in parallel on
a Dask cluster, with the same numbers. ``--out`` (default
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
"""

import sys
from pathlib import Path

import numpy as np

from .. import data as data_mod
from ..atomic import Outputs, prepare_out_dir, read_json, write_json
from ..cli import (
    ArgumentParser,
    add_data_args,
    add_output_args,
    positive_float,
    positive_int,
    run_cli,
    seed_value,
)
from ..config import RECIPES, make_config
from ..errors import ConfigError, OutputError
from ..families import FAMILIES
from ..progress import make_log
from ..runs import finished_run, store_run
from ..tasks import DataRef, Task, TaskRunner, add_scheduler_args, resume, runner_from_args
from ..train import train_run

FILE_NAME = "seeds.json"
METRICS = ("rate_val_acc", "rate_test_acc", "spiking_test_acc")
"""The accuracies (fractions) read from each run's ``results.json``."""


def run_name(seed):
    """The run folder of one seed, inside ``--out``."""
    return f"seed-{seed}"


def default_out(recipe, neuron, prune_keep=1.0):
    """``results/seeds/<recipe>-<neuron>``, with ``-keep<percent>`` for a pruned recipe."""
    keep = f"-keep{prune_keep * 100:g}" if prune_keep < 1 else ""
    return Path("results") / "seeds" / f"{recipe}-{neuron}{keep}"


def summarise(per_seed):
    """Mean and sample standard deviation (ddof=1; 0 for one seed) of each of `METRICS`."""
    mean, std = {}, {}
    for key in METRICS:
        values = np.array([r[key] for r in per_seed], dtype=float)
        mean[key] = float(values.mean())
        std[key] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return mean, std


def run_seeds(
    dataset,
    seeds,
    *,
    recipe="best",
    neuron="relu",
    out=None,
    epochs=None,
    n_train=None,
    runner=None,
    fresh=False,
    data_dir=None,
    log=print,
    quiet=False,
    on_result=None,
    teacher=None,
    prune_keep=1.0,
    overwrite=False,
):
    """Train ``recipe`` once per seed, write the run folders and ``seeds.json``; return its dict.

    A seed's run folder that is already there with the same configuration is reused
    (unless ``fresh``); one that holds another configuration, or a ``seeds.json`` of
    seeds that this call does not train, is refused before any work unless
    ``overwrite``.

    Parameters
    ----------
    dataset : nengo_fashion.data.FashionMNIST
    seeds : sequence of int
        One training per seed (distinct).
    recipe : str
        A key of `nengo_fashion.config.RECIPES`.
    neuron : {"relu", "lif"}
    out : str or Path, optional
        The folder (default ``results/seeds/<recipe>-<neuron>``), checked first.
    epochs, n_train : int, optional
        Override the recipe's epochs and training images (quick runs).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Where the trainings run (default: one after another, here).
    fresh : bool
        Train every seed even if its run folder matches.
    data_dir : str, optional
        Where ``dataset`` came from (workers load their own copy from there).
    log : callable
        Status lines (``resuming: ...``, ``wrote ...``; serial runs: each epoch).
    quiet : bool
        No progress bar (for the default serial runner).
    on_result : callable, optional
        ``on_result(seed, results)`` after each new run folder is written.
    teacher : str, optional
        A teacher run folder, for the ``distill`` recipe.
    prune_keep : float
        Fraction of the first layer's weights kept (`TrainConfig.prune_keep`; 1: all).

    Returns
    -------
    dict
        The contents of ``seeds.json``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ConfigError("give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"the seeds must be distinct, got {seeds}")
    out = prepare_out_dir(out or default_out(recipe, neuron, prune_keep))
    runner = runner or TaskRunner(quiet=quiet)
    data = DataRef(dataset, data_dir)
    tasks = []
    for seed in seeds:
        config = make_config(
            recipe,
            neuron=neuron,
            seed=seed,
            epochs=epochs,
            n_train=n_train,
            n_val=data.n_val,
            teacher=teacher,
            prune_keep=prune_keep,
        )
        kwargs = dict(config=config, data=data, name=run_name(seed))
        if runner.serial:
            kwargs["log"] = log
        tasks.append(Task(run_name(seed), train_run, kwargs))

    def stored(task):
        if fresh:
            return None
        return finished_run(out / task.key, task.kwargs["config"])

    done, todo = resume(tasks, stored, log)
    if not overwrite:
        check_replacements(out, [out / t.key for t in todo], seeds)

    def write(task, result):
        path = store_run(result, out / task.key)
        log(f"wrote {path}")
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
    per_seed = [
        {
            "seed": seed,
            "run": str(out / run_name(seed)),
            **{key: results[run_name(seed)][key] for key in METRICS},
            "seconds": results[run_name(seed)].get("seconds"),
        }
        for seed in seeds
    ]
    mean, std = summarise(per_seed)
    summary = {
        "recipe": recipe,
        "neuron": neuron,
        "seeds": seeds,
        "epochs": tasks[0].kwargs["config"].epochs,
        "teacher": teacher,
        "prune_keep": prune_keep,
        "n_train": n_train,
        "n_val": data.n_val,
        "per_seed": per_seed,
        "mean": mean,
        "std": std,
        "std_ddof": 1,
        "spiking": results[run_name(seeds[0])].get("spiking"),
        "scheduler": runner.describe(),
        "resumed": sorted(done),
    }
    with Outputs(out, [FILE_NAME], overwrite=True).staging() as stage:
        write_json(stage / FILE_NAME, summary)
    return summary


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


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.seeds", description=__doc__.splitlines()[0]
    )
    p.add_argument("--recipe", choices=sorted(RECIPES), default="best")
    p.add_argument("--neuron", choices=sorted(FAMILIES), default="relu")
    p.add_argument(
        "--seeds",
        type=seed_value,
        nargs="+",
        default=[0, 1, 2],
        help="training seeds, each in 0..2**32 - 1 (default 0 1 2)",
    )
    p.add_argument("--epochs", type=positive_int, default=None, help="override the recipe's")
    p.add_argument(
        "--teacher",
        default=None,
        metavar="RUN",
        help="teacher run folder (python -m nengo_fashion.teacher), for --recipe distill",
    )
    p.add_argument(
        "--n-train",
        type=positive_int,
        default=None,
        help="use only the first N training images (quick runs)",
    )
    p.add_argument(
        "--prune-keep",
        type=positive_float,
        default=1.0,
        help="fraction of the first layer's weights kept, (0, 1] (train --prune-keep); "
        "default 1",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="train every seed again (default: keep the run folders with the same configuration)",
    )
    add_output_args(
        p,
        "results/seeds/<recipe>-<neuron>[-keep<percent>]",
        f"{FILE_NAME} and seed-<s>/ run folders",
    )
    add_data_args(p)
    add_scheduler_args(p)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        make_config(  # errors first
            args.recipe, neuron=args.neuron, teacher=args.teacher, prune_keep=args.prune_keep
        )
        if args.teacher is not None:
            from ..teacher import load_teacher

            load_teacher(args.teacher)
        out = prepare_out_dir(args.out or default_out(args.recipe, args.neuron, args.prune_keep))
        dataset = data_mod.load(args.data_dir, n_val=args.n_val)
        log = make_log(args.quiet)
        with runner_from_args(args, log) as runner:
            summary = run_seeds(
                dataset,
                args.seeds,
                recipe=args.recipe,
                neuron=args.neuron,
                out=out,
                epochs=args.epochs,
                n_train=args.n_train,
                runner=runner,
                fresh=args.fresh,
                data_dir=args.data_dir,
                log=log,
                quiet=args.quiet,
                teacher=args.teacher,
                prune_keep=args.prune_keep,
                overwrite=args.overwrite,
            )
        print(format_table(summary))
        print(f"wrote {out / FILE_NAME}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
