"""The DP synthesizer (veil.dp._synth): accounting, validity, fidelity, determinism, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from veil.dp import _synth
from veil.dp._marginals import exponential_mechanism, project_simplex
from veil.dp._synth import SynthConfig, SynthModel, fit, rho_from_eps_delta

SIZES = [3, 5, 2, 40, 4]


def _table(n: int = 4000, seed: int = 0) -> np.ndarray:
    """Five columns: c1 copies c0 95% of the time, c2 depends on c1, c3 is wide, c4 noise."""
    rng = np.random.default_rng(seed)
    c0 = rng.integers(0, 3, n)
    c1 = np.where(rng.random(n) < 0.95, c0, rng.integers(0, 5, n))
    c2 = (rng.random(n) < np.where(c1 >= 2, 0.8, 0.2)).astype(np.int64)
    c3 = np.clip(rng.normal(20 + 8 * c2, 5, n).round(), 0, 39).astype(np.int64)
    c4 = rng.integers(0, 4, n)
    return np.stack([c0, c1, c2, c3, c4], axis=1)


def _spent(model: SynthModel) -> float:
    gaussian = sum(1.0 / (2.0 * sigma**2) for _, sigma in model.measurements)
    return gaussian + sum(eps**2 / 8.0 for eps in model.selections)


def test_rho_from_eps_delta_meets_the_conversion() -> None:
    rho = rho_from_eps_delta(1.0, 1e-9)
    assert rho + 2 * math.sqrt(rho * math.log(1e9)) == pytest.approx(1.0)
    assert rho == pytest.approx(0.0117812, rel=1e-4)
    with pytest.raises(ValueError, match="epsilon"):
        rho_from_eps_delta(0.0, 1e-9)
    with pytest.raises(ValueError, match="delta"):
        rho_from_eps_delta(1.0, 1.0)


@pytest.mark.parametrize("target", [None, 2])
def test_spent_rho_is_the_sum_of_mechanism_costs(target: int | None) -> None:
    rho = 0.05
    model = fit(_table(), SIZES, rho=rho, target=target, rng=np.random.default_rng(1))
    assert model.spent_rho <= rho
    assert model.spent_rho == pytest.approx(_spent(model), rel=1e-12)
    assert model.spent_rho == pytest.approx(rho, rel=1e-6)  # the whole budget is used
    assert len(model.selections) == len(SIZES) - 1  # one selection per attribute added
    assert {cols for cols, _ in model.measurements if len(cols) == 1} == {(j,) for j in range(5)}


def test_every_mechanism_call_is_accounted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap the two primitives: what they report must be exactly what the model spent."""
    costs: list[float] = []
    gaussian, select = _synth.gaussian_counts, _synth.exponential_mechanism

    def counted_gaussian(*args, **kwargs):  # type: ignore[no-untyped-def]
        noisy, cost = gaussian(*args, **kwargs)
        costs.append(cost)
        return noisy, cost

    def counted_select(*args, **kwargs):  # type: ignore[no-untyped-def]
        choice, cost = select(*args, **kwargs)
        costs.append(cost)
        return choice, cost

    monkeypatch.setattr(_synth, "gaussian_counts", counted_gaussian)
    monkeypatch.setattr(_synth, "exponential_mechanism", counted_select)
    model = fit(_table(), SIZES, rho=0.02, target=2, rng=np.random.default_rng(2))
    assert len(costs) == len(model.measurements) + len(model.selections)
    assert sum(costs) == pytest.approx(model.spent_rho, rel=1e-12)
    assert model.spent_rho <= 0.02


def test_samples_have_the_right_shape_and_domain() -> None:
    model = fit(_table(), SIZES, rho=0.1, target=2, rng=np.random.default_rng(3))
    synth = model.sample(1234, np.random.default_rng(4))
    assert synth.shape == (1234, 5)
    assert synth.dtype == np.int64
    assert (synth >= 0).all()
    assert (synth < np.array(SIZES)).all()
    assert model.sample(0, np.random.default_rng(0)).shape == (0, 5)


def test_a_strong_correlation_survives_at_generous_rho() -> None:
    data = _table(n=8000)
    model = fit(data, SIZES, rho=5.0, target=2, rng=np.random.default_rng(5))
    synth = model.sample(8000, np.random.default_rng(6))
    agree_real = np.mean(data[:, 0] == data[:, 1])
    agree_synth = np.mean(synth[:, 0] == synth[:, 1])
    assert agree_synth == pytest.approx(agree_real, abs=0.03)  # independent would be ~0.2
    for c1 in range(2):  # P(c2 = 1 | c1) is 0.2 for c1 < 2 and 0.8 above
        assert synth[synth[:, 1] == c1, 2].mean() == pytest.approx(0.2, abs=0.06)
    assert synth[synth[:, 1] >= 2, 2].mean() == pytest.approx(0.8, abs=0.06)
    # the wide column keeps its mean shift given c2 even though it is binned
    shift = synth[synth[:, 2] == 1, 3].mean() - synth[synth[:, 2] == 0, 3].mean()
    assert shift == pytest.approx(8.0, abs=2.0)
    assert model.n_estimate == pytest.approx(8000, rel=0.01)


def test_tiny_rho_is_noisy_but_valid() -> None:
    rho = 1e-6
    model = fit(_table(n=300), SIZES, rho=rho, target=None, rng=np.random.default_rng(7))
    assert model.spent_rho <= rho
    assert model.spent_rho == pytest.approx(_spent(model), rel=1e-12)
    synth = model.sample(500, np.random.default_rng(8))
    assert synth.shape == (500, 5)
    assert ((synth >= 0) & (synth < np.array(SIZES))).all()


def test_deterministic_given_the_seed() -> None:
    data = _table()
    a = fit(data, SIZES, rho=0.05, target=2, rng=np.random.default_rng(9))
    b = fit(data, SIZES, rho=0.05, target=2, rng=np.random.default_rng(9))
    assert a.measurements == b.measurements
    assert a.spent_rho == b.spent_rho
    sa = a.sample(500, np.random.default_rng(10))
    sb = b.sample(500, np.random.default_rng(10))
    np.testing.assert_array_equal(sa, sb)
    c = fit(data, SIZES, rho=0.05, target=2, rng=np.random.default_rng(11))
    assert not np.array_equal(sa, c.sample(500, np.random.default_rng(10)))


def test_the_target_is_a_parent_of_every_family() -> None:
    model = fit(_table(), SIZES, rho=1.0, target=4, rng=np.random.default_rng(12))
    families = [cols for cols, _ in model.measurements if len(cols) > 1]
    assert families
    assert all(cols[0] == 4 for cols in families)


def test_a_domain_of_size_one_is_handled() -> None:
    data = _table()
    data = np.column_stack([data, np.zeros(len(data), dtype=np.int64)])
    sizes = [*SIZES, 1]
    model = fit(data, sizes, rho=0.05, target=5, rng=np.random.default_rng(13))
    assert all(5 not in cols for cols, _ in model.measurements)  # nothing to measure
    synth = model.sample(100, np.random.default_rng(14))
    assert (synth[:, 5] == 0).all()
    assert model.spent_rho == pytest.approx(_spent(model), rel=1e-12)


def test_only_constant_columns_spend_nothing() -> None:
    model = fit(np.zeros((10, 2), dtype=np.int64), [1, 1], rho=0.1, rng=np.random.default_rng(0))
    assert model.spent_rho == 0.0
    assert model.measurements == []
    np.testing.assert_array_equal(model.sample(3, np.random.default_rng(0)), np.zeros((3, 2)))


def test_one_column() -> None:
    data = np.random.default_rng(0).integers(0, 6, (500, 1))
    model = fit(data, [6], rho=0.5, target=0, rng=np.random.default_rng(1))
    assert model.selections == []
    assert model.spent_rho == pytest.approx(_spent(model), rel=1e-12)
    assert model.sample(50, np.random.default_rng(2)).shape == (50, 1)


@pytest.mark.parametrize(
    ("data", "sizes", "rho", "target", "message"),
    [
        (np.zeros((0, 2), dtype=np.int64), [2, 2], 1.0, None, "empty"),
        (np.zeros((5, 0), dtype=np.int64), [], 1.0, None, "empty"),
        (np.array([[0, 1], [2, 0]]), [2, 2], 1.0, None, r"column 0 .*\[0, 2\)"),
        (np.array([[0, -1], [1, 0]]), [2, 2], 1.0, None, r"column 1 .*outside its domain"),
        (np.array([[0, 1]]), [2, 2], 0.0, None, "rho"),
        (np.array([[0, 1]]), [2, 2], -1.0, None, "rho"),
        (np.array([[0, 1]]), [2, 2], math.nan, None, "rho"),
        (np.array([[0, 1]]), [2], 1.0, None, "sizes has 1 entries for 2 columns"),
        (np.array([[0, 1]]), [2, 0], 1.0, None, "at least 1"),
        (np.array([[0.0, 1.0]]), [2, 2], 1.0, None, "integer"),
        (np.array([0, 1]), [2, 2], 1.0, None, "2-D"),
        (np.array([[0, 1]]), [2, 2], 1.0, 2, "target 2"),
    ],
)
def test_bad_inputs_raise_clear_errors(
    data: np.ndarray, sizes: list[int], rho: float, target: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        fit(data, sizes, rho=rho, target=target, rng=np.random.default_rng(0))


def test_the_error_never_quotes_a_data_value() -> None:
    with pytest.raises(ValueError, match="outside its domain") as info:
        fit(np.array([[0, 987654]]), [2, 2], rho=1.0, rng=np.random.default_rng(0))
    assert "987654" not in str(info.value)


def test_bad_config_and_sample_size() -> None:
    with pytest.raises(ValueError, match="leave budget"):
        SynthConfig(one_way_share=0.6, select_share=0.5)
    model = fit(_table(n=200), SIZES, rho=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="negative"):
        model.sample(-1, np.random.default_rng(0))


def test_project_simplex() -> None:
    out = project_simplex(np.array([5.0, -3.0, 2.0, 0.5]), 6.0)
    assert out.sum() == pytest.approx(6.0)
    assert (out >= 0).all()
    np.testing.assert_allclose(out, [4.5, 0.0, 1.5, 0.0])
    assert project_simplex(np.array([1.0, 2.0]), 0.0).sum() == 0.0


def test_exponential_mechanism_cost_and_preference() -> None:
    rng = np.random.default_rng(0)
    picks = [exponential_mechanism(np.array([0.0, 100.0, 0.0]), 1.0, 1.0, rng) for _ in range(50)]
    assert all(choice == 1 for choice, _ in picks)
    assert picks[0][1] == pytest.approx(1.0 / 8.0)
