"""The ledger: append, prove, verify; every kind of tampering is caught and named."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from veil.errors import ConfigError, InputError, LedgerTampered
from veil.ledger import Action, Artifact, Event, Ledger, verify_bundle, verify_log
from veil.ledger._merkle import leaf_hash
from veil.ledger._note import Checkpoint, NoteSigner, NoteVerifier, sign_note
from veil.ledger._store import SqliteStore

SHA = "ab" * 32


def _event(n: int) -> Event:
    return Event(
        action=Action.REDACT,
        purpose="support",
        counts={"EMAIL": n, "PERSON": 1},
        inputs=(Artifact(sha256=SHA, bytes=n),),
        time=f"2026-11-26T07:00:{n % 60:02d}.000000Z",
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ledger(home: Path) -> Iterator[Ledger]:
    with Ledger.open(home) as opened:
        yield opened


def _filled(home: Path, n: int, batch: int = 10) -> Ledger:
    """A closed log of ``n`` entries committed in batches of ``batch`` (one checkpoint each)."""
    with Ledger.open(home) as ledger:
        for lo in range(0, n, batch):
            ledger.append_many([_event(i) for i in range(lo, min(n, lo + batch))])
        return ledger


def _verify(home: Path) -> None:
    """Verify with the key derived from the data directory's key file."""
    verifier = _own_signer(home).verifier()
    store = SqliteStore(home / "ledger.db")
    try:
        verify_log(store, [verifier])
    finally:
        store.close()


def _sql(home: Path, *statements: str) -> None:
    db = sqlite3.connect(home / "ledger.db")
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


# --- appending and proving ---------------------------------------------------------------


def test_append_is_durable_checkpointed_and_provable(ledger: Ledger) -> None:
    receipts = ledger.append_many([_event(i) for i in range(25)])
    assert [r.index for r in receipts] == list(range(25))
    last = receipts[-1]
    assert last.size == 25
    note, cp = ledger.checkpoint()
    assert (cp.size, cp.root) == (25, last.root)
    assert note.startswith(f"{ledger.origin}\n25\n")
    bundle = ledger.prove(7)
    report = verify_bundle(json.dumps(bundle), [ledger.vkey])
    assert (report.entries, report.size, report.key_pinned) == (1, 25, True)
    assert json.loads(bundle["entries"][0]["entry"])["counts"] == {"EMAIL": 7, "PERSON": 1}


def test_entries_are_canonical_json(ledger: Ledger) -> None:
    event = Event(action=Action.SCAN, counts={"b": 1, "a": 2}, reasons=("x",))
    body = event.canonical()
    assert (
        body
        == json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    assert b" " not in body
    assert b"null" not in body
    assert Event.from_canonical(body) == event
    receipt = ledger.append(event)
    assert receipt.leaf == leaf_hash(body)


@pytest.mark.parametrize(
    "bad",
    [
        {"action": "teleport"},
        {"action": "scan", "counts": {"EMAIL": -1}},
        {"action": "scan", "subject": "Jane Doe"},  # a subject is a keyed hash, never a value
        {"action": "scan", "surprise": 1},
    ],
)
def test_events_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(InputError):
        Event.from_canonical(json.dumps(bad).encode())


def test_two_ledgers_in_one_process_share_one_log(home: Path) -> None:
    with Ledger.open(home) as one, Ledger.open(home) as two:
        one.append(_event(1))
        two.append(_event(2))
        one.append(_event(3))
        assert one.checkpoint()[1].size == 3
    _verify(home)


def test_a_foreign_key_cannot_append_to_the_log(home: Path, tmp_path: Path) -> None:
    _filled(home, 3)
    other = Ledger.open(tmp_path / "other")
    other.close()
    with pytest.raises(ConfigError, match="signed by"):
        Ledger(SqliteStore(home / "ledger.db"), _signer("veil.ledger/intruder"))


def test_a_corrupt_database_is_named(home: Path) -> None:
    home.mkdir(mode=0o700)
    (home / "ledger.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerTampered, match="unreadable"):
        Ledger.open(home)


# --- verification: each kind of tampering -----------------------------------------------


def test_an_untouched_log_verifies(home: Path) -> None:
    _filled(home, 95)
    _verify(home)


# --- helpers that tamper ----------------------------------------------------------------


def _signer(name: str) -> NoteSigner:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return NoteSigner(name, Ed25519PrivateKey.generate())


def _rows(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "ledger.db")


def _recompute(home: Path, idx: int, old: bytes, new: bytes) -> None:
    db = _rows(home)
    (body,) = db.execute("SELECT body FROM entries WHERE idx = ?", (idx,)).fetchone()
    body = bytes(body).replace(old, new)
    with db:
        db.execute(
            "UPDATE entries SET body = ?, leaf = ? WHERE idx = ?", (body, leaf_hash(body), idx)
        )


def _swap(home: Path, a: int, b: int) -> None:
    db = _rows(home)
    rows = {
        i: bytes(body)
        for i, body in db.execute("SELECT idx, body FROM entries WHERE idx IN (?, ?)", (a, b))
    }
    with db:
        db.execute("UPDATE entries SET body = ? WHERE idx = ?", (rows[b], a))
        db.execute("UPDATE entries SET body = ? WHERE idx = ?", (rows[a], b))


def _insert(home: Path) -> None:
    body = _event(999).canonical()
    db = _rows(home)
    with db:
        db.execute(
            "INSERT INTO entries VALUES (95, ?, ?, 'redact', '2026')", (leaf_hash(body), body)
        )


def _own_signer(home: Path) -> NoteSigner:
    from veil.keys import KeyRing
    from veil.ledger._ledger import log_signer

    return log_signer(KeyRing.open(home))


def _fork(home: Path) -> None:
    """A second, validly signed checkpoint of size 30 with another root (the key leaked)."""
    note = sign_note(
        Checkpoint(_own_signer(home).name, 30, b"\x07" * 32).body(), [_own_signer(home)]
    )
    db = _rows(home)
    with db:
        db.execute("INSERT INTO checkpoints (size, note) VALUES (30, ?)", (note,))


def _rollback(home: Path) -> None:
    signer = _own_signer(home)
    db = _rows(home)
    (note,) = db.execute("SELECT note FROM checkpoints WHERE size = 20").fetchone()
    with db:
        db.execute("INSERT INTO checkpoints (size, note) VALUES (20, ?)", (note,))
    assert signer.name in note


def _forge(home: Path) -> None:
    db = _rows(home)
    (row_id, note) = db.execute("SELECT id, note FROM checkpoints WHERE size = 50").fetchone()
    text, _, sig = note.partition("\n\n")
    name, _, blob = sig.strip().removeprefix("— ").partition(" ")
    import base64

    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    forged = f"{text}\n\n— {name} {base64.b64encode(bytes(raw)).decode()}\n"
    with db:
        db.execute("UPDATE checkpoints SET note = ? WHERE id = ?", (forged, row_id))


TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "edit": (
        lambda h: _sql(
            h, "UPDATE entries SET body = replace(body, 'support', 'marketing') WHERE idx = 42"
        ),
        "entry 42 was altered",
    ),
    "edit with a recomputed leaf": (
        lambda h: _recompute(h, 42, b"support", b"marketing"),
        "entries 40..49 do not match",
    ),
    "delete": (lambda h: _sql(h, "DELETE FROM entries WHERE idx = 17"), "entry 17 is missing"),
    "reorder": (lambda h: _swap(h, 3, 4), "entry 3 was altered"),
    "truncate": (
        lambda h: _sql(h, "DELETE FROM entries WHERE idx >= 90"),
        "truncated: a signed checkpoint covers 95",
    ),
    "insert": (_insert, "entries 95..95 are not covered"),
    "drop the checkpoints": (
        lambda h: _sql(h, "DELETE FROM checkpoints WHERE size > 50"),
        "entries 50..94 are not covered",
    ),
    "fork": (_fork, "fork: two signed checkpoints of size 30"),
    "rollback": (_rollback, "rolls the log back"),
    "resized checkpoint row": (
        lambda h: _sql(h, "UPDATE checkpoints SET size = 31 WHERE size = 30"),
        "stored as size 31",
    ),
    "forged signature": (_forge, "checkpoint #"),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_is_detected(home: Path, name: str) -> None:
    _filled(home, 95)
    tamper, message = TAMPERING[name]
    tamper(home)
    with pytest.raises(LedgerTampered, match=message):
        _verify(home)


def test_a_pinned_checkpoint_catches_a_rewritten_history(home: Path, tmp_path: Path) -> None:
    """Someone with the key rewrites the log and re-signs it: the checkpoint a witness kept
    (or an earlier bundle) no longer matches."""
    ledger = _filled(home, 40)
    with Ledger.open(home) as reopened:
        kept, _ = reopened.checkpoint()
    (home / "ledger.db").unlink()
    with Ledger.open(home) as rewritten:
        rewritten.append_many([_event(i + 1) for i in range(40)])
        store = SqliteStore(home / "ledger.db")
        verify_log(store, [rewritten.verifier])  # consistent with itself...
        with pytest.raises(LedgerTampered, match="fork: two signed checkpoints of size 40"):
            verify_log(store, [rewritten.verifier], pinned=[kept])  # ...not with the witness
    assert ledger.origin == rewritten.origin


def test_a_checkpoint_by_an_unknown_key_fails(home: Path) -> None:
    _filled(home, 5)
    stranger = NoteVerifier.from_vkey(_signer("veil.ledger/stranger").vkey)
    with pytest.raises(LedgerTampered):
        verify_log(SqliteStore(home / "ledger.db"), [stranger])


# --- bundles ---------------------------------------------------------------------------


def test_bundle_tampering_and_malformed_bundles(ledger: Ledger) -> None:
    ledger.append_many([_event(i) for i in range(12)])
    good = ledger.export([0, 5, 11])
    assert verify_bundle(json.dumps(good), [ledger.vkey]).entries == 3

    edited = json.loads(json.dumps(good))
    edited["entries"][1]["entry"] = edited["entries"][1]["entry"].replace("support", "sales")
    with pytest.raises(LedgerTampered, match=r"entry 5 \(bundle entries\[1\]\)"):
        verify_bundle(json.dumps(edited), [ledger.vkey])

    moved = json.loads(json.dumps(good))
    moved["entries"][0]["index"] = 1
    with pytest.raises(LedgerTampered):
        verify_bundle(json.dumps(moved), [ledger.vkey])

    with pytest.raises(LedgerTampered):  # someone else's key pinned
        verify_bundle(json.dumps(good), [_signer("veil.ledger/other").vkey])

    for raw, field in [
        ("{not json", None),
        (json.dumps({**good, "format": "x/v9"}), "format"),
        (json.dumps({k: v for k, v in good.items() if k != "checkpoint"}), "checkpoint"),
        (json.dumps({**good, "entries": [{**good["entries"][0], "proof": ["%%"]}]}), "proof"),
    ]:
        with pytest.raises(InputError) as err:
            verify_bundle(raw, [ledger.vkey])
        if field:
            assert field in str(err.value)


def test_unpinned_bundle_says_so(ledger: Ledger) -> None:
    ledger.append(_event(1))
    report = verify_bundle(json.dumps(ledger.prove(0)))
    assert report.key_pinned is False


# --- witnesses ---------------------------------------------------------------------------


def test_a_witness_cosigns_growth_and_refuses_forks_and_rollbacks(
    home: Path, tmp_path: Path
) -> None:
    from veil.ledger._note import CosignatureVerifier
    from veil.ledger._witness import Witness

    witness = Witness(tmp_path / "witness")
    with Ledger.open(home) as ledger:
        ledger.append_many([_event(i) for i in range(5)])
        first, _ = ledger.checkpoint()
        cosigned = witness.cosign(first, ledger.vkey)
        assert cosigned.startswith(first)
        assert "— veil.witness/" in cosigned
        ledger.append_many([_event(i) for i in range(5, 9)])
        second, cp = ledger.checkpoint()
        with pytest.raises(LedgerTampered, match="does not extend"):
            witness.cosign(second, ledger.vkey)  # growth needs a consistency proof
        proof = ledger.tree().consistency_proof(5, cp.size)
        later = witness.cosign(second, ledger.vkey, proof)
        with pytest.raises(LedgerTampered, match="rollback"):
            witness.cosign(first, ledger.vkey)
        signer = _own_signer(home)
        forked = sign_note(Checkpoint(signer.name, 9, b"\x01" * 32).body(), [signer])
        with pytest.raises(LedgerTampered, match="fork"):
            witness.cosign(forked, ledger.vkey)
        with pytest.raises(LedgerTampered):  # a note by someone else's key is not cosigned
            witness.cosign(sign_note(first.split("\n\n")[0] + "\n", [_signer("x")]), ledger.vkey)

    store = SqliteStore(home / "ledger.db")
    wkey = CosignatureVerifier.from_vkey(witness.vkey)
    verifier = _own_signer(home).verifier()
    report = verify_log(store, [verifier], pinned=[later], witnesses=[wkey])
    assert report.pinned == 1
    with pytest.raises(LedgerTampered, match="lacks a cosignature"):
        verify_log(store, [verifier], pinned=[second], witnesses=[wkey])


def test_a_redactor_with_a_ledger_records_every_call_before_returning(home: Path) -> None:
    import hashlib

    from veil import Redactor

    text = "Mail jane.doe@example.com about the refund."
    with Ledger.open(home) as ledger, Redactor("llm-prompt", home=home, ledger=ledger) as r:
        out = r.redact_batch([text, "nothing here"])
        r.restore(out[0].text)
        events = [json.loads(row.body) for row in ledger.store.entries()]
    assert [e["action"] for e in events] == ["redact", "restore"]
    first = events[0]
    assert first["counts"] == {"EMAIL": 1}
    assert first["inputs"][0]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert first["outputs"][0]["sha256"] == hashlib.sha256(out[0].text.encode()).hexdigest()
    assert len(first["inputs"]) == 2
    assert first["policy"]["id"].startswith("llm-prompt@")
    assert events[1]["counts"] == {"restored": 1, "unknown": 0}
    assert b"jane.doe" not in (home / "ledger.db").read_bytes()


def test_a_redactor_whose_ledger_fails_returns_nothing(home: Path) -> None:
    from veil import Redactor

    ledger = Ledger.open(home)
    ledger.close()  # a closed ledger refuses appends: the redaction must not come out
    with Redactor("llm-prompt", home=home, ledger=ledger) as r, pytest.raises(ConfigError):
        r.redact("Mail jane.doe@example.com")
