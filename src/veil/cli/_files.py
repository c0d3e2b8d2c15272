"""`veil scan`, `veil redact`, `veil restore`, `veil forget`: the file-level commands."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from veil.cli._common import (
    EncodingOpt,
    FieldsOpt,
    HomeOpt,
    PatternsOnlyOpt,
    PolicyOpt,
    console,
    counts_table,
    errors_to_exit,
    out,
    split_fields,
    write_text,
)
from veil.detect import Finding, Label
from veil.errors import InputError
from veil.io import input_size, redact_path, scan_path
from veil.io._engine import TextOutcome

PathArg = Annotated[Path, typer.Argument(help="A file or a directory", exists=False)]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Output file or directory")]
ScopeOpt = Annotated[str, typer.Option("--scope", help="Pseudonym scope (e.g. a tenant)")]


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A byte progress bar on stderr for long work; silent when output is not a terminal."""
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=total < 1 << 20) as bar:
        task = bar.add_task("processing", total=total)
        yield lambda done: bar.update(task, completed=done)


def scan(
    path: PathArg,
    fields: FieldsOpt = None,
    encoding: EncodingOpt = "utf-8",
    patterns_only: PatternsOnlyOpt = False,
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Report what personal data PATH holds: counts by class, file and column (never values)."""
    from veil._redactor import Scanner
    from veil.ledger import Action

    with errors_to_exit():
        size = input_size(path)  # a missing input is named before any state is created
        scanner = Scanner(patterns_only=patterns_only)
    with errors_to_exit(), recorder(home) as record, progress_bar(size) as progress:
        report = scan_path(
            path,
            scanner,
            fields=split_fields(fields),
            encoding=encoding,
            progress=progress,
        )
        record(scanner.analyzer.version).run(Action.SCAN, report)
    _print_report(report, as_json, title=f"scan of {path}", root=path)


def redact(
    path: PathArg,
    output: OutOpt,
    policy: PolicyOpt,
    purpose: Annotated[str | None, typer.Option(help="Purpose the data is used for")] = None,
    destination: Annotated[str | None, typer.Option(help="Where the output goes")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Legal jurisdiction of the processing (recorded)")
    ] = None,
    scope: ScopeOpt = "default",
    fields: FieldsOpt = None,
    encoding: EncodingOpt = "utf-8",
    patterns_only: PatternsOnlyOpt = False,
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Transform the personal data in PATH under POLICY and write the result to OUTPUT.

    PATH `-` reads text from standard input; OUTPUT `-` writes to standard output (the
    report then goes to standard error): `cat ticket.txt | veil redact - -o - -p llm-prompt`.
    """
    from veil._redactor import Redactor
    from veil.ledger import Action

    with errors_to_exit():  # a bad policy is refused before any key or ledger is created
        redactor = Redactor(
            policy,
            home=home,
            purpose=purpose,
            destination=destination,
            scope=scope,
            patterns_only=patterns_only,
        )
    with errors_to_exit(), recorder(home) as record:
        run = {
            "policy": redactor.policy,
            "purpose": purpose,
            "destination": destination,
            "jurisdiction": jurisdiction,
        }
        if str(path) == "-":
            with redactor:
                data = sys.stdin.read()
                result = redactor.redact(data)
                record(redactor.detector_version).text(
                    Action.REDACT, data.encode(), result.text.encode(), counts=result.counts, **run
                )
                write_text(result.text, output)
            console.print(counts_table("found, by data class", result.counts))
            return
        with redactor, progress_bar(input_size(path)) as progress, _target(path, output) as dst:
            report = redact_path(
                path,
                dst,
                redactor,
                fields=split_fields(fields),
                encoding=encoding,
                progress=progress,
            )
            # recorded before a piped result is released (_target streams it on exit)
            outputs = {f.path: Path(f.output) for f in report.files if f.output}
            record(redactor.detector_version).run(Action.REDACT, report, outputs=outputs, **run)
    pol = redactor.policy
    console.print(
        f"policy {pol.policy_id} {pol.content_hash}  detectors {redactor.detector_version}"
    )
    run = {
        "policy": pol.policy_id,
        "policy_hash": pol.content_hash,
        "purpose": purpose,
        "destination": destination,
        "scope": scope,
        "detectors": redactor.detector_version,
    }
    _print_report(
        report,
        as_json,
        title=f"redacted {path} -> {output}",
        root=path,
        run=run,
        to=console if str(output) == "-" else out,
    )


@contextmanager
def _target(path: Path, output: Path) -> Iterator[Path]:
    """Where a file run writes: OUTPUT itself, or for `-o -` a temporary file whose bytes
    then go to stdout (one input file only; a directory cannot be one stream)."""
    if str(output) != "-":
        yield output
        return
    if path.is_dir():
        raise InputError("-o - (standard output) takes one file, not a directory", file=str(path))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="veil-") as tmp:
        dst = Path(tmp) / path.name
        yield dst
        sys.stdout.buffer.write(dst.read_bytes())
        sys.stdout.flush()


def restore(
    path: PathArg,
    output: OutOpt,
    scope: ScopeOpt = "default",
    fields: FieldsOpt = None,
    home: HomeOpt = None,
) -> None:
    """Re-identify placeholders in PATH into OUTPUT, using the vault under --home.

    Only whoever can read the data directory's key file can restore: that file is
    the authorisation (mode 0600). Unknown or erased placeholders are left as they are.
    """
    from veil.ledger import Action

    if str(path) == "-":
        with errors_to_exit(), open_existing_vault(home) as vault, recorder(home) as record:
            engine = RestoreEngine(vault, scope)
            data = sys.stdin.read()
            text = engine.restore_text(data)
            record().text(Action.RESTORE, data.encode(), text.encode(), counts=engine.counts())
            write_text(text, output)
        _restore_summary(engine, output)
        return
    with errors_to_exit():
        input_size(path)  # a missing input is named before the vault is looked for
    with errors_to_exit(), open_existing_vault(home) as vault, recorder(home) as record:
        engine = RestoreEngine(vault, scope)
        report = redact_path(path, output, engine, fields=split_fields(fields))
        record().run(Action.RESTORE, report, counts=engine.counts())
    _restore_summary(engine, output)


def _restore_summary(engine: RestoreEngine, output: Path | None = None) -> None:
    """Counts only; to stderr when the restored text itself went to stdout."""
    where = console if output is None or str(output) == "-" else out
    where.print(f"restored {engine.restored} values" + (f" -> {output}" if output else ""))
    if engine.unknown:
        console.print(
            f"[yellow]{engine.unknown} placeholders unknown to this vault/scope "
            "were left as they are[/]"
        )


def forget(
    label: Annotated[str | None, typer.Option(help="Only this data class")] = None,
    scope: Annotated[
        str | None, typer.Option(help="Only this pseudonym scope; without it, every scope")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Erase a data subject: crypto-shred every vault entry for the value read from stdin.

    The value is read from standard input (not an argument) so it stays out of shell history
    and process listings: `printf %s 'Jane Doe' | veil forget --label PERSON`.
    """
    value = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else typer.prompt("value to forget", hide_input=True)
    )
    from veil.ledger import Action

    with errors_to_exit(), open_existing_vault(home) as vault, recorder(home) as record:
        n = vault.forget(value, label=label, scope=scope)
        rec = record()
        subject = rec.ledger.keyed(f"{label or '*'}:{value}")
        rec.append(
            Action.ERASE, subject=subject, counts={"erased": n}, reasons=[f"scope={scope or '*'}"]
        )
    out.print(f"erased {n} vault entr{'y' if n == 1 else 'ies'}")


def open_existing_vault(home: Path | None) -> Any:
    """The vault under ``home``; refuse rather than create one where none exists.

    Restore and forget on a fresh directory would silently mint a new key and an
    empty vault, and then report that nothing matched.
    """
    from veil.errors import ConfigError
    from veil.home import resolve_home
    from veil.keys import KeyRing
    from veil.transform import Vault

    root = resolve_home(home)
    if not (root / "vault.db").exists():
        raise ConfigError(f"no vault in {root}: pass the --home (or VEIL_HOME) used by veil redact")
    return Vault.open(root, KeyRing.open(root))


@contextmanager
def recorder(home: Path | None) -> Iterator[Callable[..., Any]]:
    """The run's ledger, opened before any work so a broken ledger stops the run first;
    yields ``record(detectors=None) -> Recorder``."""
    from veil.ledger import Ledger
    from veil.ledger._record import Recorder

    with Ledger.open(home) as ledger:
        yield lambda detectors=None: Recorder(ledger, detectors=detectors)


class RestoreEngine:
    """io.TextEngine that re-identifies placeholders instead of detecting PII."""

    def __init__(self, vault: Any, scope: str) -> None:
        from veil.transform import restore as restore_text

        self._vault, self._scope, self._restore = vault, scope, restore_text
        self.restored = 0
        self.unknown = 0

    def process(self, texts: list[str]) -> list[TextOutcome]:
        return [TextOutcome(self._one(t)) for t in texts]

    def process_value(self, value: str, label: Label) -> str | None:
        return self._one(value)

    def find(self, texts: list[str]) -> list[list[Finding]]:
        return [
            [
                Finding(m.start(), m.end(), Label(m.group(1)), 1.0, "placeholder")
                for m in _PLACEHOLDER.finditer(t)
            ]
            for t in texts
        ]

    def restore_text(self, text: str) -> str:
        return self._one(text)

    def counts(self) -> dict[str, int]:
        return {"restored": self.restored, "unknown": self.unknown}

    def _one(self, text: str) -> str:
        result = self._restore(text, self._vault, self._scope)
        self.restored += result.restored
        self.unknown += result.unknown_count
        return str(result.text.reveal())


_PLACEHOLDER = re.compile(r"<([A-Z_]+)_[1-9][0-9]*>")


def _shown(path: str, root: Path) -> str:
    """A file's path relative to the directory the user named (short, still unambiguous)."""
    if root.is_dir():
        try:
            return str(Path(path).relative_to(root))
        except ValueError:
            return path
    return path


def _print_report(
    report: Any,
    as_json: bool,
    *,
    title: str,
    root: Path,
    run: dict[str, Any] | None = None,
    to: Any = None,
) -> None:
    to = to or out
    if as_json:
        import json

        to.print_json(json.dumps({"run": run, **report.as_dict()} if run else report.as_dict()))
        return
    files = Table(title=title, title_justify="left")
    files.add_column("file", overflow="fold")  # a long path wraps; never cut to "..."
    for column in ("format", "records", "findings"):
        files.add_column(column, justify="left" if column == "format" else "right")
    for entry in report.files:
        name = _shown(entry.path, root)
        files.add_row(name, entry.format, str(entry.records), str(sum(entry.counts.values())))
    to.print(files)
    for entry in report.files:
        for col in getattr(entry, "columns", None) or []:
            if col.kind != "clean":
                label = col.label or "free text"
                name = _shown(entry.path, root)
                to.print(f"  {name} column [bold]{col.name}[/]: {col.kind} {label}")
    to.print(counts_table("found, by data class", dict(Counter(report.totals))))
