"""Choose the ``best`` training recipe on the validation split (never the test split).

Usage::

    python -m nengo_fashion.studies.search                       # writes results/recipe_search.json
    python -m nengo_fashion.studies.search --epochs-scale 0.1 --out runs/quick   # a quick look
    python -m nengo_fashion.studies.search --scheduler local --workers 2   # candidates in parallel
    python -m nengo_fashion.studies.search --space distill --teacher results/teacher

Each candidate is the thesis recipe with a few changes (epochs, batch size,
learning-rate schedule, shuffling, weight decay, flip augmentation). Every one is
trained on the 55,000 training images and scored by its validation accuracy
after the last epoch. The winner is what ``config.RECIPES["best"]`` holds; a test
checks that the two agree.

Each candidate is a task (`nengo_fashion.tasks`): ``--scheduler`` trains them in
parallel on a Dask cluster, with the same numbers as one after another. Each
finished candidate is kept, with its configuration, in ``<out>/recipe_search_tasks/``;
the same command started again after an interruption trains only the missing
ones (``--fresh`` trains all again).
"""

import shutil
import sys
import time

from .. import data as data_mod
from ..atomic import Outputs, read_json, write_json
from ..cli import ArgumentParser, add_data_args, add_output_args, positive_float, run_cli
from ..config import RECIPES, make_config
from ..errors import ConfigError, OutputError
from ..progress import make_log
from ..tasks import (
    DataRef,
    Task,
    TaskRunner,
    TaskStore,
    add_scheduler_args,
    resolve,
    resume,
    runner_from_args,
)

FILE_NAME = "recipe_search.json"
TASKS_DIR = "recipe_search_tasks"
"""Folder (inside ``--out``) of the finished candidates, for resuming."""

_COSINE = dict(batch_size=128, lr=2e-3, lr_schedule="cosine", shuffle=True)
CANDIDATES = {
    "thesis": {},
    "cosine-40": dict(_COSINE, epochs=40),
    "cosine-40-wd": dict(_COSINE, epochs=40, weight_decay=0.05),
    "cosine-40-flip": dict(_COSINE, epochs=40, augment="flip"),
    "cosine-60-flip": dict(_COSINE, epochs=60, augment="flip"),
    "cosine-60-flip-wd": dict(_COSINE, epochs=60, augment="flip", weight_decay=0.05),
    "cosine-40-flip-wd": dict(_COSINE, epochs=40, augment="flip", weight_decay=0.05),
    "cosine-40-wd0.2": dict(_COSINE, epochs=40, weight_decay=0.2),
    "cosine-30-wd": dict(_COSINE, epochs=30, weight_decay=0.05),
    "cosine-40-wd-b64": dict(_COSINE, epochs=40, weight_decay=0.05, batch_size=64, lr=1e-3),
    "cosine-80-flip-wd0.2": dict(_COSINE, epochs=80, augment="flip", weight_decay=0.2),
}
"""Candidate recipes: overrides of the thesis recipe."""

_DISTILL = dict(RECIPES["best"], augment="shift-flip")
DISTILL_CANDIDATES = {
    # the augmentations alone, no teacher in the loss (the controls)
    "shift-flip": dict(_DISTILL, teacher=None),
    "flip": dict(_DISTILL, teacher=None, augment="flip"),
    # the teacher's own augmentation (shifts of up to 2 pixels and flips)
    "kd-a0.5-T4": dict(_DISTILL, kd_alpha=0.5, kd_temperature=4.0),
    "kd-a0.9-T4": dict(_DISTILL, kd_alpha=0.9, kd_temperature=4.0),
    # flips only (shifts cost the small MLP accuracy on its own)
    "kd-a0.5-T4-flip": dict(_DISTILL, kd_alpha=0.5, kd_temperature=4.0, augment="flip"),
    "kd-a0.9-T4-flip": dict(_DISTILL, kd_alpha=0.9, kd_temperature=4.0, augment="flip"),
    "kd-a0.9-T2-flip": dict(_DISTILL, kd_alpha=0.9, kd_temperature=2.0, augment="flip"),
    "kd-a0.9-T8-flip": dict(_DISTILL, kd_alpha=0.9, kd_temperature=8.0, augment="flip"),
    "kd-a0.5-T4-flip-ls0.1": dict(
        _DISTILL, kd_alpha=0.5, kd_temperature=4.0, augment="flip", label_smoothing=0.1
    ),
    # a second round, after the first showed lower T and alpha doing better (see README)
    "kd-a0.5-T2-flip": dict(_DISTILL, kd_alpha=0.5, kd_temperature=2.0, augment="flip"),
    "kd-a0.3-T2-flip": dict(_DISTILL, kd_alpha=0.3, kd_temperature=2.0, augment="flip"),
    "kd-a0.5-T1-flip": dict(_DISTILL, kd_alpha=0.5, kd_temperature=1.0, augment="flip"),
    # no augmentation: one copy of the training split
    "kd-a0.9-T4-none": dict(
        _DISTILL, kd_alpha=0.9, kd_temperature=4.0, augment="none", kd_copies=1
    ),
}
"""Distillation candidates (``--space distill``): the ``best`` recipe with the
teacher's shift-flip augmentation or flips only, and the teacher's weight alpha,
temperature T and label smoothing varied. ``teacher`` is filled in from ``--teacher``
(None: trained on the labels alone)."""

SPACES = {
    "recipe": (CANDIDATES, FILE_NAME, TASKS_DIR),
    "distill": (DISTILL_CANDIDATES, "distill_search.json", "distill_search_tasks"),
}
"""Search spaces: candidates, result file and task folder (inside ``--out``)."""


def best_distilled(result):
    """The candidate of a distill search with a teacher and the highest validation accuracy.

    This is ``RECIPES["distill"]``: the search's overall ``best`` can be a control
    trained on the labels alone.
    """
    distilled = {k: c for k, c in result["candidates"].items() if c["overrides"].get("teacher")}
    return max(distilled, key=lambda k: distilled[k]["val_acc"])


def with_teacher(candidates, teacher):
    """``candidates`` with ``teacher`` filled in where a candidate does not set it."""
    return {k: dict({"teacher": teacher}, **v) for k, v in candidates.items()}


def train_candidate(config, data, log=None, title=None):
    """One candidate (a task): train ``config``, score it on the validation split.

    ``log`` (serial runs) gets ``title`` and one line per epoch. Returns only
    numbers: ``val_acc`` (after the last epoch), ``val_acc_per_epoch`` and
    ``seconds`` (wall time of the training, in seconds).
    """
    from ..train import fit

    log = log or (lambda line: None)
    if title:
        log(title)
    start = time.time()
    _, history, sim = fit(config, resolve(data), log=log)
    sim.close()
    return {
        "val_acc": history["val_acc"][-1],
        "val_acc_per_epoch": history["val_acc"],
        "seconds": time.time() - start,
    }


def search(
    dataset,
    candidates=CANDIDATES,
    *,
    epochs_scale=1.0,
    seed=0,
    log=print,
    quiet=False,
    runner=None,
    store=None,
    data_dir=None,
):
    """Train every candidate and score it on the validation split.

    Parameters
    ----------
    dataset : nengo_fashion.data.FashionMNIST
    candidates : dict
        Name -> overrides of the thesis recipe.
    epochs_scale : float
        Multiplies every candidate's epochs (at least 1 epoch each).
    seed : int
        Every candidate's training seed.
    log, quiet
        Progress lines (serial runs print each epoch) and the progress bar.
    runner : nengo_fashion.tasks.TaskRunner, optional
        Where the candidates train (default: one after another, here).
    store : str or Path, optional
        A folder keeping each finished candidate's result with its configuration
        (`nengo_fashion.tasks.TaskStore`): candidates found there with the same
        configuration are not trained again.
    data_dir : str, optional
        Where ``dataset`` came from (workers load their own copy from there).

    Returns
    -------
    dict
        ``candidates`` (name -> overrides, final and per-epoch validation
        accuracy, seconds) and ``best`` (the name with the highest final
        validation accuracy).
    """
    runner = runner or TaskRunner(quiet=quiet)
    data = DataRef(dataset, data_dir)
    tasks, overrides_of = [], {}
    for name, overrides in candidates.items():
        overrides = dict(overrides)
        overrides["epochs"] = max(1, round(overrides.get("epochs", 10) * epochs_scale))
        config = make_config("thesis", seed=seed, n_val=len(dataset.val), **overrides)
        overrides_of[name] = overrides
        kwargs = dict(config=config, data=data)
        if runner.serial:
            kwargs.update(log=log, title=f"--- {name}: {overrides}")
        tasks.append(Task(name, train_candidate, kwargs))
    store = TaskStore(store) if store is not None else None

    def config_of(task):  # what a stored result must have been made with
        return {"config": task.kwargs["config"].asdict(), "data": data.fingerprint}

    done, todo = resume(tasks, lambda t: store and store.get(t.key, config_of(t)), log)

    def on_result(task, result):
        if store is not None:
            store.put(task.key, config_of(task), result)

    def label(task, result):
        return f"{task.key}: val acc {result['val_acc']:.2%}"

    results = dict(done, **runner.run(todo, "search", label=label, on_result=on_result))
    out = {name: {"overrides": overrides_of[name], **results[name]} for name in candidates}
    best = max(out, key=lambda k: out[k]["val_acc"])  # the first of equals
    return {"candidates": out, "best": best, "seed": seed, "epochs_scale": epochs_scale}


def main(argv=None):
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.search", description=__doc__.splitlines()[0]
    )
    add_output_args(p, "results", FILE_NAME)
    p.add_argument(
        "--epochs-scale",
        type=positive_float,
        default=1.0,
        help="multiply every candidate's epochs (quick looks)",
    )
    p.add_argument(
        "--space",
        choices=sorted(SPACES),
        default="recipe",
        help="'recipe': the training recipe (recipe_search.json); 'distill': distillation "
        "from --teacher (distill_search.json)",
    )
    p.add_argument(
        "--teacher",
        default=None,
        metavar="RUN",
        help="teacher run folder for --space distill (python -m nengo_fashion.teacher)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        choices=sorted(set(CANDIDATES) | set(DISTILL_CANDIDATES)),
        default=None,
        help="train only these candidates",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help=f"train every candidate again (default: reuse those finished in DIR/{TASKS_DIR}/ "
        "with the same configuration)",
    )
    add_data_args(p)
    add_scheduler_args(p)
    args = p.parse_args(argv)

    def run():
        space, file_name, tasks_dir = SPACES[args.space]
        if args.space == "distill":
            if args.teacher is None:
                raise ConfigError("--space distill needs --teacher RUN (a teacher run folder)")
            from ..teacher import load_teacher

            load_teacher(args.teacher)  # a clear error before any work
            space = with_teacher(space, args.teacher)
        if args.only and not set(args.only) <= set(space):
            raise ConfigError(
                f"--only: {', '.join(sorted(set(args.only) - set(space)))} not in the "
                f"{args.space} space"
            )
        outputs = Outputs(args.out or "results", [file_name], overwrite=True)
        out = outputs.folder
        path = out / file_name
        earlier = read_json(path) if path.exists() else None
        if earlier is not None and not args.overwrite:
            adds = args.only and earlier.get("epochs_scale") == args.epochs_scale
            if not adds:
                n = len(earlier.get("candidates", {}))
                raise OutputError(
                    f"{path} exists with {n} candidate(s) at epochs scale "
                    f"{earlier.get('epochs_scale')}; pass --overwrite to replace it, --out to "
                    "write elsewhere, or --only NAMES with the same --epochs-scale to add to it"
                )
        dataset = data_mod.load(args.data_dir, n_val=args.n_val)
        cands = {k: v for k, v in space.items() if not args.only or k in args.only}
        log = make_log(args.quiet)
        store = out / tasks_dir
        if args.fresh and store.exists():
            shutil.rmtree(store)
        with runner_from_args(args, log) as runner:
            result = search(
                dataset,
                cands,
                epochs_scale=args.epochs_scale,
                log=log,
                quiet=args.quiet,
                runner=runner,
                store=store,
                data_dir=args.data_dir,
            )
        result["n_val"] = len(dataset.val)
        if args.only and earlier is not None and not args.overwrite:  # add to the earlier ones
            if earlier.get("epochs_scale") == result["epochs_scale"]:
                merged = dict(earlier["candidates"], **result["candidates"])
                result["candidates"] = {k: merged[k] for k in space if k in merged}
                result["best"] = max(merged, key=lambda k: merged[k]["val_acc"])
        width = max(map(len, result["candidates"]))
        for name, c in result["candidates"].items():
            mark = "  <- best" if name == result["best"] else ""
            print(
                f"{name:{width}}  val acc {c['val_acc'] * 100:6.2f} %  ({c['seconds']:.0f} s){mark}"
            )
        with outputs.staging() as stage:
            write_json(stage / file_name, result)
        print(f"wrote {path}")

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
