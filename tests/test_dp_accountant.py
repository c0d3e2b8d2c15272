"""The privacy accountant: composition by dp-accounting, budgets kept in the ledger."""

from __future__ import annotations

import math
import multiprocessing
from pathlib import Path

import pytest

from veil.dp import Accountant, epsilon_of
from veil.errors import BudgetExhausted, ConfigError
from veil.ledger import Event, Ledger

dp_accounting = pytest.importorskip("dp_accounting")


def test_composition_is_dp_accountings_own():
    """Pure-DP (Laplace) mechanisms enter as zCDP ε²/2: valid for discrete Laplace too."""
    from dp_accounting import dp_event
    from dp_accounting.rdp import RdpAccountant

    from veil.dp._accountant import ORDERS

    mechanisms = [
        {"zcdp": 0.004},
        {"gaussian": 4.0, "count": 3},
        {"laplace": 2.0},
        {"dpsgd": {"q": 0.01, "sigma": 1.1}, "count": 1000},
    ]

    def reference(with_laplace: bool) -> float:
        acc = RdpAccountant(orders=list(ORDERS))
        acc.compose(dp_event.ZCDpEvent(0.004))
        acc.compose(dp_event.GaussianDpEvent(4.0), 3)
        if with_laplace:  # Laplace(b=2) is 0.5-DP, hence 0.125-zCDP
            acc.compose(dp_event.ZCDpEvent(0.5**2 / 2))
        acc.compose(dp_event.PoissonSampledDpEvent(0.01, dp_event.GaussianDpEvent(1.1)), 1000)
        return float(acc.get_epsilon(1e-6))

    # The smaller of two valid bounds: all of it under RDP, or the pure part by basic
    # composition (0.5) on top of RDP for the rest.
    expected = min(reference(True), 0.5 + reference(False))
    assert epsilon_of(mechanisms, 1e-6) == pytest.approx(expected, abs=1e-6)
    gaussian_only = [m for m in mechanisms if "laplace" not in m]
    assert epsilon_of(gaussian_only, 1e-6) == pytest.approx(reference(False), abs=1e-6)


def test_zcdp_conversion_is_at_least_as_tight_as_the_textbook_bound():
    rho, delta = 0.0097, 1e-9
    textbook = rho + 2 * math.sqrt(rho * math.log(1 / delta))  # Bun & Steinke 2016, Prop. 1.3
    got = epsilon_of([{"zcdp": rho}], delta)
    assert 0.8 * textbook < got <= textbook + 1e-9


def test_dpsgd_matches_opacus_when_installed():
    opacus = pytest.importorskip("opacus.accountants")
    acc = opacus.RDPAccountant()
    for _ in range(500):
        acc.step(noise_multiplier=1.0, sample_rate=0.02)
    ours = epsilon_of([{"dpsgd": {"q": 0.02, "sigma": 1.0}, "count": 500}], 1e-5)
    # Same orders, same RDP-to-(ε, δ) conversion; Opacus and dp-accounting compute the RDP
    # of the subsampled Gaussian at fractional orders with different numerics (2.7e-5 here).
    assert ours == pytest.approx(acc.get_epsilon(1e-5), abs=1e-4)


@pytest.mark.parametrize(
    "bad",
    [{"zcdp": 0}, {"gaussian": -1.0}, {"laplace": float("nan")}, {"dpsgd": {"q": 2, "sigma": 1}},
     {"gaussian": 1.0, "count": 0}, {"exotic": 1}],
)  # fmt: skip
def test_bad_mechanisms_are_config_errors(bad):
    with pytest.raises(ConfigError):
        epsilon_of([bad], 1e-9)


def test_budget_is_kept_in_the_ledger_and_refused_when_exhausted(tmp_path: Path):
    with Accountant.open(tmp_path, "adult") as acc:
        with pytest.raises(ConfigError, match="veil dp budget set adult"):
            acc.charge([{"zcdp": 0.001}], purpose="synth")
        acc.set_budget(1.0, 1e-9)
        first = acc.charge([{"zcdp": 0.004}], purpose="synth")
        assert 0 < first < 1
    with Accountant.open(tmp_path, "adult") as acc:  # a later run sees what was spent
        assert acc.spent() == pytest.approx(first)
        with pytest.raises(BudgetExhausted, match="left"):
            acc.charge([{"zcdp": 0.02}], purpose="synth")
        assert acc.spent() == pytest.approx(first)  # the refused run spent nothing
    with Accountant.open(tmp_path, "other") as acc:
        assert acc.budget() is None
        assert acc.spent() == 0.0
    with Ledger.open(tmp_path) as ledger:
        events = [Event.from_canonical(r.body) for r in ledger.store.entries()]
    assert [(e.action, e.decision) for e in events] == [
        ("policy_change", "allow"),
        ("dp_spend", "allow"),
        ("dp_spend", "deny"),
    ]


def test_bad_budgets_are_refused(tmp_path: Path):
    with Accountant.open(tmp_path, "t") as acc:
        for eps, delta in ((0, 1e-9), (-1, 1e-9), (1, 1.5), (float("inf"), 1e-9)):
            with pytest.raises(ConfigError):
                acc.set_budget(eps, delta)


def _charge(home: str) -> bool:
    with Accountant.open(Path(home), "shared") as acc:
        try:
            acc.charge([{"zcdp": 0.004}], purpose="race")
        except BudgetExhausted:
            return False
        return True


def test_concurrent_runs_never_overspend(tmp_path: Path):
    with Accountant.open(tmp_path, "shared") as acc:
        acc.set_budget(epsilon_of([{"zcdp": 0.008}], 1e-9) + 1e-9, 1e-9)  # room for exactly two
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_charge, [str(tmp_path)] * 4)
    assert sorted(results) == [False, False, True, True]


def test_raising_delta_is_flagged_and_large_deltas_refused(tmp_path: Path):
    with Accountant.open(tmp_path, "d") as acc:
        acc.set_budget(1.0, 1e-9)
        with pytest.raises(ConfigError, match="δ must lie"):
            acc.set_budget(1.0, 0.9)  # would make every past spend look free
        acc.set_budget(1.0, 1e-6)
    with Ledger.open(tmp_path) as ledger:
        reasons = [Event.from_canonical(r.body).reasons for r in ledger.store.entries()]
    assert reasons == [("dp-budget",), ("dp-budget-raise",)]


def test_the_same_content_under_another_name_shares_its_budget(tmp_path: Path):
    sha = "ab" * 32
    with Accountant.open(tmp_path, "claims.csv") as acc:
        acc.set_budget(1.0, 1e-9)
        acc.charge([{"zcdp": 0.001}], purpose="synth", table_sha256=sha)
    with Accountant.open(tmp_path, "copy-of-claims.csv") as acc:
        acc.set_budget(5.0, 1e-9)
        with pytest.raises(ConfigError, match=r"--dataset claims\.csv"):
            acc.charge([{"zcdp": 0.001}], purpose="synth", table_sha256=sha)
        assert acc.spent() == 0.0


def _charge_on(args: tuple[str, str]) -> bool:
    import os

    home, url = args
    os.environ["VEIL_LEDGER_URL"] = url
    return _charge(home)


@pytest.mark.postgres
def test_hosts_sharing_a_postgres_ledger_never_overspend(tmp_path: Path):
    """Two data directories (stand-ins for two hosts) with one key, one PostgreSQL ledger:
    the charge lock is an advisory lock in the database, not a file on one host."""
    import os
    import shutil
    import uuid

    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("VEIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        psycopg.connect(base).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL at {base}: {exc}")
    url = f"{base}?prefix=dp{uuid.uuid4().hex[:10]}_"
    homes = [tmp_path / "a", tmp_path / "b"]
    homes[0].mkdir(mode=0o700)
    os.environ["VEIL_LEDGER_URL"] = url
    try:
        with Accountant.open(homes[0], "shared") as acc:
            acc.set_budget(epsilon_of([{"zcdp": 0.008}], 1e-9) + 1e-9, 1e-9)  # room for two
        shutil.copytree(homes[0], homes[1])  # the same key file: one ledger signer
        with multiprocessing.get_context("spawn").Pool(6) as pool:
            results = pool.map(_charge_on, [(str(homes[i % 2]), url) for i in range(6)])
    finally:
        del os.environ["VEIL_LEDGER_URL"]
    assert sorted(results) == [False] * 4 + [True] * 2
