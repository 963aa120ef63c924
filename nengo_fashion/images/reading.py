"""Reading pictures: any file Pillow opens, checked and bounded, as an 8-bit RGB image.

- a picture is refused, with one line naming it, when decoding it would take more than
  `MAX_DECODED_BYTES` (256 MiB: a 67-megapixel RGB photo, a 134-megapixel 16-bit one); a
  larger JPEG is decoded at 1/2, 1/4 or 1/8 of its size instead (Pillow's draft mode);
- a picture without pixels (0 wide or high) or with NaN or infinite pixels (a float TIFF)
  is refused with one line (`check_pixels`);
- EXIF rotation is applied; 16-bit, 32-bit and float images are scaled to 8 bits by their
  range (`to_8bit`); every other mode becomes RGB (`to_rgb`);
- a file name is printed escaped (`printable`).

Pillow is imported on first use, not with this module.
"""

import io
import warnings
from pathlib import Path

import numpy as np

from ..errors import NengoFashionError

MAX_DECODED_BYTES = 256 * 2**20
"""The most memory, in bytes, that `open_image` lets one picture take once decoded (width x
height x Pillow's bytes per pixel: 1 for grey and palette pictures, 2 for 16-bit grey, 4
for the others). 256 MiB is a 67-megapixel RGB photo, more than a phone camera's default
output; the network sees 28 x 28 pixels."""


class ImageReadError(NengoFashionError):
    """A file could not be read as a picture (missing, empty, not an image, truncated, too
    large), or a picture has no pixels or pixels that are not finite."""


def printable(name):
    """``name`` fit for one line of output: undecodable bytes of a file name (Python's
    surrogate escapes) as ``\\xff``, control characters as ``\\n``, ``\\t``, ``\\x1b``, ...
    Other text is kept as it is."""
    name = str(name)
    if name.isprintable():  # no control characters, no surrogates: the common case
        return name
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in "\n\r\t":
            out.append(repr(ch)[1:-1])
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif code in (0x2028, 0x2029) or 0xD800 <= code <= 0xDFFF:  # line breaks, surrogates
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def bytes_per_pixel(mode):
    """The bytes per pixel Pillow stores a picture of ``mode`` in (see `MAX_DECODED_BYTES`)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _check_size(img, name):
    """Refuse a picture whose decoded pixels would exceed `MAX_DECODED_BYTES` (from its
    header, before decoding); a JPEG is first set to decode at a reduced scale."""
    w, h = img.size
    need = w * h * bytes_per_pixel(img.mode)
    if need <= MAX_DECODED_BYTES:
        return
    if img.format == "JPEG":  # the smallest reduction that fits: 1/2, 1/4 or 1/8
        k = next((k for k in (2, 4, 8) if need <= MAX_DECODED_BYTES * k * k), 8)
        img.draft(img.mode, (max(1, w // k), max(1, h // k)))
        if img.width * img.height * bytes_per_pixel(img.mode) <= MAX_DECODED_BYTES:
            return
    raise ImageReadError(
        f"{name}: too large: {w} x {h} pixels ({img.mode}) would take {need / 2**20:.0f} MiB "
        f"decoded, more than the limit of {MAX_DECODED_BYTES / 2**20:.0f} MiB; scale it down "
        "first (the network sees 28 x 28 pixels)"
    )


def check_pixels(image, name="picture"):
    """Refuse a PIL image without pixels or with NaN or infinite pixels (`ImageReadError`
    of one line starting with ``name``)."""
    if image.width < 1 or image.height < 1:
        raise ImageReadError(f"{name}: has no pixels ({image.width} x {image.height})")
    if image.mode == "F":
        check_finite(np.asarray(image), name)


def check_finite(a, name="picture"):
    """Refuse a float array of pixels with NaN or infinite values."""
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        bad = int(np.count_nonzero(~np.isfinite(a)))
        raise ImageReadError(
            f"{name}: {bad} of its {a.size} pixels are NaN or infinite; give a picture of "
            "finite pixel values"
        )


def open_image(source):
    """Open a picture file fully, with its EXIF rotation applied.

    Parameters
    ----------
    source : str, Path or file-like
        A file name or an open binary file.

    Returns
    -------
    PIL.Image.Image
        Loaded (decoded) and upright.

    Raises
    ------
    ImageReadError
        One line saying why: missing, a folder, not readable, empty, not an image that
        Pillow can read, truncated or corrupt, too large to decode (`MAX_DECODED_BYTES`),
        without pixels, or with pixels that are not finite (`check_pixels`). The line
        starts with the file's name, `printable`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "image")
    name = printable(name)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            raise ImageReadError(f"{name}: is a folder, not an image file")
        try:
            if path.stat().st_size == 0:
                raise ImageReadError(f"{name}: empty file")
        except FileNotFoundError:
            raise ImageReadError(f"{name}: no such file") from None
        except OSError as e:
            raise ImageReadError(f"{name}: cannot be read ({e.strerror or e})") from None
    try:
        with warnings.catch_warnings():  # `_check_size` refuses such a picture in one line
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(source)
        with img:
            _check_size(img, name)
            img.load()
            img = ImageOps.exif_transpose(img)
    except UnidentifiedImageError:
        raise ImageReadError(f"{name}: not an image (Pillow cannot identify its format)") from None
    except Image.DecompressionBombError as e:
        raise ImageReadError(f"{name}: too large to open safely ({e})") from None
    except PermissionError as e:
        raise ImageReadError(f"{name}: cannot be read ({e.strerror or e})") from None
    except MemoryError:
        raise ImageReadError(f"{name}: too large to decode in the memory available") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise ImageReadError(f"{name}: truncated or corrupt image ({e})") from None
    check_pixels(img, name)
    return img


def from_array(array):
    """A PIL image of a numpy picture.

    Parameters
    ----------
    array : numpy.ndarray
        ``(H, W)`` grey, ``(H, W, 1)``, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA; ``uint8``
        in 0-255 or float in [0, 1].
    """
    from PIL import Image

    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    check_finite(a)
    if a.dtype != np.uint8:
        a = np.rint(a.astype(np.float64) * 255).clip(0, 255).astype(np.uint8)
    mode = {2: "L", 3: {3: "RGB", 4: "RGBA"}.get(a.shape[-1])}[a.ndim]
    return Image.fromarray(np.ascontiguousarray(a), mode)


def to_rgb(img):
    """RGB of any PIL image: alpha over white, 16-bit, 32-bit and float scaled to 8 bits
    (`to_8bit`). A picture without pixels or with pixels that are not finite is an
    `ImageReadError` (`check_pixels`)."""
    from PIL import Image

    check_pixels(img)
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode.startswith("I") or img.mode == "F":
        return Image.fromarray(to_8bit(img)).convert("RGB")
    return img.convert("RGB")


def to_8bit(img):
    """The pixels of a 16-bit, 32-bit integer or float grey PIL image as uint8, by its range.

    16-bit (``"I;16*"``): divided by 257 (65535 becomes 255). 32-bit integer (``"I"``) and float
    (``"F"``): pixels in 0-255 as they are, except float pixels in [0, 1], which are times
    255, and integer pixels in 0-65535, which are 16-bit ones; any other picture is stretched
    linearly from ``min(0, its lowest pixel)`` to its highest pixel onto 0-255, so that a
    32-bit or float picture of any scale keeps its contrast instead of saturating.
    """
    a = np.asarray(img, dtype=np.float64)
    lo, hi = min(0.0, float(a.min(initial=0))), float(a.max(initial=0))
    if img.mode.startswith("I;16") or (img.mode == "I" and lo >= 0 and 255 < hi <= 65535):
        a /= 257.0
    elif img.mode == "F" and lo >= 0 and hi <= 1:
        a *= 255.0
    elif lo < 0 or hi > 255:
        a -= lo
        a *= 255.0 / (hi - lo)
    np.rint(a, out=a)
    return a.clip(0, 255, out=a).astype(np.uint8)


def encode(image, fmt="PNG", **kwargs):
    """The bytes of a PIL image saved as ``fmt`` (an in-memory file for `open_image`)."""
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    buf.seek(0)
    return buf
