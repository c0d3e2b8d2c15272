"""The ledger every Veil component writes to: append, prove, export.

Writes go through one committer thread per process (group commit): whatever is
queued when a commit starts goes into it, so while one batch is being made durable
the next one fills up. A batch is one exclusive store transaction that catches the
in-memory Merkle tree up with entries other processes appended, inserts the batch,
signs a checkpoint over the new tree and commits (fsync). Only then are the
callers' futures resolved: an acknowledged append is durable *and* covered by a
signed checkpoint. ``submit`` returns that future without waiting (the caller
chooses to wait or not); ``append`` waits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veil.errors import ConfigError, LedgerTampered, VeilError
from veil.home import resolve_home
from veil.ledger._event import Event
from veil.ledger._merkle import Tree, leaf_hash
from veil.ledger._note import Checkpoint, NoteSigner, NoteVerifier, open_note, sign_note
from veil.ledger._store import Store, open_store

if TYPE_CHECKING:
    from veil.keys import KeyRing

__all__ = ["Ledger", "Pending", "Receipt", "ledger_url", "log_signer"]

MAX_BATCH = 8192


class _Batch:
    """Entries committed together; one event wakes all their waiters."""

    __slots__ = ("callbacks", "done", "error", "items", "lock", "receipts")

    def __init__(self) -> None:
        self.items: list[Event] = []
        self.done = threading.Event()
        self.receipts: list[Receipt] = []
        self.error: BaseException | None = None
        self.lock = threading.Lock()  # orders callbacks against completion
        self.callbacks: list[Callable[[], None]] = []

    def finish(self) -> None:
        with self.lock:
            self.done.set()
            callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()


class Pending:
    """A submitted entry: ``result()`` waits for its Receipt (durable and checkpointed)."""

    __slots__ = ("_batch", "_pos")

    def __init__(self, batch: _Batch, pos: int) -> None:
        self._batch, self._pos = batch, pos

    def done(self) -> bool:
        return self._batch.done.is_set()

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (on the committer's thread, or now if already done) once the
        entry is durable or failed; then ``result(0)`` returns or raises without blocking.
        An event loop uses this instead of parking a thread on ``result()``."""
        with self._batch.lock:
            if not self._batch.done.is_set():
                self._batch.callbacks.append(callback)
                return
        callback()

    def result(self, timeout: float | None = None) -> Receipt:
        if not self._batch.done.wait(timeout):
            raise TimeoutError("the ledger has not committed this entry yet")
        if self._batch.error is not None:
            raise self._batch.error
        return self._batch.receipts[self._pos]


@dataclass(frozen=True, slots=True)
class Receipt:
    """An acknowledged append: where the entry sits and the checkpoint that covers it."""

    index: int
    leaf: bytes
    size: int
    root: bytes


def log_signer(keyring: KeyRing) -> NoteSigner:
    """The checkpoint signer of a data directory's log; its name is the log's origin."""
    return NoteSigner(f"veil.ledger/{keyring.key_id}", keyring.signing_key("ledger-signing"))


def ledger_url(home: Path) -> str:
    """``VEIL_LEDGER_URL`` (e.g. ``postgresql://...``) or ``HOME/ledger.db``."""
    return os.environ.get("VEIL_LEDGER_URL") or str(home / "ledger.db")


class Ledger:
    """Append-only, Merkle-tree log with signed checkpoints. Thread-safe; several
    processes may append to one store at once."""

    def __init__(
        self,
        store: Store,
        signer: NoteSigner,
        *,
        keyring: KeyRing | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.store = store
        self._keyring = keyring
        self.origin = signer.name
        self._signer = signer
        self.verifier = NoteVerifier.from_vkey(signer.vkey)
        self._max_batch = max_batch
        self._tree: Tree | None = None
        self._tree_lock = threading.RLock()
        self._cv = threading.Condition()
        self._open = _Batch()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._claim(store, signer)

    @classmethod
    def open(cls, home: Path | str | None = None, *, url: str | None = None) -> Ledger:
        """The ledger of a data directory, signed with a key derived from its key file."""
        from veil.keys import KeyRing

        root = resolve_home(home)
        keyring = KeyRing.open(root)
        return cls(open_store(url or ledger_url(root)), log_signer(keyring), keyring=keyring)

    def keyed(self, value: str) -> str:
        """A keyed hash (HMAC-SHA256, ledger-ref key) of a name or a value: entries link
        records about one thing without holding it. Needs the data directory's key."""
        if self._keyring is None:
            raise ConfigError("keyed hashes need the data directory's key: use Ledger.open(home)")
        return self._keyring.hmac("ledger-ref", value.encode()).hex()

    @property
    def vkey(self) -> str:
        """The public verifier key an auditor pins (``name+keyhash+base64``)."""
        return self._signer.vkey

    def _claim(self, store: Store, signer: NoteSigner) -> None:
        store.set_meta("origin", signer.name)
        store.set_meta("vkey", signer.vkey)
        if store.get_meta("vkey") != signer.vkey:
            raise ConfigError(
                f"the ledger at {store.url} is signed by {store.get_meta('vkey')}, not by this "
                "data directory's key: use the data directory that created it"
            )

    # -- writing ---------------------------------------------------------------------------

    def submit(self, event: Event) -> Pending:
        """Queue ``event``; ``.result()`` on the handle returns its Receipt once it is durable
        and checkpointed (or raises). Not waiting is the explicit fire-and-forget mode."""
        with self._cv:  # encoding happens in the committer: callers return at once
            if self._closed:
                raise ConfigError("this ledger is closed")
            batch = self._open
            batch.items.append(event)
            if len(batch.items) == 1:
                self._cv.notify()
        self._ensure_committer()
        return Pending(batch, len(batch.items) - 1)

    def append(self, event: Event) -> Receipt:
        """Append and wait until the entry is durable and covered by a signed checkpoint."""
        return self.submit(event).result()

    def append_many(self, events: Iterable[Event]) -> list[Receipt]:
        """Append several events (one lock, usually one commit) and wait for all."""
        items = list(events)
        with self._cv:
            if self._closed:
                raise ConfigError("this ledger is closed")
            batch = self._open
            first = len(batch.items)
            batch.items.extend(items)
            self._cv.notify()
        self._ensure_committer()
        return [Pending(batch, first + k).result() for k in range(len(items))]

    def _ensure_committer(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._commit_loop, name="veil-ledger", daemon=True
                    )
                    self._thread.start()

    def _commit_loop(self) -> None:
        """Group commit: take everything queued so far, make it durable, repeat."""
        while True:
            with self._cv:
                while not self._open.items and not self._closed:
                    self._cv.wait()
                if not self._open.items:
                    return
                batch, self._open = self._open, _Batch()
            self._commit(batch)

    def _commit(self, batch: _Batch) -> None:
        receipts: list[Receipt] = []
        try:
            for lo in range(0, len(batch.items), self._max_batch):
                receipts += self._write(batch.items[lo : lo + self._max_batch])
        except BaseException as exc:  # every waiter learns the batch failed; none is lost silently
            with self._tree_lock:
                self._tree = None  # the tree may be ahead of the store: rebuild on next use
            batch.error = (
                exc
                if isinstance(exc, VeilError)
                else LedgerTampered(f"ledger append failed: {type(exc).__name__}: {exc}")
            )
        batch.receipts = receipts
        batch.finish()

    def _write(self, events: Sequence[Event]) -> list[Receipt]:
        with self._tree_lock, self.store.write():  # lock order: tree, then store
            tree = self._caught_up()
            start = tree.size
            bodies = [event.canonical() for event in events]
            leaves = [leaf_hash(body) for body in bodies]
            rows = [
                (start + i, leaf, body, event.action.value, event.time)
                for i, (leaf, body, event) in enumerate(zip(leaves, bodies, events, strict=True))
            ]
            artifacts = [
                (sha, start + i, role)
                for i, event in enumerate(events)
                for sha, role in _artifacts(event)
            ]
            tree.extend(leaves)
            size, root = tree.size, tree.root()
            note = sign_note(Checkpoint(self.origin, size, root).body(), [self._signer])
            self.store.insert(rows, artifacts, size, note)
        return [Receipt(start + i, leaf, size, root) for i, leaf in enumerate(leaves)]

    def _caught_up(self) -> Tree:
        """The tree over every stored entry, including other processes' appends."""
        with self._tree_lock:
            if self._tree is None:
                self._tree = Tree.from_leaves(self.store.leaves_from(0))
            else:
                self._tree.extend(self.store.leaves_from(self._tree.size))
            return self._tree

    def close(self) -> None:
        """Commit what is queued, stop the committer and close the store."""
        with self._cv:
            self._closed = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and proving ----------------------------------------------------------------

    def checkpoint(self) -> tuple[str, Checkpoint]:
        """The latest signed checkpoint (note text, parsed), checked against this log's key."""
        note = self.store.latest_checkpoint()
        if note is None:
            raise ConfigError("the ledger is empty: nothing has been recorded yet")
        text, _ = open_note(note, [self.verifier])
        return note, Checkpoint.parse(text)

    def tree(self) -> Tree:
        return self._caught_up()

    def prove(self, index: int) -> dict[str, Any]:
        """An evidence bundle for one entry (see ``make_bundle``)."""
        return self.export([index])

    def export(self, indices: Sequence[int]) -> dict[str, Any]:
        """An evidence bundle: the entries, their inclusion proofs, the checkpoint and key."""
        from veil.ledger._bundle import make_bundle

        note, cp = self.checkpoint()
        with self._tree_lock:
            tree = self._caught_up()
            if tree.size < cp.size:
                raise LedgerTampered(
                    f"checkpoint covers {cp.size} entries, the store holds {tree.size}"
                )
            missing = [i for i in indices if not 0 <= i < cp.size]
            if missing:
                raise ConfigError(
                    f"entry {missing[0]} is not in the log (it holds 0..{cp.size - 1})"
                )
            proofs = {i: tree.inclusion_proof(i, cp.size) for i in indices}
        bodies = {row.idx: row.body for i in indices for row in self.store.entries(i, i + 1)}
        return make_bundle(self.vkey, note, cp, [(i, bodies[i], proofs[i]) for i in indices])


def _artifacts(event: Event) -> tuple[tuple[str, str], ...]:
    return tuple((a.sha256, "input") for a in event.inputs) + tuple(
        (a.sha256, "output") for a in event.outputs
    )
