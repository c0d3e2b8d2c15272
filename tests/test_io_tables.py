"""CSV, TSV and Parquet: column classification and per-column processing."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from veil.detect._types import Label
from veil.errors import InputError
from veil.io import ColumnKind, ColumnReport, classify_columns, redact_path, scan_path
from veil.io._hints import name_hint
from veil.testing import FakeEngine

NOTES = [
    "Alice wrote about the delayed parcel again",
    "please call back on 5550100 today",
    "nothing personal in this one at all",
]


def _csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def _read_csv(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter=delimiter))


def _kinds(report_columns: list[ColumnReport]) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.kind.value, c.label and c.label.value) for c in report_columns}


@pytest.mark.parametrize(
    ("name", "label", "strong"),
    [
        ("customerEmail", Label.EMAIL, False),
        ("email_address", Label.EMAIL, False),
        ("E-Mail", Label.EMAIL, False),
        ("IPAddress", Label.IP_ADDRESS, False),
        ("user_password", Label.CREDENTIAL, True),
        ("passport_number", Label.ID, True),
        ("token_count", Label.CREDENTIAL, False),  # not a credential value: no strong hint
        ("date_of_birth", Label.DATE, False),
        ("zip", Label.LOCATION, False),
    ],
)
def test_name_hints(name: str, label: Label, strong: bool) -> None:
    hint = name_hint(name)
    assert hint is not None
    assert (hint.label, hint.strong) == (label, strong)


@pytest.mark.parametrize("name", ["zipper", "page", "message", "status", "amount"])
def test_names_without_hints(name: str) -> None:
    assert name_hint(name) is None


def test_classify_columns() -> None:
    columns: dict[str, Sequence[str | None]] = {
        "contact": ["a@b.co", "c@d.co", "e@f.co", "not an address"],  # 3/4 values → typed
        "full_name": ["Bob", "Carol"],  # hint + one agreeing value → typed
        "first_name": ["Carol", "Dave"],  # hint, nothing agrees → clean
        "secret": ["s3cr3t-xyz"],  # strong hint alone → typed
        "notes": NOTES,  # long values → free text
        "status": ["open", "closed", ""],
        "empty": [None, "", "  "],
    }
    found = {c.name: c for c in classify_columns(columns, FakeEngine())}
    assert {n: (c.kind.value, c.label and c.label.value, c.reason) for n, c in found.items()} == {
        "contact": ("typed", "EMAIL", "values"),
        "full_name": ("typed", "PERSON", "name and values"),
        "first_name": ("clean", None, "nothing found in the sample"),
        "secret": ("typed", "CREDENTIAL", "name"),
        "notes": ("free_text", None, "free text"),
        "status": ("clean", None, "nothing found in the sample"),
        "empty": ("clean", None, "nothing found in the sample"),
    }
    assert found["contact"].sampled == 4
    assert found["contact"].sample_counts == {"EMAIL": 3}


def test_classification_samples_at_most_200_values() -> None:
    [col] = classify_columns({"c": ["a@b.co"] * 1000}, FakeEngine())
    assert col.sampled == 200


def test_csv_typed_free_text_and_clean_columns(tmp_path: Path) -> None:
    rows = [["email", "password", "notes", "status", "name"]]
    rows += [[f"u{i}@example.com", f"pw-{i}", NOTES[i % 3], "open", ""] for i in range(5)]
    rows.append(["", "", "", "closed", ""])
    src, dst = _csv(tmp_path / "c.csv", rows), tmp_path / "o.csv"
    engine = FakeEngine(drop=frozenset({Label.CREDENTIAL}))
    report = redact_path(src, dst, engine)
    out = _read_csv(dst)
    assert out[0] == rows[0]
    assert [r[0] for r in out[1:]] == ["[EMAIL]"] * 5 + [""]
    assert [r[1] for r in out[1:]] == [""] * 6  # dropped
    assert out[1][2] == "[PERSON] wrote about the delayed parcel again"
    assert out[2][2] == "please call back on [ID] today"
    assert [r[3] for r in out[1:]] == ["open"] * 5 + ["closed"]
    [entry] = report.files
    assert _kinds(entry.columns) == {
        "email": ("typed", "EMAIL"),
        "password": ("typed", "CREDENTIAL"),
        "notes": ("free_text", None),
        "status": ("clean", None),
        "name": ("typed", "PERSON"),
    }
    cols = {c.name: c for c in entry.columns}
    assert (cols["password"].cells, cols["password"].dropped) == (5, 5)
    assert cols["notes"].counts == {"PERSON": 2, "ID": 2}
    assert entry.records == 6
    assert entry.counts == {"EMAIL": 5, "CREDENTIAL": 5, "PERSON": 2, "ID": 2}


def test_tsv_and_bom_header(tmp_path: Path) -> None:
    src, dst = tmp_path / "t.tsv", tmp_path / "o.tsv"
    src.write_bytes("\ufeffemail\tcomment\nx@y.co\thas, a comma\n".encode())
    report = redact_path(src, dst, FakeEngine())
    assert _read_csv(dst, "\t") == [["email", "comment"], ["[EMAIL]", "has, a comma"]]
    assert report.files[0].columns[0].name == "email"


def test_csv_fields_limit_the_columns(tmp_path: Path) -> None:
    src = _csv(tmp_path / "c.csv", [["email", "contact"], ["a@b.co", "c@d.co"]])
    dst = tmp_path / "o.csv"
    report = redact_path(src, dst, FakeEngine(), fields=["contact"])
    assert _read_csv(dst)[1] == ["a@b.co", "[EMAIL]"]
    assert report.files[0].columns[0].reason == "not selected by fields"


def test_csv_multiline_cell_and_row_width_error(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text('a,b\n"line one\nline two",x\n1,2,3\n', encoding="utf-8")
    with pytest.raises(InputError, match="3 fields but the header has 2") as err:
        scan_path(src, FakeEngine(scan_only=True))
    assert (err.value.file, err.value.line) == (str(src), 4)


def test_csv_classifies_on_the_head_and_processes_every_batch(tmp_path: Path) -> None:
    rows = [["email"]] + [[f"p{i}@q.co"] for i in range(4500)]
    src, dst = _csv(tmp_path / "c.csv", rows), tmp_path / "o.csv"
    report = redact_path(src, dst, FakeEngine())
    assert {r[0] for r in _read_csv(dst)[1:]} == {"[EMAIL]"}
    assert report.files[0].records == 4500


def _table() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "email": pa.array(["a@b.co", None, "c@d.co"], pa.string()),
            "notes": pa.array(NOTES, pa.large_string()),
            "ssn": pa.array([123456789, None, 987654321], pa.int64()),
            "score": pa.array([0.5, 1.5, 2.5], pa.float32()),
            "tags": pa.array([["x"], [], None], pa.list_(pa.string())),
        }
    ).replace_schema_metadata({"origin": "test"})


def test_parquet_schema_preserved(tmp_path: Path) -> None:
    src, dst = tmp_path / "t.parquet", tmp_path / "o.parquet"
    pq.write_table(_table(), src)
    report = redact_path(src, dst, FakeEngine())
    out = pq.read_table(dst)
    assert out.schema == _table().schema
    assert out.schema.metadata == {b"origin": b"test"}
    assert out.column("id").to_pylist() == [1, 2, 3]  # ints stay ints, untouched
    assert out.column("score").to_pylist() == [0.5, 1.5, 2.5]
    assert out.column("email").to_pylist() == ["[EMAIL]", None, "[EMAIL]"]
    assert out.column("notes").to_pylist()[:2] == [
        "[PERSON] wrote about the delayed parcel again",
        "please call back on [ID] today",
    ]
    assert out.column("ssn").to_pylist() == [None, None, None]  # "[ID]" cannot be an int
    assert out.column("tags").to_pylist() == [["x"], [], None]
    cols = {c.name: c for c in report.files[0].columns}
    assert (cols["id"].kind, cols["ssn"].kind) == (ColumnKind.CLEAN, ColumnKind.TYPED)
    assert cols["ssn"].dropped == 2
    assert cols["tags"].reason.startswith("type list")
    assert report.files[0].records == 3


def test_parquet_batches_and_scan(tmp_path: Path) -> None:
    src = tmp_path / "t.parquet"
    n = 5000
    pq.write_table(pa.table({"mail": [f"u{i}@x.co" for i in range(n)], "n": list(range(n))}), src)
    seen: list[int] = []
    report = scan_path(src, FakeEngine(scan_only=True), progress=seen.append)
    assert report.totals == {"EMAIL": n}
    assert seen[-1] == src.stat().st_size
    assert report.files[0].records == n


def test_empty_parquet_keeps_its_schema(tmp_path: Path) -> None:
    src, dst = tmp_path / "t.parquet", tmp_path / "o.parquet"
    pq.write_table(_table().slice(0, 0), src)
    redact_path(src, dst, FakeEngine())
    assert pq.read_table(dst).schema == _table().schema


def test_corrupt_parquet_is_an_input_error(tmp_path: Path) -> None:
    src = tmp_path / "bad.parquet"
    src.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(InputError, match="not a readable Parquet file") as err:
        redact_path(src, tmp_path / "o.parquet", FakeEngine())
    assert err.value.file == str(src)
    assert not (tmp_path / "o.parquet").exists()
