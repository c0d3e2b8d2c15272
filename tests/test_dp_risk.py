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
