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
checks that the two agree. Every training knob of ``train`` is an option here too
(`SearchConfig.train`): it changes every candidate (``--n-train 1280`` for a quick look).

Each candidate is a task (`nengo_fashion.tasks`): ``--scheduler`` trains them in
parallel on a Dask cluster, with the same numbers as one after another. Each
finished candidate is kept, with its configuration, in ``<out>/recipe_search_tasks/``;
the same command started again after an interruption trains only the missing
ones (``--fresh`` trains all again). The command is `nengo_fashion.commands.search`.
"""

import dataclasses
import shutil
import time
from pathlib import Path
from typing import Optional, Tuple

from ...atomic import Outputs, read_json, write_json
from ...config import RECIPES, check_overrides, knob, make_config
from ...errors import ConfigError, OutputError
from ...knobs import check_choices, check_field_types, is_finite
from ...tasks import DataRef, Task, TaskRunner, TaskStore, resolve, resume
from ...train import check_sources, fit

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


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """What the search trains and where it writes.

    Parameters
    ----------
    space : {"recipe", "distill"}
        The search space (`SPACES`): its candidates, result file and task folder.
    only : tuple of str, optional
        Train only these candidates of the space (None: all).
    epochs_scale : float
        Multiplies every candidate's epochs (at least 1 epoch each).
    fresh : bool
        Train every candidate again, even those finished in the task folder.
    train : dict
        Overrides of the training configuration (`nengo_fashion.config.TrainConfig`
        fields): they change every candidate, over the candidate's own values; a
        ``teacher`` is filled in where a candidate does not set one (the distill space's
        controls stay without). ``recipe`` is the base (default ``thesis``).
    candidates : dict, optional
        Name -> overrides of the base recipe, instead of the space's.
    out : str or Path, optional
        The folder of the result file and the task folder (default ``results``).
    overwrite : bool
        Replace an earlier result file (default: refuse, unless ``only`` adds candidates
        to one of the same ``epochs_scale``).
    """

    space: str = knob(
        "recipe",
        "'recipe': the training recipe (recipe_search.json); 'distill': distillation from "
        "--teacher (distill_search.json)",
        parse=tuple(sorted(SPACES)),
    )
    only: Optional[Tuple[str, ...]] = knob(
        None,
        "train only these candidates",
        parse=tuple(sorted(set(CANDIDATES) | set(DISTILL_CANDIDATES))),
        nargs="+",
    )
    epochs_scale: float = knob(
        1.0, "multiply every candidate's epochs (quick looks)", parse="positive_float"
    )
    fresh: bool = knob(
        False,
        f"train every candidate again (default: reuse those finished in DIR/{TASKS_DIR}/ "
        "with the same configuration)",
        parse="flag",
    )
    train: dict = dataclasses.field(default_factory=dict)
    candidates: Optional[dict] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        if isinstance(self.only, list):
            object.__setattr__(self, "only", tuple(self.only))
        check_field_types(self)
        check_choices(self)
        if not (is_finite(self.epochs_scale) and self.epochs_scale > 0):
            raise ConfigError(f"epochs_scale must be > 0, got {self.epochs_scale!r}")
        object.__setattr__(self, "train", check_overrides(self.train))
        if self.candidates is not None:
            cands = {k: check_overrides(v) for k, v in self.candidates.items()}
            object.__setattr__(self, "candidates", cands)
        if self.space == "distill" and self.train.get("teacher") is None:
            raise ConfigError("--space distill needs --teacher RUN (a teacher run folder)")
        space = self.candidates if self.candidates is not None else SPACES[self.space][0]
        if self.only and not set(self.only) <= set(space):
            raise ConfigError(
                f"--only: {', '.join(sorted(set(self.only) - set(space)))} not in the "
                f"{self.space} space"
            )

    @property
    def folder(self):
        """The folder of the result file and the task folder."""
        return Path(self.out if self.out is not None else "results")

    @property
    def path(self):
        """The result file (``recipe_search.json``, or the space's)."""
        return self.folder / SPACES[self.space][1]

    def overrides(self, n_val=5000):
        """``{name: overrides}`` of the candidates trained: each candidate's over the base
        recipe, the training overrides over it (a teacher only filled in), the epochs scaled
        (``n_val``: the data's)."""
        space = self.candidates if self.candidates is not None else SPACES[self.space][0]
        given = {k: v for k, v in self.train.items() if k != "teacher"}
        out = {}
        for name, candidate in space.items():
            if self.only and name not in self.only:
                continue
            if "teacher" in self.train:
                candidate = with_teacher({name: candidate}, self.train["teacher"])[name]
            merged = dict(candidate, **given)
            epochs = make_config(**merged, n_val=n_val).epochs  # the candidate's or recipe's
            merged["epochs"] = max(1, round(epochs * self.epochs_scale))
            out[name] = merged
        return out

    def train_configs(self, n_val=5000):
        """``{name: TrainConfig}``: what each candidate trains (``n_val``: the data's)."""
        return {k: make_config(**v, n_val=n_val) for k, v in self.overrides(n_val).items()}


def search(config, data, *, store=None, runner=None, log=print, quiet=False):
    """Train every candidate and score it on the validation split.

    Parameters
    ----------
    config : SearchConfig
        The candidates (`SearchConfig.train_configs`).
    data : nengo_fashion.data.FashionMNIST or nengo_fashion.tasks.DataRef
        The data (a `DataRef` names where it came from: workers load their own copy).
    store : str or Path, optional
        A folder keeping each finished candidate's result with its configuration
        (`nengo_fashion.tasks.TaskStore`): candidates found there with the same
        configuration are not trained again.
    runner : nengo_fashion.tasks.TaskRunner, optional
        Where the candidates train (default: one after another, here).
    log, quiet
        Progress lines (serial runs print each epoch) and the progress bar.

    Returns
    -------
    dict
        ``candidates`` (name -> overrides, final and per-epoch validation
        accuracy, seconds), ``best`` (the name with the highest final validation
        accuracy), ``seed`` and ``epochs_scale``.
    """
    data = data if isinstance(data, DataRef) else DataRef(data)
    runner = runner or TaskRunner(quiet=quiet)
    overrides_of = config.overrides(data.n_val)
    configs = config.train_configs(data.n_val)
    tasks = []
    for name, train_config in configs.items():
        kwargs = dict(config=train_config, data=data)
        if runner.serial:
            kwargs.update(log=log, title=f"--- {name}: {overrides_of[name]}")
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
    out = {name: {"overrides": overrides_of[name], **results[name]} for name in configs}
    best = max(out, key=lambda k: out[k]["val_acc"])  # the first of equals
    seed = next(iter(configs.values())).seed
    return {"candidates": out, "best": best, "seed": seed, "epochs_scale": config.epochs_scale}


def earlier_result(config):
    """The result file's earlier contents (None if there is none), or an `OutputError` if
    this search would replace it: not unless ``overwrite``, or ``only`` adding candidates
    to one of the same ``epochs_scale``."""
    if not config.path.exists():
        return None
    earlier = read_json(config.path)
    adds = config.only and earlier.get("epochs_scale") == config.epochs_scale
    if not (adds or config.overwrite):
        n = len(earlier.get("candidates", {}))
        raise OutputError(
            f"{config.path} exists with {n} candidate(s) at epochs scale "
            f"{earlier.get('epochs_scale')}; pass --overwrite to replace it, --out to "
            "write elsewhere, or --only NAMES with the same --epochs-scale to add to it"
        )
    return earlier


def prepare(config, n_val=5000):
    """Check ``config`` before any work: its candidates' configurations, the teacher they
    start from, the folder and an earlier result file (`earlier_result`)."""
    configs = config.train_configs(n_val)
    for train_config in configs.values():
        if train_config.teacher is not None or train_config.init_run is not None:
            check_sources(train_config)
            break
    Outputs(config.folder, [config.path.name], overwrite=True)
    earlier_result(config)


def run_search(config, data, *, runner=None, log=print, quiet=False):
    """`search` into ``config.path``: the candidates trained, their results kept in the
    space's task folder (for resuming; ``fresh`` empties it first), added to an earlier
    result file of the same epochs scale (``only``) or replacing it; return the result."""
    data = data if isinstance(data, DataRef) else DataRef(data)
    outputs = Outputs(config.folder, [config.path.name], overwrite=True)
    earlier = earlier_result(config)
    store = config.folder / SPACES[config.space][2]
    if config.fresh and store.exists():
        shutil.rmtree(store)
    result = search(config, data, store=store, runner=runner, log=log, quiet=quiet)
    result["n_val"] = data.n_val
    if config.only and earlier is not None and not config.overwrite:  # add to the earlier
        merged = dict(earlier["candidates"], **result["candidates"])
        order = config.candidates if config.candidates is not None else SPACES[config.space][0]
        result["candidates"] = {k: merged[k] for k in order if k in merged}
        result["best"] = max(merged, key=lambda k: merged[k]["val_acc"])
    with outputs.staging() as stage:
        write_json(stage / config.path.name, result)
    return result


def format_table(result):
    """One line per candidate: its validation accuracy and time, the best marked."""
    width = max(map(len, result["candidates"]))
    return "\n".join(
        f"{name:{width}}  val acc {c['val_acc'] * 100:6.2f} %  ({c['seconds']:.0f} s)"
        + ("  <- best" if name == result["best"] else "")
        for name, c in result["candidates"].items()
    )
