"""Signed notes, checkpoints and cosignatures against other implementations' answers.

Vectors: ``vectors/ledger/signed_notes.json`` (golang.org/x/mod sumdb/note
tests, the c2sp.org/signed-note example, published verifier keys) and
``vectors/ledger/cosigned_checkpoints.json`` (a real checkpoint of a
transparency.dev log with four witness cosignatures, checkpoint parsing cases).
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from veil.errors import LedgerTampered
from veil.ledger._merkle import EMPTY_ROOT
from veil.ledger._note import (
    MAX_SIGNATURES,
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    NoteSigner,
    NoteVerifier,
    open_note,
    sign_note,
)

_DIR = Path(__file__).parent / "vectors" / "ledger"
NOTES = json.loads((_DIR / "signed_notes.json").read_text(encoding="utf-8"))
CHECKPOINTS = json.loads((_DIR / "cosigned_checkpoints.json").read_text(encoding="utf-8"))
GO = NOTES["go_sumdb_note"]
REAL = CHECKPOINTS["real_cosigned"]
TEXT = GO["text"]
PETER = NoteVerifier.from_vkey(GO["peter_vkey"])
ENOCH = NoteVerifier.from_vkey(GO["enoch_vkey"])
WITNESS_TIME = 1_700_000_000


def _go_seed() -> bytes:
    """The Ed25519 seed inside Go's ``PRIVATE+KEY+<name>+<hash>+base64(0x01 || seed)``."""
    raw = base64.b64decode(GO["signer_key"].split("+", 4)[4])
    assert raw[0] == 1
    assert len(raw) == 33
    return raw[1:]


def _peter_signer() -> NoteSigner:
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(_go_seed()))


def _witness(name: str = "witness.example/w1") -> CosignatureSigner:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    return CosignatureSigner(name, key, clock=lambda: WITNESS_TIME)


def _log_signer() -> NoteSigner:
    return NoteSigner("example.com/log", Ed25519PrivateKey.from_private_bytes(b"\x07" * 32))


CHECKPOINT = Checkpoint("example.com/log", 5, hashlib.sha256(b"root").digest())


# --- golang.org/x/mod/sumdb/note ---------------------------------------------------


def test_signing_reproduces_go_byte_for_byte() -> None:
    signer = _peter_signer()
    assert signer.vkey == GO["peter_vkey"]
    assert signer.key_hash == bytes.fromhex("c74f20a3")
    assert signer.sign(TEXT) == GO["peter_signature_line"]
    assert sign_note(TEXT, [signer]) == GO["signed"]


def test_go_note_opens_with_the_known_key_only() -> None:
    note = TEXT + "\n" + GO["peter_signature_line"] + GO["enoch_signature_line"]
    assert open_note(note, [PETER]) == (TEXT, ["PeterNeumann"])
    assert open_note(note, [PETER, ENOCH]) == (TEXT, ["PeterNeumann", "EnochRoot"])
    assert open_note(note.encode(), [ENOCH]) == (TEXT, ["EnochRoot"])


def test_go_note_with_no_known_key_does_not_open() -> None:
    note = TEXT + "\n" + GO["peter_signature_line"] + GO["enoch_signature_line"]
    with pytest.raises(LedgerTampered, match=r"^note is not signed by a known key$"):
        open_note(note, [])


def test_go_repeated_and_unknown_signatures_are_tolerated() -> None:
    peter, enoch = GO["peter_signature_line"], GO["enoch_signature_line"]
    enoch_abcd = enoch[:60] + "ABCD" + enoch[60:]  # unknown key: ignored, even if broken
    note = TEXT + "\n" + peter + peter + enoch + enoch + enoch_abcd
    assert open_note(note, [PETER]) == (TEXT, ["PeterNeumann"])


def test_go_corrupted_signature_from_a_known_key_is_tampering() -> None:
    peter = GO["peter_signature_line"]
    note = TEXT + "\n" + peter[:60] + "ABCD" + peter[60:]
    with pytest.raises(LedgerTampered, match=r"^note signature does not verify$"):
        open_note(note, [PETER])


def _go_malformed_notes() -> list[str | bytes]:
    bad = NOTES["go_sumdb_note"]["malformed_notes"]
    peter_note = TEXT + "\n" + GO["peter_signature_line"]
    return [
        *(TEXT + suffix for suffix in bad["after_text"]),
        *(prefix + peter_note for prefix in bad["before_text"]),
        bytes.fromhex(bad["note_hex_prefix"]) + peter_note.encode(),
        TEXT + "\n" + GO["peter_signature_line"] * (MAX_SIGNATURES + 1),
    ]


@pytest.mark.parametrize("note", _go_malformed_notes(), ids=lambda note: repr(note)[:24])
def test_go_malformed_notes(note: str | bytes) -> None:
    for verifiers in ([PETER], []):
        with pytest.raises(LedgerTampered, match=r"^malformed note$"):
            open_note(note, verifiers)


def test_max_signatures_still_open() -> None:
    note = TEXT + "\n" + GO["peter_signature_line"] * MAX_SIGNATURES
    assert open_note(note, [PETER]) == (TEXT, ["PeterNeumann"])


def test_go_verifier_key_manglings_are_rejected() -> None:
    """TestNewVerifier: every proper substring and every byte + 1 must fail."""
    vkey = GO["peter_vkey"]
    mangled = {vkey[i:j] for i in range(len(vkey)) for j in range(i + 1, len(vkey) + 1)}
    mangled |= {vkey[:i] + chr(ord(c) + 1) + vkey[i + 1 :] for i, c in enumerate(vkey)}
    mangled |= set(GO["bad_vkeys"])
    mangled.discard(vkey)
    for bad in sorted(mangled):
        with pytest.raises(ValueError, match="verifier key"):
            NoteVerifier.from_vkey(bad)


# --- c2sp.org/signed-note and published keys --------------------------------------


def test_c2sp_signed_note_example() -> None:
    example = NOTES["c2sp_example"]
    verifier = NoteVerifier.from_vkey(example["vkey"])
    assert verifier.vkey == example["vkey"]
    assert open_note(example["note"], [verifier]) == (example["text"], ["example.com/foo"])
    tampered = example["note"].replace("example message", "example massage")
    with pytest.raises(LedgerTampered):
        open_note(tampered, [verifier])


@pytest.mark.parametrize("case", NOTES["verifier_keys"]["note"], ids=str)
def test_published_note_verifier_keys_parse_and_round_trip(case: dict[str, str]) -> None:
    verifier = NoteVerifier.from_vkey(case["vkey"])
    assert (verifier.name, verifier.key_hash.hex(), verifier.vkey) == (
        case["name"],
        case["key_hash"],
        case["vkey"],
    )
    with pytest.raises(ValueError, match="type 0x04"):
        CosignatureVerifier.from_vkey(case["vkey"])


@pytest.mark.parametrize("case", NOTES["verifier_keys"]["cosignature"], ids=str)
def test_published_cosignature_verifier_keys_parse_and_round_trip(case: dict[str, str]) -> None:
    verifier = CosignatureVerifier.from_vkey(case["vkey"])
    assert (verifier.name, verifier.key_hash.hex(), verifier.vkey) == (
        case["name"],
        case["key_hash"],
        case["vkey"],
    )
    with pytest.raises(ValueError, match="type 0x01"):
        NoteVerifier.from_vkey(case["vkey"])


@pytest.mark.parametrize("vkey", NOTES["verifier_keys"]["malformed"])
def test_malformed_verifier_keys(vkey: str) -> None:
    with pytest.raises(ValueError, match="verifier key"):
        NoteVerifier.from_vkey(vkey)


def test_uppercase_key_hash_is_accepted_as_go_does() -> None:
    vkey = GO["peter_vkey"].replace("c74f20a3", "C74F20A3")
    assert NoteVerifier.from_vkey(vkey).vkey == GO["peter_vkey"]


# --- a real checkpoint with real witness cosignatures ------------------------------


def test_real_checkpoint_opens_with_log_and_every_witness() -> None:
    log = NoteVerifier.from_vkey(REAL["log_vkey"])
    witnesses = [CosignatureVerifier.from_vkey(v) for v in REAL["witness_vkeys"]]
    text, names = open_note(REAL["note"], [log, *witnesses])
    assert sorted(names) == sorted([log.name, *(w.name for w in witnesses)])
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root.hex()) == (
        REAL["origin"],
        REAL["size"],
        REAL["root_hex"],
    )
    assert checkpoint.body() == text
    for witness in witnesses:
        assert open_note(REAL["note"], [witness])[1] == [witness.name]


@pytest.mark.parametrize("vkey_field", ["log_vkey", "witness_vkeys"])
def test_real_checkpoint_with_another_size_is_tampering(vkey_field: str) -> None:
    vkeys = REAL[vkey_field] if isinstance(REAL[vkey_field], list) else [REAL[vkey_field]]
    parse = (
        CosignatureVerifier.from_vkey if vkey_field == "witness_vkeys" else NoteVerifier.from_vkey
    )
    tampered = REAL["note"].replace(f"\n{REAL['size']}\n", f"\n{REAL['size'] + 1}\n")
    for vkey in vkeys:
        with pytest.raises(LedgerTampered, match=r"^note signature does not verify$"):
            open_note(tampered, [parse(vkey)])


def test_a_cosignature_key_does_not_verify_plain_note_signatures() -> None:
    """The type byte in the key hash keeps the two kinds of signature apart."""
    witness = _witness()
    same_key = NoteSigner(witness.name, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    assert same_key.key_hash != witness.key_hash
    cosigned = sign_note(CHECKPOINT.body(), [witness])
    with pytest.raises(LedgerTampered, match="known key"):
        open_note(cosigned, [same_key.verifier()])
    plain = sign_note(CHECKPOINT.body(), [same_key])
    with pytest.raises(LedgerTampered, match="known key"):
        open_note(plain, [witness.verifier()])


# --- cosignature/v1 -----------------------------------------------------------------


def test_cosignature_line_layout_and_signed_message() -> None:
    witness = _witness()
    public = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
    raw_public = public.public_bytes_raw()
    want_hash = hashlib.sha256(b"witness.example/w1\n\x04" + raw_public).digest()[:4]
    assert witness.key_hash == want_hash
    assert (
        witness.vkey
        == f"witness.example/w1+{want_hash.hex()}+"
        + base64.b64encode(b"\x04" + raw_public).decode()
    )
    line = witness.sign(CHECKPOINT.body())
    prefix, name, encoded = line[:-1].split(" ")
    raw = base64.b64decode(encoded)
    assert (prefix, name, line[-1], len(raw)) == ("\u2014", witness.name, "\n", 4 + 8 + 64)
    assert raw[:4] == want_hash
    assert int.from_bytes(raw[4:12], "big") == WITNESS_TIME
    message = f"cosignature/v1\ntime {WITNESS_TIME}\n{CHECKPOINT.body()}".encode()
    public.verify(raw[12:], message)  # raises if the message layout is wrong


def test_log_and_witness_sign_one_checkpoint() -> None:
    log, witness = _log_signer(), _witness()
    note = sign_note(CHECKPOINT.body(), [log, witness])
    text, names = open_note(note, [log.verifier(), witness.verifier()])
    assert Checkpoint.parse(text) == CHECKPOINT
    assert names == ["example.com/log", "witness.example/w1"]
    assert open_note(note, [CosignatureVerifier.from_vkey(witness.vkey)])[1] == [witness.name]


def test_cosignature_covers_extension_lines() -> None:
    checkpoint = Checkpoint("example.com/log", 5, EMPTY_ROOT, ("Extendo",))
    note = sign_note(checkpoint.body(), [_witness()])
    with pytest.raises(LedgerTampered):
        open_note(note.replace("Extendo", "Extendo2"), [_witness().verifier()])


def _cosignature_with_time(timestamp: int) -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    witness = _witness()
    message = b"cosignature/v1\ntime %d\n" % timestamp + CHECKPOINT.body().encode()
    raw = witness.key_hash + timestamp.to_bytes(8, "big") + key.sign(message)
    return f"{CHECKPOINT.body()}\n\u2014 {witness.name} {base64.b64encode(raw).decode()}\n"


def test_cosignature_time_beyond_2_63_does_not_verify() -> None:
    verifier = _witness().verifier()
    assert open_note(_cosignature_with_time(2**63 - 1), [verifier])[1] == [verifier.name]
    with pytest.raises(LedgerTampered, match="does not verify"):
        open_note(_cosignature_with_time(2**63), [verifier])


def test_cosigner_signs_checkpoints_only_and_valid_times_only() -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        _witness().sign(TEXT)
    for bad_time in (-1, 2**63):
        witness = CosignatureSigner("w", Ed25519PrivateKey.generate(), clock=lambda t=bad_time: t)
        with pytest.raises(ValueError, match="time"):
            witness.sign(CHECKPOINT.body())


def test_cosignature_verifier_rejects_non_checkpoint_text() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    message = b"cosignature/v1\ntime 5\n" + TEXT.encode()
    signature = (5).to_bytes(8, "big") + key.sign(message)
    verifier = _witness().verifier()
    assert verifier.verify(message[len("cosignature/v1\ntime 5\n") :], signature) is False
    assert verifier.verify(b"\xff\n", signature) is False


# --- opening rules --------------------------------------------------------------------


def test_a_bad_signature_from_a_known_key_fails_even_beside_a_good_one() -> None:
    log, witness = _log_signer(), _witness()
    good = sign_note(CHECKPOINT.body(), [log, witness])
    broken_witness = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]
    with pytest.raises(LedgerTampered, match="does not verify"):
        open_note(broken_witness, [log.verifier(), witness.verifier()])


def test_sharing_a_name_or_a_key_hash_but_not_both_is_an_unknown_key() -> None:
    log = _log_signer()
    impostor = NoteSigner(log.name, Ed25519PrivateKey.from_private_bytes(b"\x08" * 32))
    note = sign_note(CHECKPOINT.body(), [impostor, log])
    assert open_note(note, [log.verifier()])[1] == [log.name]
    line = log.sign(CHECKPOINT.body()).replace(log.name, "other.example/log")
    renamed = f"{CHECKPOINT.body()}\n{line}{log.sign(CHECKPOINT.body())}"
    assert open_note(renamed, [log.verifier()])[1] == [log.name]


def test_ambiguous_verifier_list_is_refused() -> None:
    with pytest.raises(ValueError, match="share the name"):
        open_note(GO["signed"], [PETER, ENOCH, NoteVerifier.from_vkey(GO["peter_vkey"])])


def test_note_text_may_contain_blank_lines() -> None:
    text = "first\n\nthird\n\n"
    note = sign_note(text, [_log_signer()])
    assert open_note(note, [_log_signer().verifier()]) == (text, ["example.com/log"])


@pytest.mark.parametrize("text", ["no newline", "tab\there\n", "cr\r\n", "\ud800\n", ""])
def test_sign_note_refuses_text_a_note_cannot_carry(text: str) -> None:
    with pytest.raises(ValueError, match="note text"):
        sign_note(text, [_log_signer()])


def test_sign_note_needs_a_signer() -> None:
    with pytest.raises(ValueError, match="at least one signer"):
        sign_note(TEXT, [])


def test_sign_note_refuses_a_malformed_line_from_a_foreign_signer() -> None:
    class Broken:
        name = "broken"
        key_hash = b"\0\0\0\0"

        def sign(self, text: str) -> str:
            return "— broken not-base64\n"

    with pytest.raises(ValueError, match="malformed signature line"):
        sign_note(TEXT, [Broken()])


def test_open_note_refuses_lone_surrogates() -> None:
    with pytest.raises(LedgerTampered, match=r"^malformed note$"):
        open_note("\ud800" + GO["signed"], [PETER])


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\u00a0b", "a\u2003b", "tab\t", "nul\x00"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="key name"):
        NoteSigner(name, Ed25519PrivateKey.generate())


def test_unicode_key_names_are_fine() -> None:
    signer = NoteSigner("quasimodo.example/salvatore—è", Ed25519PrivateKey.generate())
    note = sign_note(TEXT, [signer])
    assert open_note(note, [NoteVerifier.from_vkey(signer.vkey)])[1] == [signer.name]


# --- key hygiene ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [_peter_signer, _witness])
def test_signers_never_show_key_bytes_and_refuse_pickling(make: Any) -> None:
    signer = make()
    seed = _go_seed() if isinstance(signer, NoteSigner) else bytes(range(32))
    text = f"{signer!r} {signer!s} {signer.verifier()!r}"
    assert text == (
        f"{type(signer).__name__}(name={signer.name!r}, key_hash={signer.key_hash.hex()}) "
        f"{type(signer).__name__}(name={signer.name!r}, key_hash={signer.key_hash.hex()}) "
        f"{type(signer.verifier()).__name__}(name={signer.name!r}, "
        f"key_hash={signer.key_hash.hex()})"
    )
    for canary in (seed.hex(), base64.b64encode(seed).decode()):
        assert canary not in text
    with pytest.raises(TypeError, match="refuses to be pickled"):
        pickle.dumps(signer)


def test_signer_wants_an_ed25519_private_key() -> None:
    with pytest.raises(TypeError, match="Ed25519PrivateKey"):
        NoteSigner("log", b"\0" * 32)  # type: ignore[arg-type]


# --- checkpoints ------------------------------------------------------------------------------


def test_c2sp_checkpoint_example_parses_and_round_trips() -> None:
    example = CHECKPOINTS["c2sp_example"]
    checkpoint = Checkpoint.parse(example["body"])
    assert checkpoint == Checkpoint(
        example["origin"], example["size"], base64.b64decode(example["root_b64"])
    )
    assert checkpoint.body() == example["body"]


@pytest.mark.parametrize("case", CHECKPOINTS["parse"]["valid"], ids=str)
def test_valid_checkpoints(case: dict[str, Any]) -> None:
    checkpoint = Checkpoint.parse(case["body"])
    want = Checkpoint(
        case["origin"], case["size"], base64.b64decode(case["root_b64"]), tuple(case["extensions"])
    )
    assert checkpoint == want
    assert checkpoint.body() == case["body"]


@pytest.mark.parametrize(
    "case",
    CHECKPOINTS["parse"]["malformed"],
    ids=[c["why"] for c in CHECKPOINTS["parse"]["malformed"]],
)
def test_malformed_checkpoints(case: dict[str, str]) -> None:
    with pytest.raises(LedgerTampered, match=r"^malformed checkpoint$"):
        Checkpoint.parse(case["body"])


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, EMPTY_ROOT),
        ("two\nlines", 1, EMPTY_ROOT),
        ("log", -1, EMPTY_ROOT),
        ("log", 2**64, EMPTY_ROOT),
        ("log", 1, EMPTY_ROOT[:31]),
        ("log", 1, EMPTY_ROOT, ("",)),
        ("log", 1, EMPTY_ROOT, ("a\nb",)),
    ],
)
def test_checkpoint_constructor_refuses_what_it_cannot_write(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        Checkpoint(*args)
