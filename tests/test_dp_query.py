"""`veil dp query`: OpenDP measurements, declared bounds, charged before release."""

from __future__ import annotations

import csv
import json
import random
import statistics
from pathlib import Path

import pytest

from conftest import Veil

pytest.importorskip("opendp")
pytest.importorskip("dp_accounting")

from veil.dp import epsilon_of
from veil.dp._query import plan_query
from veil.errors import ConfigError, InputError


def _table(path: Path, n: int = 2000) -> Path:
    rng = random.Random(3)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["age", "city"])
        for _ in range(n):
            writer.writerow([rng.randint(20, 60), rng.choice(["Leeds", "York", "Hull"])])
    return path


def test_answers_are_close_at_generous_epsilon(tmp_path: Path):
    table = _table(tmp_path / "t.csv")
    count = plan_query("count", None, epsilon=5.0)
    assert abs(count.release(count.load(table))["value"] - 2000) < 10
    mean = plan_query("mean", "age", epsilon=5.0, bounds=(0, 100))
    assert abs(mean.release(mean.load(table))["value"] - 40) < 2
    hist = plan_query("histogram", "city", epsilon=5.0, categories=["Leeds", "York"])
    value = hist.release(hist.load(table))["value"]
    assert set(value) == {"Leeds", "York", "(other)"}
    assert abs(value["(other)"] - 2000 / 3) < 40  # Hull is counted, unnamed


def test_noise_matches_the_charged_epsilon(tmp_path: Path):
    """The recorded mechanism is the one that ran: its spread matches Laplace(1/ε)."""
    table = _table(tmp_path / "t.csv", 50)
    plan = plan_query("sum", "age", epsilon=0.5, bounds=(0, 100))
    assert epsilon_of(plan.mechanisms, 1e-9) == pytest.approx(0.5, rel=1e-6)
    values = plan.load(table)
    draws = [plan.release(values)["value"] for _ in range(400)]
    # Laplace with scale b = sensitivity / ε = 100 / 0.5 has standard deviation b * sqrt(2).
    assert statistics.pstdev(draws) == pytest.approx(200 * 2**0.5, rel=0.2)


@pytest.mark.parametrize(
    ("kind", "kwargs", "match"),
    [
        ("median", {}, "unknown query"),
        ("sum", {"column": "age"}, "--bounds"),
        ("sum", {"column": "age", "bounds": (5, 1)}, "LOW < HIGH"),
        ("histogram", {"column": "city"}, "--categories"),
        ("mean", {}, "--column"),
        ("count", {"epsilon": 0}, "--epsilon"),
    ],
)
def test_bad_queries(kind: str, kwargs: dict, match: str):
    args = {"epsilon": 1.0, "column": None, **kwargs}
    with pytest.raises(ConfigError, match=match):
        plan_query(kind, args.pop("column"), **args)


def test_cli_charges_the_budget_and_refuses_when_spent(veil_cmd: Veil, tmp_path: Path):
    table = _table(tmp_path / "t.csv")
    assert veil_cmd("dp", "budget", "set", "t.csv", "--epsilon", "1.2").returncode == 0
    done = veil_cmd("dp", "query", table, "mean", "--column", "age", "--bounds", "0,100",
                    "--epsilon", "1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["query"] == "mean"
    assert 30 < answer["value"] < 50
    again = veil_cmd("dp", "query", table, "count", "--epsilon", "0.5")
    assert again.returncode == 9
    missing = veil_cmd("dp", "query", table, "sum", "--column", "nope", "--bounds", "0,1",
                       "--epsilon", "0.1")  # fmt: skip
    assert missing.returncode == 3  # checked before the budget is touched
    shown = veil_cmd("dp", "budget", "show", "t.csv").stdout
    assert "ε 1 of 1.2 spent" in shown


def test_non_numeric_column_is_an_input_error(tmp_path: Path):
    plan = plan_query("sum", "city", epsilon=1.0, bounds=(0, 1))
    with pytest.raises(InputError, match="not numeric"):
        plan.load(_table(tmp_path / "t.csv", 5))
