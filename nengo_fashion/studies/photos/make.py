"""Product photos made from Fashion-MNIST images: the variants and the photo maker.

Each image is negated to a light background (as a product shot), scaled up, placed off
centre on a larger canvas of another aspect ratio and then, per **variant** (`VARIANTS`),
tinted, given noise, saved as JPEG, cut out with an alpha channel, stored rotated with an
EXIF orientation tag, or left on a dark background; every variant of every image is drawn
from its own seeded random stream (`photo_rng`). `make_photos` makes a `PhotoSet`: the photos
of some images, encoded in memory, with where each 28 x 28 frame lies.
"""

import dataclasses

import numpy as np

from ...images import preprocess as pp

SEED = 0
"""The default seed of the photos' random streams."""


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
        Pillow's filter that scales the 28 x 28 image up (see `nengo_fashion.studies.photos`).
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
