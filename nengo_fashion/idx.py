"""IDX files (LeCun's format of MNIST and Fashion-MNIST), read with bounds and written.

`read_idx_bytes` is the one bounded reader: the file must be a regular file (a symlink is
followed, a FIFO or ``/dev/zero`` is refused before it is opened), its header is read and
checked first, and only the bytes that the header calls for are inflated, so a gzip bomb
or a header claiming absurd dimensions is one `DataError` line, not a `MemoryError`.
`nengo_fashion.data` reads Fashion-MNIST with it.
"""

import gzip
import io
import math
import os
import stat
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

MAX_BYTES = 256 * 2**20
"""The most content (after the IDX header) read from one file unless a caller says
otherwise: 256 MiB, five times Fashion-MNIST's largest file (47 MB)."""

_MAGIC = {1: 0x00000801, 3: 0x00000803}  # unsigned byte, 1 or 3 dimensions

_COUNT_EXTRA = 2**20
"""How far past the header's size trailing data is inflated, to say how much there is."""

_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path, mode):
    """What a file that is not a regular file is, for the error message."""
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
    if os.path.islink(path):
        kind += f", through a symlink to {os.path.realpath(path)}"
    return kind


def _open_regular(path, fix):
    """Open ``path`` for reading if it is a regular file (symlinks resolved); a `DataError`
    otherwise, before it is opened (a FIFO would block, ``/dev/zero`` never ends). The mode is
    checked again on the open file, in case the path changed in between."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode):
                raise DataError(f"{path}: is a folder, not a file; {fix}")
            raise DataError(f"{path}: not a regular file ({_not_regular(path, mode)}); {fix}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; {fix}") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e}); {fix}") from None
    st = os.fstat(fd)
    mode, size = st.st_mode, st.st_size
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise DataError(f"{path}: not a regular file ({_not_regular(path, mode)}); {fix}")
    return os.fdopen(fd, "rb"), size


def read_idx_bytes(path, ndim, expected=(None, None), *, max_bytes=MAX_BYTES, bound="", fix=""):
    """An IDX file's array, with the file's bytes and its decompressed bytes.

    ``expected`` is ``(count, item_shape)``, either None for no check.

    ``fix`` (how to mend the file) ends every error message.

    The one bounded reader of data files: the file must be regular, its size at most what
    gzip makes of ``max_bytes`` of content, and only the header's bytes (+1) are inflated.
    ``bound`` says where ``max_bytes`` comes from, in the error message.
    """
    path = Path(path)
    header_len = 4 + 4 * ndim
    # gzip never makes content much bigger: stored blocks add 5 bytes per 64 KiB
    max_gz = header_len + max_bytes + max_bytes // 1000 + 2**16
    f, size = _open_regular(path, fix)
    with f:
        if size > max_gz:
            raise DataError(
                f"{path}: {size} bytes, larger than a gzipped IDX file of at most "
                f"{max_bytes} data bytes can be (the limit of this read){bound}; {fix}"
            )
        try:
            gz = f.read(max_gz + 1)
        except OSError as e:
            raise DataError(f"{path}: cannot be read ({e.strerror or e}); {fix}") from None
    if not gz:
        raise DataError(f"{path}: empty file; {fix}")
    if len(gz) > max_gz:
        raise DataError(f"{path}: grew past {max_gz} bytes while it was read; {fix}")
    try:
        # the header first, then only the bytes it calls for (+1): the inflation is bounded
        with gzip.GzipFile(fileobj=io.BytesIO(gz)) as z:
            header = z.read(header_len)
            shape = _check_header(path, header, ndim, *expected, fix)
            n_bytes = math.prod(shape)
            if n_bytes > max_bytes:
                of = f" of {' x '.join(map(str, shape[1:]))}" if ndim > 1 else ""
                raise DataError(
                    f"{path}: its IDX header claims {shape[0]} items{of} ({n_bytes} data "
                    f"bytes), more than the limit of {max_bytes} bytes of this read"
                    f"{bound}; {fix}"
                )
            body = z.read(n_bytes + 1)
            extra = len(body) - n_bytes
            while 0 < extra <= _COUNT_EXTRA:  # say how much trailing data there is
                more = len(z.read(min(2**16, _COUNT_EXTRA + 1 - extra)))
                if not more:
                    break
                extra += more
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DataError(f"{path}: corrupt or truncated gzip file ({e}); {fix}") from None
    if extra:
        found = f"more than {n_bytes + _COUNT_EXTRA}" if extra > _COUNT_EXTRA else n_bytes + extra
        raise DataError(
            f"{path}: truncated or padded: {found} data bytes, header says {n_bytes}; {fix}"
        )
    raw = header + body
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape)
    return array, gz, raw


def _check_header(path, header, ndim, expected_count, item_shape, fix):
    """The dimensions of an IDX header, after its magic number and expected shape are checked."""
    header_len = 4 + 4 * ndim
    if len(header) < header_len:
        raise DataError(f"{path}: too short to be an IDX file ({len(header)} bytes); {fix}")
    magic = struct.unpack(">I", header[:4])[0]
    if magic != _MAGIC[ndim]:
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}, expected "
            f"0x{_MAGIC[ndim]:08x} (unsigned bytes, {ndim} dimension(s)); {fix}"
        )
    shape = struct.unpack(f">{ndim}I", header[4:header_len])
    if expected_count is not None and shape[0] != expected_count:
        raise DataError(f"{path}: holds {shape[0]} items, expected {expected_count}; {fix}")
    if item_shape is not None and tuple(shape[1:]) != tuple(item_shape):
        raise DataError(f"{path}: items of shape {shape[1:]}, expected {item_shape}; {fix}")
    return shape


def write_idx(path, array):
    """Write a ``uint8`` array as a gzipped IDX file (used by tests and tools)."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">I", _MAGIC[array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())
