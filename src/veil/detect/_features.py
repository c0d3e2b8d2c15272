"""Token features and windowing shared by NER training and inference.

Training (training/train_ner.py) and inference (``_model.py``) import these
functions, so the two cannot disagree on how text becomes model input.

The base encoder is uncased (all-MiniLM-L6-v2), which throws away the single
strongest cue for names in English: capitalisation. ``shape_ids`` gives it
back as a small learned embedding added to the word embeddings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
MAX_LEN = 256  # tokens per window including [CLS] and [SEP]
MARGIN = 16  # context tokens on each side whose predictions come from a neighbour window

# shape vocabulary: 0 pad/special, 1 lower, 2 Capitalised, 3 ALLCAPS, 4 has digit, 5 other
N_SHAPES = 6


def token_shape(piece: str) -> int:
    """Shape class of one token's original characters (before lowercasing)."""
    if not piece:
        return 5
    if any(c.isdigit() for c in piece):
        return 4
    if not piece[0].isalpha():
        return 5
    if piece.isupper():
        return 3 if len(piece) > 1 else 2
    return 2 if piece[0].isupper() else 1


def shape_ids(
    text: str, offsets: list[tuple[int, int]] | npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Shape class per token (``token_shape`` of each token's characters)."""
    if text.isascii() and len(offsets):
        return _ascii_shapes(text, np.asarray(offsets, dtype=np.int64).reshape(-1, 2))
    cache: dict[str, int] = {}  # pieces repeat a lot: classify each distinct one once
    shapes = []
    for s, e in np.asarray(offsets).reshape(-1, 2).tolist():
        piece = text[s:e]
        shape = cache.get(piece)
        if shape is None:
            shape = cache[piece] = token_shape(piece)
        shapes.append(shape)
    return np.array(shapes, dtype=np.int64)


def _ascii_shapes(text: str, spans: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``token_shape`` for every token at once, for ASCII text (most input): same
    result as the per-token loop, without a Python step per token."""
    chars = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    if not len(chars):
        return np.full(len(spans), 5, dtype=np.int64)
    digit = (chars >= 48) & (chars <= 57)
    upper = (chars >= 65) & (chars <= 90)
    lower = (chars >= 97) & (chars <= 122)
    starts, ends = spans[:, 0], spans[:, 1]

    def count(flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        prefix = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
        return prefix[ends] - prefix[starts]

    empty = ends <= starts
    first = np.minimum(starts, len(chars) - 1)
    first_upper, first_alpha = upper[first], upper[first] | lower[first]
    all_caps = count(lower) == 0
    shape = np.where(first_upper, 2, 1)
    shape = np.where(all_caps & first_alpha, np.where(ends - starts > 1, 3, 2), shape)
    shape = np.where(first_alpha, shape, 5)
    shape = np.where(count(digit) > 0, 4, shape)
    return np.where(empty, 5, shape).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Window:
    """Tokens ``[start, end)`` of a document go into one model input; predictions
    are kept for ``[keep_start, keep_end)`` only (the window's well-contextualised middle)."""

    start: int
    end: int
    keep_start: int
    keep_end: int


def windows(n_tokens: int, max_len: int = MAX_LEN, margin: int = MARGIN) -> Iterator[Window]:
    """Cover ``n_tokens`` with overlapping windows; every token is kept exactly once."""
    width = max_len - 2
    if n_tokens <= width:
        yield Window(0, n_tokens, 0, n_tokens)
        return
    step = width - 2 * margin
    start = 0
    while True:
        end = min(start + width, n_tokens)
        keep_start = 0 if start == 0 else start + margin
        if end == n_tokens:
            yield Window(start, end, keep_start, end)
            return
        yield Window(start, end, keep_start, end - margin)
        start += step


def pack(
    ids: npt.NDArray[np.int64], shapes: npt.NDArray[np.int64], win: Window
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One window's model input with [CLS] ... [SEP]; shapes of specials are 0."""
    body = ids[win.start : win.end]
    input_ids = np.concatenate(([CLS_ID], body, [SEP_ID])).astype(np.int64)
    shape = np.concatenate(([0], shapes[win.start : win.end], [0])).astype(np.int64)
    return input_ids, shape
