"""`veil risk table`: k-anonymity, uniqueness and l-diversity, with counts only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import Veil
from veil.dp._risk import assess_table
from veil.errors import ConfigError, InputError
from veil.ledger import Event, Ledger

CANARY = "Zyxwvut Canarynski"


def _table(path: Path) -> Path:
    rows = (
        [("30", "LS1", "M", "flu")] * 5
        + [("30", "LS1", "M", "cold")] * 2  # group of 7, two diagnoses
        + [("40", "YO1", "F", "asthma")] * 3  # group of 3, one diagnosis: discloses it
        + [("93", CANARY, "F", "gout")]  # a unique row
    )
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["age", "postcode", "sex", "diagnosis"])
        writer.writerows(rows)
    return path


def test_measures_on_a_known_table(tmp_path: Path):
    risk = assess_table(_table(tmp_path / "t.csv"), ["age", "postcode"], sensitive="diagnosis", k=5)
    assert (risk.rows, risk.groups, risk.k_anonymity) == (11, 3, 1)
    assert risk.rows_below_k == 4  # the group of 3 and the unique row
    assert risk.unique_rows == 1
    assert risk.uniqueness == pytest.approx(1 / 11)
    assert (risk.l_diversity, risk.groups_l1) == (1, 2)
    assert risk.drop_one == {"age": pytest.approx(1 / 11), "postcode": pytest.approx(1 / 11)}


def test_bad_arguments(tmp_path: Path):
    table = _table(tmp_path / "t.csv")
    with pytest.raises(ConfigError, match="quasi"):
        assess_table(table, [])
    with pytest.raises(ConfigError, match="at least 2"):
        assess_table(table, ["age"], k=1)
    with pytest.raises(InputError, match="missing"):
        assess_table(table, ["age", "zip"])
    empty = tmp_path / "e.csv"
    empty.write_text("age,postcode\n")
    with pytest.raises(InputError, match="no rows"):
        assess_table(empty, ["age"])


def test_cli_reports_counts_never_values_and_records_the_audit(veil_cmd: Veil, tmp_path: Path):
    table = _table(tmp_path / "t.csv")
    done = veil_cmd("risk", "table", table, "--quasi", "age,postcode", "--sensitive", "diagnosis",
                    "--json")  # fmt: skip
    assert done.returncode == 1  # not 5-anonymous
    report = json.loads(done.stdout)
    assert report["k_anonymity"] == 1
    assert report["uniqueness"] == pytest.approx(1 / 11, abs=1e-6)
    assert CANARY not in done.stdout + done.stderr
    ok = veil_cmd("risk", "table", table, "--quasi", "sex", "--k", "2")
    assert ok.returncode == 0, ok.stderr
    with Ledger.open(veil_cmd.home) as ledger:
        events = [Event.from_canonical(r.body) for r in ledger.store.entries()]
    assert [(e.action, e.decision, e.counts["k_anonymity"]) for e in events] == [
        ("risk_audit", "deny", 1),
        ("risk_audit", "allow", 4),
    ]
    assert CANARY.encode() not in b"".join(p.read_bytes() for p in veil_cmd.home.glob("ledger.db*"))


def test_risk_model_finds_an_overfit_model(veil_cmd: Veil, tmp_path: Path):
    """A 1-nearest-neighbour model remembers its training rows: the audit must say so."""
    import pickle

    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.neighbors import KNeighborsClassifier

    x, y = make_classification(n_samples=800, n_features=6, flip_y=0.2, random_state=0)
    members, population = slice(0, 200), slice(200, 800)
    model = KNeighborsClassifier(n_neighbors=1).fit(x[members], y[members])
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(model))
    for name, part in (("train.csv", members), ("pop.csv", population)):
        header = ",".join([*(f"f{i}" for i in range(6)), "label"])
        rows = np.column_stack([x[part], y[part]])
        np.savetxt(tmp_path / name, rows, delimiter=",", header=header, comments="", fmt="%.6g")
    done = veil_cmd("risk", "model", "--model", tmp_path / "m.pkl", "--train",
                    tmp_path / "train.csv", "--population", tmp_path / "pop.csv", "--label",
                    "label", "--shadows", "8", "--html", tmp_path / "r.html")  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["auc"] > 0.6
    assert "<svg" in (tmp_path / "r.html").read_text()
    not_a_model = tmp_path / "train.csv"
    bad = veil_cmd("risk", "model", "--model", not_a_model, "--train", not_a_model,
                   "--population", tmp_path / "pop.csv", "--label", "label")  # fmt: skip
    assert bad.returncode == 3
    assert "cannot load the model" in bad.stderr


def test_risk_synth_flags_a_copy_and_clears_a_fresh_sample(veil_cmd: Veil, tmp_path: Path):
    import random

    rng = random.Random(5)
    domain = tmp_path / "d.yaml"
    domain.write_text("a: 20\nb: 20\nc: 20\n")

    def table(name: str, rows: list[tuple[int, int, int]]) -> Path:
        path = tmp_path / name
        path.write_text("a,b,c\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
        return path

    def draw(n: int) -> list[tuple[int, int, int]]:
        return [(rng.randrange(20), rng.randrange(20), rng.randrange(20)) for _ in range(n)]

    train, holdout = draw(600), draw(600)
    paths = {"train": table("train.csv", train), "holdout": table("holdout.csv", holdout)}
    copy = veil_cmd("risk", "synth", "--synthetic", table("copy.csv", train), "--train",
                    paths["train"], "--holdout", paths["holdout"], "--domain", domain)  # fmt: skip
    assert copy.returncode == 0, copy.stderr
    assert json.loads(copy.stdout)["auc"] > 0.9
    fresh = veil_cmd("risk", "synth", "--synthetic", table("fresh.csv", draw(600)), "--train",
                     paths["train"], "--holdout", paths["holdout"], "--domain", domain)  # fmt: skip
    assert abs(json.loads(fresh.stdout)["auc"] - 0.5) < 0.08
