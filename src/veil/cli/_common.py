"""Shared CLI plumbing: options, the error boundary, output helpers.

Every command runs inside ``errors_to_exit``: a VeilError becomes one line on
stderr that says what to do, and a non-zero exit code. Messages never contain
raw values (errors are built that way), so they are safe to print.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from veil.errors import (
    AttestationFailed,
    BudgetExhausted,
    ConfigError,
    DetectionError,
    InputError,
    KeyMissing,
    KeyReleaseRefused,
    LedgerTampered,
    PolicyError,
    VeilError,
)

# soft_wrap: an error line ("file:line: reason") must stay one line for grep and CI logs.
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home", envvar="VEIL_HOME", help="Data directory (keys, vault). Default ~/.veil"
    ),
]
PolicyOpt = Annotated[
    str,
    typer.Option(
        "--policy", "-p", help="Builtin policy (see `veil policy list`) or a policy YAML file"
    ),
]
PatternsOnlyOpt = Annotated[
    bool, typer.Option("--patterns-only", help="Validated patterns only, no NER model (faster)")
]
FieldsOpt = Annotated[
    str | None,
    typer.Option(
        "--fields",
        help="JSON/JSONL/CSV/Parquet: only these comma-separated fields or columns (dotted paths)",
    ),
]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Input text encoding")]

EXIT_CODES: dict[type[VeilError], int] = {
    InputError: 3,
    PolicyError: 4,
    ConfigError: 2,
    KeyMissing: 2,
    DetectionError: 5,
    LedgerTampered: 6,
    AttestationFailed: 7,
    KeyReleaseRefused: 8,
    BudgetExhausted: 9,
}


def exit_code(exc: VeilError) -> int:
    for cls, code in EXIT_CODES.items():
        if isinstance(exc, cls):
            return code
    return 1


@contextmanager
def errors_to_exit() -> Iterator[None]:
    try:
        yield
    except VeilError as exc:
        console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}", highlight=False)
        raise typer.Exit(exit_code(exc)) from None
    except KeyboardInterrupt:
        console.print("interrupted: no output was written")
        raise typer.Exit(130) from None


def split_fields(fields: str | None) -> list[str] | None:
    return [f.strip() for f in fields.split(",") if f.strip()] if fields else None


def counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("data class")
    table.add_column("found", justify="right")
    for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(label, str(n))
    if not counts:
        table.add_row("(none)", "0")
    return table


def interactive() -> bool:
    return sys.stderr.isatty()


def write_text(text: str, output: Path) -> None:
    """Write text to stdout (``-``) or atomically to a file (whole or not at all)."""
    if str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from veil.io._atomic import atomic_text

    with atomic_text(output) as f:
        f.write(text)
