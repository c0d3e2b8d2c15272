"""Differentially private synthetic data: a private Bayesian network over compressed domains.

The generator is in the MST / AIM / PrivBayes family (McKenna et al. 2021, 2022; Zhang
et al. 2017) and accounts for every access to the data in zero-concentrated DP (zCDP,
Bun & Steinke 2016), so the costs simply add up to ``SynthModel.spent_rho <= rho``:

1. **1-way marginals** of every column, Gaussian mechanism (L2 sensitivity 1):
   ``1 / (2 sigma_j^2)`` each, ``one_way_share * rho`` in all. Wide columns get more of
   it (``rho_j ~ size_j^(2/3)``, which minimises the summed L1 error ``sum_j size_j sigma_j``)
   because their fine 1-way marginal is what values are finally drawn from.
2. **Post-processing only** (free): the number of rows is estimated from the noisy 1-way
   totals, never read from the data; each column is compressed to a few bins from its
   noisy 1-way marginal (rare values pooled as in MST, then neighbouring values merged
   into bins of about equal mass, as for discretised numbers).
3. **Structure**, one exponential-mechanism selection per attribute added to the network
   (``eps^2 / 8`` each, ``select_share * rho`` in all): the next (child, parents) family,
   scored by how far the child is from independent of its parents in the compressed data
   (L1, sensitivity 2) minus the L1 noise the measurement would add. With a target column,
   the target is the root and a parent of every other attribute (tree-augmented naive
   Bayes), so its relation to every feature is measured directly.
4. **Measurement** of each chosen family's compressed marginal, Gaussian mechanism:
   ``1 / (2 sigma^2)`` each, the rest of the budget split evenly over the rounds (a
   round whose selection is "no parents" measures nothing and passes its share on).
5. **Estimation** (free): each noisy family is projected onto the non-negative tables
   with the estimated total, then fitted (iterative proportional fitting) to the model's
   own marginal of the parents and to the child's 1-way marginal, so the conditionals
   chain into a consistent network whose 1-way marginals match the better 1-way
   measurements.

Sampling is ancestral: bins from the conditionals, then a fine value within each bin from
the noisy 1-way marginal. The model keeps only noisy statistics, never rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from veil.dp._marginals import (
    FloatArray,
    IntArray,
    cell_index,
    exponential_mechanism,
    gaussian_counts,
    marginal,
    project_simplex,
)

__all__ = ["SynthConfig", "SynthModel", "fit", "rho_from_eps_delta"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # E|N(0, sigma^2)| = sigma sqrt(2 / pi)
# The dependence score changes by at most 2 when one row is added or removed.
_SCORE_SENSITIVITY = 2.0
# Floating-point headroom so that the summed costs never exceed the budget by rounding.
_BUDGET_SLACK = 1e-9
_TINY = 1e-12
_MERGE_CHUNKS = 1024

Family = tuple[int, tuple[int, ...]]  # (child, parents)


def rho_from_eps_delta(eps: float, delta: float) -> float:
    """The zCDP ``rho`` whose (eps, delta)-DP guarantee is exactly ``eps``.

    ``rho``-zCDP implies (``rho + 2 sqrt(rho ln(1/delta))``, ``delta``)-DP (Bun & Steinke
    2016, Prop. 1.3); solving for the largest ``rho`` gives
    ``(sqrt(ln(1/delta) + eps) - sqrt(ln(1/delta)))^2``.
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"epsilon must be a positive number, got {eps}")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    log_inv = math.log(1.0 / delta)
    return (math.sqrt(log_inv + eps) - math.sqrt(log_inv)) ** 2


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Tuning knobs; the defaults were tuned on UCI Adult at eps = 1 (bench/synth.py).

    ``one_way_share`` / ``select_share``: fractions of rho for the 1-way marginals and the
    structure selections (the rest measures the families). ``bins_scale``: a column is
    compressed to at most ``bins_scale * sqrt(n / sigma)`` bins, ``sigma`` the family noise,
    so that bins hold many noise standard deviations of rows. ``rare_sigmas``: values whose
    noisy count is below this many 1-way sigmas are pooled. ``max_cells``: largest
    family table measured. ``mc_rows``: rows of the model sample used to read the model's
    own parent marginals (post-processing, costs no privacy).
    """

    one_way_share: float = 0.4
    select_share: float = 0.05
    one_way_exponent: float = 2.0 / 3.0
    bins_scale: float = 0.4
    min_bins: int = 2
    max_bins: int = 64
    rare_sigmas: float = 3.0
    max_parents: int = 2
    max_cells: int = 4096
    target_parent: bool = True
    mc_rows: int = 200_000
    ipf_iters: int = 10

    def __post_init__(self) -> None:
        if self.one_way_share <= 0 or self.select_share <= 0:
            raise ValueError("one_way_share and select_share must be positive")
        if self.one_way_share + self.select_share >= 1:
            raise ValueError("one_way_share + select_share must leave budget to measure")
        if self.max_parents < 1 or self.min_bins < 2 or self.max_bins < self.min_bins:
            raise ValueError("need max_parents >= 1 and 2 <= min_bins <= max_bins")
        if self.mc_rows < 1 or self.ipf_iters < 0 or self.max_cells < 1:
            raise ValueError("mc_rows, max_cells must be positive and ipf_iters >= 0")


@dataclass(frozen=True, slots=True)
class _Column:
    """How one column is compressed: fine value -> bin, and P(fine value | bin)."""

    bin_of: IntArray  # (size,)
    within: FloatArray  # (bins, size) cumulative P(fine | bin), each row ending at 1

    @property
    def bins(self) -> int:
        return int(self.within.shape[0])


@dataclass(frozen=True, slots=True)
class _Node:
    """One attribute of the network: cumulative P(child bin | parent bins configuration)."""

    col: int
    parents: tuple[int, ...]
    cum: FloatArray  # (parent configurations, child bins), each row ending at 1


@dataclass(slots=True)
class SynthModel:
    """A fitted generator: noisy statistics turned into a Bayesian network, never rows.

    ``spent_rho`` is the zCDP cost of the fit, exactly the sum of its mechanisms' costs:
    ``1 / (2 sigma^2)`` for each Gaussian measurement in ``measurements`` (columns, noise
    sigma; family marginals were measured over the columns' compressed bins) plus
    ``eps^2 / 8`` for each exponential-mechanism selection in ``selections`` (its eps).
    """

    sizes: tuple[int, ...]
    columns: tuple[_Column, ...]
    nodes: tuple[_Node, ...]
    n_estimate: float
    spent_rho: float
    measurements: list[tuple[tuple[int, ...], float]] = field(default_factory=list)
    selections: list[float] = field(default_factory=list)

    def sample(self, n: int, rng: np.random.Generator) -> IntArray:
        """Draw ``n`` synthetic rows (n x d ints, column j in [0, sizes[j]))."""
        if n < 0:
            raise ValueError(f"cannot sample a negative number of rows ({n})")
        bins = self._sample_bins(n, rng)
        out = np.zeros_like(bins)
        for col, column in enumerate(self.columns):
            if self.sizes[col] > 1:
                out[:, col] = _draw(column.within, bins[:, col], rng)
        return out

    def _sample_bins(self, n: int, rng: np.random.Generator) -> IntArray:
        bins = np.zeros((n, len(self.sizes)), dtype=np.int64)
        for node in self.nodes:
            sizes = [self.columns[p].bins for p in node.parents]
            bins[:, node.col] = _draw(node.cum, cell_index(bins, node.parents, sizes), rng)
        return bins


@dataclass(slots=True)
class _Spend:
    """Running zCDP total; every mechanism's cost is added here and nowhere else."""

    limit: float
    budget: float
    spent: float = 0.0
    measurements: list[tuple[tuple[int, ...], float]] = field(default_factory=list)
    selections: list[float] = field(default_factory=list)

    def measure(
        self, counts: FloatArray, cols: tuple[int, ...], sigma: float, rng: np.random.Generator
    ) -> FloatArray:
        """Gaussian mechanism, sensitivity 1: costs ``1 / (2 sigma^2)``."""
        noisy, cost = gaussian_counts(counts, sigma, rng)
        self._add(cost)
        self.measurements.append((cols, sigma))
        return noisy

    def select(self, scores: FloatArray, epsilon: float, rng: np.random.Generator) -> int:
        """Exponential mechanism, score sensitivity 2: costs ``epsilon^2 / 8``."""
        choice, cost = exponential_mechanism(scores, epsilon, _SCORE_SENSITIVITY, rng)
        self._add(cost)
        self.selections.append(epsilon)
        return choice

    def _add(self, cost: float) -> None:
        self.spent += cost
        if self.spent > self.limit:  # pragma: no cover - guarded by the budget arithmetic
            raise RuntimeError("privacy budget overspent")


def fit(
    data: np.ndarray,
    sizes: Sequence[int],
    *,
    rho: float,
    target: int | None = None,
    rng: np.random.Generator,
    config: SynthConfig | None = None,
) -> SynthModel:
    """Fit a ``rho``-zCDP generator to ``data`` (n x d ints, column j in [0, sizes[j])).

    ``target``: a column that downstream models will predict; it becomes a parent of every
    other column. Domain ``sizes`` are public; nothing else about the data is assumed --
    not even the row count, which is estimated from the noisy 1-way marginals (see
    ``SynthModel.n_estimate``). Costs are listed in the module docstring; the returned
    model's ``spent_rho`` is their exact sum and never exceeds ``rho``. Raises
    ``ValueError`` for an empty table, a value outside its column's domain, ``rho <= 0``
    and other malformed input.
    """
    cfg = config or SynthConfig()
    table, dom = _validate(data, sizes, rho, target)
    spend = _Spend(limit=rho, budget=rho * (1.0 - _BUDGET_SLACK))
    active = [j for j, size in enumerate(dom) if size > 1]
    if not active:  # every column is constant: nothing to learn, nothing spent
        constant = tuple(_constant_column(size) for size in dom)
        return SynthModel(dom, constant, (), 0.0, 0.0)
    noisy = _measure_one_way(table, dom, active, spend=spend, cfg=cfg, rng=rng)
    n_hat = _estimate_total(noisy)
    meas_budget = (1.0 - cfg.one_way_share - cfg.select_share) * spend.budget
    max_bins = _max_bins(n_hat, meas_budget, len(active), cfg)
    columns, one_way = _compress_columns(dom, noisy, n_hat, max_bins, cfg)
    binned = _binned(table, columns, active)
    network = [j for j in active if columns[j].bins > 1]
    tgt = target if target is not None and target in network else None
    grower = _Network(binned, [c.bins for c in columns], one_way, n_hat, spend, cfg, rng)
    isolated = [grower.root(j) for j in active if j not in network]
    nodes = grower.grow(network, tgt)
    return SynthModel(
        sizes=dom,
        columns=tuple(columns),
        nodes=tuple(isolated + nodes),
        n_estimate=n_hat,
        spent_rho=spend.spent,
        measurements=spend.measurements,
        selections=spend.selections,
    )


def _validate(
    data: np.ndarray, sizes: Sequence[int], rho: float, target: int | None
) -> tuple[IntArray, tuple[int, ...]]:
    """Check the inputs; messages name columns and ranges, never values from the data."""
    if not (isinstance(rho, int | float | np.floating) and math.isfinite(rho) and rho > 0):
        raise ValueError(f"rho must be a positive finite number, got {rho!r}")
    table = np.asarray(data)
    if table.ndim != 2:
        raise ValueError(f"data must be a 2-D table (rows x columns), got {table.ndim}-D")
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError(f"data is empty ({table.shape[0]} rows x {table.shape[1]} columns)")
    if not (np.issubdtype(table.dtype, np.integer) or table.dtype == np.bool_):
        raise ValueError(f"data must hold integer codes, got dtype {table.dtype}")
    dom = tuple(int(s) for s in sizes)
    if len(dom) != table.shape[1]:
        raise ValueError(f"sizes has {len(dom)} entries for {table.shape[1]} columns")
    if any(s < 1 for s in dom):
        raise ValueError("every domain size must be at least 1")
    table = table.astype(np.int64)
    low, high = table.min(axis=0), table.max(axis=0)
    for j, size in enumerate(dom):
        if low[j] < 0 or high[j] >= size:
            raise ValueError(f"column {j} has a value outside its domain [0, {size})")
    if target is not None and not 0 <= target < len(dom):
        raise ValueError(f"target {target} is not a column index (0..{len(dom) - 1})")
    return table, dom


def _measure_one_way(
    table: IntArray,
    dom: tuple[int, ...],
    active: list[int],
    *,
    spend: _Spend,
    cfg: SynthConfig,
    rng: np.random.Generator,
) -> dict[int, tuple[FloatArray, float]]:
    """Gaussian 1-way marginals, ``rho_j ~ size_j^exponent`` (sum: ``one_way_share * rho``).

    Returns each column's noisy counts with its sigma.
    """
    share = cfg.one_way_share if len(active) > 1 else 1.0  # one column: nothing else to buy
    weights = np.array([float(dom[j]) ** cfg.one_way_exponent for j in active])
    weights *= share * spend.budget / weights.sum()
    noisy: dict[int, tuple[FloatArray, float]] = {}
    for j, rho_j in zip(active, weights, strict=True):
        sigma = math.sqrt(1.0 / (2.0 * float(rho_j)))
        counts = spend.measure(marginal(table, [j], [dom[j]]), (j,), sigma, rng)
        noisy[j] = (counts, sigma)
    return noisy


def _estimate_total(noisy: dict[int, tuple[FloatArray, float]]) -> float:
    """Row count from the noisy 1-way totals: inverse-variance weighted mean (free).

    The total of a noisy marginal with ``k`` cells has variance ``k sigma^2``.
    """
    weights = np.array([1.0 / (y.size * s * s) for y, s in noisy.values()])
    totals = np.array([y.sum() for y, _ in noisy.values()])
    return max(float((weights * totals).sum() / weights.sum()), 1.0)


def _max_bins(n_hat: float, meas_budget: float, active: int, cfg: SynthConfig) -> int:
    """Bins per column: ``bins_scale * sqrt(n / sigma)`` at the nominal family noise."""
    families = max(active - 1, 1)
    sigma = math.sqrt(families / (2.0 * meas_budget))
    bins = round(cfg.bins_scale * math.sqrt(n_hat / sigma))
    return int(min(max(bins, cfg.min_bins), cfg.max_bins))


def _compress_columns(
    dom: tuple[int, ...],
    noisy: dict[int, tuple[FloatArray, float]],
    n_hat: float,
    max_bins: int,
    cfg: SynthConfig,
) -> tuple[list[_Column], dict[int, FloatArray]]:
    """Each column's bins and its compressed 1-way counts, from the noisy 1-way (free)."""
    columns = [_constant_column(size) for size in dom]
    one_way: dict[int, FloatArray] = {}
    for j, (counts, sigma) in noisy.items():
        fine = project_simplex(counts, n_hat)
        bin_of = _bin_map(fine, cfg.rare_sigmas * sigma, max_bins)
        bins = int(bin_of.max()) + 1
        within = np.zeros((bins, dom[j]))
        within[bin_of, np.arange(dom[j])] = fine + _TINY  # empty bins: uniform within
        columns[j] = _Column(bin_of, _cumulative(within))
        one_way[j] = np.bincount(bin_of, weights=fine, minlength=bins).astype(np.float64)
    return columns, one_way


def _constant_column(size: int) -> _Column:
    return _Column(np.zeros(size, dtype=np.int64), _cumulative(np.ones((1, size))))


def _bin_map(counts: FloatArray, threshold: float, max_bins: int) -> IntArray:
    """Map fine values to bins: pool values below ``threshold``, then merge neighbours.

    Pooling rare values (MST's compression) stops noise in near-empty cells from
    swamping the family tables. If more values remain than bins, neighbouring values
    (in code order, as for a discretised number) are merged, lightest adjacent pair
    first, so bins end up of similar noisy mass while a heavy value keeps its own bin.
    """
    kept = np.flatnonzero(counts >= threshold)
    bin_of = np.zeros(counts.size, dtype=np.int64)
    if kept.size == 0:
        return bin_of
    room = max_bins - 1 if kept.size < counts.size else max_bins
    groups = _merge_neighbours(counts[kept], max(room, 1))
    bin_of[:] = int(groups.max()) + 1  # the pool of rare values, if any
    bin_of[kept] = groups
    return bin_of


def _merge_neighbours(mass: FloatArray, groups: int) -> IntArray:
    """Group consecutive entries of ``mass`` into ``groups`` runs, merging the lightest pair.

    Returns the run number of each entry (0, 1, ... in order). Very long inputs are
    first cut into ``_MERGE_CHUNKS`` equal-length runs so the quadratic loop stays short.
    """
    if mass.size > _MERGE_CHUNKS > groups:
        chunk = np.arange(mass.size) * _MERGE_CHUNKS // mass.size
        coarse = np.bincount(chunk, weights=mass).astype(np.float64)
        return _merge_neighbours(coarse, groups)[chunk]
    sizes = np.ones(mass.size, dtype=np.int64)
    totals = mass.astype(np.float64).copy()
    while totals.size > groups:
        i = int(np.argmin(totals[:-1] + totals[1:]))
        totals[i] += totals[i + 1]
        sizes[i] += sizes[i + 1]
        totals = np.delete(totals, i + 1)
        sizes = np.delete(sizes, i + 1)
    return np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)


def _binned(table: IntArray, columns: list[_Column], active: list[int]) -> IntArray:
    binned = np.zeros_like(table)
    for j in active:
        binned[:, j] = columns[j].bin_of[table[:, j]]
    return binned


@dataclass(slots=True)
class _Network:
    """The network being grown, with everything its rounds share.

    ``model`` is a sample of ``mc_rows`` rows (bins) drawn from the network so far; the
    parent marginals that estimation needs are read off it (post-processing, free).
    """

    binned: IntArray
    nbins: list[int]
    one_way: dict[int, FloatArray]
    n_hat: float
    spend: _Spend
    cfg: SynthConfig
    rng: np.random.Generator
    model: IntArray = field(init=False)
    nodes: list[_Node] = field(default_factory=list)
    placed: list[int] = field(default_factory=list)
    dependence: dict[Family, tuple[float, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = np.zeros((self.cfg.mc_rows, self.binned.shape[1]), dtype=np.int64)

    def grow(self, network: list[int], target: int | None) -> list[_Node]:
        """Add every column of ``network``, one selected and measured family per round.

        Each round costs one exponential-mechanism selection (``eps^2 / 8``) and, unless
        "no parents" wins, one Gaussian measurement (``1 / (2 sigma^2)``); a round that
        measures nothing leaves its measurement budget to the later rounds.
        """
        rounds = len(network) - 1
        if rounds <= 0:
            for j in network:
                self.place(self.root(j))
            return self.nodes
        epsilon = math.sqrt(8.0 * self.cfg.select_share * self.spend.budget / rounds)
        left = (1.0 - self.cfg.one_way_share - self.cfg.select_share) * self.spend.budget
        if target is not None:
            self.place(self.root(target))
        forced = target if self.cfg.target_parent else None
        for r in range(rounds):
            sigma = math.sqrt((rounds - r) / (2.0 * left))
            families = self.candidates(network, forced)
            scores = np.array([self.score(f, sigma) for f in families])
            child, parents = families[self.spend.select(scores, epsilon, self.rng)]
            if not self.placed:  # the first pair: its parent is the root
                self.place(self.root(parents[0]))
            if not parents:
                self.place(self.root(child))
                continue
            before = self.spend.spent
            self.place(self.measure(child, parents, sigma))
            left -= self.spend.spent - before
        return self.nodes

    def root(self, col: int) -> _Node:
        """A node with no parents: the column's compressed noisy 1-way distribution."""
        return _Node(col, (), _cumulative(self.one_way[col][None, :] + _TINY))

    def place(self, node: _Node) -> None:
        """Add ``node`` to the network and extend the model sample with its column."""
        config = cell_index(self.model, node.parents, [self.nbins[p] for p in node.parents])
        self.model[:, node.col] = _draw(node.cum, config, self.rng)
        self.nodes.append(node)
        self.placed.append(node.col)

    def candidates(self, network: list[int], forced: int | None) -> list[Family]:
        """Families that may join next: an unplaced child, up to ``max_parents`` placed parents.

        ``forced`` (the target) is a parent of every family. Before anything is placed
        (no target), candidates are pairs ``(b, (a,))`` that place both columns.
        """
        if not self.placed:
            return [(b, (a,)) for a, b in itertools.combinations(network, 2)]
        pool = [p for p in self.placed if p != forced]
        extra = self.cfg.max_parents - (forced is not None)
        out: list[Family] = []
        for child in (c for c in network if c not in self.placed):
            out.append((child, ()))
            for k in range(extra + 1):
                for others in itertools.combinations(pool, k):
                    parents = (forced, *others) if forced is not None else others
                    if parents and self.cells((*parents, child)) <= self.cfg.max_cells:
                        out.append((child, parents))
        return out

    def cells(self, cols: tuple[int, ...]) -> int:
        return math.prod(self.nbins[c] for c in cols)

    def score(self, family: Family, sigma: float) -> float:
        """What measuring ``family`` is worth: its dependence minus the noise it would add.

        Dependence is ``|| M(parents, child) - M(parents) x p(child) ||_1`` on the
        compressed data, ``p`` the noisy 1-way distribution (public after step 1); one
        row more or less moves it by at most 2 (sensitivity 2). The expected L1 norm of
        the measurement noise, ``sigma sqrt(2/pi)`` per cell, is subtracted (as in AIM),
        so wide tables must earn their noise; the empty family scores 0.
        """
        child, parents = family
        if not parents:
            return 0.0
        if family not in self.dependence:
            cols = (*parents, child)
            joint = marginal(self.binned, cols, [self.nbins[c] for c in cols])
            joint = joint.reshape(-1, self.nbins[child])
            p_child = _normalised(self.one_way[child])
            independent = np.outer(joint.sum(axis=1), p_child)
            self.dependence[family] = (float(np.abs(joint - independent).sum()), joint.size)
        dependence, cells = self.dependence[family]
        return dependence - _SQRT_2_OVER_PI * sigma * cells

    def measure(self, child: int, parents: tuple[int, ...], sigma: float) -> _Node:
        """Measure the family's table (Gaussian, ``1 / (2 sigma^2)``) and fit its node."""
        cols = (*parents, child)
        truth = marginal(self.binned, cols, [self.nbins[c] for c in cols])
        noisy = self.spend.measure(truth, cols, sigma, self.rng)
        return self.fit_family(noisy, child, parents)

    def fit_family(self, noisy: FloatArray, child: int, parents: tuple[int, ...]) -> _Node:
        """Turn a noisy family table into P(child | parents) (free post-processing).

        The table is projected onto the non-negative tables summing to ``n_hat`` (least
        squares), then raked (iterative proportional fitting) so that its parent margin
        is the model's own and its child margin the 1-way measurement's: the
        conditionals then reproduce the child's 1-way marginal, which was measured with
        less noise than the family table's margin. Parent configurations the projection
        left empty fall back to the child's 1-way distribution.
        """
        joint = project_simplex(noisy, self.n_hat).reshape(-1, self.nbins[child])
        p_child = _normalised(self.one_way[child])
        parent_margin = _normalised(marginal(self.model, parents, [self.nbins[p] for p in parents]))
        raked = _rake(
            joint + _TINY, parent_margin * self.n_hat, p_child * self.n_hat, self.cfg.ipf_iters
        )
        cond = raked / np.maximum(raked.sum(axis=1, keepdims=True), _TINY)
        cond[joint.sum(axis=1) <= _TINY] = p_child
        return _Node(child, parents, _cumulative(cond + _TINY))


def _normalised(counts: FloatArray) -> FloatArray:
    return counts / max(float(counts.sum()), _TINY)


def _rake(table: FloatArray, rows: FloatArray, cols: FloatArray, iters: int) -> FloatArray:
    """Iterative proportional fitting of ``table`` to row and column totals."""
    out = table.copy()
    for _ in range(iters):
        out *= (rows / np.maximum(out.sum(axis=1), _TINY))[:, None]
        out *= (cols / np.maximum(out.sum(axis=0), _TINY))[None, :]
    return out


def _cumulative(probs: FloatArray) -> FloatArray:
    """Row-wise cumulative distribution, each row normalised to end exactly at 1."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    return cum


def _draw(cum: FloatArray, rows: IntArray, rng: np.random.Generator) -> IntArray:
    """For each entry of ``rows``, draw a column index from that row of ``cum``.

    Vectorised inverse-CDF sampling: row ``r``'s CDF is shifted by ``r`` so that all rows
    form one increasing array and a single ``searchsorted`` serves every draw.
    """
    nrows, ncols = cum.shape
    flat = (cum + np.arange(nrows, dtype=np.float64)[:, None]).ravel()
    pos = np.searchsorted(flat, rows + rng.random(rows.shape[0]), side="right")
    drawn: IntArray = np.minimum(pos - rows * ncols, ncols - 1).astype(np.int64)
    return drawn
