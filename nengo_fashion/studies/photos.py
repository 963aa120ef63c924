"""How well `nengo_fashion.images.preprocess` turns product photos back into Fashion-MNIST's form.

Usage::

    python -m nengo_fashion.studies.photos                      # results/photos/photos.{json,png}
    python -m nengo_fashion.studies.photos --n-images 100 --out /tmp/photos --modes rate

Fashion-MNIST's images were made *from* product photos; there are no photos in the dataset.
This command makes "product photos" *from* dataset images, the other way round, and checks
that preprocessing a photo gives the network the same answer as the 28 x 28 original:

- each image is negated to a light background (as a product shot), scaled up, placed off
  centre on a larger canvas of another aspect ratio and then, per **variant** (`VARIANTS`),
  tinted, given noise, saved as JPEG, cut out with an alpha channel, stored rotated with an
  EXIF orientation tag, or left on a dark background; every variant of every image is drawn
  from its own seeded random stream (`photo_rng`);
- the scaling is nearest-neighbour (sharp edges) except in the variant ``soft``. Fashion-MNIST's
  pipeline *subsampled* each trimmed photo to 28 pixels, so a photo that this pipeline maps
  back onto the original image is one whose pixels repeat the original's: that is the sharp
  photo. A bicubic enlargement spreads each edge over a pixel of the original, and its
  trimmed frame (and hence the garment's size) becomes ambiguous by a fraction of a pixel,
  which this 784-128-10 network notices (a one-pixel shift alone changes about 15 % of its
  answers); ``soft`` measures that;
- every photo is encoded (PNG or JPEG) and read back through `preprocess.open_image`, the
  same path as a user's file, then `preprocess.preprocess`;
- **agreement**: the fraction of photos whose predicted class equals the prediction on the
  original 28 x 28 image, per variant and mode (rate, and spiking with the run's own
  settings on the numpy executor); the accuracy against the labels is reported too, and per
  variant the error of the trim box against the true frame (in original pixels), the
  resulting error of the garment's size (%), and the mean absolute pixel difference.

The preprocessing knobs are chosen on photos of **validation** images (the last 5,000 of
the training split): the command scores a small grid of `preprocess.Settings` there (rate
mode) and records it under ``tuning``; the package's default (`preprocess.DEFAULT`) is the
grid's best, and the command says so or warns. Everything else is measured on photos of
**test** images. It writes ``photos.json`` (atomically; an existing file is refused unless
``--overwrite``) and ``photos.png`` (a few photos, their 28 x 28 form and the answers).
"""

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from ..atomic import prepare_out_dir, write_json
from ..cli import ArgumentParser, add_data_args, positive_int, run_cli
from ..errors import OutputError
from ..images import preprocess as pp
from ..progress import make_log

OUT = Path("results") / "photos"
FILES = ("photos.json", "photos.png")
SEED = 0


@dataclasses.dataclass(frozen=True)
class Variant:
    """How one kind of photo is made from a 28 x 28 image (all ranges drawn uniformly).

    Parameters
    ----------
    name : str
        Short name, a key of `VARIANTS`.
    about : str
        One line for the results file.
    scale : tuple of float
        Upscaling factor of the 28 x 28 image (the garment's size in the photo is about
        ``28 * scale`` pixels).
    aspect : tuple of float
        Width / height of the canvas (1 is square, Fashion-MNIST's own shape).
    margin : tuple of float
        Canvas size over the scaled image's size, on its tighter axis (>= 1).
    tint : float
        Largest darkening of one colour channel (0.2: each channel times 0.8 to 1).
    noise : float
        Standard deviation of added Gaussian noise, in 8-bit levels (0-255).
    jpeg : tuple of int or None
        JPEG quality range, or None to store the photo as PNG.
    background : {"light", "dark", "alpha"}
        "light": the negated image on a white canvas (a product photo); "dark": the image
        as it is, on black; "alpha": a black cut-out on a transparent canvas whose colour
        channels are black (only the alpha channel says where the garment is).
    exif_rotate : bool
        Store the photo rotated with the EXIF orientation tag that turns it upright.
    upscale : str
        Pillow's filter that scales the 28 x 28 image up (see the module's docstring).
    """

    name: str
    about: str
    scale: tuple = (4.0, 8.0)
    aspect: tuple = (1.25, 1.6)
    margin: tuple = (1.2, 1.8)
    tint: float = 0.0
    noise: float = 0.0
    jpeg: tuple = None
    background: str = "light"
    exif_rotate: bool = False
    upscale: str = "nearest"


VARIANTS = {
    v.name: v
    for v in (
        Variant("plain", "negated, scaled x4-8, off centre on a white landscape canvas, PNG"),
        Variant(
            "tint", "plain, each RGB channel darkened by up to 25 % (a colour cast)", tint=0.25
        ),
        Variant("noise", "plain, Gaussian noise of 8 levels (of 255)", noise=8.0),
        Variant("jpeg", "plain, saved as JPEG at quality 30-70", jpeg=(30, 70)),
        Variant(
            "small",
            "scaled only x1.5-2.5, noise of 4 levels, JPEG quality 60-90",
            scale=(1.5, 2.5),
            noise=4.0,
            jpeg=(60, 90),
        ),
        Variant(
            "portrait",
            "scaled x8-14 on a portrait canvas, tint, noise 6, JPEG 50-90",
            scale=(8.0, 14.0),
            aspect=(0.6, 0.8),
            tint=0.2,
            noise=6.0,
            jpeg=(50, 90),
        ),
        Variant(
            "alpha",
            "a black cut-out (PNG with alpha; transparent pixels are black RGB)",
            background="alpha",
        ),
        Variant(
            "exif",
            "plain, stored rotated with the EXIF orientation tag, JPEG 70-90",
            jpeg=(70, 90),
            exif_rotate=True,
        ),
        Variant(
            "dark",
            "not negated: the light garment on black, noise 6, JPEG 50-90",
            background="dark",
            noise=6.0,
            jpeg=(50, 90),
        ),
        Variant(
            "soft",
            "plain, but scaled up bicubically: soft edges, so the frame is ambiguous by a "
            "fraction of a pixel",
            upscale="bicubic",
        ),
    )
}
"""The kinds of photo, by name."""


def make_photo(image, variant, rng, info=None):
    """A "product photo" of a 28 x 28 image, as an encoded file in memory.

    Parameters
    ----------
    image : numpy.ndarray
        ``(28, 28)`` uint8 pixels, garment light on black (Fashion-MNIST's form).
    variant : Variant
        How the photo is made.
    rng : numpy.random.RandomState
        The photo's own random stream.
    info : dict, optional
        Receives ``box``: where the scaled 28 x 28 frame lies on the canvas, ``(left, top,
        right, bottom)`` in pixels (before an EXIF rotation), and ``scale``.

    Returns
    -------
    io.BytesIO
        A PNG or JPEG file, to be read with `preprocess.open_image`.
    """
    from PIL import Image

    v = variant
    scale = rng.uniform(*v.scale)
    side = max(28, int(round(28 * scale)))
    if v.background == "light":
        garment = Image.fromarray(255 - image, "L").convert("RGB")
        fill = (255, 255, 255)
    elif v.background == "dark":
        garment = Image.fromarray(image, "L").convert("RGB")
        fill = (0, 0, 0)
    else:  # a black cut-out: alpha carries the garment, colour channels are black
        garment = Image.fromarray(np.zeros_like(image), "L").convert("RGBA")
        garment.putalpha(Image.fromarray(image, "L"))
        fill = (0, 0, 0, 0)
    garment = garment.resize((side, side), getattr(Image.Resampling, v.upscale.upper()))

    aspect = rng.uniform(*v.aspect)
    margin = rng.uniform(*v.margin)
    if aspect >= 1:  # landscape: the height is the tighter axis
        h = int(round(side * margin))
        w = int(round(h * aspect))
    else:
        w = int(round(side * margin))
        h = int(round(w / aspect))
    canvas = Image.new(garment.mode, (w, h), fill)
    # off centre: anywhere the garment fits, at least 2 % of the canvas from an edge
    pad_x, pad_y = int(0.02 * w), int(0.02 * h)
    x = rng.randint(pad_x, max(pad_x, w - side - pad_x) + 1)
    y = rng.randint(pad_y, max(pad_y, h - side - pad_y) + 1)
    canvas.paste(garment, (x, y))
    if info is not None:
        info.update(box=(x, y, x + side, y + side), scale=side / 28)

    if v.tint > 0 or v.noise > 0:
        a = np.asarray(canvas, dtype=np.float64)
        if v.tint > 0:
            a[:, :, :3] *= 1 - rng.uniform(0, v.tint, size=3)
        if v.noise > 0:
            a[:, :, :3] += rng.normal(0, v.noise, size=a[:, :, :3].shape)
        canvas = Image.fromarray(np.rint(a).clip(0, 255).astype(np.uint8), canvas.mode)

    kwargs = {}
    if v.exif_rotate:  # stored turned left; orientation 6 says "turn right to view"
        canvas = canvas.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6
        kwargs["exif"] = exif.tobytes()
    if v.jpeg is not None:
        return pp.encode(
            canvas, "JPEG", quality=int(rng.randint(v.jpeg[0], v.jpeg[1] + 1)), **kwargs
        )
    return pp.encode(canvas, "PNG", compress_level=1, **kwargs)


def photo_rng(seed, split, index, variant):
    """The random stream of one photo: fixed by (seed, split, image index, variant)."""
    names = list(VARIANTS)
    return np.random.RandomState(
        [seed, {"val": 1, "test": 2}[split], int(index), names.index(variant)]
    )


def true_frame(image):
    """The box ``(left, top, right, bottom)`` of the pixels > 0 of a 28 x 28 uint8 image."""
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    if not len(rows):
        return np.array([0, 0, 28, 28])
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1])


@dataclasses.dataclass
class PhotoSet:
    """The photos of some images for each variant, encoded, with where each frame lies.

    ``files[variant]`` is a list of in-memory files, ``frames[variant]`` an ``(n, 4)`` array
    of the true frame boxes (canvas pixels), ``scales[variant]`` ``(n,)`` upscaling factors.
    """

    split: str
    indices: np.ndarray
    originals: np.ndarray  # (n, 28, 28) uint8
    labels: np.ndarray  # (n,) the dataset's labels
    files: dict
    frames: dict
    scales: dict

    @property
    def n_photos(self):
        return sum(len(f) for f in self.files.values())


def make_photos(split_data, indices, variants, seed=SEED, progress=None):
    """`PhotoSet` of the images ``indices`` of a `nengo_fashion.data.Split`, one photo per
    variant and image, each from its own random stream (`photo_rng`)."""
    indices = np.asarray(indices)
    split = split_data.name
    originals = np.rint(split_data.images[indices].reshape(-1, 28, 28) * 255).astype(np.uint8)
    files, frames, scales = {}, {}, {}
    for v in variants:
        files[v], frames[v], scales[v] = [], [], []
        for i, original in zip(indices, originals):
            info = {}
            files[v].append(make_photo(original, VARIANTS[v], photo_rng(seed, split, i, v), info))
            frames[v].append(info["box"])
            scales[v].append(info["scale"])
        frames[v], scales[v] = np.array(frames[v]), np.array(scales[v])
        if progress is not None:
            progress(v)
    return PhotoSet(split, indices, originals, split_data.labels[indices], files, frames, scales)


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


def figure(photo_set, processed, clf, path, n_disagreements=2):
    """``photos.png``: a photo of each variant (each of another image), its 28 x 28 form and
    the original, with the rate network's answers (red where photo and original disagree);
    then the first ``n_disagreements`` photos whose answer differs from the original's."""
    from ..data import CLASS_NAMES
    from ..plots import _pyplot, save_png

    plt = _pyplot()
    n = len(photo_set.indices)
    originals = photo_set.originals.reshape(n, -1) / np.float32(255)
    truth = clf.predict(originals, preprocess=False).labels
    answers = {
        v: clf.predict(x.reshape(n, -1), preprocess=False).labels for v, x in processed.items()
    }
    variants = list(photo_set.files)
    examples = [(v, k % n) for k, v in enumerate(variants)]
    wrong = [(v, j) for j in range(n) for v in variants if answers[v][j] != truth[j]]
    examples += [e for e in wrong if e not in examples][:n_disagreements]
    groups = 3  # photo / 28 x 28 / original, three groups across
    rows = int(np.ceil(len(examples) / groups))
    fig, axes = plt.subplots(rows, 3 * groups, figsize=(6.0 * groups, 2.3 * rows))
    axes = np.atleast_2d(axes)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (v, j) in enumerate(examples):
        r, g = divmod(k, groups)
        f = photo_set.files[v][j]
        f.seek(0)
        picture = pp.open_image(f)
        a0, a1, a2 = axes[r, 3 * g : 3 * g + 3]
        a0.imshow(np.asarray(picture.convert("RGBA")))
        a0.set_title(f"'{v}' photo, {picture.width} x {picture.height}", fontsize=8)
        a1.imshow(processed[v][j], cmap="gray", vmin=0, vmax=1)
        same = answers[v][j] == truth[j]
        a1.set_title(
            f"its 28 x 28: {CLASS_NAMES[answers[v][j]]}",
            fontsize=8,
            color="black" if same else "red",
        )
        a2.imshow(photo_set.originals[j], cmap="gray", vmin=0, vmax=255)
        a2.set_title(f"test image {photo_set.indices[j]}: {CLASS_NAMES[truth[j]]}", fontsize=8)
        for a in (a0, a1, a2):
            a.axis("on")
            a.set_xticks([])
            a.set_yticks([])
    fig.suptitle(
        "Product photos made from test images, their 28 x 28 form after preprocessing, and the "
        "rate network's answer (red: not the original's)"
    )
    fig.tight_layout()
    return save_png(fig, path, dpi=80)


def _seed(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"a seed must be in 0..2**32 - 1, got {value}")
    return value


def _shown(path):
    """``path`` relative to the repository when it lies inside it (machine-independent)."""
    from ..predict import ROOT

    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.studies.photos",
        description="Measure how well preprocessing turns product photos made from test "
        "images back into Fashion-MNIST's form: the agreement of the network's answers.",
    )
    p.add_argument("--run", default=None, help="run folder (default: predict's default run)")
    p.add_argument(
        "--n-images",
        type=positive_int,
        default=500,
        help="test images to make photos of, one per variant each (default 500)",
    )
    p.add_argument(
        "--n-val",
        type=positive_int,
        default=200,
        help="validation images for tuning the preprocessing, one photo per variant each "
        "(default 200)",
    )
    p.add_argument("--no-tune", dest="tune", action="store_false", help="skip the tuning grid")
    p.add_argument(
        "--modes",
        nargs="+",
        choices=("rate", "spiking"),
        default=["rate", "spiking"],
        help="modes to measure (default both; spiking uses the run's own settings)",
    )
    p.add_argument("--seed", type=_seed, default=SEED, help=f"seed of the photos (default {SEED})")
    p.add_argument(
        "--out",
        default=str(OUT),
        metavar="DIR",
        help=f"output folder (default {OUT}); writes {' and '.join(FILES)}",
    )
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", action="store_true", help="print no progress")
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        from .. import data as data_mod
        from ..predict import Classifier

        out = prepare_out_dir(args.out)
        if not args.overwrite:
            for name in FILES:
                if (out / name).exists():
                    raise OutputError(
                        f"{out / name} already exists; pass --overwrite to replace it"
                    )
        log = make_log(args.quiet)
        start = time.perf_counter()
        clf = Classifier(args.run)
        dataset = data_mod.load(args.data_dir, n_val=clf.config.get("n_val", 5000))
        variants = list(VARIANTS)
        result = {
            "command": " ".join(
                ["python -m nengo_fashion.studies.photos", *(argv or sys.argv[1:])]
            ),
            "run": _shown(clf.path),
            "data": dataset.source,
            "seed": args.seed,
            "variants": {v: VARIANTS[v].about for v in variants},
            "preprocess": pp.DEFAULT.asdict(),
        }
        if args.tune:
            val = dataset.split("val")
            n = min(args.n_val, len(val))
            log(f"tuning: photos of {n} validation images x {len(variants)} variants")
            vset = make_photos(val, np.arange(n), variants, args.seed)
            rows = tune(clf, vset, TUNING_GRID, log=log)
            best = max(rows, key=lambda r: r["agreement"])
            default_row = next((r for r in rows if r["settings"] == pp.DEFAULT.asdict()), None)
            result["tuning"] = {
                "split": "val",
                "n_images": n,
                "n_photos": vset.n_photos,
                "mode": "rate",
                "candidates": rows,
                "best": best["settings"],
                "default_is_best": default_row is not None
                and default_row["agreement"] >= best["agreement"],
            }
            if not result["tuning"]["default_is_best"]:
                log(
                    "note: the default preprocessing is not the best on validation "
                    f"({best['settings']})"
                )
        test = dataset.split("test")
        n = min(args.n_images, len(test))
        log(f"test: photos of {n} test images x {len(variants)} variants")
        tset = make_photos(test, np.arange(n), variants, args.seed)
        m = measure(clf, tset, args.modes, log=log)
        total = sum(r["n_photos"] for r in m["modes"].values()) // len(m["modes"])
        worst = {
            mode: sorted(r["per_variant"], key=lambda v: r["per_variant"][v]["agreement"])
            for mode, r in m["modes"].items()
        }
        result["test"] = {
            "split": "test",
            "n_images": n,
            "n_photos": total,
            "modes": m["modes"],
            "geometry": m["geometry"],
            "variants_by_agreement": worst,
            "one_pixel_shift_agreement": shift_agreement(clf, test.images[:n]),
        }
        result["target"] = {
            "agreement": 0.95,
            "min_photos": 1000,
            "met": {
                mode: r["agreement"] >= 0.95 and total >= 1000 for mode, r in m["modes"].items()
            },
        }
        result["wall_seconds"] = time.perf_counter() - start
        figure(tset, m["kept"], clf, out / "photos.png")
        write_json(out / "photos.json", result)
        for mode, r in m["modes"].items():
            line = ", ".join(f"{v} {r['per_variant'][v]['agreement']:.1%}" for v in worst[mode])
            print(f"{mode}: agreement {r['agreement']:.2%} over {r['n_photos']} photos ({line})")
        print(
            f"wrote {out / 'photos.json'} and {out / 'photos.png'} "
            f"in {result['wall_seconds']:.0f} s"
        )

    return run_cli(run)


if __name__ == "__main__":
    sys.exit(main())
