"""Apply a column's classification to a batch of its cells (CSV and Parquet share this)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from veil.io._classify import classify_columns
from veil.io._job import Job
from veil.io._report import ColumnKind, ColumnReport

__all__ = ["plan_columns", "transform_cells"]


def transform_cells(cells: list[str | None], column: ColumnReport, job: Job) -> list[str | None]:
    """The cells after processing; None marks a dropped value (empty cell or null)."""
    if column.kind is ColumnKind.TYPED:
        return _typed(cells, column, job)
    if column.kind is ColumnKind.FREE_TEXT:
        return _free_text(cells, column, job)
    return cells


def _typed(cells: list[str | None], column: ColumnReport, job: Job) -> list[str | None]:
    assert column.label is not None  # typed columns always carry their label
    out: list[str | None] = []
    for cell in cells:
        if cell is None or not cell.strip():
            out.append(cell)
            continue
        column.cells += 1
        new = job.value(cell, column.label, column.counts)
        column.dropped += new is None
        out.append(new)
    return out


def _free_text(cells: list[str | None], column: ColumnReport, job: Job) -> list[str | None]:
    at = [i for i, cell in enumerate(cells) if cell is not None and cell.strip()]
    texts = job.texts([cells[i] or "" for i in at], column.counts)
    out = list(cells)
    for i, text in zip(at, texts, strict=True):
        out[i] = text
    column.cells += len(at)
    return out


def plan_columns(
    names: Sequence[str],
    values: Sequence[Sequence[str | None]],
    job: Job,
    *,
    non_text: Collection[str] = (),
) -> list[ColumnReport]:
    """Classify the columns ``fields`` selects (all when None); the others are left alone."""
    chosen = [job.fields is None or name in job.fields for name in names]
    pairs = [(n, v) for n, v, c in zip(names, values, chosen, strict=True) if c]
    classified = iter(classify_columns(pairs, job.engine, non_text=non_text))
    return [next(classified) if c else _not_selected(n) for n, c in zip(names, chosen, strict=True)]


def _not_selected(name: str) -> ColumnReport:
    return ColumnReport(name, ColumnKind.CLEAN, None, "not selected by fields")
