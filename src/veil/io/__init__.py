"""File adapters: text, JSON, JSONL, CSV/TSV and Parquet in, the same format out.

    report = redact_path(Path("tickets/"), Path("out/"), redactor)
    report = scan_path(Path("customers.csv"), scanner)

Files stream (text in ~256 KB chunks, JSONL/CSV/Parquet in record batches); each
output file is written atomically; table columns are classified by
``classify_columns``. Reports carry counts, labels and names, never values.
"""

from __future__ import annotations

from veil.io._classify import classify_columns
from veil.io._engine import TextEngine, TextOutcome
from veil.io._paths import input_size, redact_path, scan_path
from veil.io._report import ColumnKind, ColumnReport, FileReport, Report

__all__ = [
    "ColumnKind",
    "ColumnReport",
    "FileReport",
    "Report",
    "TextEngine",
    "TextOutcome",
    "classify_columns",
    "input_size",
    "redact_path",
    "scan_path",
]
