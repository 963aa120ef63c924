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

The package, one concept per module: `nengo_fashion.studies.photos.make` (the variants and the
photo maker), `nengo_fashion.studies.photos.scoring` (agreement, tuning, geometry),
`nengo_fashion.studies.photos.plot` (the figure) and `nengo_fashion.studies.photos.study`
(`PhotosConfig` and `run_photos`, the study as one call). Its command is
`nengo_fashion.commands.photos`.
"""

from .make import SEED, VARIANTS, PhotoSet, Variant, make_photo, make_photos, photo_rng, true_frame
from .plot import figure
from .scoring import (
    DOCUMENTED,
    TUNING_GRID,
    measure,
    preprocess_photos,
    shift_agreement,
    tune,
)
from .study import FILES, MODES, OUT, TARGET, PhotosConfig, run_photos, summary_lines

__all__ = [
    "DOCUMENTED",
    "FILES",
    "MODES",
    "OUT",
    "SEED",
    "TARGET",
    "TUNING_GRID",
    "VARIANTS",
    "PhotoSet",
    "PhotosConfig",
    "Variant",
    "figure",
    "make_photo",
    "make_photos",
    "measure",
    "photo_rng",
    "preprocess_photos",
    "run_photos",
    "shift_agreement",
    "summary_lines",
    "true_frame",
    "tune",
]
