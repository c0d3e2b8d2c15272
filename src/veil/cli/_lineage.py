"""`veil lineage ...`: where a dataset came from, in which privacy state, as OpenLineage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from veil.cli._common import HomeOpt, console, errors_to_exit, out, write_text

app = typer.Typer(help="Lineage of datasets, from the ledger.", no_args_is_help=True)

_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


@app.command("show")
def show(
    dataset: Annotated[str, typer.Argument(help="A file, or a dataset's sha256")],
    home: HomeOpt = None,
) -> None:
    """Print the chain from DATASET back to its sources, with the privacy state at each step."""
    from veil.cli._ledger import _store
    from veil.ledger._lineage import trace

    with errors_to_exit():
        sha = _dataset_sha(dataset)
        store = _store(home)
        try:
            node = trace(store, sha)
        finally:
            store.close()
    for line in _lines(node, 0):
        out.print(line, highlight=False)


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON lines; - for stdout")],
    home: HomeOpt = None,
) -> None:
    """Write every recorded run as an OpenLineage RunEvent (JSON lines), each pointing at
    its ledger entry (custom run facet ``veil_ledger``)."""
    from veil.cli._ledger import _own_ledger
    from veil.ledger._lineage import openlineage_events

    with errors_to_exit():
        with _own_ledger(home) as ledger:
            _, cp = ledger.checkpoint()
            events = openlineage_events(ledger.store, cp.origin, cp.size)
        text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in events)
        write_text(text, output)
    console.print(f"{len(events)} OpenLineage run events")


def _dataset_sha(dataset: str) -> str:
    from veil.errors import InputError
    from veil.ledger._record import sha256_file

    path = Path(dataset)
    if path.is_file():
        return sha256_file(path)[0]
    if _SHA.match(dataset):
        return dataset.lower()
    raise InputError("not a file, nor a sha256 (64 hex digits)", field="DATASET")


def _lines(node, depth: int) -> list[str]:  # type: ignore[no-untyped-def]
    pad = "  " * depth
    lines = [f"{pad}{'from ' if depth else ''}sha256:{node.sha256}  {node.state()}"]
    step = node.produced_by
    if step is not None:
        policy = step.event.get("policy", {})
        detail = "  ".join(
            f"{k}={v}"
            for k, v in (
                ("policy", policy.get("hash")),
                ("purpose", step.event.get("purpose")),
                ("jurisdiction", step.event.get("jurisdiction")),
                ("detectors", step.event.get("engine", {}).get("detectors")),
            )
            if v
        )
        lines.append(f"{pad}  made by entry {step.index} ({step.action}, {step.event['time']})")
        if detail:
            lines.append(f"{pad}  {detail}")
    if node.truncated:
        lines.append(f"{pad}  (chain cut off here)")
    for source in node.sources:
        lines += _lines(source, depth + 1)
    return lines
