"""`veil ledger ...` end to end: runs are recorded, proved and checked offline."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from conftest import EXAMPLES, Veil

TICKET = EXAMPLES / "0001-billing.txt"


def _ok(result: object) -> str:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return result.stdout  # type: ignore[attr-defined,no-any-return]


def test_a_redaction_is_recorded_proved_and_checked_offline(veil_cmd: Veil, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    _ok(veil_cmd("redact", TICKET, "-o", out, "-p", "llm-prompt", "--purpose", "support"))
    _ok(veil_cmd("restore", out, "-o", tmp_path / "back.txt"))

    shown = _ok(veil_cmd("ledger", "show"))
    assert [line.split()[2] for line in shown.splitlines()] == ["redact", "restore"]
    verified = _ok(veil_cmd("ledger", "verify"))
    assert verified.startswith("ok: 2 entries, 2 signed checkpoints")

    key = _ok(veil_cmd("ledger", "key")).strip()
    assert key.startswith("veil.ledger/")
    bundle = tmp_path / "proof.json"
    _ok(veil_cmd("ledger", "proof", "0", "-o", bundle))
    entry = json.loads(json.loads(bundle.read_text())["entries"][0]["entry"])
    assert entry["action"] == "redact"
    assert entry["purpose"] == "support"
    assert entry["policy"]["id"].startswith("llm-prompt@")
    assert entry["inputs"][0]["sha256"] == hashlib.sha256(TICKET.read_bytes()).hexdigest()
    assert entry["outputs"][0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert entry["counts"]["EMAIL"] >= 1

    # offline: no data directory at all, only the bundle and the pinned key
    offline = Veil(home=tmp_path / "nowhere", cwd=tmp_path, user_home=veil_cmd.user_home)
    checked = _ok(offline("ledger", "verify-bundle", bundle, "--key", key))
    assert checked.startswith("ok: 1 entries included")
    assert not (tmp_path / "nowhere").exists()

    edited = json.loads(bundle.read_text())
    edited["entries"][0]["entry"] = edited["entries"][0]["entry"].replace("support", "ads")
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(edited))
    refused = offline("ledger", "verify-bundle", bad, "--key", key)
    assert refused.returncode == 6
    assert "entry 0 (bundle entries[0]) is not in the signed log" in refused.stderr


def test_export_by_dataset_follows_a_file(veil_cmd: Veil, tmp_path: Path) -> None:
    _ok(veil_cmd("scan", EXAMPLES))
    _ok(veil_cmd("redact", TICKET, "-o", tmp_path / "a.txt", "-p", "gdpr-strict"))
    digest = hashlib.sha256(TICKET.read_bytes()).hexdigest()
    bundle = tmp_path / "b.json"
    _ok(veil_cmd("ledger", "export", "--dataset", digest, "-o", bundle))
    entries = [json.loads(e["entry"]) for e in json.loads(bundle.read_text())["entries"]]
    assert [e["action"] for e in entries] == ["scan", "redact"]
    _ok(veil_cmd("ledger", "verify-bundle", bundle))  # unpinned: warns, still checks


def test_verify_names_the_tampered_entry(veil_cmd: Veil, tmp_path: Path) -> None:
    for n in range(3):
        _ok(veil_cmd("redact", TICKET, "-o", tmp_path / f"o{n}.txt", "-p", "pci"))
    db = sqlite3.connect(veil_cmd.home / "ledger.db")
    with db:
        db.execute(
            "UPDATE entries SET body = CAST(replace(body, 'pci', 'pcx') AS BLOB) WHERE idx = 1"
        )
    db.close()
    result = veil_cmd("ledger", "verify")
    assert result.returncode == 6
    assert "entry 1 was altered" in result.stderr


def test_bad_input_to_ledger_commands(veil_cmd: Veil, tmp_path: Path) -> None:
    empty = veil_cmd("ledger", "verify")
    assert empty.returncode == 2
    assert "no ledger at" in empty.stderr
    assert not (veil_cmd.home / "ledger.db").exists()  # verify creates nothing

    _ok(veil_cmd("redact", TICKET, "-o", tmp_path / "o.txt", "-p", "pci"))
    key = _ok(veil_cmd("ledger", "key")).strip()
    (veil_cmd.home / "keys" / "master.key").rename(tmp_path / "moved.key")
    nokey = veil_cmd("ledger", "verify")
    assert nokey.returncode != 0
    assert "pass the log's verifier key with --key" in nokey.stderr
    assert _ok(veil_cmd("ledger", "verify", "--key", key)).startswith("ok: 1 entries")

    junk = tmp_path / "junk.json"
    junk.write_text('{"format": "veil-ledger-bundle/v1"}')
    result = veil_cmd("ledger", "verify-bundle", junk, "--key", key)
    assert result.returncode == 3
    assert str(junk) in result.stderr
    assert "field 'origin'" in result.stderr

    wrong = veil_cmd("ledger", "verify", "--key", "not-a-key")
    assert wrong.returncode == 3
    assert "unusable --key" in wrong.stderr

    nokey = veil_cmd("ledger", "proof", "0", "-o", tmp_path / "p.json")
    assert nokey.returncode == 2
    assert "no key file" in nokey.stderr
    assert not (veil_cmd.home / "keys" / "master.key").exists()  # no new key minted
    (tmp_path / "moved.key").rename(veil_cmd.home / "keys" / "master.key")
    missing = veil_cmd("ledger", "proof", "99", "-o", tmp_path / "p.json")
    assert missing.returncode == 2
    assert "entry 99 is not in the log" in missing.stderr
