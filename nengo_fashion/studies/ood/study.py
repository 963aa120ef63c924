"""The "not clothing" study as one call: `OodConfig` in, the run's check and the report out.

`run_ood` fits the check's statistics on the training split (less validation), makes the
set of pictures that are not clothes (`nengo_fashion.studies.ood.make`, both parts), makes
photos of validation images (`nengo_fashion.studies.photos`), chooses the thresholds on
validation images, those photos and the CHOOSE part, writes the check next to the run
(``ood.npz``, ``ood.json``), and reports on held-out data only: the HELD-OUT part per kind,
the 10,000 test images, and the photos study's photos of test images (the same photos:
the same images, variants and seed), with the photos study's agreement over all photos and
over those not rejected. It writes ``ood.json`` and ``ood.png`` into ``config.out``.
"""

import dataclasses
import time
from pathlib import Path
from typing import Optional

import numpy as np

from ... import data as data_mod
from ...atomic import prepare_out_dir, write_json
from ...classify import DEFAULT_RUN, ROOT, Classifier
from ...classify import reject as reject_mod
from ...config import check_seed
from ...errors import ConfigError, OutputError
from ...images import preprocess as pp
from ...knobs import check_field_types, knob
from .. import photos
from .fit import BUDGET, N_COMPONENTS, QUANTILES, choose_thresholds, fit_statistics
from .make import KINDS, PARTS, SEED, make_picture

OUT = Path("results") / "ood"
"""The default output folder."""
FILES = ("ood.json", "ood.png")
"""The files the study writes in its output folder (the run receives `reject.FILES`)."""
TARGET = dict(held_out=0.90, test=0.02, photos=0.05)
"""Issue 28's targets: at least this fraction of the held-out pictures that are not clothes
answered "not clothing", at most these fractions of the test images and of the photos."""
AGREEMENT_SLACK = 0.005
"""The photos study's agreement over the photos not rejected counts as unchanged when it is
at least the agreement over all photos less this."""


@dataclasses.dataclass(frozen=True)
class OodConfig:
    """One "not clothing" study.

    Parameters
    ----------
    run : str or Path or None
        A ReLU run folder; None: the committed default run, ``results/best-relu`` (whose
        copy in the package, `nengo_fashion.models`, receives the same files).
    n_per_kind : int
        Pictures per kind in each part (CHOOSE and HELD-OUT).
    n_val_photos : int
        Validation images made into photos (one per variant) for choosing the thresholds.
    n_test_photos : int
        Test images made into photos for the report (the photos study's default, 500).
    seed : int
        Seed of the pictures (`make.picture_rng`).
    photo_seed : int
        Seed of the photos (the photos study's, `nengo_fashion.studies.photos.SEED`).
    out : str or Path
        Output folder; it receives `FILES`.
    overwrite : bool
        Replace existing files (the report's and the run's check).
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files.
    """

    run: Optional[Path] = knob(None, "ReLU run folder (default: results/best-relu)")
    n_per_kind: int = knob(
        150, "pictures per kind in each part (default 150)", parse="positive_int"
    )
    n_val_photos: int = knob(
        200, "validation images made into photos (default 200)", parse="positive_int"
    )
    n_test_photos: int = knob(
        500, "test images made into photos, as the photos study (default 500)", parse="positive_int"
    )
    seed: int = knob(SEED, f"seed of the pictures (default {SEED})", parse="seed")
    photo_seed: int = knob(
        photos.SEED, "seed of the photos (default the photos study's)", parse="seed"
    )
    out: Path = OUT
    overwrite: bool = False
    data_dir: Optional[Path] = None

    def __post_init__(self):
        check_field_types(self)
        for name in ("n_per_kind", "n_val_photos", "n_test_photos"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        check_seed(self.seed)
        check_seed(self.photo_seed, "photo_seed")


def make_set(part, n, seed, log=print):
    """The preprocessed pictures of one part, ``(10 n, 28, 28)``, and their kinds."""
    x, kinds = [], []
    for kind in KINDS:
        x += [pp.preprocess(make_picture(seed, part, kind, i)) for i in range(n)]
        kinds += [kind] * n
        log(f"  {part}: {n} {kind}")
    return np.stack(x), np.array(kinds)


def _photos(split, n, seed):
    """Photos of the first ``n`` images of ``split``: ``(PhotoSet, {variant: (n, 28, 28)})``."""
    s = photos.make_photos(split, np.arange(n), list(photos.VARIANTS), seed)
    return s, {v: photos.preprocess_photos(s, v, measure_trim=False)[0] for v in photos.VARIANTS}


def _flat(x):
    return np.asarray(x, dtype=np.float32).reshape(len(x), -1)


def _scores(rejector, weights, x):
    x = _flat(x)
    return rejector.scores(x, reject_mod.hidden_rates(weights, x))


def _claim(config, run):
    out = prepare_out_dir(config.out)
    if not config.overwrite:
        for path in [out / f for f in FILES] + [run / f for f in reject_mod.FILES]:
            if path.exists():
                raise OutputError(f"{path} already exists; pass --overwrite to replace it")
    return out


def fit_check(clf, dataset, config, log=print):
    """Fit and choose the check; returns the `Rejector`, its record and the held-out set."""
    w = clf.weights
    log("fitting the statistics on the training split")
    rej = fit_statistics(w, dataset.train.images, dataset.train.labels)
    log("making the pictures that are not clothes")
    choose_x, choose_k = make_set(PARTS[0], config.n_per_kind, config.seed, log)
    held = make_set(PARTS[1], config.n_per_kind, config.seed, log)
    log(f"making photos of {config.n_val_photos} validation images")
    _, val_photos = _photos(dataset.val, config.n_val_photos, config.photo_seed)
    val_photos = np.concatenate(list(val_photos.values()))
    thresholds, trace = choose_thresholds(
        _scores(rej, w, dataset.val.images),
        _scores(rej, w, val_photos),
        _scores(rej, w, choose_x),
        choose_k,
    )
    rej = dataclasses.replace(rej, thresholds=thresholds)
    record = {
        "command": "python -m nengo_fashion.studies.ood",
        "family": clf.family,
        "scores": list(reject_mod.SCORES),
        "statistics": f"training split less {len(dataset.val)} validation images "
        f"({len(dataset.train)} images); {N_COMPONENTS} principal components",
        "chosen_on": {
            "validation_images": len(dataset.val),
            "validation_photos": len(val_photos),
            "choose_pictures": len(choose_x),
            "seed": config.seed,
            "photo_seed": config.photo_seed,
        },
        "budget": BUDGET,
        "quantiles": list(QUANTILES),
        "search": trace,
    }
    return rej, record, held


def _rate(mask):
    return float(np.mean(mask)) if len(mask) else 0.0


def report(clf, rej, dataset, held, config, log=print):
    """The report on held-out data: the HELD-OUT part per kind, test images, test photos."""
    w = clf.weights
    held_x, held_k = held
    caught = rej.reject(_flat(held_x), reject_mod.hidden_rates(w, _flat(held_x)))
    test = dataset.test.images
    test_rej = rej.reject(test, reject_mod.hidden_rates(w, test))
    log(f"making the photos study's photos of {config.n_test_photos} test images")
    tset, tphotos = _photos(dataset.test, config.n_test_photos, config.photo_seed)
    truth = clf.rate_logits(_flat(tset.originals) / np.float32(255)).argmax(axis=1)
    per_variant, agree_all, agree_kept, rejected = {}, [], [], []
    for v, x in tphotos.items():
        x = _flat(x)
        r = rej.reject(x, reject_mod.hidden_rates(w, x))
        same = clf.rate_logits(x).argmax(axis=1) == truth
        per_variant[v] = {"rejected": _rate(r), "agreement_kept": _rate(same[~r])}
        agree_all.append(same), agree_kept.append(same[~r]), rejected.append(r)
    agree_all, agree_kept = np.concatenate(agree_all), np.concatenate(agree_kept)
    rejected = np.concatenate(rejected)
    kinds = list(KINDS)
    result = {
        "held_out": {
            "n": int(len(held_k)),
            "not_clothing": _rate(caught),
            "per_kind": {
                k: {"n": int(np.sum(held_k == k)), "not_clothing": _rate(caught[held_k == k])}
                for k in kinds
            },
        },
        "test_images": {"n": int(len(test)), "not_clothing": _rate(test_rej)},
        "photos": {
            "n": int(len(rejected)),
            "images": config.n_test_photos,
            "seed": config.photo_seed,
            "not_clothing": _rate(rejected),
            "agreement_all": _rate(agree_all),
            "agreement_kept": _rate(agree_kept),
            "agreement_rejected": _rate(agree_all[rejected]),
            "per_variant": per_variant,
        },
    }
    met = {
        "held_out": result["held_out"]["not_clothing"] >= TARGET["held_out"],
        "test": result["test_images"]["not_clothing"] <= TARGET["test"],
        "photos": result["photos"]["not_clothing"] <= TARGET["photos"],
        "agreement": result["photos"]["agreement_kept"]
        >= result["photos"]["agreement_all"] - AGREEMENT_SLACK,
    }
    result["target"] = {**TARGET, "met": met}
    return result, caught


def run_ood(config, *, command="", log=print):
    """Run the study: fit and choose the check, write it next to the run, report, write.

    Returns
    -------
    dict
        What ``ood.json`` holds.
    """
    run = config.run if config.run is not None else ROOT / "results" / DEFAULT_RUN
    clf = Classifier(Path(run), reject=False)
    if clf.family != "relu":
        raise ConfigError(f"the check is for ReLU runs; {clf.path} is a {clf.family} run")
    out = _claim(config, clf.path)
    start = time.perf_counter()
    dataset = data_mod.load(config.data_dir, n_val=clf.config.get("n_val", 5000))
    rej, record, held = fit_check(clf, dataset, config, log)
    record["command"] = command or record["command"]
    rej.save(clf.path, record)
    result, caught = report(clf, rej, dataset, held, config, log)
    result = {
        "command": command,
        "run": photos.study._shown(clf.path),
        "data": dataset.source,
        "seed": config.seed,
        "kinds": {k: " ".join(KINDS[k].__doc__.split("\n\n")[0].split()) for k in KINDS},
        "thresholds": rej.thresholds,
        "check": record,
        **result,
        "wall_seconds": time.perf_counter() - start,
    }
    from .plot import figure

    figure(clf, rej, config, caught, held[1], out / FILES[1])
    write_json(out / FILES[0], result)
    return result


def summary_lines(result, out):
    """The lines the command prints."""
    h, t, p = result["held_out"], result["test_images"], result["photos"]
    kinds = ", ".join(f"{k} {v['not_clothing']:.0%}" for k, v in h["per_kind"].items())
    return [
        f"held-out pictures that are not clothes: {h['not_clothing']:.1%} answered "
        f"'not clothing' of {h['n']} ({kinds})",
        f"test images: {t['not_clothing']:.2%} of {t['n']} answered 'not clothing'",
        f"photos of test images: {p['not_clothing']:.2%} of {p['n']}; agreement "
        f"{p['agreement_all']:.2%} over all, {p['agreement_kept']:.2%} over those kept",
        f"wrote {Path(out) / FILES[0]} and {Path(out) / FILES[1]}, and the check "
        f"{', '.join(reject_mod.FILES)} next to the run, in {result['wall_seconds']:.0f} s",
    ]
