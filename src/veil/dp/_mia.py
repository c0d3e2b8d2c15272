"""Membership-inference audits: ``veil risk model`` and ``veil risk synth``.

A membership-inference attack guesses whether a record was in a model's training set.
Its success is the empirical privacy a release actually has, whatever its nominal
epsilon; a DP model should leave every attack near a coin toss. The audits here run
the standard attacks and report, per attack, the ROC AUC, the best balanced accuracy
and the true-positive rate at 1 % and 0.1 % false positives -- the low-FPR numbers are
the ones that matter (Carlini et al. 2022, "Membership Inference Attacks From First
Principles", §III): an attack that confidently identifies a few records is a real
leak even when its AUC is modest.

Model audit (:func:`audit_model`). Members are the target's training rows (label 1);
non-members are population rows the target never saw (label 0). ``K`` shadow (also
called reference) models are retrained with the target's own recipe on random subsets
of the pool *members + population*, each the size of the target's training set; the
subsets are disjoint blocks of a fresh permutation of the pool, so every record is IN
about ``K * size / pool`` shadows and OUT of the rest (with a population as large as the
members these are the random halves of the LiRA paper). Each record's confidence on its
true label is logit-scaled, ``phi = log(p_y / (1 - p_y))``, which makes its spread over
shadow models close to Gaussian. Attacks:

* ``loss`` -- Yeom et al. 2018 ("Privacy Risk in Machine Learning"): the target's loss
  on the record, thresholded (score: ``log p_y``); needs no shadow model;
* ``lira-offline`` -- Carlini et al. 2022: a one-sided test of the target's ``phi``
  against the Gaussian of ``phi`` over the OUT shadows of that record;
* ``lira-online`` -- Carlini et al. 2022: the likelihood ratio of the target's ``phi``
  under the per-record IN and OUT Gaussians (the headline figure: the strongest at low
  FPR when each record has IN and OUT shadows);
* ``rmia`` -- Zarifzadeh et al. 2024 ("Low-Cost High-Power Membership Inference
  Attacks"): the target's ``p_y`` over its mean across the reference models (the
  pairwise comparison with population records is monotone in it: same ROC).

Synthetic-data audit (:func:`audit_synthetic`): distance to the closest record (DCR)
of synthetic rows to the training rows versus an equally large holdout, and a
membership attack that scores real records by how close the nearest synthetic row
comes (Chen et al. 2020, "GAN-Leaks"; Stadler et al. 2022; van Breugel et al. 2023).

Reports hold aggregate numbers and ROC curves only, never a row or a per-row score.
"""

from __future__ import annotations

import html
import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from veil.dp._marginals import FloatArray, IntArray

__all__ = [
    "AttackResult",
    "AuditReport",
    "Classifier",
    "MembershipScores",
    "Roc",
    "SynthAuditReport",
    "TorchProba",
    "audit_model",
    "audit_synthetic",
    "lira_scores",
    "membership_scores",
    "model_report",
    "report_html",
    "report_png",
    "rmia_scores",
    "roc_curve",
    "summarize",
]

BoolArray = npt.NDArray[np.bool_]


class Classifier(Protocol):
    """Anything with scikit-learn's ``predict_proba`` (rows x classes probabilities)."""

    def predict_proba(self, X: Any, /) -> Any: ...  # noqa: N803


TrainFn = Callable[[npt.NDArray[Any], npt.NDArray[Any]], Classifier]

PRIMARY_ATTACK = "lira-online"
SYNTH_ATTACK = "dcr"
ROC_POINTS = 500
# Probabilities are floored here before logs: a model that is certain gives phi ~ +-69.
_PROB_FLOOR = 1e-30
# Carlini et al. (2022, §VI-B): with few shadow models a global variance beats per-record
# estimates; a record's own variance is used once this many shadows back it.
_MIN_PER_RECORD_VAR = 32
_VAR_FLOOR = 1e-4
_BLOCK_ROWS = 512


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class Roc:
    """An ROC curve, false- against true-positive rate, both non-decreasing from (0, 0)."""

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class AttackResult:
    """How well one attack separates members from non-members."""

    attack: str
    auc: float
    balanced_accuracy: float
    tpr_at_1pct_fpr: float
    tpr_at_0_1pct_fpr: float
    roc: Roc


@dataclass(frozen=True, slots=True)
class _Audit(AttackResult):
    """What every audit report adds to its headline attack: the population it split."""

    n_members: int
    n_non_members: int

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (numbers, names and ROC points only)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AuditReport(_Audit):
    """``veil risk model``: the headline attack's figures, and every attack's in ``attacks``."""

    shadows: int
    shadow_train_rows: int
    attacks: tuple[AttackResult, ...]


@dataclass(frozen=True, slots=True)
class SynthAuditReport(_Audit):
    """``veil risk synth``: DCR figures and the distance attack's.

    ``dcr_share_closer_to_train``: share of synthetic rows nearer to a training row than
    to any holdout row (ties count half); 0.5 is what a generator that never saw the
    training rows gives, 1.0 a generator that copies them.
    """

    n_synthetic: int
    dcr_share_closer_to_train: float
    dcr_train_median: float
    dcr_holdout_median: float
    exact_copies: float
    distance: str
    attacks: tuple[AttackResult, ...]


# --------------------------------------------------------------------------- metrics


def roc_curve(labels: BoolArray, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Full ROC of ``scores`` (higher = member) with one point per distinct threshold.

    Tied scores move the curve diagonally, so the area counts a tie as half a win.
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], labels[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked) != 0), ranked.size - 1]
    tp = np.cumsum(hits)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    tpr = np.r_[0.0, tp / max(int(hits.sum()), 1)]
    fpr = np.r_[0.0, fp / max(int((~hits).sum()), 1)]
    return fpr, tpr


def _tpr_at(fpr: FloatArray, tpr: FloatArray, level: float) -> float:
    """Best TPR among thresholds whose FPR is at most ``level`` (Carlini et al. 2022)."""
    return float(tpr[fpr <= level + 1e-12].max())


def _downsample(fpr: FloatArray, tpr: FloatArray, points: int = ROC_POINTS) -> Roc:
    """At most ``points`` ROC points: half even along the curve, half on a log-FPR grid.

    The log grid keeps the low-FPR corner (where the figures that matter are read) and
    each grid point takes the best TPR at that FPR, so the curve stays an upper envelope.
    """
    if fpr.size <= points:
        return Roc(tuple(float(v) for v in fpr), tuple(float(v) for v in tpr))
    half = points // 2
    even = np.linspace(0, fpr.size - 1, half).round().astype(np.int64)
    smallest = max(float(fpr[fpr > 0].min()), 1e-6)
    grid = np.geomspace(smallest, 1.0, points - half)
    logged = np.searchsorted(fpr, grid, side="right") - 1
    keep = np.unique(np.r_[0, even, np.clip(logged, 0, fpr.size - 1), fpr.size - 1])
    return Roc(tuple(float(v) for v in fpr[keep]), tuple(float(v) for v in tpr[keep]))


def summarize(attack: str, labels: BoolArray, scores: FloatArray) -> AttackResult:
    """AUC, best balanced accuracy, TPR at 1 % and 0.1 % FPR and a <= 500-point ROC."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        raise ValueError("an attack needs both members and non-members to score")
    fpr, tpr = roc_curve(labels, scores)
    return AttackResult(
        attack=attack,
        auc=float(np.trapezoid(tpr, fpr)),
        balanced_accuracy=float(((tpr + 1.0 - fpr) / 2.0).max()),
        tpr_at_1pct_fpr=_tpr_at(fpr, tpr, 0.01),
        tpr_at_0_1pct_fpr=_tpr_at(fpr, tpr, 0.001),
        roc=_downsample(fpr, tpr),
    )


# --------------------------------------------------------------------------- validation


def _check_xy(X: Any, y: Any, what: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:  # noqa: N803
    """``X`` as a non-empty 2-D array and ``y`` as a 1-D array of the same length."""
    x_arr, y_arr = np.asarray(X), np.asarray(y)
    if x_arr.ndim != 2 or x_arr.shape[0] == 0 or x_arr.shape[1] == 0:
        raise ValueError(f"{what}: X must be a non-empty 2-D array (rows x features)")
    if y_arr.ndim != 1 or y_arr.shape[0] != x_arr.shape[0]:
        raise ValueError(
            f"{what}: y must be 1-D with one label per row of X "
            f"(X has {x_arr.shape[0]} rows, y has shape {y_arr.shape})"
        )
    return x_arr, y_arr


def _check_shadows(shadows: int) -> None:
    if not isinstance(shadows, int) or shadows < 2:
        raise ValueError(
            f"shadows must be an integer >= 2 (the attacks need IN and OUT models), got {shadows!r}"
        )


def _check_table(data: Any, what: str) -> npt.NDArray[Any]:
    table = np.asarray(data)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError(f"{what} must be a non-empty 2-D array (rows x columns)")
    if not np.issubdtype(table.dtype, np.number) and table.dtype != np.bool_:
        raise ValueError(f"{what} must be numeric (integer-coded categories or numbers)")
    return table


# --------------------------------------------------------------------------- model audit


class TorchProba:
    """Adapter giving a PyTorch module that returns class logits a ``predict_proba``.

    The module maps a float32 batch ``(n, features)`` to logits ``(n, classes)`` (or one
    logit per row for a binary model). Probabilities are a float64 softmax of the logits,
    so ``1 - p`` keeps its precision for confident predictions.
    """

    def __init__(self, module: Any, *, batch_rows: int = 8192) -> None:
        self.module = module
        self.batch_rows = batch_rows

    def predict_proba(self, X: Any) -> FloatArray:  # noqa: N803
        """Class probabilities, rows x classes."""
        torch = importlib.import_module("torch")
        data = np.asarray(X, dtype=np.float32)
        if hasattr(self.module, "eval"):
            self.module.eval()
        parts: list[FloatArray] = []
        with torch.no_grad():
            for start in range(0, data.shape[0], self.batch_rows):
                batch = torch.from_numpy(data[start : start + self.batch_rows])
                out = self.module(batch).detach().cpu().double().numpy()
                parts.append(np.asarray(out, dtype=np.float64))
        logits = np.concatenate(parts) if parts else np.zeros((0, 2))
        if logits.ndim == 1 or logits.shape[1] == 1:
            logits = np.c_[np.zeros(logits.shape[0]), logits.reshape(-1)]
        shifted = logits - logits.max(axis=1, keepdims=True)
        expd = np.exp(shifted)
        return np.asarray(expd / expd.sum(axis=1, keepdims=True), dtype=np.float64)


def _true_class_scores(model: Classifier, X: Any, y: Any) -> tuple[FloatArray, FloatArray]:  # noqa: N803
    """``(log p_y, phi)`` per row: log-probability of the true label and its logit
    ``log p_y - log sum_{j != y} p_j`` (Carlini et al. 2022, §IV-B), computed without
    forming ``1 - p_y`` so confident predictions keep their precision.
    """
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    labels = np.asarray(y)
    if proba.ndim != 2 or proba.shape[0] != labels.shape[0]:
        raise ValueError("predict_proba must return one row of class probabilities per input row")
    classes = getattr(model, "classes_", None)  # scikit-learn: sorted labels of the columns
    if classes is not None:
        classes = np.asarray(classes)
        pos = np.clip(np.searchsorted(classes, labels), 0, classes.size - 1)
        known = classes[pos] == labels
    else:
        pos = labels.astype(np.int64)
        known = (pos >= 0) & (pos < proba.shape[1])
        pos = np.where(known, pos, 0)
    rows = np.arange(labels.shape[0])
    p_true = np.where(known, proba[rows, pos], 0.0)
    masked = proba.copy()
    masked[rows[known], pos[known]] = 0.0
    others = masked.sum(axis=1)
    log_p = np.log(np.maximum(p_true, _PROB_FLOOR))
    phi = log_p - np.log(np.maximum(others, _PROB_FLOOR))
    return log_p, phi


def _shadow_masks(pool: int, size: int, shadows: int, rng: np.random.Generator) -> BoolArray:
    """IN-masks (shadows x pool): disjoint blocks of ``size`` from fresh permutations.

    Each record is IN about ``shadows * size / pool`` shadows and OUT of the rest (rows
    left over by ``pool // size`` blocks sit a round out); with ``pool == 2 * size`` each
    permutation gives a complementary pair of halves, every record IN exactly half.
    """
    blocks = pool // size
    masks = np.zeros((shadows, pool), dtype=bool)
    order = rng.permutation(pool)
    for k in range(shadows):
        block = k % blocks
        if block == 0 and k > 0:
            order = rng.permutation(pool)
        masks[k, order[block * size : (block + 1) * size]] = True
    return masks


def _gaussian_fit(phi: FloatArray, mask: BoolArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """Per-record mean and variance of ``phi`` (shadows x records) where ``mask`` holds.

    The variance is the record's own once ``_MIN_PER_RECORD_VAR`` shadows back it, else the
    global (pooled) one. Records with no observation get NaN means, filled by the caller.
    """
    counts = mask.sum(axis=0).astype(np.int64)
    sums = np.where(mask, phi, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    dev2 = np.where(mask, (phi - np.nan_to_num(mean)) ** 2, 0.0).sum(axis=0)
    dof = max(int((counts - 1).clip(min=0).sum()), 1)
    global_var = max(float(dev2.sum()) / dof, _VAR_FLOOR)
    own = dev2 / np.maximum(counts - 1, 1)
    var = np.where(counts >= _MIN_PER_RECORD_VAR, np.maximum(own, _VAR_FLOOR), global_var)
    return mean, var, counts


def _fill_missing(mean: FloatArray, other: FloatArray, shift: float) -> FloatArray:
    """Means of records no shadow covered: the other side's mean plus the average gap."""
    return np.where(np.isnan(mean), other + shift, mean)


def _log_normal_pdf(x: FloatArray, mean: FloatArray, var: FloatArray) -> FloatArray:
    return np.asarray(-0.5 * (np.log(2 * math.pi * var) + (x - mean) ** 2 / var))


def lira_scores(
    phi_target: FloatArray, phi_shadows: FloatArray, in_mask: BoolArray
) -> dict[str, FloatArray]:
    """LiRA (Carlini et al. 2022, Algorithm 1): online and offline scores per record.

    ``phi_shadows`` / ``in_mask`` are shadows x records. Online: log-likelihood ratio of the
    target's ``phi`` under N(mu_in, s_in^2) vs N(mu_out, s_out^2). Offline: how far above the
    OUT Gaussian the target's ``phi`` lies, ``(phi - mu_out) / s_out`` (a monotone map of
    the paper's one-sided p-value, so the same ROC).
    """
    mu_in, var_in, n_in = _gaussian_fit(phi_shadows, in_mask)
    mu_out, var_out, n_out = _gaussian_fit(phi_shadows, ~in_mask)
    both = (n_in > 0) & (n_out > 0)
    gap = float(np.mean(mu_in[both] - mu_out[both])) if both.any() else 0.0
    mu_in = _fill_missing(mu_in, mu_out, gap)
    mu_out = _fill_missing(mu_out, mu_in, -gap)
    if np.isnan(mu_out).any():  # no shadow covered a record at all: cannot happen, K >= 2
        raise ValueError("every record needs at least one shadow model")
    online = _log_normal_pdf(phi_target, mu_in, var_in) - _log_normal_pdf(
        phi_target, mu_out, var_out
    )
    offline = (phi_target - mu_out) / np.sqrt(var_out)
    return {"lira-online": online, "lira-offline": offline}


def rmia_scores(log_p_target: FloatArray, log_p_shadows: FloatArray) -> FloatArray:
    """RMIA (Zarifzadeh et al. 2024): ``log p(x | target) - log mean_ref p(x | ref)``.

    RMIA's test statistic is the share of population records ``z`` with
    ``ratio(x) / ratio(z) >= gamma``, ``ratio = p(. | target) / p(.)`` and ``p(.)`` the mean
    over reference models. Against one fixed set of ``z`` that share is a non-decreasing
    function of ``ratio(x)``, so ``log ratio(x)`` has the same ROC and is returned here
    (``gamma`` and the ``z`` only place the decision threshold, which the ROC sweeps).
    """
    p_ref = np.exp(log_p_shadows).mean(axis=0)
    return np.asarray(log_p_target - np.log(np.maximum(p_ref, _PROB_FLOOR)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class MembershipScores:
    """Per-record attack scores of one audit, for pooling several targets (not a report)."""

    labels: BoolArray
    scores: dict[str, FloatArray]
    shadows: int
    shadow_train_rows: int


def membership_scores(  # noqa: PLR0917 -- the documented audit_model signature
    train_fn: TrainFn,
    target_model: Classifier,
    X_members: Any,  # noqa: N803
    y_members: Any,
    X_population: Any,  # noqa: N803
    y_population: Any,
    *,
    shadows: int,
    rng: np.random.Generator,
) -> MembershipScores:
    """Train the shadows and score every member and population record with every attack."""
    x_in, y_in = _check_xy(X_members, y_members, "members")
    x_out, y_out = _check_xy(X_population, y_population, "population")
    _check_shadows(shadows)
    if x_in.shape[1:] != x_out.shape[1:]:
        raise ValueError(
            f"members and population must have the same columns "
            f"({x_in.shape[1]} vs {x_out.shape[1]} features)"
        )
    x_pool = np.concatenate([x_in, x_out])
    y_pool = np.concatenate([y_in, y_out])
    labels = np.r_[np.ones(len(x_in), bool), np.zeros(len(x_out), bool)]
    size = min(len(x_in), len(x_pool) // 2)
    masks = _shadow_masks(len(x_pool), size, shadows, rng)
    log_p_t, phi_t = _true_class_scores(target_model, x_pool, y_pool)
    log_p_s = np.empty((shadows, len(x_pool)))
    phi_s = np.empty((shadows, len(x_pool)))
    for k, mask in enumerate(masks):
        model = train_fn(x_pool[mask], y_pool[mask])
        log_p_s[k], phi_s[k] = _true_class_scores(model, x_pool, y_pool)
    scores = {"loss": log_p_t, **lira_scores(phi_t, phi_s, masks)}
    scores["rmia"] = rmia_scores(log_p_t, log_p_s)
    return MembershipScores(labels, scores, shadows, size)


def audit_model(  # noqa: PLR0917 -- X, y of members and population, as in the issue
    train_fn: TrainFn,
    target_model: Classifier,
    X_members: Any,  # noqa: N803
    y_members: Any,
    X_population: Any,  # noqa: N803
    y_population: Any,
    *,
    shadows: int,
    rng: np.random.Generator,
) -> AuditReport:
    """Membership-inference audit of ``target_model``, trained on exactly the members.

    ``train_fn(X, y)`` must retrain a model with the target's recipe (architecture,
    hyper-parameters, privacy mechanism); it is called ``shadows`` times on subsets of
    members + population as large as the target's training set. The population rows must
    not have been used to train the target: they are the non-members. The headline is
    LiRA online; ``attacks`` also holds loss-threshold, LiRA offline and RMIA.
    """
    result = membership_scores(
        train_fn,
        target_model,
        X_members,
        y_members,
        X_population,
        y_population,
        shadows=shadows,
        rng=rng,
    )
    return model_report(result)


def model_report(*runs: MembershipScores) -> AuditReport:
    """Report over one or more audits pooled (several targets, as Carlini et al. 2022 do)."""
    if not runs:
        raise ValueError("no audit to report on")
    labels = np.concatenate([run.labels for run in runs])
    names = list(runs[0].scores)
    results = tuple(
        summarize(name, labels, np.concatenate([run.scores[name] for run in runs]))
        for name in names
    )
    head = next(r for r in results if r.attack == PRIMARY_ATTACK)
    return AuditReport(
        attack=head.attack,
        auc=head.auc,
        balanced_accuracy=head.balanced_accuracy,
        tpr_at_1pct_fpr=head.tpr_at_1pct_fpr,
        tpr_at_0_1pct_fpr=head.tpr_at_0_1pct_fpr,
        roc=head.roc,
        n_members=int(labels.sum()),
        n_non_members=int((~labels).sum()),
        shadows=runs[0].shadows,
        shadow_train_rows=runs[0].shadow_train_rows,
        attacks=results,
    )


# --------------------------------------------------------------------------- synthetic data


def _column_weights(tables: Sequence[npt.NDArray[Any]], ordinal: Sequence[int]) -> FloatArray:
    """Per-column scale of ``|a - b|`` for ordinal columns: 1 / range over all tables."""
    cols = tables[0].shape[1]
    weights = np.zeros(cols)
    for j in ordinal:
        if not 0 <= j < cols:
            raise ValueError(f"ordinal column {j} is out of range (the tables have {cols})")
        lo = min(float(t[:, j].min()) for t in tables)
        hi = max(float(t[:, j].max()) for t in tables)
        weights[j] = 1.0 / (hi - lo) if hi > lo else 0.0
    return weights


def _nearest(
    queries: npt.NDArray[Any],
    corpus: npt.NDArray[Any],
    ordinal: Sequence[int],
    weights: FloatArray,
    *,
    exclude_self: bool = False,
) -> FloatArray:
    """Distance from each query row to its nearest corpus row (mixed Gower-style).

    Per column: 0/1 mismatch for categorical codes (Hamming), ``|a - b| / range`` for the
    ``ordinal`` columns; the distance is the mean over columns, so it lies in [0, 1].
    ``exclude_self``: queries are the corpus itself, and row i skips itself.
    """
    cols = queries.shape[1]
    is_ord = np.zeros(cols, dtype=bool)
    is_ord[list(ordinal)] = True
    q = queries.astype(np.float32 if is_ord.any() else queries.dtype, copy=False)
    c = corpus.astype(q.dtype, copy=False)
    best = np.empty(queries.shape[0])
    for start in range(0, queries.shape[0], _BLOCK_ROWS):
        block = q[start : start + _BLOCK_ROWS]
        acc = np.zeros((block.shape[0], c.shape[0]), dtype=np.float32)
        for j in range(cols):
            if is_ord[j]:
                acc += np.float32(weights[j]) * np.abs(block[:, j, None] - c[None, :, j])
            else:
                acc += block[:, j, None] != c[None, :, j]
        if exclude_self:
            rows = np.arange(block.shape[0])
            acc[rows, start + rows] = np.inf
        best[start : start + block.shape[0]] = acc.min(axis=1) / cols
    return best


def _subsample(table: npt.NDArray[Any], n: int, rng: np.random.Generator) -> npt.NDArray[Any]:
    if table.shape[0] <= n:
        return table
    return table[np.sort(rng.choice(table.shape[0], size=n, replace=False))]


def audit_synthetic(
    synthetic: Any,
    train: Any,
    holdout: Any,
    *,
    rng: np.random.Generator,
    ordinal: Sequence[int] = (),
    max_rows: int = 5000,
    max_synthetic: int = 20000,
) -> SynthAuditReport:
    """Membership audit of a synthetic table against its training rows and a holdout.

    ``train`` and ``holdout`` (real rows the generator never saw, same distribution) are
    subsampled to the same size, at most ``max_rows``, so 0.5 is the no-signal value of
    both figures; ``synthetic`` to at most ``max_synthetic`` rows. Columns are integer
    codes compared by equality (Hamming), except the ``ordinal`` ones (by scaled
    absolute difference). Attacks: ``dcr`` scores a real record by minus the distance to
    its nearest synthetic row (Chen et al. 2020; Stadler et al. 2022); ``dcr-relative``
    subtracts that from the distance to its nearest other real record (a local density
    correction in the spirit of DOMIAS, van Breugel et al. 2023).
    """
    syn = _check_table(synthetic, "synthetic")
    tr = _check_table(train, "train")
    ho = _check_table(holdout, "holdout")
    if not syn.shape[1] == tr.shape[1] == ho.shape[1]:
        raise ValueError(
            f"synthetic, train and holdout must have the same columns "
            f"({syn.shape[1]}, {tr.shape[1]}, {ho.shape[1]})"
        )
    if max_rows < 1 or max_synthetic < 1:
        raise ValueError("max_rows and max_synthetic must be positive")
    n = min(tr.shape[0], ho.shape[0], max_rows)
    tr, ho = _subsample(tr, n, rng), _subsample(ho, n, rng)
    syn = _subsample(syn, max_synthetic, rng)
    weights = _column_weights([syn, tr, ho], ordinal)
    real = np.concatenate([tr, ho])
    labels = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    d_syn = _nearest(real, syn, ordinal, weights)
    d_real = _nearest(real, real, ordinal, weights, exclude_self=True)
    syn_dcr = _subsample(syn, max_rows, rng)
    to_train = _nearest(syn_dcr, tr, ordinal, weights)
    to_hold = _nearest(syn_dcr, ho, ordinal, weights)
    share = float(np.mean(to_train < to_hold) + 0.5 * np.mean(to_train == to_hold))
    results = (
        summarize(SYNTH_ATTACK, labels, -d_syn),
        summarize("dcr-relative", labels, d_real - d_syn),
    )
    head = results[0]
    return SynthAuditReport(
        attack=head.attack,
        auc=head.auc,
        balanced_accuracy=head.balanced_accuracy,
        tpr_at_1pct_fpr=head.tpr_at_1pct_fpr,
        tpr_at_0_1pct_fpr=head.tpr_at_0_1pct_fpr,
        roc=head.roc,
        n_members=n,
        n_non_members=n,
        n_synthetic=int(syn.shape[0]),
        dcr_share_closer_to_train=share,
        dcr_train_median=float(np.median(to_train)),
        dcr_holdout_median=float(np.median(to_hold)),
        exact_copies=float(np.mean(to_train == 0)),
        distance="hamming" if not ordinal else "gower (hamming + scaled |a-b| on ordinal)",
        attacks=results,
    )


# --------------------------------------------------------------------------- rendering

Report = AuditReport | SynthAuditReport
_COLOURS = ("#c0392b", "#2471a3", "#229954", "#8e44ad", "#d68910")
_SIDE, _PAD = 320, 40


def _polyline(roc: Roc, log: bool, floor: float) -> str:
    """SVG points of ``roc`` in a ``_SIDE`` square, linear or log-log down to ``floor``."""

    def coord(v: float) -> float:
        if not log:
            return v
        return (math.log10(max(v, floor)) - math.log10(floor)) / -math.log10(floor)

    pts = (
        f"{_PAD + coord(f) * _SIDE:.1f},{_PAD + (1 - coord(t)) * _SIDE:.1f}"
        for f, t in zip(roc.fpr, roc.tpr, strict=True)
    )
    return " ".join(pts)


def _svg(report: Report, log: bool) -> str:
    """One ROC panel, every attack a line, the chance diagonal dashed."""
    floor = 10 ** math.floor(math.log10(1.0 / max(report.n_non_members, 10)))
    size = _SIDE + 2 * _PAD
    title = "ROC, log-log" if log else "ROC"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{title}">',
        f'<rect x="{_PAD}" y="{_PAD}" width="{_SIDE}" height="{_SIDE}" fill="none" stroke="#444"/>',
        f'<line x1="{_PAD}" y1="{_PAD + _SIDE}" x2="{_PAD + _SIDE}" y2="{_PAD}" '
        'stroke="#999" stroke-dasharray="4 4"/>',
        f'<text x="{size / 2}" y="{_PAD - 12}" text-anchor="middle" font-size="14">{title}</text>',
        f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle" font-size="12">'
        "false-positive rate</text>",
        f'<text x="12" y="{size / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {size / 2})">true-positive rate</text>',
    ]
    lo = f"{floor:g}" if log else "0"
    parts.append(f'<text x="{_PAD}" y="{_PAD + _SIDE + 14}" font-size="10">{lo}</text>')
    parts.append(f'<text x="{_PAD + _SIDE - 6}" y="{_PAD + _SIDE + 14}" font-size="10">1</text>')
    for i, res in enumerate(report.attacks):
        colour = _COLOURS[i % len(_COLOURS)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
            f'points="{_polyline(res.roc, log, floor)}"/>'
        )
        parts.append(
            f'<text x="{_PAD + _SIDE - 4}" y="{_PAD + _SIDE - 10 - 14 * i}" font-size="11" '
            f'text-anchor="end" fill="{colour}">{html.escape(res.attack)} '
            f"(AUC {res.auc:.3f})</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _rows(report: Report) -> list[tuple[str, str]]:
    """The report's scalar fields, as table rows (ROC and per-attack results left out)."""
    rows = []
    for key, value in report.to_json().items():
        if key in ("roc", "attacks"):
            continue
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        rows.append((key, text))
    return rows


def report_html(report: Report, path: Path | str) -> Path:
    """Write a self-contained HTML report (numbers and inline-SVG ROC curves) to ``path``."""
    kind = "model" if isinstance(report, AuditReport) else "synthetic data"
    scalar = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _rows(report)
    )
    per_attack = "".join(
        f"<tr><td>{html.escape(r.attack)}</td><td>{r.auc:.4f}</td>"
        f"<td>{r.balanced_accuracy:.4f}</td><td>{r.tpr_at_1pct_fpr:.4f}</td>"
        f"<td>{r.tpr_at_0_1pct_fpr:.4f}</td></tr>"
        for r in report.attacks
    )
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Veil membership-inference audit ({kind})</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}</style></head><body>
<h1>Membership-inference audit: {kind}</h1>
<p>Headline attack <b>{html.escape(report.attack)}</b>: AUC {report.auc:.4f},
TPR {100 * report.tpr_at_0_1pct_fpr:.2f} % at 0.1 % FPR. 0.5 AUC and 0.1 % TPR at 0.1 % FPR
are what guessing achieves.</p>
<table>{scalar}</table>
<table><tr><th>attack</th><th>AUC</th><th>balanced accuracy</th><th>TPR @ 1 % FPR</th>
<th>TPR @ 0.1 % FPR</th></tr>{per_attack}</table>
<div>{_svg(report, log=False)}{_svg(report, log=True)}</div>
</body></html>
"""
    out = Path(path)
    from veil.io._atomic import atomic_text

    with atomic_text(out) as fh:  # a report is whole or absent, never half-written
        fh.write(doc)
    return out


def report_png(report: Report, path: Path | str) -> Path:
    """Write the ROC curves (linear and log-log) as a PNG; needs matplotlib."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError as exc:
        raise ModuleNotFoundError(
            "report_png needs matplotlib (pip install matplotlib); report_html needs nothing extra"
        ) from exc
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, log in zip(axes, (False, True), strict=True):
        for res in report.attacks:
            ax.plot(res.roc.fpr, res.roc.tpr, label=f"{res.attack} (AUC {res.auc:.3f})")
        ax.plot([0, 1], [0, 1], "k--", lw=0.8)
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlim(1.0 / max(report.n_non_members, 10), 1)
            ax.set_ylim(1.0 / max(report.n_members, 10), 1)
        ax.legend(fontsize=8)
    out = Path(path)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
