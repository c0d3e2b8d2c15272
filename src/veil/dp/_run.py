"""``veil synth``: check, charge the budget, fit, sample, write, report.

The order is the point: the table is read and checked against its declared domain,
then the run's (ε, δ) is charged to the dataset's budget in the ledger, and only then
is anything fit or released: a crash can waste budget but never spend it unrecorded.
The report's fidelity figures compare the synthetic table with the real one; they are
for the data owner and are marked as such (they are not DP).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veil.dp._accountant import MAX_DELTA, Accountant, epsilon_of
from veil.dp._table import Domain, read_table, write_table
from veil.errors import ConfigError
from veil.ledger._record import sha256_file

__all__ = ["SynthReport", "rho_for", "synthesize"]

_MIN_RHO = 1e-9  # below this no statistic survives the noise: refuse rather than emit junk
_MAX_ROWS = 100_000_000


@dataclass
class SynthReport:
    dataset: str
    rows_in: int
    rows_out: int
    epsilon: float
    delta: float
    rho: float
    total_epsilon: float
    budget_epsilon: float
    seconds: float
    marginals: list[tuple[str, ...]]
    fidelity: dict[str, Any] = field(default_factory=dict)
    privacy: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["marginals"] = [list(m) for m in self.marginals]
        out["note"] = (
            "rows_in and fidelity come from the real table and are not differentially "
            "private: keep them with the data owner"
        )
        return out


def rho_for(epsilon: float, delta: float) -> float:
    """The largest zCDP ρ whose (ε, δ) under the accountant's conversion is at most ``epsilon``."""
    if not (math.isfinite(epsilon) and epsilon > 0 and 0 < delta <= MAX_DELTA):
        raise ConfigError(f"--epsilon must be > 0 and --delta in (0, {MAX_DELTA:g}], e.g. 1e-9")
    low, high = 0.0, epsilon
    for _ in range(60):  # bisection: ε(ρ) is increasing in ρ
        mid = (low + high) / 2
        if epsilon_of([{"zcdp": mid}], delta) <= epsilon:
            low = mid
        else:
            high = mid
    if low < _MIN_RHO:
        raise ConfigError(f"ε={epsilon:g} at δ={delta:g} leaves no usable budget: raise --epsilon")
    return low


def synthesize(
    src: Path,
    dst: Path,
    *,
    domain: Path,
    epsilon: float,
    delta: float,
    home: Path,
    dataset: str | None = None,
    target: str | None = None,
    rows: int | None = None,
    seed: int | None = None,
    holdout: Path | None = None,
) -> SynthReport:
    from veil.dp._synth import fit

    spec = Domain.load(domain)
    target_index = spec.index(target) if target else None
    rho = rho_for(epsilon, delta)
    if rows is not None and not 1 <= rows <= _MAX_ROWS:
        raise ConfigError(f"--rows must be between 1 and {_MAX_ROWS:,}")
    name = dataset or src.name
    started = time.perf_counter()
    data = read_table(src, spec)  # validated first: a malformed table wastes no budget
    unseen = read_table(holdout, spec) if holdout is not None else None
    sha, _ = sha256_file(src)
    with Accountant.open(home, name) as accountant:
        total = accountant.charge([{"zcdp": rho}], purpose="synth", table_sha256=sha)
        budget = accountant.budget()
    rng = np.random.default_rng(seed)
    try:
        model = fit(data, spec.sizes, rho=rho, target=target_index, rng=rng)
    except ValueError as exc:  # the table was checked above: this is a setting, not the data
        raise ConfigError(f"cannot fit a synthesizer: {exc}") from None
    out = model.sample(rows or _noisy_rows(model, data), rng)
    write_table(dst, out, spec, rng)
    names = [c.name for c in spec.columns]
    return SynthReport(
        dataset=name,
        rows_in=len(data),
        rows_out=len(out),
        epsilon=epsilon,
        delta=delta,
        rho=rho,
        total_epsilon=total,
        budget_epsilon=budget.epsilon if budget else float("nan"),
        seconds=round(time.perf_counter() - started, 2),
        marginals=[tuple(names[i] for i in m) for m, _ in model.measurements],
        fidelity=fidelity(data, out, spec.sizes, names, target_index),
        privacy=_privacy(out, data, unseen, spec, rng),
    )


def _privacy(
    synth: np.ndarray, train: np.ndarray, holdout: np.ndarray | None, spec: Domain, rng: Any
) -> dict[str, Any]:
    """Membership signal of the synthetic rows against a holdout (``--holdout``)."""
    if holdout is None:
        return {"note": "pass --holdout (real rows the generator never saw) for these figures"}
    from veil.dp._mia import audit_synthetic

    ordinal = [i for i, c in enumerate(spec.columns) if c.kind != "categorical"]
    report = audit_synthetic(synth, train, holdout, rng=rng, ordinal=ordinal)
    return {
        "membership_auc": round(report.auc, 4),
        "attack": report.attack,
        "dcr_share_closer_to_train": round(report.dcr_share_closer_to_train, 4),
        "exact_copies": round(report.exact_copies, 4),
    }


def _noisy_rows(model: Any, data: np.ndarray) -> int:
    """The model's own noisy row count when it measured one; never the true count."""
    noisy = getattr(model, "n_estimate", None)
    if noisy is None:
        raise ConfigError("this synthesizer keeps no noisy row count: pass --rows N")
    if not 1 <= noisy <= _MAX_ROWS:  # the count is already DP: checking it leaks nothing
        raise ConfigError(
            f"the noisy row count is implausible ({noisy:.3g}): the budget is too small for "
            "this table; raise --epsilon or pass --rows"
        )
    return max(1, round(float(noisy)))


def fidelity(
    real: np.ndarray, synth: np.ndarray, sizes: list[int], names: list[str], target: int | None
) -> dict[str, Any]:
    """1-way TVD per column, mean 2-way TVD, exact-copy rate, TSTR AUC when a target is set."""
    one = {names[j]: round(_tvd(real, synth, (j,), sizes), 4) for j in range(len(sizes))}
    pairs = [_tvd(real, synth, p, sizes) for p in itertools.combinations(range(len(sizes)), 2)]
    report: dict[str, Any] = {
        "tvd_1way": one,
        "tvd_2way_mean": round(float(np.mean(pairs)), 4) if pairs else None,
        "exact_copies": round(_copies(real, synth), 4),
    }
    if target is not None:
        report["tstr_auc"] = _tstr(real, synth, target)
    return report


def _tvd(a: np.ndarray, b: np.ndarray, cols: tuple[int, ...], sizes: list[int]) -> float:
    shape = tuple(sizes[c] for c in cols)
    ia = np.ravel_multi_index(tuple(a[:, c] for c in cols), shape)
    ib = np.ravel_multi_index(tuple(b[:, c] for c in cols), shape)
    pa_ = np.bincount(ia, minlength=int(np.prod(shape))) / len(a)
    pb = np.bincount(ib, minlength=int(np.prod(shape))) / len(b)
    return float(0.5 * np.abs(pa_ - pb).sum())


def _copies(real: np.ndarray, synth: np.ndarray) -> float:
    """Share of synthetic rows identical to some real row (a memorisation smell)."""
    seen = {row.tobytes() for row in real}
    return sum(row.tobytes() in seen for row in synth) / max(1, len(synth))


def _tstr(real: np.ndarray, synth: np.ndarray, target: int) -> float | None:
    """Train on synthetic, test on real (ROC AUC); None without scikit-learn or one class."""
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.metrics import roc_auc_score
    except ImportError:
        return None
    features = [j for j in range(real.shape[1]) if j != target]
    y_syn, y_real = synth[:, target], real[:, target]
    classes = np.unique(y_real)
    if len(classes) != 2 or not set(classes) <= set(np.unique(y_syn)):
        return None
    positive = int(classes.max())  # whatever the codes are, the higher one is "positive"
    model = HistGradientBoostingClassifier().fit(synth[:, features], y_syn)
    scores = model.predict_proba(real[:, features])[:, list(model.classes_).index(positive)]
    return round(float(roc_auc_score(y_real == positive, scores)), 4)
