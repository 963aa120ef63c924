"""The "not clothing" check: a set of pictures that are not clothes, the check fitted and
chosen on it, and a report on its held-out part.

Usage::

    python -m nengo_fashion.studies.ood   # results/ood/ood.{json,png}, results/best-relu/ood.*
    python -m nengo_fashion.studies.ood --n-per-kind 20 --out /tmp/ood --run /tmp/run --overwrite

The check itself (loading and applying, numpy only) is `nengo_fashion.classify.reject`. This
study:

- makes pictures that are not clothes, ten kinds (`KINDS`: digits, letters, noise, fills,
  textures, shapes, charts, portraits, scans, maps), each from its own seeded stream, in two
  parts split by generator seed: CHOOSE and HELD-OUT (`nengo_fashion.studies.ood.make`);
  each goes through `nengo_fashion.images.preprocess.preprocess`, as predict's pictures do;
- fits the check's statistics on the training split less validation, and chooses its
  thresholds so that at most 1.5 % of the validation images and 3 % of photos of validation
  images (`nengo_fashion.studies.photos`) are rejected, catching the most of the CHOOSE part
  (`nengo_fashion.studies.ood.fit`); it writes them next to the run (``ood.npz``,
  ``ood.json``);
- reports on held-out data only: the HELD-OUT part per kind, the 10,000 test images, and the
  photos study's photos of test images (the same photos), with the photos study's agreement
  over all of them and over those not rejected; ``ood.json`` and ``ood.png`` (examples of
  each kind with the answer) in ``results/ood/``.

Its command is `nengo_fashion.commands.ood`.
"""

from .fit import BUDGET, QUANTILES, choose_thresholds, fit_statistics
from .make import KINDS, PARTS, SEED, make_picture, picture_rng
from .study import FILES, OUT, TARGET, OodConfig, make_set, run_ood, summary_lines

__all__ = [
    "BUDGET",
    "FILES",
    "KINDS",
    "OUT",
    "PARTS",
    "QUANTILES",
    "SEED",
    "TARGET",
    "OodConfig",
    "choose_thresholds",
    "fit_statistics",
    "make_picture",
    "make_set",
    "picture_rng",
    "run_ood",
    "summary_lines",
]
