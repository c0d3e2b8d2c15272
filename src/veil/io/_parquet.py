"""Parquet: record batches streamed from ``ParquetFile`` into a ``ParquetWriter``, same schema.

String columns are processed by their classification. Other scalar columns (numbers,
dates) are touched only when typed: each value goes through the engine as text and
comes back as the column's type when it parses as one (format-preserving operators),
otherwise as null, because a placeholder cannot live in an int column and leaving
the original would leak it. Nested and binary columns pass through unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from veil.errors import InputError, TransformError
from veil.io._columns import plan_columns, transform_cells
from veil.io._job import Job
from veil.io._report import ColumnKind, ColumnReport, FileReport

__all__ = ["run_parquet"]

BATCH_ROWS = 2000  # the first batch is also the classification sample


def run_parquet(path: Path, out: BinaryIO | None, job: Job, report: FileReport) -> None:
    pf = _open(path)
    schema = pf.schema_arrow
    batches = _batches(pf, path)
    first = next(batches, None)
    report.columns = _plan(schema, first, job)
    paced = _Pace(path.stat().st_size, pf.metadata.num_rows, job)
    with _writer(out, schema) as writer:
        for batch in chain([first] if first is not None else [], batches):
            arrays = [
                _column(batch.column(i), schema.field(i), c, job, report)
                for i, c in enumerate(report.columns)
            ]
            if writer is not None:
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            report.records += batch.num_rows
            paced.rows_done(report.records)
    for column in report.columns:
        report.counts.update(column.counts)


def _plan(schema: Any, first: Any, job: Job) -> list[ColumnReport]:
    """Classify from the first batch; nested and binary columns are reported as untouched."""
    head = [_as_text(first.column(i)) if first is not None else [] for i in range(len(schema))]
    non_text = [f.name for f in schema if not _is_string(f.type)]
    columns = plan_columns(schema.names, head, job, non_text=non_text)
    return [
        c if _handled(schema.field(i).type) else _unhandled(c.name, schema.field(i).type)
        for i, c in enumerate(columns)
    ]


def _unhandled(name: str, kind: Any) -> ColumnReport:
    return ColumnReport(name, ColumnKind.CLEAN, None, f"type {kind} is not processed")


def _writer(out: BinaryIO | None, schema: Any) -> Any:
    """A ParquetWriter as a context (closed, footer written, even on error), or nothing."""
    return pq.ParquetWriter(out, schema) if out is not None else contextlib.nullcontext()


class _Pace:
    """Progress in bytes, estimated from rows done (Parquet pages are compressed)."""

    def __init__(self, size: int, rows: int, job: Job) -> None:
        self._size, self._rows, self._job, self._done = size, max(rows, 1), job, 0

    def rows_done(self, rows: int) -> None:
        now = self._size * rows // self._rows
        self._job.advance(now - self._done)
        self._done = now


def _open(path: Path) -> Any:
    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def _batches(pf: Any, path: Path) -> Iterator[Any]:
    try:
        yield from pf.iter_batches(batch_size=BATCH_ROWS)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> InputError:
    # pyarrow's message may quote data; its exception type says enough.
    return InputError(f"not a readable Parquet file ({type(exc).__name__})", file=str(path))


def _column(arr: Any, field: Any, column: ColumnReport, job: Job, report: FileReport) -> Any:
    if _is_string(field.type):
        cells = arr.to_pylist()
        report.chars += sum(len(c) for c in cells if c is not None)
        new = transform_cells(cells, column, job)
        return pa.array(_fill(new, field, column), type=field.type)
    if column.kind is not ColumnKind.TYPED or not _is_scalar(field.type):
        return arr
    new = transform_cells(_as_text(arr), column, job)
    if not job.redact:
        return arr
    return pa.array(_fill(_parse_back(new, field.type, column), field, column), type=field.type)


def _as_text(arr: Any) -> list[str | None]:
    """Cells as text for sampling and typed transformation (None stays None)."""
    if not _handled(arr.type):
        return []
    return [None if v is None else _text(v) for v in arr.to_pylist()]


def _text(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)


def _parse_back(cells: list[str | None], kind: Any, column: ColumnReport) -> list[Any]:
    """Transformed text back to the column's type; what does not parse becomes null."""
    parse = int if pa.types.is_integer(kind) else float if pa.types.is_floating(kind) else None
    out: list[Any] = []
    for cell in cells:
        try:
            out.append(None if cell is None or parse is None else parse(cell))
        except ValueError:
            out.append(None)
        column.dropped += cell is not None and out[-1] is None
    return out


def _fill(cells: list[Any], field: Any, column: ColumnReport) -> list[Any]:
    """Dropped values are null, or an empty string where the column may not be null."""
    if field.nullable or None not in cells:
        return cells
    if _is_string(field.type):
        return ["" if c is None else c for c in cells]
    raise TransformError(
        f"column '{column.name}' is not nullable, so its {column.label} values "
        "cannot be dropped; choose an operator that keeps the format"
    )


def _handled(kind: Any) -> bool:
    return _is_string(kind) or _is_scalar(kind)


def _is_string(kind: Any) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _is_scalar(kind: Any) -> bool:
    types = pa.types
    return bool(
        types.is_integer(kind)
        or types.is_floating(kind)
        or types.is_decimal(kind)
        or types.is_temporal(kind)
        or types.is_boolean(kind)
    )
