"""Lineage from the ledger: which runs made a dataset, from what, in which privacy state.

Datasets are named by content hash (SHA-256 of their bytes); runs are ledger entries
with inputs and outputs. ``trace`` walks from a dataset back to its sources;
``openlineage_events`` exports every run as an OpenLineage RunEvent whose custom
``veil_ledger`` run facet points at the ledger entry and how to prove it.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from veil.errors import ConfigError, MissingExtra
from veil.ledger._store import Store

__all__ = ["DatasetNode", "Step", "openlineage_events", "trace"]

NAMESPACE = "veil"
FACET_SCHEMA = "https://veil.dev/spec/facets/1-0-0/VeilLedgerRunFacet.json"
MAX_DEPTH = 64  # a chain longer than this is cut off (and says so)


@dataclass(frozen=True, slots=True)
class Step:
    """One run from the ledger (an entry with inputs and/or outputs)."""

    index: int
    event: dict[str, Any]

    @property
    def action(self) -> str:
        return str(self.event["action"])

    def shas(self, role: str) -> list[str]:
        return [a["sha256"] for a in self.event.get(role, [])]

    def state(self) -> str:
        """The privacy state of what this run wrote."""
        policy = self.event.get("policy", {})
        found = sum(self.event.get("counts", {}).values())
        if self.action == "redact":
            return f"de-identified under {policy.get('id', '?')} ({found} values transformed)"
        if self.action == "restore":
            return "RE-IDENTIFIED: placeholders restored to original values"
        return f"{self.action} ({found} findings)"


@dataclass(slots=True)
class DatasetNode:
    sha256: str
    produced_by: Step | None = None
    scans: list[Step] = field(default_factory=list)
    sources: list[DatasetNode] = field(default_factory=list)
    truncated: bool = False

    def state(self) -> str:
        if self.produced_by is not None:
            return self.produced_by.state()
        if self.scans:
            last = self.scans[-1]
            counts = last.event.get("counts", {})
            found = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"
            return f"source, not de-identified; scanned at entry {last.index}: {found}"
        return "source, never scanned or transformed by Veil"


def trace(store: Store, sha256: str) -> DatasetNode:
    """The chain from dataset ``sha256`` back to its sources (raises if Veil never saw it)."""
    sha = sha256.lower()
    if not store.indices_for(sha):
        raise ConfigError(f"dataset {sha[:16]}... is not in the ledger: no run read or wrote it")
    return _node(store, sha, depth=0, seen=set())


def _node(store: Store, sha: str, depth: int, seen: set[str]) -> DatasetNode:
    node = DatasetNode(sha)
    for idx, role in store.indices_for(sha):
        step = _step(store, idx)
        if role == "output" and node.produced_by is None and sha not in step.shas("inputs"):
            node.produced_by = step  # a run that changed nothing did not make this dataset
        elif role == "input" and step.action == "scan":
            node.scans.append(step)
    if node.produced_by is None:
        return node
    if depth >= MAX_DEPTH or sha in seen:
        node.truncated = True
        return node
    for source in node.produced_by.shas("inputs"):
        node.sources.append(_node(store, source, depth + 1, seen | {sha}))
    return node


def _step(store: Store, idx: int) -> Step:
    row = next(iter(store.entries(idx, idx + 1)))
    return Step(idx, json.loads(row.body))


def _steps(store: Store) -> Iterator[Step]:
    for row in store.entries():
        event = json.loads(row.body)
        if event.get("inputs") or event.get("outputs"):
            yield Step(row.idx, event)


def openlineage_events(store: Store, origin: str, checkpoint_size: int) -> list[dict[str, Any]]:
    """One OpenLineage COMPLETE RunEvent per run, as JSON-ready dicts."""
    try:
        from openlineage.client.event_v2 import (
            InputDataset,
            Job,
            OutputDataset,
            Run,
            RunEvent,
            RunState,
        )
        from openlineage.client.serde import Serde
    except ImportError:
        raise MissingExtra("lineage", "OpenLineage export") from None
    out = []
    for step in _steps(store):
        facet = _facet(step, origin, checkpoint_size)
        event = RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=step.event["time"],
            producer="https://github.com/veil-privacy/veil",
            run=Run(runId=_run_id(step), facets={"veil_ledger": facet}),
            job=Job(namespace=NAMESPACE, name=f"veil.{step.action}"),
            inputs=[InputDataset(NAMESPACE, f"sha256:{s}") for s in step.shas("inputs")],
            outputs=[OutputDataset(NAMESPACE, f"sha256:{s}") for s in step.shas("outputs")],
        )
        out.append(json.loads(Serde.to_json(event)))
    return out


def _facet(step: Step, origin: str, size: int) -> Any:
    """The custom run facet: which ledger entry recorded this run and how to prove it."""
    policy = step.event.get("policy", {})
    return _facet_class()(
        ledgerOrigin=origin,
        entryIndex=step.index,
        checkpointSize=size,
        proofCommand=f"veil ledger proof {step.index}",
        policyId=policy.get("id"),
        policyHash=policy.get("hash"),
        counts=step.event.get("counts", {}),
        privacyState=step.state(),
    )


@functools.cache
def _facet_class() -> Any:
    import attr
    from openlineage.client.facet_v2 import RunFacet

    @attr.define
    class VeilLedgerRunFacet(RunFacet):
        ledgerOrigin: str  # noqa: N815 - OpenLineage facets use camelCase
        entryIndex: int  # noqa: N815
        checkpointSize: int  # noqa: N815
        proofCommand: str  # noqa: N815
        policyId: str | None  # noqa: N815
        policyHash: str | None  # noqa: N815
        counts: dict[str, int]
        privacyState: str  # noqa: N815

        @staticmethod
        def _get_schema() -> str:
            return FACET_SCHEMA

    return VeilLedgerRunFacet


def _run_id(step: Step) -> str:
    run = step.event.get("run")
    try:
        return (
            str(uuid.UUID(hex=run))
            if run
            else str(uuid.uuid5(uuid.NAMESPACE_URL, f"veil:{step.index}"))
        )
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"veil:{run}"))
