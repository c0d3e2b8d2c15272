"""Plain text: streamed in ~256 KB chunks cut where no entity can straddle the cut.

A cut falls after the last newline of the window, or failing that after the last
whitespace; only a window with neither (one unbroken 256 KB token) is cut hard.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from veil.io._job import Job, batched
from veil.io._report import FileReport
from veil.io._source import Source

__all__ = ["CHUNK_CHARS", "chunks", "run_text"]

CHUNK_CHARS = 256 * 1024
BATCH_CHUNKS = 4  # ~1 MB of text per engine call
_SPACES = " \t\r\f\v"


def cut_point(window: str) -> int:
    """Where to end a chunk of ``window``: after its last newline, else its last space."""
    newline = window.rfind("\n")
    if newline >= 0:
        return newline + 1
    space = max(window.rfind(c) for c in _SPACES)
    return space + 1 if space >= 0 else len(window)


def chunks(pieces: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    """Re-cut arbitrary text pieces into chunks of at most ``size`` at safe boundaries."""
    buf = ""
    for piece in pieces:
        buf += piece
        while len(buf) >= size:
            cut = cut_point(buf[:size])
            yield buf[:cut]
            buf = buf[cut:]
    if buf:
        yield buf


def run_text(path: Path, out: BinaryIO | None, job: Job, report: FileReport) -> None:
    source = Source(path, job.encoding, job.advance)
    last = ""
    for batch in batched(chunks(source.pieces()), BATCH_CHUNKS):
        texts = job.texts(batch, report.counts)
        report.chars += sum(len(chunk) for chunk in batch)
        report.records += sum(chunk.count("\n") for chunk in batch)
        last = batch[-1][-1]
        if out is not None:
            out.write("".join(texts).encode("utf-8"))
        source.tick()
    report.records += bool(last) and last != "\n"  # a last line without a newline
