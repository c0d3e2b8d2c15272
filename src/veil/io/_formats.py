"""Which adapter reads a file: by suffix, and for unknown suffixes by sniffing for text."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from veil.io._source import decoder_for, unreadable

__all__ = ["Format", "format_of"]

SNIFF_BYTES = 64 * 1024


class Format(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"


_BY_SUFFIX: dict[str, Format] = {
    ".txt": Format.TEXT,
    ".md": Format.TEXT,
    ".log": Format.TEXT,
    ".eml": Format.TEXT,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".json": Format.JSON,
    ".csv": Format.CSV,
    ".tsv": Format.TSV,
    ".parquet": Format.PARQUET,
}

KNOWN_SUFFIXES = " ".join(_BY_SUFFIX)


def format_of(path: Path, encoding: str) -> Format | None:
    """The file's format; None for an unknown suffix whose content is not text."""
    known = _BY_SUFFIX.get(path.suffix.lower())
    if known is not None:
        return known
    return Format.TEXT if _looks_like_text(path, encoding) else None


def _looks_like_text(path: Path, encoding: str) -> bool:
    """No NUL byte and the first 64 KB decode (a cut multi-byte character is fine)."""
    decoder = decoder_for(encoding)
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from None
    if b"\0" in head:
        return False
    try:
        decoder.decode(head, False)
    except UnicodeDecodeError:
        return False
    return True
