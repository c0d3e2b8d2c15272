"""`veil lineage`: chains from the ledger, privacy state per step, OpenLineage export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import EXAMPLES, Veil

TICKET = EXAMPLES / "0001-billing.txt"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ok(result: object) -> str:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return result.stdout  # type: ignore[attr-defined,no-any-return]


def test_lineage_walks_back_to_the_source(veil_cmd: Veil, tmp_path: Path) -> None:
    first, second, back = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    _ok(veil_cmd("scan", TICKET))
    _ok(veil_cmd("redact", TICKET, "-o", first, "-p", "pci", "--jurisdiction", "EU"))
    _ok(veil_cmd("redact", first, "-o", second, "-p", "llm-prompt", "--purpose", "analytics"))
    edited = tmp_path / "edited.txt"  # a reply written on the pseudonymised text
    edited.write_text(second.read_text() + "\nReply: refund approved.\n")
    _ok(veil_cmd("restore", edited, "-o", back))

    chain = _ok(veil_cmd("lineage", "show", second)).splitlines()
    assert chain[0].startswith(f"sha256:{_sha(second)}  de-identified under llm-prompt@")
    assert any(f"from sha256:{_sha(first)}  de-identified under pci@" in x for x in chain)
    source = [x for x in chain if _sha(TICKET) in x]
    assert len(source) == 1
    assert "source, not de-identified; scanned at entry 0" in source[0]
    assert any("jurisdiction=EU" in x for x in chain)
    assert any("purpose=analytics" in x for x in chain)
    # by hash too, and a restored file says what it is
    by_hash = _ok(veil_cmd("lineage", "show", _sha(back))).splitlines()
    assert "RE-IDENTIFIED" in by_hash[0]
    assert by_hash[-1].endswith("source, never scanned or transformed by Veil")

    unknown = veil_cmd("lineage", "show", "0" * 64)
    assert unknown.returncode == 2
    assert "not in the ledger" in unknown.stderr
    junk = veil_cmd("lineage", "show", "nope")
    assert junk.returncode == 3


def test_openlineage_export_points_at_ledger_entries(veil_cmd: Veil, tmp_path: Path) -> None:
    out = tmp_path / "a.txt"
    _ok(veil_cmd("redact", TICKET, "-o", out, "-p", "gdpr-strict"))
    _ok(veil_cmd("redact", out, "-o", tmp_path / "b.txt", "-p", "pci"))
    events_file = tmp_path / "ol.jsonl"
    _ok(veil_cmd("lineage", "export", "-o", events_file))
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    assert len(events) == 2
    first = events[0]
    assert first["eventType"] == "COMPLETE"
    assert first["schemaURL"].startswith("https://openlineage.io/spec/")
    assert first["job"] == {"namespace": "veil", "name": "veil.redact", "facets": {}}
    assert first["inputs"][0]["name"] == f"sha256:{_sha(TICKET)}"
    assert first["outputs"][0]["name"] == f"sha256:{_sha(out)}"
    assert events[1]["inputs"][0]["name"] == first["outputs"][0]["name"]  # the chain links
    facet = first["run"]["facets"]["veil_ledger"]
    assert facet["entryIndex"] == 0
    assert facet["checkpointSize"] == 2
    assert facet["proofCommand"] == "veil ledger proof 0"
    assert facet["policyId"].startswith("gdpr-strict@")
    assert facet["_schemaURL"].endswith("VeilLedgerRunFacet.json")
    # the facet's pointer is real: that entry proves, offline
    bundle = tmp_path / "p.json"
    _ok(veil_cmd("ledger", "proof", str(facet["entryIndex"]), "-o", bundle))
    key = _ok(veil_cmd("ledger", "key")).strip()
    _ok(veil_cmd("ledger", "verify-bundle", bundle, "--key", key))
