"""Pictures that are not clothes, made from a seed: the kinds and their generators.

Every picture is drawn from its own random stream (`picture_rng`: fixed by the seed, the
part, the kind and the index), from nothing but what ships with the environment: Pillow's
drawing and its default font, the TrueType fonts matplotlib ships (``mpl-data/fonts/ttf``),
numpy noise, matplotlib's charts and its sample data (``mpl-data/sample_data``: the portrait
``grace_hopper.jpg`` and the terrain ``topobathy.npz``). Nothing is downloaded.

The **parts** are split by generator seed: ``"choose"`` (where the check's thresholds are
chosen) and ``"held-out"`` (where it is reported) draw from disjoint streams. The one
photograph of a face that ships (``grace_hopper.jpg``) appears in both parts, cropped,
scaled, turned and lit differently in each; the drawn faces do not repeat.
"""

import functools
import os

import numpy as np

SEED = 28
"""The default seed of the pictures' random streams."""

PARTS = ("choose", "held-out")
"""The parts of the set, by generator seed."""


def picture_rng(seed, part, kind, index):
    """The random stream of one picture: fixed by (seed, part, kind, index)."""
    return np.random.RandomState(
        [int(seed), PARTS.index(part), list(KINDS).index(kind), int(index)]
    )


def _mpl_data(*parts):
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), *parts)


@functools.lru_cache(maxsize=None)
def _font_files():
    folder = _mpl_data("fonts", "ttf")
    names = sorted(
        f for f in os.listdir(folder) if f.endswith(".ttf") and f.startswith(("DejaVu", "cm"))
    )
    return tuple(os.path.join(folder, f) for f in names if not f.startswith(("cmex", "cmsy")))


def _font(rng, size):
    from PIL import ImageFont

    files = _font_files()
    k = rng.randint(len(files) + 1)
    if k == len(files):
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(files[k], size=size)


def _size(rng, low=48, high=320):
    """A canvas size ``(w, h)``: each side drawn in [low, high]."""
    return int(rng.randint(low, high)), int(rng.randint(low, high))


def _colours(rng):
    """An (ink, paper) pair: dark on light, light on dark, or two colours."""
    r = rng.rand()
    grey = int(rng.randint(0, 60)), int(rng.randint(200, 256))
    if r < 0.45:
        ink, paper = grey
        return (ink,) * 3, (paper,) * 3
    if r < 0.8:
        paper, ink = grey
        return (ink,) * 3, (paper,) * 3
    return tuple(int(v) for v in rng.randint(0, 256, 3)), tuple(
        int(v) for v in rng.randint(0, 256, 3)
    )


def _as_image(a):
    from PIL import Image

    a = np.rint(np.clip(a, 0, 255)).astype(np.uint8)
    return Image.fromarray(a, "L" if a.ndim == 2 else "RGB")


def _glyphs(rng, alphabet, n_chars):
    """Characters drawn with a font: a digit, a letter or a short word."""
    from PIL import Image, ImageDraw

    if rng.rand() < 0.25:  # MNIST's form: 28 x 28, light on black, passes preprocessing as is
        side, big = 28, 20 + rng.randint(0, 5)
        ink, paper = (255, 255, 255), (0, 0, 0)
        w = h = side
    else:
        w, h = _size(rng, 40, 256)
        big = max(12, int(min(w, h) * rng.uniform(0.4, 0.9) / max(1, n_chars) ** 0.5))
        ink, paper = _colours(rng)
    text = "".join(alphabet[rng.randint(len(alphabet))] for _ in range(n_chars))
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    font = _font(rng, big)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (w - (right - left)) * rng.uniform(0.2, 0.8) - left
    y = (h - (bottom - top)) * rng.uniform(0.2, 0.8) - top
    draw.text((x, y), text, fill=ink, font=font, stroke_width=int(rng.randint(0, 3)))
    return img.rotate(rng.uniform(-20, 20), fillcolor=paper)


def digits(rng):
    """A digit (0-9), or two, in a font, any colours, slightly turned."""
    return _glyphs(rng, "0123456789", 1 + int(rng.rand() < 0.25))


def letters(rng):
    """A letter (A-Z, a-z), or a short word of 2-4 letters."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return _glyphs(rng, alphabet, 1 if rng.rand() < 0.6 else int(rng.randint(2, 5)))


def noise(rng):
    """Uniform, Gaussian, salt-and-pepper or blocky noise, grey or colour."""
    w, h = _size(rng, 16, 320)
    shape = (h, w, 3) if rng.rand() < 0.5 else (h, w)
    r = rng.rand()
    if r < 0.3:
        a = rng.uniform(0, 256, shape)
    elif r < 0.6:
        a = rng.normal(rng.uniform(40, 215), rng.uniform(10, 80), shape)
    elif r < 0.8:
        a = np.where(rng.rand(*shape) < rng.uniform(0.05, 0.5), 255.0, 0.0)
        if rng.rand() < 0.5:
            a = 255 - a
    else:
        cell = int(rng.randint(2, 12))
        small = rng.uniform(0, 256, (h // cell + 1, w // cell + 1) + shape[2:])
        a = np.repeat(np.repeat(small, cell, 0), cell, 1)[:h, :w]
    return _as_image(a)


def fills(rng):
    """A blank picture (one colour: white, black, grey or any) or a linear / radial gradient."""
    w, h = _size(rng, 8, 320)
    r = rng.rand()
    if r < 0.35:
        colour = rng.choice([0, 255, int(rng.randint(256))])
        c = np.full(3, colour) if rng.rand() < 0.6 else rng.randint(0, 256, 3)
        return _as_image(np.broadcast_to(c, (h, w, 3)).astype(float))
    y, x = np.mgrid[0:h, 0:w]
    if r < 0.75:
        angle = rng.uniform(0, 2 * np.pi)
        t = x * np.cos(angle) + y * np.sin(angle)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        t = np.hypot(x - cx, y - cy)
    t = (t - t.min()) / max(1e-9, np.ptp(t))
    c0, c1 = rng.randint(0, 256, 3), rng.randint(0, 256, 3)
    if rng.rand() < 0.5:
        c0, c1 = np.full(3, c0[0]), np.full(3, c1[0])
    return _as_image(c0 + (c1 - c0) * t[..., None])


def perlin(rng, h, w, octaves=4):
    """Perlin-like value noise in [0, 1]: random grids upsampled bilinearly and summed."""
    from PIL import Image

    total = np.zeros((h, w))
    amp, cells = 1.0, int(rng.randint(2, 6))
    for _ in range(octaves):
        grid = rng.rand(cells + 1, cells + 1).astype(np.float32)
        up = Image.fromarray(grid, "F").resize((w, h), Image.Resampling.BILINEAR)
        total += amp * np.asarray(up)
        amp, cells = amp / 2, cells * 2
    return (total - total.min()) / max(1e-9, np.ptp(total))


def textures(rng):
    """A checkerboard, stripes at any angle, Perlin-like noise, dots or a weave."""
    w, h = _size(rng, 32, 320)
    y, x = np.mgrid[0:h, 0:w].astype(float)
    r = rng.rand()
    period = rng.uniform(4, 40)
    if r < 0.25:
        t = ((x // period + y // period) % 2).astype(float)
    elif r < 0.5:
        angle = rng.uniform(0, np.pi)
        u = x * np.cos(angle) + y * np.sin(angle)
        t = (np.sin(2 * np.pi * u / period) > rng.uniform(-0.5, 0.5)).astype(float)
        if rng.rand() < 0.5:
            t = 0.5 + 0.5 * np.sin(2 * np.pi * u / period)
    elif r < 0.75:
        t = perlin(rng, h, w, int(rng.randint(2, 6)))
    elif r < 0.88:
        t = (np.hypot(x % period - period / 2, y % period - period / 2) < period / 3).astype(float)
    else:
        t = 0.5 + 0.25 * (np.sin(2 * np.pi * x / period) + np.sin(2 * np.pi * y / period))
    c0, c1 = rng.randint(0, 256, 3), rng.randint(0, 256, 3)
    return _as_image(c0 + (c1 - c0) * t[..., None])


def _polygon(rng, cx, cy, radius, n):
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.5, 1.0, n)
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii)]


def _shape(draw, rng, kind, box, fill, outline):
    x0, y0, x1, y1 = box
    cx, cy, radius = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) / 2
    width = int(rng.randint(1, 6))
    if kind == "ellipse":
        draw.ellipse(box, fill=fill, outline=outline, width=width)
    elif kind == "rectangle":
        draw.rectangle(box, fill=fill, outline=outline, width=width)
    elif kind == "star":
        n = int(rng.randint(5, 9))
        pts = [
            (cx + (radius if k % 2 == 0 else radius * 0.45) * np.cos(np.pi * k / n),
             cy + (radius if k % 2 == 0 else radius * 0.45) * np.sin(np.pi * k / n))
            for k in range(2 * n)
        ]  # fmt: skip
        draw.polygon(pts, fill=fill, outline=outline)
    else:
        draw.polygon(_polygon(rng, cx, cy, radius, int(rng.randint(3, 8))), fill=fill)


def _ball(rng, w, h, paper):
    """A shaded ball (a red ball, or any colour) on a plain background."""
    y, x = np.mgrid[0:h, 0:w].astype(float)
    r = min(w, h) * rng.uniform(0.2, 0.45)
    cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
    d = np.hypot(x - cx, y - cy) / r
    light = np.clip(1.2 - np.hypot(x - cx + 0.4 * r, y - cy + 0.4 * r) / (1.6 * r), 0.2, 1.0)
    colour = np.array([220, 30, 30]) if rng.rand() < 0.5 else rng.randint(0, 256, 3)
    ball = colour * light[..., None]
    return _as_image(np.where((d < 1)[..., None], ball, np.array(paper, dtype=float)))


def shapes(rng):
    """Circles, squares, triangles, stars and polygons (1-6), outlined or filled; a ball."""
    from PIL import Image, ImageDraw

    w, h = _size(rng, 48, 320)
    ink, paper = _colours(rng)
    if rng.rand() < 0.2:
        return _ball(rng, w, h, paper)
    img = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.randint(1, 7))):
        side = rng.uniform(0.2, 0.8) * min(w, h)
        x0, y0 = rng.uniform(0, w - side), rng.uniform(0, h - side)
        aspect = rng.uniform(0.6, 1.6)
        box = (x0, y0, x0 + side, y0 + side * aspect)
        colour = tuple(int(v) for v in rng.randint(0, 256, 3)) if rng.rand() < 0.5 else ink
        fill = colour if rng.rand() < 0.6 else None
        kind = ("ellipse", "rectangle", "star", "polygon")[rng.randint(4)]
        _shape(draw, rng, kind, box, fill, colour)
    return img


def charts(rng):
    """A matplotlib chart: lines, bars, a scatter, a pie or a histogram."""
    from ...plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(rng.uniform(2, 5), rng.uniform(1.6, 4)), dpi=50)
    r, n = rng.rand(), int(rng.randint(3, 12))
    if r < 0.25:
        for _ in range(int(rng.randint(1, 4))):
            ax.plot(np.cumsum(rng.normal(0, 1, 40)))
    elif r < 0.5:
        ax.bar(np.arange(n), rng.uniform(1, 10, n), color=rng.rand(3))
    elif r < 0.7:
        ax.scatter(rng.normal(0, 1, 60), rng.normal(0, 1, 60), s=8)
    elif r < 0.85:
        ax.pie(rng.uniform(1, 5, int(rng.randint(2, 7))))
    else:
        ax.hist(rng.normal(0, 1, 300), bins=int(rng.randint(5, 25)))
    if rng.rand() < 0.5:
        ax.set_title("figure %d" % rng.randint(100))
        ax.grid(True)
    fig.canvas.draw()
    a = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
    plt.close(fig)
    return _as_image(a.astype(float))


@functools.lru_cache(maxsize=1)
def _hopper():
    from PIL import Image

    with Image.open(_mpl_data("sample_data", "grace_hopper.jpg")) as img:
        return img.convert("RGB")


def _drawn_face(rng):
    """A drawn face: head, hair, eyes, nose and mouth, on a plain background."""
    from PIL import Image, ImageDraw

    w, h = _size(rng, 64, 256)
    _, paper = _colours(rng)
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.45, 0.6)
    rx, ry = w * rng.uniform(0.2, 0.32), h * rng.uniform(0.25, 0.38)
    skin = tuple(int(v) for v in np.array([225, 185, 150]) * rng.uniform(0.4, 1.1))
    skin = tuple(min(255, v) for v in skin)
    hair = tuple(int(v) for v in rng.randint(0, 120, 3))
    d.ellipse((cx - rx * 1.1, cy - ry * 1.15, cx + rx * 1.1, cy + ry * 0.4), fill=hair)
    d.rectangle((cx - rx * 0.35, cy + ry * 0.8, cx + rx * 0.35, h), fill=skin)  # neck
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=skin)
    for side in (-1, 1):
        ex, ey, e = cx + side * rx * 0.4, cy - ry * 0.15, rx * 0.12
        d.ellipse((ex - e, ey - e * 0.6, ex + e, ey + e * 0.6), fill=(255, 255, 255))
        d.ellipse((ex - e / 2, ey - e / 2, ex + e / 2, ey + e / 2), fill=(30, 30, 30))
    d.line((cx, cy, cx - rx * 0.1, cy + ry * 0.25), fill=(120, 80, 60), width=2)
    d.arc(
        (cx - rx * 0.4, cy + ry * 0.2, cx + rx * 0.4, cy + ry * 0.6),
        20,
        160,
        fill=(150, 40, 40),
        width=3,
    )
    return img


def portraits(rng):
    """A portrait: a crop of the photograph matplotlib ships (scaled, mirrored, turned,
    lit, perhaps grey), or a drawn face."""
    from PIL import ImageEnhance, ImageOps

    if rng.rand() < 0.4:
        return _drawn_face(rng)
    img = _hopper()
    W, H = img.size
    cw = int(W * rng.uniform(0.45, 1.0))
    ch = int(min(H, cw * rng.uniform(0.9, 1.5)))
    x0, y0 = rng.randint(0, W - cw + 1), rng.randint(0, H - ch + 1)
    out = img.crop((x0, y0, x0 + cw, y0 + ch))
    out = out.resize((int(rng.randint(48, 300)), int(rng.randint(48, 300))))
    if rng.rand() < 0.5:
        out = ImageOps.mirror(out)
    out = out.rotate(rng.uniform(-15, 15), expand=False)
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.6, 1.4))
    if rng.rand() < 0.3:
        out = out.convert("L").convert("RGB")
    return out


def scans(rng):
    """A scanned page: lines of text on off-white paper, maybe a heading and a rule, slightly
    turned, with noise."""
    from PIL import Image, ImageDraw

    w, h = _size(rng, 120, 420)
    paper = tuple(int(v) for v in rng.randint(225, 256, 3))
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    size = int(rng.randint(7, 18))
    font = _font(rng, size)
    words = "the of and to in is was for on that with as by at from this be are report page"
    vocab = words.split()
    y = rng.uniform(0.03, 0.1) * h
    margin = rng.uniform(0.04, 0.12) * w
    if rng.rand() < 0.5:
        d.text(
            (margin, y), "REPORT %d" % rng.randint(1000), fill=(0, 0, 0), font=_font(rng, 2 * size)
        )
        y += 2.6 * size
    while y < h * rng.uniform(0.6, 0.97):
        line = " ".join(vocab[rng.randint(len(vocab))] for _ in range(int(rng.randint(4, 16))))
        d.text((margin, y), line, fill=(int(rng.randint(0, 80)),) * 3, font=font)
        y += size * rng.uniform(1.2, 1.8)
    a = np.asarray(img.rotate(rng.uniform(-3, 3), fillcolor=paper), dtype=float)
    return _as_image(a + rng.normal(0, rng.uniform(0, 10), a.shape))


@functools.lru_cache(maxsize=1)
def _terrain():
    with np.load(_mpl_data("sample_data", "topobathy.npz")) as z:
        return np.asarray(z["topo"], dtype=float)


def maps(rng):
    """A map: coloured regions (random polygons) with roads and rivers (lines), or a crop of
    the terrain matplotlib ships, coloured."""
    from PIL import Image, ImageDraw

    w, h = _size(rng, 64, 320)
    if rng.rand() < 0.3:
        topo = _terrain()
        ch, cw = int(rng.randint(20, topo.shape[0])), int(rng.randint(20, topo.shape[1]))
        y0, x0 = rng.randint(0, topo.shape[0] - ch + 1), rng.randint(0, topo.shape[1] - cw + 1)
        t = topo[y0 : y0 + ch, x0 : x0 + cw]
        t = (t - t.min()) / max(1e-9, np.ptp(t))
        from ...plots import _pyplot

        cmap = _pyplot().get_cmap(("terrain", "gist_earth", "viridis", "gray")[rng.randint(4)])
        return _as_image(cmap(t)[:, :, :3] * 255).resize((w, h))
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.randint(180, 256, 3)))
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.randint(3, 12))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        pts = _polygon(rng, cx, cy, rng.uniform(0.1, 0.5) * max(w, h), int(rng.randint(4, 10)))
        colour = tuple(int(v) for v in rng.randint(120, 256, 3))
        d.polygon(pts, fill=colour, outline=(90, 90, 90))
    for _ in range(int(rng.randint(2, 10))):
        pts = [(rng.uniform(0, w), rng.uniform(0, h)) for _ in range(int(rng.randint(2, 6)))]
        blue = rng.rand() < 0.3
        colour = (60, 110, 220) if blue else tuple(int(v) for v in rng.randint(0, 200, 3))
        d.line(pts, fill=colour, width=int(rng.randint(1, 5)))
    return img


KINDS = {
    f.__name__: f
    for f in (
        digits,
        letters,
        noise,
        fills,
        textures,
        shapes,
        charts,
        portraits,
        scans,
        maps,
    )
}
"""The kinds of picture that are not clothes, by name: each a function of a random stream
that returns a PIL image."""


def make_picture(seed, part, kind, index):
    """Picture ``index`` of ``kind`` in ``part``, from its own stream (`picture_rng`)."""
    return KINDS[kind](picture_rng(seed, part, kind, index))
