"""RFC 9162 (Certificate Transparency v2) Merkle tree over SHA-256.

:class:`Tree` stores the hash of every *complete* subtree, one ``bytearray`` of
concatenated 32-byte hashes per level: level ``k`` holds the ``size >> k``
subtrees of ``2**k`` leaves. That is about 2 x 32 bytes a leaf (64 MB for 1M
leaves) and no per-node Python objects.

Why proofs stay cheap: in the RFC's recursion every subtree ``D[start:end]``
has ``start`` aligned to its largest power of two, so it is either a stored
complete subtree or lies on the tree's right edge and folds from at most
log2(n) stored ones. A path leaves the right edge after one partial sibling,
so a proof costs O(log n) lookups and O(log n) hashing.

The verifiers are the bit-twiddling algorithms of RFC 9162 §2.1.3.2 and
§2.1.4.2 step for step (no recomputation of the tree). Their failures are
uniform and terse: :class:`~veil.errors.LedgerTampered` says which proof did
not verify, never why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from itertools import islice

from veil.errors import LedgerTampered

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Tree",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_PAIR = 2 * HASH_SIZE
_NODE_PREFIX = hashlib.sha256(b"\x01")  # copied per node: saves re-hashing the prefix
_CHUNK = 1 << 16  # leaves per batch in extend(): bounds the transient list


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one log entry (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: an interior node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``): the RFC's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_range(value: int, limit: int, what: str) -> int:
    if not 0 <= value <= limit:
        raise ValueError(f"{what} {value} is outside 0..{limit}")
    return value


def _pair_hashes(level: bytearray, lo: int, hi: int) -> bytes:
    """Parents ``lo..hi-1`` of ``level``: each child pair is 64 contiguous bytes."""
    out = []
    with memoryview(level) as view:
        for offset in range(lo * _PAIR, hi * _PAIR, _PAIR):
            hasher = _NODE_PREFIX.copy()
            hasher.update(view[offset : offset + _PAIR])
            out.append(hasher.digest())
    return b"".join(out)


class Tree:
    """An in-memory, append-only Merkle tree of leaf hashes."""

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> Tree:
        """A tree of the given leaf hashes (not entries: hash them with :func:`leaf_hash`)."""
        tree = cls()
        tree.extend(leaves)
        return tree

    def __repr__(self) -> str:
        return f"Tree(size={self.size})"

    def __len__(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        index = self.size
        self._levels[0] += leaf
        node, level = bytes(leaf), 0
        while index >> level & 1:  # a right child completes its parent
            node = node_hash(self._node(level, (index >> level) - 1), node)
            level += 1
            self._level(level).extend(node)
        return index

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes, hashing each new level in one batch."""
        it = iter(leaves)
        while chunk := list(islice(it, _CHUNK)):
            if any(len(leaf) != HASH_SIZE for leaf in chunk):
                raise ValueError("a leaf hash is 32 bytes")
            old = self.size
            self._levels[0] += b"".join(chunk)
            self._grow(old, self.size)

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf index {index} is outside 0..{self.size - 1}")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all); :data:`EMPTY_ROOT` for 0."""
        size = self.size if size is None else _check_range(size, self.size, "tree size")
        return self._hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])``, leaf-side sibling first."""
        _check_range(size, self.size, "tree size")
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside 0..{size - 1}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:  # walk down from the root, then reverse
            mid = start + _split(end - start)
            if index < mid:
                path.append(self._hash(mid, end))
                end = mid
            else:
                path.append(self._hash(start, mid))
                start = mid
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 ``PROOF(old_size, D[0:new_size])``.

        Empty when ``old_size`` is 0 or equal to ``new_size``: every tree extends
        the empty tree and itself, and :func:`verify_consistency` expects exactly that.
        """
        _check_range(new_size, self.size, "tree size")
        _check_range(old_size, new_size, "old tree size")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, end, whole = 0, new_size, True  # whole: the RFC's flag b
        while old_size != end:
            mid = start + _split(end - start)
            if old_size <= mid:
                proof.append(self._hash(mid, end))
                end = mid
            else:
                proof.append(self._hash(start, mid))
                start, whole = mid, False
        if not whole:
            proof.append(self._hash(start, end))
        proof.reverse()
        return proof

    def _level(self, level: int) -> bytearray:
        if level == len(self._levels):
            self._levels.append(bytearray())
        return self._levels[level]

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])

    def _grow(self, old: int, new: int) -> None:
        """Store the complete subtrees that growing from ``old`` to ``new`` leaves finished."""
        level = 0
        while (lo := old >> (level + 1)) < (hi := new >> (level + 1)):
            self._level(level + 1).extend(_pair_hashes(self._levels[level], lo, hi))
            level += 1

    def _hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``; ``start`` is aligned as in every RFC subtree.

        ``end - start`` in binary names the stored complete subtrees, largest
        first; the RFC's MTH folds them from the right.
        """
        n, pos, parts = end - start, start, []
        for level in reversed(range(n.bit_length())):
            if n >> level & 1:
                parts.append(self._node(level, pos >> level))
                pos += 1 << level
        node = parts.pop()
        while parts:
            node = node_hash(parts.pop(), node)
        return node


def _all_hashes(*values: bytes) -> bool:
    return all(len(value) == HASH_SIZE for value in values)


def _check_sizes(*sizes: int) -> None:
    if any(size < 0 for size in sizes):
        raise ValueError("indexes and tree sizes are not negative")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` and ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`~veil.errors.LedgerTampered` if it is not,
    :class:`ValueError` for a negative index or size.
    """
    _check_sizes(index, size)
    if not (_all_hashes(leaf, root, *proof) and _inclusion_holds(leaf, index, size, proof, root)):
        raise LedgerTampered("inclusion proof does not verify")


def _inclusion_holds(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    # The shifts depend on (index, size) only, so a proof that is too short
    # leaves sn > 0 and one that is too long meets sn == 0 (steps 4a and 5).
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (``new_size``, ``new_root``) extends (``old_size``, ``old_root``).

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. The RFC leaves the edges
    to the caller; here, as in transparency-dev/merkle, equal sizes need equal
    roots and an empty proof, and old size 0 needs an empty proof (and the
    empty root). A smaller new tree does not verify. Raises
    :class:`~veil.errors.LedgerTampered`, or :class:`ValueError` for negative sizes.
    """
    _check_sizes(old_size, new_size)
    if not (
        _all_hashes(old_root, new_root, *proof)
        and _consistency_holds(old_size, new_size, old_root, new_root, proof)
    ):
        raise LedgerTampered("consistency proof does not verify")


def _consistency_holds(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    return _rfc_consistency(old_size, new_size, old_root, new_root, proof)


def _rfc_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 steps 1-7, for ``0 < old_size < new_size``."""
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
