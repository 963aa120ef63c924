"""What preprocessing a photo gives the network: agreement, accuracy and geometry.

`measure` scores a `PhotoSet` (the test photos) per variant and mode; `tune` scores the
candidate `preprocess.Settings` of `TUNING_GRID` on the validation photos (rate mode);
`shift_agreement` says how much one pixel of misplacement costs, for scale.
"""

import dataclasses
import time

import numpy as np

from ...images import preprocess as pp
from .make import true_frame


def preprocess_photos(photo_set, variant, settings=pp.DEFAULT, measure_trim=True):
    """The preprocessed photos of one variant, ``(n, 28, 28)`` float32, and (with
    ``measure_trim``) the error of each trim box against the true frame, ``(n, 4)`` in original
    (28 x 28) pixels (left, top, right, bottom; positive is right / down)."""
    out = np.empty((len(photo_set.indices), 28, 28), dtype=np.float32)
    errors = np.empty((len(photo_set.indices), 4))
    for j, f in enumerate(photo_set.files[variant]):
        f.seek(0)
        photo = pp.open_image(f)
        out[j] = pp.preprocess(photo, settings)
        if not measure_trim:
            continue
        copy, factor = pp.probe(pp.to_rgb(photo))
        box = pp.trim_box(copy, *pp.background(copy), settings)
        box = np.array(box if box is not None else (0, 0) + copy.size, dtype=float) * factor
        x0, y0 = photo_set.frames[variant][j][:2]
        frame = (box - [x0, y0, x0, y0]) / photo_set.scales[variant][j]
        errors[j] = frame - true_frame(photo_set.originals[j])
    return out, errors


def shift_agreement(clf, images):
    """Agreement (rate) between ``images`` ``(n, 784)`` and the same shifted by one pixel,
    averaged over the four directions: how much one pixel of misplacement costs."""
    ref = clf.rate_logits(images).argmax(axis=1)
    x = images.reshape(-1, 28, 28)
    agree = []
    for axis, step in ((1, 1), (1, -1), (2, 1), (2, -1)):
        shifted = np.roll(x, step, axis=axis).reshape(len(x), -1)
        agree.append(np.mean(clf.rate_logits(shifted).argmax(axis=1) == ref))
    return float(np.mean(agree))


def tune(clf, photo_set, grid, log=print):
    """Rate-mode agreement of each `preprocess.Settings` in ``grid`` on ``photo_set``."""
    originals = photo_set.originals.reshape(len(photo_set.indices), -1) / np.float32(255)
    ref = clf.rate_logits(originals).argmax(axis=1)
    rows = []
    for settings in grid:
        per_variant = {}
        for v in photo_set.files:
            x, _ = preprocess_photos(photo_set, v, settings, measure_trim=False)
            pred = clf.rate_logits(x.reshape(len(x), -1)).argmax(axis=1)
            per_variant[v] = float(np.mean(pred == ref))
        agreement = float(np.mean(list(per_variant.values())))
        rows.append(
            {"settings": settings.asdict(), "agreement": agreement, "per_variant": per_variant}
        )
        log(f"  {settings}: agreement {agreement:.2%}")
    return rows


DOCUMENTED = pp.Settings(
    fuzz=0.05, resample="nearest", sharpen=100.0, denoise=0, levels=False, noise=0.0
)
"""The documented pipeline taken literally: a fixed 5 % fuzz, subsampling, sharpening, no
denoising of the trim, no levels."""

TUNING_GRID = (
    DOCUMENTED,
    *(
        pp.Settings(fuzz=fuzz, resample=resample, sharpen=sharpen, denoise=3, noise=5.0)
        for resample in ("nearest", "box")
        for fuzz in (0.05, 0.1)
        for sharpen in (0.0, 100.0)
    ),
    dataclasses.replace(pp.DEFAULT, levels=False),
    dataclasses.replace(pp.DEFAULT, noise=0.0),
    dataclasses.replace(pp.DEFAULT, denoise=0),
)
"""The preprocessing candidates scored on validation photos (the default is the best)."""


def measure(clf, photo_set, modes, settings=pp.DEFAULT, spiking=None, log=print):
    """Agreement and accuracy per variant and mode on a `PhotoSet` (the test photos).

    Returns
    -------
    dict
        ``modes``: per mode, ``agreement`` (all photos) and ``per_variant`` (``agreement``,
        ``accuracy_photo``, ``accuracy_original``, ``n``); ``geometry``: per variant the mean
        absolute trim-box error in original pixels and the mean absolute pixel difference
        between the preprocessed photo and the original (pixels in [0, 1]); ``kept``: the
        preprocessed photos (for the figure).
    """
    n = len(photo_set.indices)
    originals = photo_set.originals.reshape(n, -1) / np.float32(255)
    processed, geometry = {}, {}
    for v in photo_set.files:
        t = time.perf_counter()
        x, errors = preprocess_photos(photo_set, v, settings)
        processed[v] = x
        geometry[v] = {
            "trim_box_error_px": float(np.abs(errors).mean()),
            "trim_box_error_px_p95": float(np.percentile(np.abs(errors), 95)),
            "scale_error_pct": float(
                np.mean(np.abs(_long_side(errors, photo_set.originals) * 100))
            ),
            "mean_abs_pixel_diff": float(np.abs(x.reshape(n, -1) - originals).mean()),
            "seconds_per_photo": (time.perf_counter() - t) / n,
        }
        log(
            f"  preprocessed {n} '{v}' photos "
            f"({geometry[v]['seconds_per_photo'] * 1000:.1f} ms each)"
        )
    labels = photo_set.labels
    result = {}
    for mode in modes:
        ref = clf.predict(originals, mode=mode, preprocess=False)
        per_variant, agree_all = {}, []
        for v, x in processed.items():
            r = clf.predict(x, mode=mode, preprocess=False)
            agree = r.labels == ref.labels
            agree_all.append(agree)
            margin = np.sort(ref.scores, axis=1)
            margin = margin[:, -1] - margin[:, -2]
            per_variant[v] = {
                "n": n,
                "agreement": float(agree.mean()),
                "accuracy_photo": float(np.mean(r.labels == labels)),
                "accuracy_original": float(np.mean(ref.labels == labels)),
                "disagreements_with_low_margin": (
                    float(np.mean(margin[~agree] < 0.5)) if (~agree).any() else None
                ),
            }
            if r.spike_counts is not None:
                per_variant[v]["spikes_per_photo"] = float(r.spike_counts.mean())
        all_agree = np.concatenate(agree_all)
        result[mode] = {
            "agreement": float(all_agree.mean()),
            "n_photos": int(all_agree.size),
            "settings": ref.settings,
            "per_variant": per_variant,
        }
        log(f"  {mode}: agreement {all_agree.mean():.2%} over {all_agree.size} photos")
    return {"modes": result, "geometry": geometry, "kept": processed}


def _long_side(errors, originals):
    """Relative error of the frame's long side per photo (the scale error of the resize)."""
    out = np.empty(len(errors))
    for j, (e, o) in enumerate(zip(errors, originals)):
        f = true_frame(o)
        w, h = f[2] - f[0], f[3] - f[1]
        out[j] = (e[2] - e[0]) / w if w >= h else (e[3] - e[1]) / h
    return out
