"""``redact_path`` and ``scan_path``: pick each file's adapter, mirror directories, report.

A directory is walked recursively in sorted order (the same input gives the same
report and output) and mirrored under the output directory. Files with an unknown
suffix are processed as text when they decode, and skipped (reported, not copied)
when they do not; an explicitly named file that is not text is an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from veil.errors import InputError
from veil.io._atomic import atomic_output
from veil.io._csv import run_csv, run_tsv
from veil.io._engine import TextEngine
from veil.io._formats import KNOWN_SUFFIXES, Format, format_of
from veil.io._job import Job
from veil.io._jsonfmt import run_json, run_jsonl
from veil.io._report import FileReport, Report
from veil.io._text import run_text

__all__ = ["input_files", "input_size", "redact_path", "scan_path"]

Adapter = Callable[[Path, BinaryIO | None, Job, FileReport], None]
Progress = Callable[[int], None]


def _run_parquet(*args: Any, **kwargs: Any) -> Any:
    """pyarrow costs ~0.2 s to import: load it only when a Parquet file shows up."""
    from veil.io._parquet import run_parquet

    return run_parquet(*args, **kwargs)


_ADAPTERS: dict[Format, Adapter] = {
    Format.TEXT: run_text,
    Format.JSONL: run_jsonl,
    Format.JSON: run_json,
    Format.CSV: run_csv,
    Format.TSV: run_tsv,
    Format.PARQUET: _run_parquet,
}


def redact_path(
    src: Path,
    dst: Path,
    engine: TextEngine,
    *,
    fields: list[str] | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> Report:
    """Transform ``src`` (a file or a directory) into ``dst`` (a file, or a directory).

    Each output file appears whole or not at all. ``fields`` (dotted paths) limits JSON
    and JSONL processing to those fields and table processing to those columns.
    ``progress`` receives the running total of input bytes processed.
    """
    src, dst = Path(src), Path(dst)
    job = Job(engine, redact=True, fields=_fields(fields), encoding=encoding, progress=progress)
    if src.is_dir():
        _check_output_dir(src, dst)
        return Report(
            [_one(f, dst / f.relative_to(src), job, named=False) for f in input_files(src)]
        )
    target = dst / src.name if dst.is_dir() else dst
    return Report([_one(_existing(src), target, job, named=True)])


def scan_path(
    src: Path,
    engine: TextEngine,
    *,
    fields: list[str] | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> Report:
    """Report what ``src`` (a file or a directory) holds: counts by class, file and column."""
    src = Path(src)
    job = Job(engine, redact=False, fields=_fields(fields), encoding=encoding, progress=progress)
    named = not src.is_dir()
    return Report([_one(f, None, job, named=named) for f in input_files(src)])


def input_files(src: Path) -> list[Path]:
    """The files a run over ``src`` visits, in order (directory symlinks are not followed)."""
    if not Path(src).is_dir():
        return [_existing(Path(src))]
    found: list[Path] = []
    for root, dirs, files in os.walk(src, onerror=_walk_error):
        dirs.sort()
        found.extend(p for name in sorted(files) if (p := Path(root) / name).is_file())
    return found


def input_size(src: Path) -> int:
    """Total bytes of the files a run over ``src`` visits (a progress bar's total)."""
    return sum(p.stat().st_size for p in input_files(src))


def _one(path: Path, out: Path | None, job: Job, *, named: bool) -> FileReport:
    fmt = format_of(path, job.encoding)
    if fmt is None:
        skipped = _skip(path, named)
        job.advance(path.stat().st_size)  # so progress still ends at input_size()
        return skipped
    report = FileReport(str(path), fmt.value)
    if out is None:
        _ADAPTERS[fmt](path, None, job, report)
        return report
    with atomic_output(out) as stream:
        _ADAPTERS[fmt](path, stream, job, report)
    report.output = str(out)
    return report


def _skip(path: Path, named: bool) -> FileReport:
    if named:
        raise InputError(
            f"not text and not a known format ({KNOWN_SUFFIXES}); if it is text "
            "in another encoding, pass --encoding",
            file=str(path),
        )
    return FileReport(str(path), "unknown", skipped="not text and not a known format")


def _existing(src: Path) -> Path:
    if not src.is_file():
        raise InputError("no such file or directory; check the path", file=str(src))
    return src


def _check_output_dir(src: Path, dst: Path) -> None:
    if dst.exists() and not dst.is_dir():
        raise InputError("the input is a directory, so the output must be one too", file=str(dst))
    if dst.resolve().is_relative_to(src.resolve()):
        raise InputError(
            "the output directory lies inside the input directory; choose one outside it",
            file=str(dst),
        )


def _walk_error(exc: OSError) -> None:
    raise InputError(
        f"cannot read the directory ({exc.strerror or type(exc).__name__})", file=str(exc.filename)
    ) from None


def _fields(fields: list[str] | None) -> tuple[str, ...] | None:
    return tuple(fields) if fields else None
