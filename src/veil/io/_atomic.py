"""Write a file all at once or not at all: temp file beside it, fsync, rename.

The temp file lives in the destination directory so ``os.replace`` is a rename on
one filesystem (atomic on POSIX and Windows). On any error the temp file is removed
and an existing destination is left exactly as it was. ``mkstemp`` creates the file
with mode 0600, so transformed output is private until the caller widens it.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from veil.errors import InputError

__all__ = ["TEMP_SUFFIX", "atomic_output", "atomic_text"]

TEMP_SUFFIX = ".veil-tmp"


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[BinaryIO]:
    """Yield a binary stream that becomes ``dst`` only if the block finishes without error."""
    fd, tmp = _temp_beside(dst)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(dst.parent)


@contextlib.contextmanager
def atomic_text(dst: Path) -> Iterator[TextIO]:
    """``atomic_output`` as UTF-8 text."""
    with atomic_output(dst) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()  # leave closing the binary stream to atomic_output


def _temp_beside(dst: Path) -> tuple[int, str]:
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=f".{dst.name}.", suffix=TEMP_SUFFIX, dir=dst.parent)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot write the output ({reason}); check the output path and its permissions",
            file=str(dst),
        ) from None


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; some platforms cannot open a directory, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
