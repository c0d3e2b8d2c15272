"""The `veil` command line: a thin adapter over the core. `veil --help` lists the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veil.cli import _attest, _dp, _files, _gateway, _keys, _ledger, _lineage, _policy
from veil.cli._common import PatternsOnlyOpt, errors_to_exit, out

app = typer.Typer(
    name="veil",
    help="Find and transform personal data before it reaches a model, an index or an API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks can hold raw values in locals
)
app.command("scan")(_files.scan)
app.command("redact")(_files.redact)
app.command("restore")(_files.restore)
app.command("forget")(_files.forget)
app.add_typer(_policy.app, name="policy")
app.add_typer(_ledger.app, name="ledger")
app.add_typer(_lineage.app, name="lineage")
app.command("serve")(_gateway.serve)
app.add_typer(_gateway.keys_app, name="keys")
_gateway.keys_app.add_typer(_keys.kek_app, name="kek")
_gateway.keys_app.add_typer(_keys.data_app, name="data")
app.command("calls")(_gateway.calls)
app.add_typer(_attest.attest_app, name="attest")
app.add_typer(_attest.kbs_app, name="kbs")
app.add_typer(_attest.tee_app, name="tee")
app.command("synth")(_dp.synth)
app.add_typer(_dp.dp_app, name="dp")
app.add_typer(_dp.risk_app, name="risk")


@app.command("detect")
def detect(
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL lines {id, text}")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL lines {id, entities}")],
    patterns_only: PatternsOnlyOpt = False,
) -> None:
    """Machine interface: write entity spans (start, end, label, score) per document."""
    from veil._redactor import default_analyzer
    from veil.cli._detect import detect_file

    with errors_to_exit():
        docs, counts = detect_file(input, output, default_analyzer(patterns_only))
    out.print(f"{docs} documents, {sum(counts.values())} entities -> {output}")


@app.command("version")
def version() -> None:
    """Print Veil's version and the detector versions."""
    import veil
    from veil._redactor import default_analyzer

    out.print(f"veil {veil.__version__}")
    with errors_to_exit():
        out.print(f"detectors: {default_analyzer().version}")


def main() -> None:
    app()
