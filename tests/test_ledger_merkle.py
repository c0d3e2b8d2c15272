"""RFC 9162 Merkle tree: known answers, a naive cross-check, and tampered proofs.

Known answers live in ``vectors/ledger/merkle_rfc6962.json`` (copied from
transparency-dev/merkle). The naive functions below transcribe RFC 9162
§2.1.1, §2.1.3.1 and §2.1.4.1 literally (recursion on slices), so the compact
tree and the bit-twiddling verifiers are checked against the text itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.errors import LedgerTampered
from veil.ledger._merkle import (
    EMPTY_ROOT,
    Tree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "ledger" / "merkle_rfc6962.json").read_text()
)
GO_LEAVES = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaf_inputs_hex"]]
GO_ROOTS = [bytes.fromhex(x) for x in VECTORS["roots_by_size"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")

N_NAIVE = 70
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(N_NAIVE)]
TREE = Tree.from_leaves(LEAVES)
BIG_TREE = Tree.from_leaves(leaf_hash(i.to_bytes(4, "big")) for i in range(5000))


def _hexes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# --- RFC 9162 transcribed naively, over LEAVES[start:end] -------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def naive_mth(start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return LEAVES[start]
    k = _k(n)
    return node_hash(naive_mth(start, start + k), naive_mth(start + k, end))


def naive_path(m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, start, start + k), naive_mth(start + k, end)]
    return [*naive_path(m - k, start + k, end), naive_mth(start, start + k)]


def naive_subproof(m: int, start: int, end: int, b: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if b else [naive_mth(start, end)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, start, start + k, b), naive_mth(start + k, end)]
    return [*naive_subproof(m - k, start + k, end, False), naive_mth(start, start + k)]


# --- known answers -----------------------------------------------------------


def test_roots_match_transparency_dev_for_every_size() -> None:
    tree = Tree()
    assert tree.root() == EMPTY_ROOT == GO_ROOTS[0]
    for size, leaf in enumerate(GO_LEAVES, start=1):
        assert tree.append(leaf) == size - 1
        assert tree.root() == GO_ROOTS[size]
    assert [tree.root(size) for size in range(len(GO_ROOTS))] == GO_ROOTS


def test_complete_subtrees_match_transparency_dev_node_hashes() -> None:
    for level, hashes in enumerate(VECTORS["node_hashes_by_level"]):
        width = 1 << level
        for i, want in enumerate(hashes):
            subtree = Tree.from_leaves(GO_LEAVES[i * width : (i + 1) * width])
            assert subtree.root().hex() == want


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=str)
def test_inclusion_proof_vectors(case: dict[str, Any]) -> None:
    index, size, want = case["index"], case["size"], _hexes(case["proof"])
    tree = Tree.from_leaves(GO_LEAVES[:size])
    assert tree.inclusion_proof(index, size) == want
    verify_inclusion(GO_LEAVES[index], index, size, want, GO_ROOTS[size])


@pytest.mark.parametrize("case", VECTORS["consistency_proofs"], ids=str)
def test_consistency_proof_vectors(case: dict[str, Any]) -> None:
    old, new, want = case["old_size"], case["new_size"], _hexes(case["proof"])
    assert Tree.from_leaves(GO_LEAVES).consistency_proof(old, new) == want
    verify_consistency(old, new, GO_ROOTS[old], GO_ROOTS[new], want)


def _go_inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> Iterator[tuple[bytes, int, int, list[bytes], bytes]]:
    """proof/verify_test.go corruptInclusionProof, minus Go's uint64 wrap-around."""
    for bad in (index - 1, index + 1, index ^ 2):
        if bad >= 0:
            yield leaf, bad, size, proof, root
    yield leaf, index, size * 2, proof, root
    yield leaf, index, size // 2, proof, root
    yield b"WrongLeaf", index, size, proof, root
    yield leaf, index, size, proof, EMPTY_ROOT
    yield leaf, index, size, proof, SOME_HASH
    for extra in (b"", root):
        yield leaf, index, size, [*proof, extra], root
        yield leaf, index, size, [extra, *proof], root
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        yield leaf, index, size, flipped, root
    if proof:
        yield leaf, index, size, proof[:-1], root
    if len(proof) > 1:
        yield leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=str)
def test_go_corrupted_inclusion_probes_are_rejected(case: dict[str, Any]) -> None:
    index, size, proof = case["index"], case["size"], _hexes(case["proof"])
    probes = _go_inclusion_probes(index, size, proof, GO_ROOTS[size], GO_LEAVES[index])
    for probe in probes:
        with pytest.raises(LedgerTampered):
            verify_inclusion(*probe)


def _go_consistency_probes(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> Iterator[tuple[int, int, bytes, bytes, list[bytes]]]:
    """proof/verify_test.go corruptConsistencyProof."""
    for bad in (old - 1, old + 1, old ^ 2):
        yield bad, new, old_root, new_root, proof
    yield old, new * 2, old_root, new_root, proof
    yield old, new // 2, old_root, new_root, proof
    yield old, new, b"WrongRoot", new_root, proof
    yield old, new, old_root, b"WrongRoot", proof
    yield old, new, new_root, old_root, proof
    yield old, new, old_root, new_root, []
    for extra in (b"", old_root, new_root):
        yield old, new, old_root, new_root, [*proof, extra]
        yield old, new, old_root, new_root, [extra, *proof]
    yield old, new, old_root, new_root, [proof[0], *proof]
    yield old, new, old_root, new_root, proof[:-1]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        yield old, new, old_root, new_root, flipped


@pytest.mark.parametrize("case", [c for c in VECTORS["consistency_proofs"] if c["proof"]], ids=str)
def test_go_corrupted_consistency_probes_are_rejected(case: dict[str, Any]) -> None:
    old, new, proof = case["old_size"], case["new_size"], _hexes(case["proof"])
    for probe in _go_consistency_probes(old, new, GO_ROOTS[old], GO_ROOTS[new], proof):
        with pytest.raises(LedgerTampered):
            verify_consistency(*probe)


@pytest.mark.parametrize("case", VECTORS["consistency_edges"]["cases"], ids=str)
def test_consistency_edge_cases(case: dict[str, Any]) -> None:
    names = {"empty": EMPTY_ROOT, "a": b"\xaa" * 32, "b": b"\xbb" * 32}
    args = (
        case["old_size"],
        case["new_size"],
        names[case["old_root"]],
        names[case["new_root"]],
        [names[p] for p in case["proof"]],
    )
    if case["verifies"]:
        verify_consistency(*args)
    else:
        with pytest.raises(LedgerTampered):
            verify_consistency(*args)


# --- every size 1..70 against the naive RFC ------------------------------------


def test_roots_match_naive_mth_for_every_size() -> None:
    assert [TREE.root(n) for n in range(N_NAIVE + 1)] == [
        naive_mth(0, n) for n in range(N_NAIVE + 1)
    ]


def test_inclusion_proofs_match_naive_path_and_verify() -> None:
    for size in range(1, N_NAIVE + 1):
        root = naive_mth(0, size)
        for index in range(size):
            proof = TREE.inclusion_proof(index, size)
            assert proof == naive_path(index, 0, size), (index, size)
            verify_inclusion(LEAVES[index], index, size, proof, root)


def test_consistency_proofs_match_naive_subproof_and_verify() -> None:
    for new in range(1, N_NAIVE + 1):
        for old in range(1, new + 1):
            proof = TREE.consistency_proof(old, new)
            assert proof == naive_subproof(old, 0, new, True), (old, new)
            verify_consistency(old, new, naive_mth(0, old), naive_mth(0, new), proof)


def test_consistency_from_the_empty_tree_is_an_empty_proof() -> None:
    assert TREE.consistency_proof(0, 5) == []
    verify_consistency(0, 5, EMPTY_ROOT, TREE.root(5), [])


# --- tampering: every size 1..33, every kind of change ----------------------


def _flips(proof: list[bytes]) -> Iterator[list[bytes]]:
    for i, element in enumerate(proof):
        for at in (0, 31):
            changed = bytearray(element)
            changed[at] ^= 1
            yield [*proof[:i], bytes(changed), *proof[i + 1 :]]


def _reshaped(proof: list[bytes], extra: bytes) -> Iterator[list[bytes]]:
    """Truncated at either end, extended at either end."""
    if proof:
        yield proof[:-1]
        yield proof[1:]
    yield [*proof, extra]
    yield [extra, *proof]


def _rejected(check: Callable[[], None]) -> bool:
    try:
        check()
    except LedgerTampered:
        return True
    return False


def _inclusion_tampers(index: int, size: int) -> Iterator[tuple[Any, ...]]:
    leaf, root = LEAVES[index], naive_mth(0, size)
    proof = TREE.inclusion_proof(index, size)
    for bad in (*_flips(proof), *_reshaped(proof, SOME_HASH), *_reshaped(proof, root)):
        yield leaf, index, size, bad, root
    for other in range(size + 2):
        if other != index:
            yield leaf, other, size, proof, root
    for other in range(1, N_NAIVE + 1):  # a wrong size with that size's true root
        if other != size:
            yield leaf, index, other, proof, naive_mth(0, other)
    yield LEAVES[(index + 1) % N_NAIVE], index, size, proof, root
    yield leaf, index, size, proof, naive_mth(0, size - 1)


def test_tampered_inclusion_proofs_are_rejected() -> None:
    for size in range(1, 34):
        for index in range(size):
            accepted = [
                t
                for t in _inclusion_tampers(index, size)
                if not _rejected(lambda t=t: verify_inclusion(*t))
            ]
            assert not accepted, (index, size, accepted[:1])


def _consistency_tampers(old: int, new: int) -> Iterator[tuple[Any, ...]]:
    old_root, new_root = naive_mth(0, old), naive_mth(0, new)
    proof = TREE.consistency_proof(old, new)
    for bad in (*_flips(proof), *_reshaped(proof, SOME_HASH), *_reshaped(proof, old_root)):
        yield old, new, old_root, new_root, bad
    for other in range(N_NAIVE + 1):  # wrong sizes, each with its true root
        if other != old:
            yield other, new, naive_mth(0, other), new_root, proof
        if other not in (new, 0):
            yield old, other, old_root, naive_mth(0, other), proof
    yield old, new, new_root, old_root, proof
    yield old, new, SOME_HASH, new_root, proof
    yield old, new, old_root, SOME_HASH, proof


def test_tampered_consistency_proofs_are_rejected() -> None:
    for new in range(2, 34):
        for old in range(1, new):
            accepted = [
                t
                for t in _consistency_tampers(old, new)
                if not _rejected(lambda t=t: verify_consistency(*t))
            ]
            assert not accepted, (old, new, accepted[:1])


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(1, 5000),
    data=st.data(),
)
def test_random_large_proofs_verify_and_reject_one_flipped_bit(size: int, data: Any) -> None:
    tree = BIG_TREE
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    root = tree.root(size)
    path = tree.inclusion_proof(index, size)
    verify_inclusion(tree.leaf(index), index, size, path, root)
    cons = tree.consistency_proof(old, size)
    verify_consistency(old, size, tree.root(old), root, cons)
    bit = data.draw(st.integers(0, 32 * 8 * (len(path) + 1) - 1))
    leaf = bytearray(tree.leaf(index) + b"".join(path))
    leaf[bit // 8] ^= 1 << (bit % 8)
    chunks = [bytes(leaf[i : i + 32]) for i in range(0, len(leaf), 32)]
    with pytest.raises(LedgerTampered):
        verify_inclusion(chunks[0], index, size, chunks[1:], root)


# --- building: append, extend, bad arguments ----------------------------------


def test_append_extend_and_chunked_extend_build_the_same_tree() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(70_000)]  # > one extend chunk
    one_by_one = Tree()
    for leaf in leaves:
        one_by_one.append(leaf)
    pieces = Tree()
    for start, end in ((0, 1), (1, 3), (3, 1000), (1000, 1000), (1000, 70_000)):
        pieces.extend(leaves[start:end])
    bulk = Tree.from_leaves(iter(leaves))
    assert one_by_one.root() == pieces.root() == bulk.root() == _reference_root(leaves)
    assert bulk.size == len(bulk) == 70_000
    assert bulk.leaf(69_999) == leaves[-1]
    assert repr(bulk) == "Tree(size=70000)"


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from the definition, on a list (independent of Tree)."""
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.append(b"short"),
        lambda t: t.extend([LEAVES[0], b"x" * 33]),
        lambda t: t.leaf(-1),
        lambda t: t.leaf(t.size),
        lambda t: t.root(-1),
        lambda t: t.root(t.size + 1),
        lambda t: t.inclusion_proof(0, 0),
        lambda t: t.inclusion_proof(5, 5),
        lambda t: t.inclusion_proof(-1, 5),
        lambda t: t.inclusion_proof(0, t.size + 1),
        lambda t: t.consistency_proof(6, 5),
        lambda t: t.consistency_proof(-1, 5),
        lambda t: t.consistency_proof(1, t.size + 1),
    ],
)
def test_bad_arguments_when_building_raise_value_error(call: Callable[[Tree], object]) -> None:
    tree = Tree.from_leaves(LEAVES[:8])
    with pytest.raises(ValueError):  # noqa: PT011 - each case is its own bad argument
        call(tree)
    assert tree.size == 8  # a failed call changes nothing
    assert tree.root() == naive_mth(0, 8)


def test_negative_sizes_when_verifying_raise_value_error() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        verify_inclusion(LEAVES[0], -1, 1, [], LEAVES[0])
    with pytest.raises(ValueError):  # noqa: PT011
        verify_consistency(-1, 1, EMPTY_ROOT, LEAVES[0], [])


@pytest.mark.parametrize(
    ("leaf", "root"),
    [(LEAVES[0], b""), (b"", LEAVES[0]), (b"", b""), (LEAVES[0] + b"\0", LEAVES[0] + b"\0")],
)
def test_hashes_of_the_wrong_length_do_not_verify(leaf: bytes, root: bytes) -> None:
    """Go's TestVerifyInclusionSingleEntry: a one-leaf tree's root is its leaf."""
    verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])
    with pytest.raises(LedgerTampered, match=r"^inclusion proof does not verify$"):
        verify_inclusion(leaf, 0, 1, [], root)


def test_a_64_byte_element_cannot_stand_in_for_two_children() -> None:
    """Without the length check, H(0x01 || p) with p = left || right forges a parent."""
    tree = Tree.from_leaves(LEAVES[:4])
    proof = tree.inclusion_proof(0, 4)
    forged = tree.root(2) + proof[1]  # 64 bytes: both children of the root
    with pytest.raises(LedgerTampered):
        verify_inclusion(b"", 0, 2, [forged], tree.root())
