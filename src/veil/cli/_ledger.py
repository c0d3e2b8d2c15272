"""`veil ledger ...`: verify the log, prove entries, export and check evidence bundles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from veil.cli._common import HomeOpt, console, errors_to_exit, out, write_text
from veil.errors import ConfigError, InputError, KeyMissing

app = typer.Typer(help="The tamper-evident ledger: verify, prove, export.", no_args_is_help=True)

KeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--key",
        help="Verifier key to pin (name+hash+base64, from `veil ledger key`); repeatable",
    ),
]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Bundle file; - for stdout")]


def _require_ledger(home: Path | None) -> str:
    """The data directory's ledger URL; refuses (creating nothing) when there is none."""
    from veil.home import resolve_home
    from veil.ledger._ledger import ledger_url

    url = ledger_url(resolve_home(home))
    if not url.startswith("postgres") and not Path(url).is_file():
        raise ConfigError(f"no ledger at {url}: nothing has been recorded in this data directory")
    return url


def _store(home: Path | None):  # type: ignore[no-untyped-def]
    from veil.ledger._store import open_store

    return open_store(_require_ledger(home))


def _own_ledger(home: Path | None):  # type: ignore[no-untyped-def]
    """The data directory's ledger with its existing key (a missing key is never minted here:
    a new key could not sign for the old log anyway)."""
    from veil.ledger import Ledger

    _require_ledger(home)
    return Ledger.open(_existing_keys(home))


def _existing_keys(home: Path | None) -> Path:
    from veil.home import resolve_home

    root = resolve_home(home)
    if not (root / "keys" / "master.key").is_file():
        raise KeyMissing(
            f"no key file in {root}/keys: pass the log's verifier key with --key "
            "(ask its owner for `veil ledger key`)"
        )
    return root


def _local_vkey(home: Path | None) -> str:
    """The verifier key of this data directory's own key file (opens no ledger)."""
    from veil.keys import KeyRing
    from veil.ledger._ledger import log_signer

    return log_signer(KeyRing.open(_existing_keys(home))).vkey


def _verifiers(keys: list[str] | None, home: Path | None) -> list:  # type: ignore[type-arg]
    from veil.ledger._note import NoteVerifier

    try:
        return [NoteVerifier.from_vkey(k) for k in (keys or [_local_vkey(home)])]
    except ValueError as exc:
        raise InputError(f"unusable --key: {exc}") from None


@app.command("verify")
def verify(
    home: HomeOpt = None,
    key: KeyOpt = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A signed checkpoint kept elsewhere (witness, bundle)"),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="Witness key every --checkpoint must be cosigned by"),
    ] = None,
) -> None:
    """Recompute the whole log and check every signed checkpoint; name the first bad entry."""
    from veil.ledger._note import CosignatureVerifier
    from veil.ledger._verify import verify_log

    with errors_to_exit():
        store = _store(home)
        try:
            verifiers = _verifiers(key, home)
            pinned = [_read(p) for p in checkpoint or []]
            try:
                witnesses = [CosignatureVerifier.from_vkey(w) for w in witness or []]
            except ValueError as exc:
                raise InputError(f"unusable --witness: {exc}") from None
            if witnesses and not pinned:
                raise InputError("--witness checks --checkpoint notes: pass at least one")
            report = verify_log(store, verifiers, pinned=pinned, witnesses=witnesses)
        finally:
            store.close()
    out.print(
        f"ok: {report.size} entries, {report.checkpoints} signed checkpoints"
        + (f", {report.pinned} pinned checkpoints" if report.pinned else "")
        + f", root {report.root.hex()}"
    )
    if report.origin:
        out.print(f"origin {report.origin}")


@app.command("key")
def key(home: HomeOpt = None) -> None:
    """Print this data directory's verifier key, for auditors to pin with --key."""
    with errors_to_exit():
        out.print(_local_vkey(home))


@app.command("checkpoint")
def checkpoint(home: HomeOpt = None) -> None:
    """Print the latest signed checkpoint (save it elsewhere: a witness of the log's state)."""
    with errors_to_exit(), _own_ledger(home) as ledger:
        note, _ = ledger.checkpoint()
    sys.stdout.write(note)


@app.command("consistency")
def consistency(
    old_size: Annotated[int, typer.Argument(help="Size of an earlier checkpoint")],
    output: OutOpt = Path("-"),
    home: HomeOpt = None,
) -> None:
    """Write a consistency proof from OLD_SIZE to the latest checkpoint (RFC 9162), for a
    witness to check that the log only grew."""
    import base64

    with errors_to_exit():
        with _own_ledger(home) as ledger:
            note, cp = ledger.checkpoint()
            if not 0 <= old_size <= cp.size:
                raise InputError(f"OLD_SIZE must be 0..{cp.size}", field="OLD_SIZE")
            proof = ledger.tree().consistency_proof(old_size, cp.size)
        _write(
            {
                "old_size": old_size,
                "checkpoint": note,
                "proof": [base64.b64encode(h).decode() for h in proof],
            },
            output,
        )


@app.command("cosign")
def cosign(
    note: Annotated[Path, typer.Argument(help="A checkpoint from `veil ledger checkpoint`")],
    log_key: Annotated[str, typer.Option("--log-key", help="The log's verifier key")],
    output: OutOpt = Path("-"),
    proof: Annotated[
        Path | None, typer.Option(help="`veil ledger consistency` output from the last size")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """As a witness (this data directory's witness key): cosign NOTE if it extends the last
    checkpoint of that log this witness cosigned; refuse forks and rollbacks."""
    import base64

    from veil.ledger._witness import Witness

    with errors_to_exit():
        hashes = []
        if proof is not None:
            try:
                hashes = [base64.b64decode(h) for h in json.loads(_read(proof))["proof"]]
            except (ValueError, KeyError, TypeError):
                raise InputError("not a consistency proof", file=str(proof)) from None
        try:
            cosigned = Witness(home).cosign(_read(note), log_key, hashes)
        except ValueError as exc:
            raise InputError(f"unusable --log-key: {exc}") from None
        write_text(cosigned, output)


@app.command("witness-key")
def witness_key(home: HomeOpt = None) -> None:
    """Print this data directory's witness key (for `veil ledger verify --witness`)."""
    from veil.ledger._witness import Witness

    with errors_to_exit():
        out.print(Witness(home).vkey)


@app.command("proof")
def proof(
    index: Annotated[int, typer.Argument(help="Entry index (from `veil ledger show`)")],
    output: OutOpt = Path("-"),
    home: HomeOpt = None,
) -> None:
    """Write an evidence bundle proving one entry: entry, inclusion proof, checkpoint, key."""
    with errors_to_exit():
        _write(_export(home, lambda ledger: [index]), output)


@app.command("export")
def export(
    output: OutOpt,
    since: Annotated[str | None, typer.Option(help="Entries at or after this ISO time")] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Entries that read or wrote this dataset (sha256)")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Write an evidence bundle of the selected entries (all entries without filters)."""
    from veil.ledger._ledger import Ledger

    def select(ledger: Ledger) -> list[int]:
        chosen = set(range(ledger.tree().size))
        if since:
            chosen &= set(ledger.store.indices_since(since))
        if dataset:
            chosen &= {i for i, _ in ledger.store.indices_for(dataset.lower())}
        return sorted(chosen)

    with errors_to_exit():
        bundle = _export(home, select)
        _write(bundle, output)
    console.print(f"{len(bundle['entries'])} entries, checkpoint of size {bundle['tree_size']}")


@app.command("verify-bundle")
def verify_bundle(
    bundle: Annotated[Path, typer.Argument(help="A bundle from `veil ledger proof/export`")],
    key: KeyOpt = None,
) -> None:
    """Check a bundle offline (no database): entries, proofs, checkpoint signature."""
    from veil.ledger._bundle import verify_bundle as check

    with errors_to_exit():
        try:
            report = check(_read(bundle), key or [])
        except InputError as exc:
            raise InputError(exc.reason, file=str(bundle), field=exc.field) from None
    out.print(
        f"ok: {report.entries} entries included in {report.origin} at size {report.size}, "
        f"signed by {report.key}"
    )
    if not report.key_pinned:
        console.print(
            "warning: checked against the key inside the bundle itself; pin the log's key "
            "with --key to know who signed it"
        )


@app.command("show")
def show(
    tail: Annotated[int, typer.Option(help="Show the last N entries")] = 20,
    home: HomeOpt = None,
) -> None:
    """List recent entries: index, time, action, counts (entries never hold raw values)."""
    with errors_to_exit():
        rows = recent_entries(home, tail)
    for row in rows:
        event = json.loads(row.body)
        counts = ",".join(f"{k}={v}" for k, v in sorted(event.get("counts", {}).items()))
        out.print(f"{row.idx:>8}  {row.time}  {row.action:<13} {counts}", highlight=False)


def recent_entries(home: Path | None, n: int, action: str | None = None) -> list:  # type: ignore[type-arg]
    """The last ``n`` entries (of ``action`` only, looking back at most 50 n entries)."""
    store = _store(home)
    try:
        top = store.max_index()
        window = n if action is None else 50 * n
        rows = [r for r in store.entries(max(0, top + 1 - window)) if action in (None, r.action)]
    finally:
        store.close()
    return rows[-n:]


def _export(home: Path | None, select):  # type: ignore[no-untyped-def]
    with _own_ledger(home) as ledger:
        return ledger.export(select(ledger))


def _write(bundle: dict, output: Path) -> None:  # type: ignore[type-arg]
    write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", output)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=str(path)
        ) from None
