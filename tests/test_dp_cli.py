"""`veil synth` and `veil dp budget`: budget first, declared domains, nothing half-written."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from conftest import Veil
from veil.ledger import Event, Ledger

pytest.importorskip("dp_accounting")

CANARY = "Zyxwvut Canarynski"
DOMAIN = """
age: {min: 18, max: 90, bins: 24, integer: true}
city: {categories: [Leeds, York, Hull]}
smoker: 2
"""


def _table(path: Path, n: int = 3000, *, extra: list[str] | None = None, seed: int = 7) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["age", "city", "smoker"])
        for _ in range(n):
            age = rng.randint(18, 90)
            smoker = int(rng.random() < (0.6 if age < 40 else 0.1))  # a real dependency
            writer.writerow([age, rng.choice(["Leeds", "York", "Hull"]), smoker])
        for row in extra or []:
            fh.write(row + "\n")
    return path


@pytest.fixture
def setup(veil_cmd: Veil, tmp_path: Path) -> tuple[Veil, Path, Path]:
    domain = tmp_path / "domain.yaml"
    domain.write_text(DOMAIN)
    return veil_cmd, _table(tmp_path / "people.csv", extra=[f"44,{CANARY},0"]), domain


def test_synth_needs_a_budget_then_writes_within_the_domain(setup, tmp_path: Path):
    veil, table, domain = setup
    out = tmp_path / "synth.csv"
    args = ["synth", table, "-o", out, "--epsilon", "1", "--domain", domain, "--target", "smoker"]
    refused = veil(*args, "--rows", "800")
    assert refused.returncode == 2
    assert "veil dp budget set people.csv" in refused.stderr
    assert not out.exists()
    assert veil("dp", "budget", "set", "people.csv", "--epsilon", "1.3").returncode == 0
    report = tmp_path / "report.json"
    holdout = _table(tmp_path / "holdout.csv", 1000, seed=8)  # other people, same population
    done = veil(*args, "--rows", "800", "--report", report, "--holdout", holdout)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 800
    assert {r["city"] for r in rows} <= {"Leeds", "York", "Hull", ""}
    assert all(18 <= int(r["age"]) <= 90 for r in rows)
    young = [int(r["smoker"]) for r in rows if int(r["age"]) < 40]
    old = [int(r["smoker"]) for r in rows if int(r["age"]) >= 40]
    assert sum(young) / len(young) > sum(old) / len(old) + 0.15  # the dependency survives
    body = json.loads(report.read_text())
    assert body["epsilon"] == 1.0
    assert body["rows_in"] == 3001
    assert "not differentially private" in body["note"]
    assert 0.35 < body["privacy"]["membership_auc"] < 0.65  # no membership signal to speak of
    assert "membership attack vs the holdout" in done.stderr
    for blob in (out.read_text(), report.read_text(), done.stdout, done.stderr):
        assert CANARY not in blob
    # A second run would exceed the budget: refused, recorded, nothing written.
    again = veil(*args, "--rows", "800", "-o", tmp_path / "again.csv")
    assert again.returncode == 9
    assert "left" in again.stderr
    assert not (tmp_path / "again.csv").exists()
    with Ledger.open(veil.home) as ledger:
        spends = [Event.from_canonical(r.body) for r in ledger.store.entries()]
    assert [(e.action, e.decision) for e in spends if e.action == "dp_spend"] == [
        ("dp_spend", "allow"),
        ("dp_spend", "deny"),
    ]
    shown = veil("dp", "budget", "show", "people.csv")
    assert "of 1.3 spent" in shown.stdout
    assert '"zcdp"' in shown.stdout


def test_bad_inputs_are_clear_and_cost_nothing(setup, tmp_path: Path):
    veil, table, domain = setup
    assert veil("dp", "budget", "set", "t", "--epsilon", "5").returncode == 0
    base = ["synth", "-o", tmp_path / "o.csv", "--dataset", "t", "--rows", "10"]
    bad_domain = tmp_path / "bad.yaml"
    bad_domain.write_text("age: {min: 5, max: 1}\n")
    r = veil(*base, table, "--epsilon", "1", "--domain", bad_domain)
    assert r.returncode == 2
    assert "min < max" in r.stderr
    outside = _table(tmp_path / "outside.csv", 10, extra=["30,Leeds,7"])  # smoker is 0..1
    r = veil(*base, outside, "--epsilon", "1", "--domain", domain)
    assert r.returncode == 3
    assert "smoker" in r.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("age,city,smoker\n")
    r = veil(*base, empty, "--epsilon", "1", "--domain", domain)
    assert r.returncode == 3
    assert "no rows" in r.stderr
    r = veil(*base, table, "--epsilon", "0", "--domain", domain)
    assert r.returncode == 2
    assert not (tmp_path / "o.csv").exists()
    shown = veil("dp", "budget", "show", "t").stdout
    assert "ε 0 of 5 spent" in shown  # none of the refused runs was charged


def test_domain_template_holds_names_and_types_but_no_values(setup, tmp_path: Path):
    veil, table, _ = setup
    template = tmp_path / "d.yaml"
    assert veil("dp", "domain", table, "-o", template).returncode == 0
    text = template.read_text()
    assert '"age": {min: TODO' in text
    assert '"city": {categories: [TODO]}' in text
    assert "Leeds" not in text
    assert CANARY not in text
    unfilled = veil(
        "synth", table, "-o", tmp_path / "o.csv", "--epsilon", "1", "--domain", template
    )
    assert unfilled.returncode == 2
    assert "replace the TODO" in unfilled.stderr


def test_more_bad_inputs_are_refused_before_any_charge(setup, tmp_path: Path):
    veil, table, domain = setup
    assert veil("dp", "budget", "set", "t", "--epsilon", "5").returncode == 0
    base = ["synth", "-o", tmp_path / "o.csv", "--dataset", "t"]
    tiny = veil(*base, table, "--epsilon", "1e-6", "--domain", domain)
    assert tiny.returncode == 2
    assert "no usable budget" in tiny.stderr
    todo = tmp_path / "todo.yaml"
    todo.write_text("age: {min: 18, max: 90}\ncity: {categories: [TODO]}\nsmoker: 2\n")
    r = veil(*base, table, "--epsilon", "1", "--domain", todo)
    assert r.returncode == 2
    assert "TODO" in r.stderr
    nan = tmp_path / "nan.csv"
    nan.write_text("age,city,smoker\ninf,Leeds,0\n30,York,1\n")
    r = veil(*base, nan, "--epsilon", "1", "--domain", domain)
    assert r.returncode == 3
    assert "NaN" in r.stderr
    r = veil(*base, table, "--epsilon", "1", "--domain", domain, "--rows", "0")
    assert r.returncode == 2
    assert "ε 0 of 5 spent" in veil("dp", "budget", "show", "t").stdout


def test_tstr_takes_the_higher_code_as_positive():
    import numpy as np

    from veil.dp._run import _tstr

    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=(600, 2))
    y = np.where(x[:, 0] > 2, 2, 1)  # codes 1 and 2, no 0: "1" is not the positive class
    table = np.column_stack([x, y])
    auc = _tstr(table, table, 2)
    assert auc is not None
    assert auc > 0.9
