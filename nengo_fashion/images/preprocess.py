"""Turn a real picture into Fashion-MNIST's form: 28 x 28 pixels, 8-bit grey, garment on black.

Fashion-MNIST was made from Zalando's product photos by a documented pipeline (the dataset's
README; Xiao, Rasul and Vollgraf, "Fashion-MNIST: a novel image dataset for benchmarking
machine learning algorithms", 2017):

1. trim the edges close to the colour of the corner pixels (5 % of the largest RGB distance);
2. resize the longest edge to 28 pixels (by subsampling);
3. sharpen (a Gaussian operator of radius and standard deviation 1);
4. extend the short edge to 28 pixels, the image centred;
5. negate;
6. convert to 8-bit grayscale.

`to_fashion` follows those steps with Pillow's own operations (`PIL.ImageOps`,
`PIL.ImageFilter`, `PIL.ImageChops`, `PIL.ImageStat`), after what a real picture needs first:

- EXIF rotation is applied (`PIL.ImageOps.exif_transpose`, in `open_image`);
- a picture is refused, with one line naming it, when decoding it would take more than
  `MAX_DECODED_BYTES` (256 MiB: a 67-megapixel RGB photo, a 134-megapixel 16-bit one); a
  larger JPEG is decoded at 1/2, 1/4 or 1/8 of its size instead (Pillow's draft mode), which
  the 28 x 28 result cannot tell apart;
- a picture without pixels (0 wide or high) or with NaN or infinite pixels (a float TIFF)
  is refused with one line (`check_pixels`): no colour can stand in for a missing value
  without changing the answer, and arrays given to `nengo_fashion.predict` are refused
  the same way;
- an alpha channel is composited onto white (transparent = background);
- 16-bit, 32-bit and float images are scaled to 8 bits by their range (`to_8bit`); every
  other mode becomes RGB;
- a picture larger than 447 pixels is *measured* (background, trim box) on a copy reduced
  by an integer factor (`probe`); the picture itself is cut and resized at full size;
- the background colour is the per-channel median of the four corner patches' medians, and
  its noise their standard deviation (`background`);
- a light background (luminance >= 128) is negated, a dark one is not: a photo of a light
  garment on black comes out right too.

Where the default `Settings` depart from the documented steps, and why (each choice was
scored on photos made from **validation** images by
``python -m nengo_fashion.studies.photos``, which records the comparison under ``tuning`` in
``results/photos/photos.json``):

- **trim**: the documented 5 % fuzz (13 levels), raised to 5 standard deviations of the
  background's noise on a noisy photo, and measured on differences median-filtered over 3
  pixels (pictures of at least 56 pixels): without both, sensor noise reads as garment and
  nothing is trimmed;
- **resize**: subsampling (``"nearest"``), as documented;
- **no sharpening**: the dataset's images were sharpened once on their way in; a second
  time moves them away from what the network was trained on;
- **levels**: each channel is stretched linearly so that the background colour becomes
  pure white (light) or black (dark), which undoes a colour cast (a tinted or grey backdrop)
  that negation would otherwise turn into a grey background;
- the short edge is extended with the extra pixel of an odd margin on the left / top, where
  Fashion-MNIST's own images have it.

A picture that is already in Fashion-MNIST's form (28 x 28 with a dark background: the mean
of its outermost ring of pixels below half the full scale, true of all 70,000 Fashion-MNIST
images) passes through unchanged (`is_fashion_like`).

Pillow is imported on first use, not with this module.
"""

import dataclasses
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .reading import (  # noqa: F401 (the reading half of the public API)
    MAX_DECODED_BYTES,
    ImageReadError,
    bytes_per_pixel,
    check_finite,
    check_pixels,
    encode,
    from_array,
    open_image,
    printable,
    to_8bit,
    to_rgb,
)

SIDE = 28
"""Fashion-MNIST's image side, in pixels."""

RESAMPLE = ("nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")
"""`Settings.resample` values: Pillow's resampling filters ("nearest" is the subsampling
of the documented pipeline)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The knobs of `to_fashion`.

    Parameters
    ----------
    fuzz : float
        Trim tolerance: a pixel belongs to the background when every RGB channel is within
        ``fuzz * 255`` of the background colour (the documented pipeline: 0.05).
    resample : str
        Filter that resizes the longest edge to 28 pixels, one of `RESAMPLE`.
    sharpen : float
        Strength of the unsharp mask (Gaussian radius 1 pixel) after resizing, in percent;
        0 for none.
    denoise : int
        Size (pixels, odd) of the median filter applied to the distances from the background
        colour before the trim box is taken, in pictures at least `DENOISE_MIN_SIDE` pixels
        on their shorter side (the picture itself is not filtered); 0 or 1 for none.
    levels : bool
        Stretch each channel so that the background colour becomes white (light background)
        or black (dark background).
    noise : float
        The trim threshold is at least this many times the background's noise (the standard
        deviation of the corner patches' pixels, in levels), so that a noisy photo is not
        taken for all garment; 0 keeps it at ``fuzz``.
    """

    fuzz: float = 0.05
    resample: str = "nearest"
    sharpen: float = 0.0
    denoise: int = 3
    levels: bool = True
    noise: float = 5.0

    def __post_init__(self):
        if not 0 <= self.fuzz < 1:
            raise ConfigError(f"fuzz must be in [0, 1), got {self.fuzz!r}")
        if self.resample not in RESAMPLE:
            raise ConfigError(
                f"resample must be one of {', '.join(RESAMPLE)}, got {self.resample!r}"
            )
        if not self.sharpen >= 0:
            raise ConfigError(f"sharpen must be >= 0 percent, got {self.sharpen!r}")
        if self.denoise not in (0, 1) and (self.denoise < 3 or self.denoise % 2 == 0):
            raise ConfigError(f"denoise must be 0, 1 or an odd size >= 3, got {self.denoise!r}")
        if not self.noise >= 0:
            raise ConfigError(f"noise must be >= 0 standard deviations, got {self.noise!r}")

    def asdict(self):
        return dataclasses.asdict(self)


DEFAULT = Settings()
"""The settings `preprocess` uses unless told otherwise (chosen on validation photos)."""


def is_fashion_like(image):
    """Whether a picture is already in Fashion-MNIST's form: 28 x 28 with a dark background.

    "Dark": the mean of the outermost ring of pixels (grey) is below half the full scale.

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        A PIL image, or a ``(28, 28)`` grey array (uint8 0-255 or float 0-1).
    """
    if isinstance(image, np.ndarray):
        if image.shape != (SIDE, SIDE):
            return False
        a = image.astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)
    else:
        if image.size != (SIDE, SIDE):
            return False
        a = np.asarray(to_rgb(image).convert("L"), dtype=np.float64) / 255.0
    ring = np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])
    return bool(ring.mean() < 0.5)


PROBE_SIDE = 224
"""Longest side, in pixels, below which the background and the trim box are measured on
the picture itself; a larger picture is measured on a copy reduced by an integer factor
(box averaging, which also averages out noise) to between 224 and 447 pixels."""


def probe(img):
    """The copy of an RGB image that the background and the trim box are measured on.

    Reduced by the integer factor ``max(1, longest side // PROBE_SIDE)`` (`PIL.Image.reduce`,
    box averaging). Returns ``(copy, factor)``.
    """
    factor = max(1, max(img.size) // PROBE_SIDE)
    return (img.reduce(factor) if factor > 1 else img), factor


def corner_patches(copy):
    """The four corner patches of an image: squares of a tenth of its shorter side (at least
    5 pixels, at most the image)."""
    w, h = copy.size
    k = max(1, min(max(5, min(w, h) // 10), w, h))
    return [
        copy.crop(b)
        for b in ((0, 0, k, k), (w - k, 0, w, k), (0, h - k, k, h), (w - k, h - k, w, h))
    ]


def background(copy):
    """The background colour and noise of an RGB image: ``((r, g, b), sigma)``.

    The colour is the per-channel median of the four `corner_patches`' medians
    (`PIL.ImageStat`), so that one noisy pixel, or one corner that the garment touches, does
    not decide it; ``sigma`` is the median over the patches of their largest channel
    standard deviation, in levels (0-255).
    """
    from PIL import ImageStat

    stats = [ImageStat.Stat(p) for p in corner_patches(copy)]
    colour = tuple(int(np.median([s.median[i] for s in stats])) for i in range(3))
    sigma = float(np.median([max(s.stddev[:3]) for s in stats]))
    return colour, sigma


def is_light(colour):
    """Whether an ``(r, g, b)`` colour is light: ITU-R 601 luminance >= 128 (of 255)."""
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b >= 128


def distance(copy, colour):
    """Each pixel's largest channel difference from ``colour``, an ``"L"`` image (0-255)."""
    from PIL import Image, ImageChops

    r, g, b = ImageChops.difference(copy, Image.new("RGB", copy.size, colour)).split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b)


DENOISE_MIN_SIDE = 2 * SIDE
"""Shorter side, in pixels, from which the trim's median filter is used: a 3-pixel median
erases lines thinner than 2 pixels, which a picture of Fashion-MNIST's own size has."""


def trim_box(copy, colour, sigma=0.0, settings=DEFAULT):
    """The box ``(left, top, right, bottom)`` of the garment in ``copy`` (RGB); None if the
    picture is uniform.

    A pixel belongs to the garment when some channel differs from the background ``colour``
    by more than the threshold: ``settings.fuzz * 255`` levels, or ``settings.noise * sigma``
    on a noisier background (``sigma``: its noise, in levels). The differences are
    median-filtered first (``settings.denoise`` pixels) in pictures whose shorter side is at
    least `DENOISE_MIN_SIDE`, so that isolated noisy pixels do not count.
    """
    from PIL import ImageFilter

    dist = distance(copy, colour)
    if settings.denoise > 1 and min(dist.size) >= max(settings.denoise, DENOISE_MIN_SIDE):
        dist = dist.filter(ImageFilter.MedianFilter(settings.denoise))
    threshold = int(round(max(settings.fuzz * 255, settings.noise * sigma)))
    return dist.point(lambda v: 255 if v > threshold else 0).getbbox()


def _levels(img, colour, light):
    """Stretch each channel linearly so that ``colour`` becomes white (light) or black."""
    lut = []
    for c in colour:
        if light:
            scale = 255.0 / max(c, 1)
            lut += [min(255, int(round(v * scale))) for v in range(256)]
        else:
            scale = 255.0 / max(255 - c, 1)
            lut += [max(0, min(255, int(round((v - c) * scale)))) for v in range(256)]
    return img.point(lut)


def to_fashion(image, settings=DEFAULT):
    """Fashion-MNIST's pipeline on a picture (see the module's docstring).

    Parameters
    ----------
    image : PIL.Image.Image
        Any size and mode (EXIF rotation is *not* applied here: `open_image` does it).
    settings : Settings
        The pipeline's knobs.

    Returns
    -------
    PIL.Image.Image
        Mode ``"L"``, 28 x 28, garment light on a black background.
    """
    from PIL import Image, ImageFilter, ImageOps

    img = to_rgb(image)
    copy, factor = probe(img)
    colour, sigma = background(copy)
    light = is_light(colour)
    box = trim_box(copy, colour, sigma, settings)
    if box is not None:  # back to the picture's own pixels
        left, top, right, bottom = (factor * v for v in box)
        img = img.crop((left, top, min(right, img.width), min(bottom, img.height)))
    if settings.levels:
        img = _levels(img, colour, light)
        colour = (255, 255, 255) if light else (0, 0, 0)
    w, h = img.size
    longest = max(w, h)
    size = (max(1, round(w * SIDE / longest)), max(1, round(h * SIDE / longest)))
    img = img.resize(size, getattr(Image.Resampling, settings.resample.upper()))
    if settings.sharpen > 0:
        img = img.filter(
            ImageFilter.UnsharpMask(radius=1.0, percent=int(round(settings.sharpen)), threshold=0)
        )
    canvas = Image.new("RGB", (SIDE, SIDE), colour)
    # an odd margin puts its extra pixel left / top, as in Fashion-MNIST's own images
    canvas.paste(img, ((SIDE - size[0] + 1) // 2, (SIDE - size[1] + 1) // 2))
    if light:
        canvas = ImageOps.invert(canvas)
    return canvas.convert("L")


def preprocess(image, settings=DEFAULT):
    """A picture in Fashion-MNIST's form, as the network reads it.

    Parameters
    ----------
    image : PIL.Image.Image, numpy.ndarray, str or Path
        A PIL image; a numpy picture (see `from_array`); or a file name (opened with
        `open_image`, so its EXIF rotation is applied).
    settings : Settings
        The pipeline's knobs (default `DEFAULT`).

    Returns
    -------
    numpy.ndarray
        ``(28, 28)`` float32 pixels in [0, 1] (0 = black). A picture that is already
        Fashion-MNIST-like (`is_fashion_like`) comes back unchanged: a uint8 one divided
        by 255 (as `nengo_fashion.data` scales the dataset), a float one as it was.
    """
    if isinstance(image, (str, Path)):
        image = open_image(image)
    if isinstance(image, np.ndarray):
        check_finite(image)
        flat = image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1)
        if flat and is_fashion_like(image.reshape(image.shape[:2])):
            return as_float(image.reshape(image.shape[:2]))
        image = from_array(image)
    if is_fashion_like(image):
        return as_float(grey(image))
    return as_float(np.asarray(to_fashion(image, settings)))


def grey(image):
    """The 8-bit grey pixels of a PIL image (alpha over white, 16-bit scaled), as uint8."""
    return np.asarray(to_rgb(image).convert("L"))


def as_float(a):
    """Pixels as float32 in [0, 1]: uint8 divided by 255 (as `nengo_fashion.data` scales
    the dataset), float as it is."""
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    return np.asarray(a, dtype=np.float32)
