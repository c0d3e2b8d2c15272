"""CSV and TSV: a header row, then rows streamed in batches, processed column by column.

The first ``SAMPLE_ROWS`` rows are held back to classify the columns, then written
like every other batch. Blank lines are dropped; a row whose width differs from the
header's is an error (its extra cells would belong to no classified column).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from veil.errors import InputError
from veil.io._columns import plan_columns, transform_cells
from veil.io._job import Job, batched
from veil.io._report import ColumnReport, FileReport
from veil.io._source import Source

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["run_csv", "run_tsv"]

SAMPLE_ROWS = 2000
BATCH_ROWS = 1000
Row = list[str]


def run_tsv(path: Path, out: BinaryIO | None, job: Job, report: FileReport) -> None:
    run_csv(path, out, job, report, delimiter="\t")


def run_csv(
    path: Path, out: BinaryIO | None, job: Job, report: FileReport, *, delimiter: str = ","
) -> None:
    source = Source(path, job.encoding, job.advance)
    rows = _rows(csv.reader(source.lines(), delimiter=delimiter), path)
    header = next(rows, None)
    if header is None:
        return
    head = list(islice(rows, SAMPLE_ROWS))
    report.columns = plan_columns(header, list(zip(*head, strict=True)) or [[]] * len(header), job)
    _write(out, [header], delimiter)
    for batch in batched(chain(head, rows), BATCH_ROWS):
        report.records += len(batch)
        report.chars += sum(len(cell) for row in batch for cell in row)
        _write(out, _transform(batch, report.columns, job), delimiter)
        source.tick()
    source.tick()  # a header-only file has no batch
    for column in report.columns:
        report.counts.update(column.counts)


def _rows(reader: Reader, path: Path) -> Iterator[Row]:
    """Non-blank rows, all as wide as the first (the header); errors name the row's first line."""
    width, line = 0, 1
    try:
        for row in reader:
            if row:
                width = width or len(row)
                if len(row) != width:
                    raise InputError(
                        f"row has {len(row)} fields but the header has {width}; "
                        "fix the row or the delimiter",
                        file=str(path),
                        line=line,
                    )
                yield row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not valid CSV: {exc}", file=str(path), line=line) from None


def _transform(batch: list[Row], columns: list[ColumnReport], job: Job) -> list[Row]:
    cells = [list(col) for col in zip(*batch, strict=True)]
    done = [
        transform_cells(list(col), column, job) for col, column in zip(cells, columns, strict=True)
    ]
    return [["" if cell is None else cell for cell in row] for row in zip(*done, strict=True)]


def _write(out: BinaryIO | None, rows: list[Row], delimiter: str) -> None:
    if out is None:
        return
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    out.write(buf.getvalue().encode("utf-8"))
