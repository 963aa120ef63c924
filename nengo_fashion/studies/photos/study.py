"""The photos study as one call: `PhotosConfig` in, ``photos.json`` and ``photos.png`` out.

`run_photos` tunes the preprocessing on photos of validation images (unless
``config.tune`` is False), measures it on photos of test images, and writes the results
and the figure into ``config.out``; `summary_lines` are the lines the command prints.
"""

import dataclasses
import time
from pathlib import Path
from typing import Optional

import numpy as np

from ... import data as data_mod
from ...atomic import prepare_out_dir, write_json
from ...classify import ROOT, Classifier
from ...config import check_seed
from ...errors import ConfigError, OutputError
from ...images import preprocess as pp
from ...knobs import check_choices, check_field_types, knob
from .make import SEED, VARIANTS, make_photos
from .plot import figure
from .scoring import TUNING_GRID, measure, shift_agreement, tune

OUT = Path("results") / "photos"
"""The default output folder."""
FILES = ("photos.json", "photos.png")
"""The files the study writes in its output folder."""
MODES = ("rate", "spiking")
"""The modes the study can measure (spiking with the run's own settings)."""
TARGET = dict(agreement=0.95, min_photos=1000)
"""What the study calls good: this agreement over at least this many test photos."""


@dataclasses.dataclass(frozen=True)
class PhotosConfig:
    """One photos study.

    Parameters
    ----------
    run : str or Path or None
        A run folder, or the name of one under ``results/``; None: predict's default run
        (`nengo_fashion.classify.DEFAULT_RUN`).
    n_images : int
        Test images to make photos of, one per variant each.
    n_val : int
        Validation images for tuning the preprocessing, one photo per variant each.
    tune : bool
        Score the tuning grid (`TUNING_GRID`) on the validation photos.
    modes : tuple of {"rate", "spiking"}
        The modes measured (spiking uses the run's own settings).
    seed : int
        Seed of the photos' random streams (`photo_rng`), 0..2**32 - 1.
    out : str or Path
        Output folder; it receives `FILES`.
    overwrite : bool
        Replace existing output files (else they are refused, before any work).
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`).
    """

    run: Optional[Path] = knob(None, "run folder (default: predict's default run)")
    n_images: int = knob(
        500,
        "test images to make photos of, one per variant each (default 500)",
        parse="positive_int",
    )
    n_val: int = knob(
        200,
        "validation images for tuning the preprocessing, one photo per variant each "
        "(default 200)",
        parse="positive_int",
    )
    tune: bool = knob(
        True, "score the tuning grid on validation photos (default: yes)", parse="flag"
    )
    modes: tuple = knob(
        MODES,
        "modes to measure (default both; spiking uses the run's own settings)",
        parse=MODES,
        nargs="+",
    )
    seed: int = knob(SEED, f"seed of the photos (default {SEED})", parse="seed")
    out: Path = OUT
    overwrite: bool = False
    data_dir: Optional[Path] = None

    def __post_init__(self):
        if isinstance(self.modes, list):
            object.__setattr__(self, "modes", tuple(self.modes))
        check_field_types(self)
        check_choices(self)
        for name in ("n_images", "n_val"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if not self.modes:
            raise ConfigError(f"modes must name at least one of {MODES}")
        check_seed(self.seed)


def _shown(path):
    """``path`` relative to the repository when it lies inside it (machine-independent)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _claim_out(config):
    """The output folder, made if missing; its files refused unless ``config.overwrite``."""
    out = prepare_out_dir(config.out)
    if not config.overwrite:
        for name in FILES:
            if (out / name).exists():
                raise OutputError(f"{out / name} already exists; pass --overwrite to replace it")
    return out


def _tuning(clf, dataset, config, log):
    """The ``tuning`` entry of ``photos.json``: `TUNING_GRID` scored on validation photos."""
    variants = list(VARIANTS)
    val = dataset.split("val")
    n = min(config.n_val, len(val))
    log(f"tuning: photos of {n} validation images x {len(variants)} variants")
    vset = make_photos(val, np.arange(n), variants, config.seed)
    rows = tune(clf, vset, TUNING_GRID, log=log)
    best = max(rows, key=lambda r: r["agreement"])
    default_row = next((r for r in rows if r["settings"] == pp.DEFAULT.asdict()), None)
    tuning = {
        "split": "val",
        "n_images": n,
        "n_photos": vset.n_photos,
        "mode": "rate",
        "candidates": rows,
        "best": best["settings"],
        "default_is_best": default_row is not None
        and default_row["agreement"] >= best["agreement"],
    }
    if not tuning["default_is_best"]:
        log(f"note: the default preprocessing is not the best on validation ({best['settings']})")
    return tuning


def _testing(clf, dataset, config, log):
    """The ``test`` and ``target`` entries of ``photos.json``, the test `PhotoSet` and the
    preprocessed photos (for the figure)."""
    variants = list(VARIANTS)
    test = dataset.split("test")
    n = min(config.n_images, len(test))
    log(f"test: photos of {n} test images x {len(variants)} variants")
    tset = make_photos(test, np.arange(n), variants, config.seed)
    m = measure(clf, tset, config.modes, log=log)
    total = sum(r["n_photos"] for r in m["modes"].values()) // len(m["modes"])
    worst = {
        mode: sorted(r["per_variant"], key=lambda v: r["per_variant"][v]["agreement"])
        for mode, r in m["modes"].items()
    }
    result = {
        "split": "test",
        "n_images": n,
        "n_photos": total,
        "modes": m["modes"],
        "geometry": m["geometry"],
        "variants_by_agreement": worst,
        "one_pixel_shift_agreement": shift_agreement(clf, test.images[:n]),
    }
    good, enough = TARGET["agreement"], TARGET["min_photos"]
    target = {
        "agreement": good,
        "min_photos": enough,
        "met": {mode: r["agreement"] >= good and total >= enough for mode, r in m["modes"].items()},
    }
    return result, target, tset, m["kept"]


def run_photos(config, *, command="", log=print):
    """Run the photos study: tune on validation photos, measure on test photos, write.

    Parameters
    ----------
    config : PhotosConfig
        The study.
    command : str
        The command line, recorded in ``photos.json``.
    log : callable
        Receives progress lines.

    Returns
    -------
    dict
        What ``photos.json`` holds (the run, the data, the seed, the variants, the
        preprocessing, ``tuning``, ``test``, ``target`` and ``wall_seconds``).
    """
    out = _claim_out(config)
    start = time.perf_counter()
    clf = Classifier(config.run)  # damaged weights are refused before the data is loaded
    dataset = data_mod.load(config.data_dir, n_val=clf.config.get("n_val", 5000))
    result = {
        "command": command,
        "run": _shown(clf.path),
        "data": dataset.source,
        "seed": config.seed,
        "variants": {v: VARIANTS[v].about for v in VARIANTS},
        "preprocess": pp.DEFAULT.asdict(),
    }
    if config.tune:
        result["tuning"] = _tuning(clf, dataset, config, log)
    result["test"], result["target"], tset, kept = _testing(clf, dataset, config, log)
    result["wall_seconds"] = time.perf_counter() - start
    figure(tset, kept, clf, out / "photos.png")
    write_json(out / "photos.json", result)
    return result


def summary_lines(result, out):
    """The lines the command prints: the agreement per mode (its variants from the worst),
    and where the files went (``out``, the output folder)."""
    lines = []
    for mode, r in result["test"]["modes"].items():
        worst = result["test"]["variants_by_agreement"][mode]
        line = ", ".join(f"{v} {r['per_variant'][v]['agreement']:.1%}" for v in worst)
        lines.append(f"{mode}: agreement {r['agreement']:.2%} over {r['n_photos']} photos ({line})")
    out = Path(out)
    lines.append(
        f"wrote {out / 'photos.json'} and {out / 'photos.png'} in {result['wall_seconds']:.0f} s"
    )
    return lines
