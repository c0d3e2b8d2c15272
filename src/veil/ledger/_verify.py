"""``veil ledger verify``: recompute the whole log and check every signed checkpoint.

Nothing the store says is taken on trust: each entry's leaf hash is recomputed from
its bytes, the Merkle tree is rebuilt from those leaves, and every checkpoint's
signature and root are checked against the rebuilt tree with a key the caller pins.
The first problem found is raised as ``LedgerTampered`` with what and where; a log
that verifies is reported with its size and root. Partial data never passes: a
checkpoint beyond the stored entries, or entries beyond the last checkpoint, fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from veil.errors import LedgerTampered
from veil.ledger._merkle import Tree, leaf_hash
from veil.ledger._note import Checkpoint, NoteVerifier, Verifier, open_note
from veil.ledger._store import Store

__all__ = ["VerifyReport", "verify_log"]

PAGE = 65_536  # entries read per query: bounded memory on any log size


@dataclass(frozen=True, slots=True)
class VerifyReport:
    origin: str | None
    size: int
    root: bytes
    checkpoints: int
    pinned: int


def verify_log(
    store: Store,
    verifiers: Sequence[NoteVerifier],
    *,
    pinned: Sequence[str] = (),
    witnesses: Sequence[Verifier] = (),
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Verify ``store`` end to end. ``pinned`` are checkpoint notes kept elsewhere (a
    witness, an earlier bundle): the log must still contain exactly what they committed to;
    with ``witnesses``, each pinned note must also carry every one's valid cosignature."""
    signed = _checkpoints(store, verifiers)
    outside = [_pinned(note, verifiers, witnesses) for note in pinned]
    targets = _targets([cp for _, cp in signed] + outside)
    _monotonic(signed)
    tree = _rebuild(store, targets, progress)
    last = max((cp.size for _, cp in signed), default=0)
    if tree.size > last:
        raise LedgerTampered(
            f"entries {last}..{tree.size - 1} are not covered by any signed checkpoint "
            "(added outside Veil, or a checkpoint was deleted)"
        )
    origin = signed[-1][1].origin if signed else None
    return VerifyReport(origin, tree.size, tree.root(), len(signed), len(outside))


def _open(note: str, verifiers: Sequence[NoteVerifier], what: str) -> Checkpoint:
    try:
        text, _ = open_note(note, verifiers)
    except LedgerTampered as exc:
        raise LedgerTampered(f"{what}: {exc}") from None
    return Checkpoint.parse(text)


def _pinned(
    note: str, verifiers: Sequence[NoteVerifier], witnesses: Sequence[Verifier]
) -> Checkpoint:
    cp = _open(note, verifiers, "pinned checkpoint")
    if witnesses:
        _, names = open_note(note, [*verifiers, *witnesses])
        absent = [w.name for w in witnesses if w.name not in names]
        if absent:
            raise LedgerTampered(
                f"pinned checkpoint of size {cp.size} lacks a cosignature by {absent[0]}"
            )
    return cp


def _checkpoints(store: Store, verifiers: Sequence[NoteVerifier]) -> list[tuple[int, Checkpoint]]:
    """Every stored checkpoint, signature-checked, in signing order."""
    out: list[tuple[int, Checkpoint]] = []
    for row_id, size, note in store.checkpoints():
        cp = _open(note, verifiers, f"checkpoint #{row_id}")
        if cp.size != size:
            raise LedgerTampered(
                f"checkpoint #{row_id}: stored as size {size}, but its signed note says {cp.size}"
            )
        if out and cp.origin != out[0][1].origin:
            raise LedgerTampered(f"checkpoint #{row_id} belongs to another log ({cp.origin})")
        out.append((row_id, cp))
    return out


def _monotonic(signed: Sequence[tuple[int, Checkpoint]]) -> None:
    """Checkpoints are signed in order of a growing log: a smaller one later is a rollback."""
    previous = 0
    for row_id, cp in signed:
        if cp.size < previous:
            raise LedgerTampered(
                f"checkpoint #{row_id} rolls the log back from {previous} to {cp.size} entries"
            )
        previous = cp.size


def _targets(checkpoints: Sequence[Checkpoint]) -> dict[int, bytes]:
    """Size -> root every checkpoint commits to; two roots for one size is a fork."""
    roots: dict[int, bytes] = {}
    for cp in checkpoints:
        seen = roots.setdefault(cp.size, cp.root)
        if seen != cp.root:
            raise LedgerTampered(
                f"fork: two signed checkpoints of size {cp.size} with different roots"
            )
    return roots


def _rebuild(
    store: Store, targets: dict[int, bytes], progress: Callable[[int], None] | None
) -> Tree:
    tree = Tree()
    if 0 in targets and targets[0] != tree.root():
        raise LedgerTampered("the checkpoint of the empty log has a wrong root")
    pending = sorted(s for s in targets if s > 0)
    last_good = 0
    top = store.max_index()
    for start in range(0, top + 1, PAGE):
        for row in store.entries(start, start + PAGE):
            if row.idx != tree.size:
                raise LedgerTampered(
                    f"entry {tree.size} is missing (the next stored entry is {row.idx})"
                )
            leaf = leaf_hash(row.body)
            if leaf != row.leaf:
                raise LedgerTampered(
                    f"entry {row.idx} was altered: its bytes do not match its recorded hash"
                )
            tree.append(leaf)
            if pending and pending[0] == tree.size:
                _check_root(tree, targets[pending.pop(0)], last_good)
                last_good = tree.size
        if progress:
            progress(tree.size)
    if pending:
        raise LedgerTampered(
            f"the log was truncated: a signed checkpoint covers {pending[-1]} entries, "
            f"the store holds {tree.size}"
        )
    return tree


def _check_root(tree: Tree, root: bytes, last_good: int) -> None:
    if tree.root() != root:
        raise LedgerTampered(
            f"entries {last_good}..{tree.size - 1} do not match the signed checkpoint of size "
            f"{tree.size} (edited, reordered, inserted or deleted)"
        )
