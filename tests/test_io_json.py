"""JSON Lines and JSON documents: leaves, field selection, parse errors, atomic output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veil.detect._types import Label
from veil.errors import InputError
from veil.io import redact_path, scan_path
from veil.testing import FakeEngine


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _read_jsonl(path: Path) -> list[object]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_round_trip_processes_every_string_leaf(tmp_path: Path) -> None:
    src = _jsonl(
        tmp_path / "t.jsonl",
        [
            {"id": 7, "body": "from a@b.co", "tags": ["call 555", True], "meta": {"n": None}},
            "bare string 42",
        ],
    )
    dst = tmp_path / "o.jsonl"
    report = redact_path(src, dst, FakeEngine())
    assert _read_jsonl(dst) == [
        {"id": 7, "body": "from [EMAIL]", "tags": ["call [ID]", True], "meta": {"n": None}},
        "bare string [ID]",
    ]
    assert report.files[0].records == 2
    assert report.totals == {"EMAIL": 1, "ID": 2}


def test_jsonl_fields_select_paths(tmp_path: Path) -> None:
    src = _jsonl(
        tmp_path / "t.ndjson",
        [
            {"body": "a@b.co", "subject": "c@d.co", "meta": {"notes": "call 5", "other": "9"}},
            {"subject": "no body or meta here 1"},  # missing fields: nothing to do
            {
                "body": 12,
                "meta": {"notes": {"deep": ["x@y.co", 3]}},
            },  # non-string left; nested done
            {"body": "e@f.co", "meta": [{"notes": "list 1"}, {"notes": "list 2"}]},  # through lists
        ],
    )
    dst = tmp_path / "o.ndjson"
    redact_path(src, dst, FakeEngine(), fields=["body", "meta.notes"])
    assert _read_jsonl(dst) == [
        {"body": "[EMAIL]", "subject": "c@d.co", "meta": {"notes": "call [ID]", "other": "9"}},
        {"subject": "no body or meta here 1"},
        {"body": 12, "meta": {"notes": {"deep": ["[EMAIL]", 3]}}},
        {"body": "[EMAIL]", "meta": [{"notes": "list [ID]"}, {"notes": "list [ID]"}]},
    ]


def test_overlapping_fields_process_a_leaf_once(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "t.jsonl", [{"meta": {"notes": "call 5"}}])
    report = redact_path(src, tmp_path / "o.jsonl", FakeEngine(), fields=["meta", "meta.notes"])
    assert report.totals == {"ID": 1}


def test_strong_hint_keys_are_transformed_whole(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "t.jsonl", [{"user": {"password": "hunter two", "api_key": "k"}}])
    dst = tmp_path / "o.jsonl"
    engine = FakeEngine(drop=frozenset({Label.CREDENTIAL}))
    redact_path(src, dst, engine)
    assert _read_jsonl(dst) == [{"user": {"password": None, "api_key": None}}]
    assert engine.values == {Label.CREDENTIAL: 2}


def test_blank_lines_are_kept_and_not_counted(tmp_path: Path) -> None:
    src, dst = tmp_path / "t.jsonl", tmp_path / "o.jsonl"
    src.write_text('{"a": "1"}\n\n{"a": "x@y.co"}', encoding="utf-8")  # no final newline
    report = redact_path(src, dst, FakeEngine())
    assert dst.read_text(encoding="utf-8") == '{"a": "[ID]"}\n\n{"a": "[EMAIL]"}\n'
    assert report.files[0].records == 2


def test_jsonl_streams_in_batches(tmp_path: Path) -> None:
    src = _jsonl(tmp_path / "t.jsonl", [{"t": f"n {i}"} for i in range(200)])
    engine = FakeEngine(scan_only=True)
    report = scan_path(src, engine)
    assert report.totals == {"ID": 200}
    assert engine.batches == [64, 64, 64, 8]


def test_malformed_line_3_of_5_leaves_nothing_behind(tmp_path: Path) -> None:
    src, out_dir = tmp_path / "in.jsonl", tmp_path / "out"
    out_dir.mkdir()
    src.write_text('{"a": "1"}\n{"a": "2"}\n{"a": "3",\n{"a": "4"}\n{"a": "5"}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        redact_path(src, out_dir / "in.jsonl", FakeEngine())
    assert (err.value.file, err.value.line) == (str(src), 3)
    assert str(err.value).startswith(f"{src}:3: not valid JSON: ")
    assert list(out_dir.iterdir()) == []  # no output file, no temp file


def test_failure_after_written_batches_keeps_the_old_output(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"a": "x"}\n' * 300 + "{oops}\n", encoding="utf-8")
    dst.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        redact_path(src, dst, FakeEngine())
    assert err.value.line == 301
    assert dst.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_json_document_round_trip(tmp_path: Path) -> None:
    src, dst = tmp_path / "d.json", tmp_path / "o.json"
    src.write_text(json.dumps({"items": [{"note": "mail a@b.co", "qty": 3}], "v": "2"}), "utf-8")
    report = redact_path(src, dst, FakeEngine())
    assert json.loads(dst.read_text(encoding="utf-8")) == {
        "items": [{"note": "mail [EMAIL]", "qty": 3}],
        "v": "[ID]",
    }
    assert (report.files[0].format, report.files[0].records) == ("json", 1)


def test_json_document_with_fields(tmp_path: Path) -> None:
    src, dst = tmp_path / "d.json", tmp_path / "o.json"
    src.write_text(json.dumps([{"note": "a@b.co", "id": "1"}, {"note": "2"}]), "utf-8")
    redact_path(src, dst, FakeEngine(), fields=["note"])
    assert json.loads(dst.read_text(encoding="utf-8")) == [
        {"note": "[EMAIL]", "id": "1"},
        {"note": "[ID]"},
    ]


def test_malformed_json_document_names_its_line(tmp_path: Path) -> None:
    src = tmp_path / "d.json"
    src.write_text('{\n  "a": "x",\n  "b": \n}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as err:
        scan_path(src, FakeEngine(scan_only=True))
    assert (err.value.file, err.value.line) == (str(src), 4)


def test_jsonl_bad_byte_names_its_line(tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    src.write_bytes(b'{"a": "1"}\n{"a": "\xff"}\n')
    with pytest.raises(InputError, match="--encoding") as err:
        scan_path(src, FakeEngine(scan_only=True))
    assert err.value.line == 2
