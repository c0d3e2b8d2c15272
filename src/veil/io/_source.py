"""Read a file as strictly decoded text, in pieces, knowing the line of a bad byte.

Decoding is strict: a byte the encoding cannot decode is an ``InputError`` naming
the file and the line it is on, never the byte itself. UTF-8 input may start with a
byte order mark; it is dropped (output is always UTF-8 without one).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from veil.errors import ConfigError, InputError

__all__ = ["CHUNK_BYTES", "Source", "decoder_for", "unreadable"]

CHUNK_BYTES = 256 * 1024


def decoder_for(encoding: str) -> codecs.IncrementalDecoder:
    """A strict incremental decoder; UTF-8 accepts (and drops) a leading BOM."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(
            f"unknown encoding {encoding!r}: use a Python codec name such as utf-8 or latin-1"
        ) from None
    name = "utf-8-sig" if name == "utf-8" else name
    return codecs.getincrementaldecoder(name)(errors="strict")


def unreadable(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(
        f"cannot read the file ({reason}); check the path and its permissions", file=str(path)
    )


class Source:
    """One input file, decoded piece by piece; ``tick()`` reports bytes consumed so far."""

    def __init__(self, path: Path, encoding: str, advance: Callable[[int], None]) -> None:
        self.path = path
        self._encoding = encoding
        self._decoder = decoder_for(encoding)
        self._advance = advance
        self._read = 0
        self._reported = 0
        self._newlines = 0

    def pieces(self) -> Iterator[str]:
        """Decoded text in pieces of about ``CHUNK_BYTES`` (cut anywhere)."""
        with self._open() as raw:
            while block := raw.read(CHUNK_BYTES):
                self._read += len(block)
                yield self._decode(block, final=False)
            yield self._decode(b"", final=True)

    def lines(self) -> Iterator[str]:
        """Lines split on ``\\n`` only, each keeping its line ending; the last may lack one."""
        pending: list[str] = []
        for piece in self.pieces():
            head, *rest = piece.split("\n")
            if not rest:
                pending.append(head)
                continue
            yield "".join(pending) + head + "\n"
            yield from (line + "\n" for line in rest[:-1])
            pending = [rest[-1]]
        if last := "".join(pending):
            yield last

    def tick(self) -> None:
        """Report the bytes read since the last tick (they have been processed by now)."""
        if self._read > self._reported:
            self._advance(self._read - self._reported)
            self._reported = self._read

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise unreadable(self.path, exc) from None

    def _decode(self, block: bytes, *, final: bool) -> str:
        try:
            text = self._decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            raise self._bad_byte(exc) from None
        self._newlines += text.count("\n")
        return text

    def _bad_byte(self, exc: UnicodeDecodeError) -> InputError:
        # exc.object is what the decoder saw (its buffered tail + this block); the part
        # before exc.start decoded fine, so its newlines place the bad byte's line.
        before = exc.object[: exc.start].decode(self._encoding, errors="replace")
        line = self._newlines + before.count("\n") + 1
        return InputError(
            f"cannot decode the file as {self._encoding} (an invalid byte on this line); "
            "if it uses another encoding, pass --encoding (for example --encoding latin-1)",
            file=str(self.path),
            line=line,
        )
