"""Membership-inference audits (`veil risk model`, `veil risk synth`): attacks, metrics, reports."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest

from veil.dp._mia import (
    AuditReport,
    SynthAuditReport,
    TorchProba,
    audit_model,
    audit_synthetic,
    membership_scores,
    model_report,
    report_html,
    report_png,
    roc_curve,
    summarize,
)

sklearn_datasets = pytest.importorskip("sklearn.datasets")
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

CANARY = 987654.321  # a feature value that must never reach a report


def _noisy_task(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small task with 20 % flipped labels: a model that memorises them leaks membership."""
    return sklearn_datasets.make_classification(
        n_samples=800, n_features=8, n_informative=4, flip_y=0.2, random_state=seed
    )


def _tree(x: np.ndarray, y: np.ndarray) -> DecisionTreeClassifier:
    return DecisionTreeClassifier(random_state=0).fit(x, y)


def _split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.random.default_rng(seed).permutation(n)
    return idx[:200], idx[200:600], idx[600:]  # members, population, outside the audit


def _audit(
    train: Any,
    target: Any,
    x: np.ndarray,
    y: np.ndarray,
    members: np.ndarray,
    pop: np.ndarray,
    *,
    shadows: int,
    seed: int,
) -> AuditReport:
    """``audit_model`` on the ``members`` rows against the ``pop`` rows."""
    return audit_model(
        train, target, x[members], y[members], x[pop], y[pop],
        shadows=shadows, rng=np.random.default_rng(seed),
    )  # fmt: skip


@pytest.fixture(scope="module")
def overfit_report() -> AuditReport:
    x, y = _noisy_task()
    members, pop, _ = _split(len(x), 0)
    target = _tree(x[members], y[members])
    return _audit(_tree, target, x, y, members, pop, shadows=8, seed=1)


# ------------------------------------------------------------------------ model audits


def test_overfit_model_is_found(overfit_report: AuditReport):
    rep = overfit_report
    assert rep.attack == "lira-online"
    assert rep.auc > 0.62
    assert rep.balanced_accuracy > 0.6
    names = [a.attack for a in rep.attacks]
    assert names == ["loss", "lira-online", "lira-offline", "rmia"]
    assert all(a.auc > 0.6 for a in rep.attacks)
    # the reference-model attacks beat the plain loss threshold (Carlini et al. 2022)
    by_name = {a.attack: a for a in rep.attacks}
    assert by_name["lira-online"].auc > by_name["loss"].auc


def test_1nn_is_found():
    x, y = _noisy_task(1)
    members, pop, _ = _split(len(x), 1)

    def train(a: np.ndarray, b: np.ndarray) -> KNeighborsClassifier:
        return KNeighborsClassifier(1).fit(a, b)

    rep = _audit(train, train(x[members], y[members]), x, y, members, pop, shadows=8, seed=2)
    assert rep.auc > 0.6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_that_never_saw_the_members_gives_chance(seed: int):
    x, y = _noisy_task(seed)
    members, pop, outside = _split(len(x), seed)
    target = _tree(x[outside], y[outside])  # trained on other rows of the population
    rep = _audit(_tree, target, x, y, members, pop, shadows=8, seed=seed)
    for attack in rep.attacks:
        assert abs(attack.auc - 0.5) < 0.1, attack


def test_constant_predictor_gives_chance():
    x, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    members, pop, _ = _split(len(x), 3)

    def train(a: np.ndarray, b: np.ndarray) -> DummyClassifier:
        return DummyClassifier(strategy="uniform").fit(a, b)

    rep = _audit(train, train(x[members], y[members]), x, y, members, pop, shadows=4, seed=0)
    assert all(abs(a.auc - 0.5) < 0.1 for a in rep.attacks)
    assert rep.tpr_at_0_1pct_fpr < 0.05


def test_report_fields_and_roc(overfit_report: AuditReport):
    rep = overfit_report
    assert (rep.n_members, rep.n_non_members, rep.shadows, rep.shadow_train_rows) == (
        200,
        400,
        8,
        200,
    )
    for attack in rep.attacks:
        fpr, tpr = np.array(attack.roc.fpr), np.array(attack.roc.tpr)
        assert 2 <= fpr.size <= 500
        assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
        assert (np.diff(fpr) >= 0).all()
        assert (np.diff(tpr) >= 0).all()
        assert 0 <= attack.tpr_at_0_1pct_fpr <= attack.tpr_at_1pct_fpr <= 1
        assert 0.5 <= attack.balanced_accuracy <= 1
    head = next(a for a in rep.attacks if a.attack == rep.attack)
    assert (head.auc, head.roc) == (rep.auc, rep.roc)
    data = json.loads(json.dumps(rep.to_json()))  # JSON-ready
    assert set(data) == {
        "attack", "auc", "balanced_accuracy", "tpr_at_1pct_fpr", "tpr_at_0_1pct_fpr", "roc",
        "n_members", "n_non_members", "shadows", "shadow_train_rows", "attacks",
    }  # fmt: skip


def test_no_rows_in_reports(tmp_path: Path):
    x, y = _noisy_task(4)
    x[:, 0] = CANARY
    members, pop, _ = _split(len(x), 4)
    rep = _audit(_tree, _tree(x[members], y[members]), x, y, members, pop, shadows=2, seed=0)
    page = report_html(rep, tmp_path / "r.html").read_text()
    assert "987654" not in json.dumps(rep.to_json())
    assert "987654" not in page


def test_shadow_models_are_the_target_size_and_pooling_adds_up():
    x, y = _noisy_task(5)
    members, pop, _ = _split(len(x), 5)
    sizes: list[int] = []

    def train(a: np.ndarray, b: np.ndarray) -> DecisionTreeClassifier:
        sizes.append(len(a))
        return _tree(a, b)

    target = _tree(x[members], y[members])
    runs = [
        membership_scores(
            train,
            target,
            x[members],
            y[members],
            x[pop],
            y[pop],
            shadows=3,
            rng=np.random.default_rng(s),
        )
        for s in range(2)
    ]
    assert sizes == [200] * 6
    pooled = model_report(*runs)
    assert (pooled.n_members, pooled.n_non_members) == (400, 800)


def test_torch_module_adapter():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    proba = TorchProba(net).predict_proba(np.ones((5, 3)))
    assert proba.shape == (5, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    binary = TorchProba(torch.nn.Linear(3, 1)).predict_proba(np.zeros((4, 3)))
    assert binary.shape == (4, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"x_members": np.zeros((0, 3)), "y_members": np.zeros(0)},
            "members: X must be a non-empty",
        ),
        ({"y_members": np.zeros(7)}, "members: y must be 1-D with one label per row"),
        ({"x_population": np.zeros((10, 4))}, "same columns"),
        ({"x_population": np.zeros(10)}, "population: X must be a non-empty 2-D"),
        ({"shadows": 1}, "shadows must be an integer >= 2"),
    ],
)
def test_bad_model_inputs(kwargs: dict, message: str):
    args = {
        "x_members": np.zeros((10, 3)),
        "y_members": np.zeros(10),
        "x_population": np.zeros((10, 3)),
        "y_population": np.zeros(10),
        "shadows": 4,
    } | kwargs
    dummy = DummyClassifier().fit(np.zeros((2, 3)), [0, 1])
    with pytest.raises(ValueError, match=message):
        audit_model(
            lambda a, b: dummy,
            dummy,
            args["x_members"],
            args["y_members"],
            args["x_population"],
            args["y_population"],
            shadows=args["shadows"],
            rng=np.random.default_rng(0),
        )


# ------------------------------------------------------------------------ metrics


def test_roc_and_metrics_on_known_scores():
    labels = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.8, 0.4, 0.3, 0.1])
    fpr, tpr = roc_curve(labels, scores)
    assert fpr.tolist() == pytest.approx([0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    assert tpr.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1, 1, 1])
    res = summarize("x", labels, scores)
    assert res.auc == pytest.approx(7.5 / 9)  # the tie counts half
    assert res.balanced_accuracy == pytest.approx((1 + 2 / 3) / 2)
    assert res.tpr_at_1pct_fpr == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="both members and non-members"):
        summarize("x", np.ones(3, bool), np.zeros(3))


def test_roc_is_downsampled_and_keeps_the_low_fpr_corner():
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(3000, bool), np.zeros(20000, bool)]
    scores = np.r_[rng.normal(1, 1, 3000), rng.normal(0, 1, 20000)]
    res = summarize("x", labels, scores)
    full_fpr, full_tpr = roc_curve(labels, scores)
    assert len(res.roc.fpr) <= 500
    assert (np.diff(res.roc.fpr) >= 0).all()
    assert (np.diff(res.roc.tpr) >= 0).all()
    assert min(f for f in res.roc.fpr if f > 0) <= 1e-4
    assert res.auc == pytest.approx(np.trapezoid(full_tpr, full_fpr))


# ------------------------------------------------------------------------ synthetic data


def _codes(n: int, seed: int) -> np.ndarray:
    """Integer-coded rows with correlated columns (a category drives the others)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 6, size=(n, 1))
    noise = rng.integers(0, 12, size=(n, 7))
    return np.concatenate([base, (base * 2 + noise) % 12], axis=1)


def test_copied_training_rows_are_caught():
    train, holdout = _codes(800, 0), _codes(800, 1)
    rep = audit_synthetic(train.copy(), train, holdout, rng=np.random.default_rng(0))
    assert isinstance(rep, SynthAuditReport)
    assert rep.auc > 0.97
    assert rep.dcr_share_closer_to_train > 0.97
    assert rep.exact_copies == pytest.approx(1.0)
    assert rep.dcr_train_median == 0.0 < rep.dcr_holdout_median


def test_independent_samples_show_no_signal():
    train, holdout, synth = _codes(1000, 0), _codes(1000, 1), _codes(2000, 2)
    rep = audit_synthetic(synth, train, holdout, rng=np.random.default_rng(0))
    assert abs(rep.auc - 0.5) < 0.05
    assert abs(rep.dcr_share_closer_to_train - 0.5) < 0.05
    assert all(abs(a.auc - 0.5) < 0.05 for a in rep.attacks)
    assert (rep.n_members, rep.n_non_members, rep.n_synthetic) == (1000, 1000, 2000)


def test_synthetic_subsampling_and_ordinal_columns():
    train, holdout, synth = _codes(900, 0), _codes(600, 1), _codes(700, 2)
    rep = audit_synthetic(
        synth,
        train,
        holdout,
        rng=np.random.default_rng(0),
        ordinal=[1, 2],
        max_rows=500,
        max_synthetic=300,
    )
    assert (rep.n_members, rep.n_non_members, rep.n_synthetic) == (500, 500, 300)
    assert rep.distance.startswith("gower")
    near = train + np.where(np.arange(8) == 1, 1, 0)  # each row moved one step on column 1
    close = audit_synthetic(near, train, holdout, rng=np.random.default_rng(0), ordinal=[1])
    assert close.auc > 0.9  # off by one on an ordinal column is still close


@pytest.mark.parametrize(
    ("synthetic", "train", "holdout", "kwargs", "message"),
    [
        (np.zeros((0, 3)), np.zeros((5, 3)), np.zeros((5, 3)), {}, "synthetic must be a non-empty"),
        (np.zeros((4, 3)), np.zeros((5, 2)), np.zeros((5, 3)), {}, "same columns"),
        (np.zeros((4, 3)), np.zeros(5), np.zeros((5, 3)), {}, "train must be a non-empty 2-D"),
        (np.zeros((4, 3)), np.zeros((5, 3)), np.array([["a"] * 3]), {}, "holdout must be numeric"),
        (np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((5, 3)), {"ordinal": [3]}, "out of range"),
        (np.zeros((4, 3)), np.zeros((5, 3)), np.zeros((5, 3)), {"max_rows": 0}, "positive"),
    ],
)
def test_bad_synthetic_inputs(synthetic, train, holdout, kwargs, message):
    with pytest.raises(ValueError, match=message):
        audit_synthetic(synthetic, train, holdout, rng=np.random.default_rng(0), **kwargs)


# ------------------------------------------------------------------------ rendering


def test_html_report(tmp_path: Path, overfit_report: AuditReport):
    path = report_html(overfit_report, tmp_path / "model.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2
    for chunk in page.split("<svg")[1:]:  # each panel is well-formed SVG
        ElementTree.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
    assert "<polyline" in page
    assert "lira-online" in page
    assert f"{overfit_report.auc:.4f}" in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    synth = audit_synthetic(
        _codes(300, 0), _codes(300, 0), _codes(300, 1), rng=np.random.default_rng(0)
    )
    assert "<svg" in report_html(synth, tmp_path / "synth.html").read_text()


def test_png_report(tmp_path: Path, overfit_report: AuditReport):
    if importlib.util.find_spec("matplotlib") is None:
        with pytest.raises(ModuleNotFoundError, match="report_png needs matplotlib"):
            report_png(overfit_report, tmp_path / "r.png")
    else:
        path = report_png(overfit_report, tmp_path / "r.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
