"""Marginal tables and the two private primitives the synthesizer is built from.

Everything here is plain numpy on integer-coded tables (column ``j`` takes values in
``[0, sizes[j])``). The two functions that touch private data add calibrated noise
and return their zero-concentrated DP (zCDP, Bun & Steinke 2016) cost next to the
result, so a caller can sum what it spent without re-deriving any formula:

* :func:`gaussian_counts` -- the Gaussian mechanism on a count vector. Adding or
  removing one row changes exactly one count by 1 (L2 sensitivity 1), so noise
  ``N(0, sigma^2)`` per cell is ``1 / (2 sigma^2)``-zCDP (Bun & Steinke, Prop. 1.6).
* :func:`exponential_mechanism` -- McSherry & Talwar's selection with a score of
  sensitivity ``Delta``. At privacy parameter ``eps`` it is ``eps``-DP and, by
  Cesar & Rogers (2021), ``eps^2 / 8``-zCDP -- the bound AIM (McKenna et al. 2022)
  uses.

The rest (simplex projection, marginals of a table) is deterministic post-processing
or non-private helper arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "IntArray",
    "cell_index",
    "exponential_mechanism",
    "gaussian_counts",
    "marginal",
    "project_simplex",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def cell_index(data: IntArray, cols: Sequence[int], sizes: Sequence[int]) -> IntArray:
    """Row-major cell number of each row in the marginal over ``cols`` (sizes ``sizes``)."""
    index = np.zeros(data.shape[0], dtype=np.int64)
    for col, size in zip(cols, sizes, strict=True):
        index *= size
        index += data[:, col]
    return index


def marginal(data: IntArray, cols: Sequence[int], sizes: Sequence[int]) -> FloatArray:
    """Exact counts of the marginal over ``cols``, flattened row-major (not private)."""
    cells = int(np.prod(sizes)) if len(sizes) else 1
    counts = np.bincount(cell_index(data, cols, sizes), minlength=cells)
    return counts.astype(np.float64)


def gaussian_counts(
    counts: FloatArray, sigma: float, rng: np.random.Generator
) -> tuple[FloatArray, float]:
    """Gaussian mechanism on a count vector with L2 sensitivity 1.

    Returns the noisy counts and the zCDP cost ``1 / (2 sigma^2)``.
    """
    if sigma <= 0:
        raise ValueError(f"noise sigma must be positive, got {sigma}")
    noisy = counts + rng.normal(0.0, sigma, size=counts.shape)
    return noisy, 1.0 / (2.0 * sigma * sigma)


def exponential_mechanism(
    scores: FloatArray, epsilon: float, sensitivity: float, rng: np.random.Generator
) -> tuple[int, float]:
    """Pick an index with probability proportional to ``exp(eps * score / (2 * Delta))``.

    Returns the index and the zCDP cost ``eps^2 / 8`` (Cesar & Rogers 2021): the
    mechanism is ``eps``-DP for scores of sensitivity ``Delta``, and a pure ``eps``-DP
    selection of this form is ``eps^2 / 8``-zCDP.
    """
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("the exponential mechanism needs epsilon > 0 and sensitivity > 0")
    logits = (epsilon / (2.0 * sensitivity)) * np.asarray(scores, dtype=np.float64)
    logits -= logits.max()
    weights = np.exp(logits)
    choice = int(rng.choice(len(weights), p=weights / weights.sum()))
    return choice, epsilon * epsilon / 8.0


def project_simplex(values: FloatArray, total: float) -> FloatArray:
    """Euclidean projection of ``values`` onto ``{x >= 0, sum(x) = total}``.

    The least-squares non-negative table closest to a noisy measurement: it subtracts
    one common threshold and clips at zero, which removes most of the noise in empty
    cells (Duchi et al. 2008, sort-based algorithm).
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    if total <= 0 or flat.size == 0:
        return np.zeros_like(flat)
    ordered = np.sort(flat)[::-1]
    cumulative = np.cumsum(ordered) - total
    ranks = np.arange(1, flat.size + 1, dtype=np.float64)
    positive = ordered - cumulative / ranks > 0
    last = int(np.nonzero(positive)[0][-1])
    threshold = cumulative[last] / (last + 1.0)
    projected: FloatArray = np.maximum(flat - threshold, 0.0)
    return projected
