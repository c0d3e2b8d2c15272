"""Directories, output placement, the public API, and that values never leak into reports."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from veil.errors import InputError
from veil.io import input_size, redact_path, scan_path
from veil.io._atomic import TEMP_SUFFIX
from veil.testing import FakeEngine


def _tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "b.txt").write_text("b a@b.co\n", encoding="utf-8")
    (root / "a.md").write_text("a 1\n", encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (root / "sub" / "t.jsonl").write_text('{"x": "c@d.co"}\n', encoding="utf-8")
    (root / "sub" / "deeper" / "c.csv").write_text("email\ne@f.co\n", encoding="utf-8")
    pq.write_table(pa.table({"mail": ["g@h.co"]}), root / "sub" / "p.parquet")


def test_directory_is_mirrored_in_sorted_order(tmp_path: Path) -> None:
    src, dst = tmp_path / "in", tmp_path / "out"
    _tree(src)
    seen: list[int] = []
    report = redact_path(src, dst, FakeEngine(), progress=seen.append)
    order = [Path(f.path).relative_to(src).as_posix() for f in report.files]
    assert order == [
        "a.md",
        "b.txt",
        "logo.png",
        "sub/p.parquet",
        "sub/t.jsonl",
        "sub/deeper/c.csv",
    ]
    written = sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file())
    assert written == ["a.md", "b.txt", "sub/deeper/c.csv", "sub/p.parquet", "sub/t.jsonl"]
    assert (dst / "sub" / "t.jsonl").read_text(encoding="utf-8") == '{"x": "[EMAIL]"}\n'
    assert (dst / "sub" / "deeper" / "c.csv").read_bytes() == b"email\n[EMAIL]\n"
    assert pq.read_table(dst / "sub" / "p.parquet").column("mail").to_pylist() == ["[EMAIL]"]
    assert report.files[2].skipped
    assert report.files[2].output is None
    assert report.totals == {"EMAIL": 4, "ID": 1}
    assert seen == sorted(seen)
    assert seen[-1] == input_size(src)


def test_same_input_same_report(tmp_path: Path) -> None:
    _tree(tmp_path / "in")
    first = scan_path(tmp_path / "in", FakeEngine(scan_only=True)).as_dict()
    assert scan_path(tmp_path / "in", FakeEngine(scan_only=True)).as_dict() == first


def test_single_file_into_an_existing_directory(tmp_path: Path) -> None:
    src, out = tmp_path / "a.txt", tmp_path / "out"
    src.write_text("x 1\n", encoding="utf-8")
    out.mkdir()
    report = redact_path(src, out, FakeEngine())
    assert report.files[0].output == str(out / "a.txt")


def test_output_inside_the_input_is_refused(tmp_path: Path) -> None:
    _tree(tmp_path / "in")
    with pytest.raises(InputError, match="inside the input"):
        redact_path(tmp_path / "in", tmp_path / "in" / "out", FakeEngine())


def test_directory_into_a_file_is_refused(tmp_path: Path) -> None:
    _tree(tmp_path / "in")
    (tmp_path / "f").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="must be one too"):
        redact_path(tmp_path / "in", tmp_path / "f", FakeEngine())


def test_error_in_a_directory_names_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    src, dst = tmp_path / "in", tmp_path / "out"
    _tree(src)
    (src / "sub" / "t.jsonl").write_text('{"x": 1}\n[\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        redact_path(src, dst, FakeEngine())
    assert (err.value.file, err.value.line) == (str(src / "sub" / "t.jsonl"), 2)
    assert not list(dst.rglob(f"*{TEMP_SUFFIX}"))
    assert not (dst / "sub" / "t.jsonl").exists()


CANARY = "CANARY-7f3a9c"


def _canary_errors(tmp_path: Path) -> list[str]:
    """Files that fail with the canary next to (or inside) the offending spot."""
    cases = {
        "a.jsonl": f'{{"x": "{CANARY}"}}\n{{"x": "{CANARY}" oops}}\n'.encode(),
        "b.txt": f"{CANARY}\n{CANARY} \xff {CANARY}\n".encode("latin-1"),
        "c.csv": f"h\n{CANARY}\n{CANARY},{CANARY}\n".encode(),
        "d.json": f'{{"k": "{CANARY}\\q"}}'.encode(),
        "e.csv": f"h\n{CANARY * 20_000}\n".encode(),  # over csv's field size limit
    }
    messages = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError) as err:
            redact_path(tmp_path / name, tmp_path / f"out-{name}", FakeEngine())
        messages += [str(err.value), repr(err.value), err.value.reason]
    return messages


def test_canary_never_appears_in_errors_or_reports(tmp_path: Path) -> None:
    for message in _canary_errors(tmp_path):
        assert CANARY not in message
        assert CANARY.lower() not in message.lower()
    good = tmp_path / "good"
    good.mkdir()
    (good / "r.jsonl").write_text(json.dumps({"password": CANARY, "note": CANARY}) + "\n", "utf-8")
    (good / "t.csv").write_text(f"api_key,note\n{CANARY},{CANARY} is here\n", encoding="utf-8")
    pq.write_table(pa.table({"secret": [CANARY]}), good / "p.parquet")
    report = redact_path(good, tmp_path / "good-out", FakeEngine(), progress=lambda _: None)
    assert CANARY not in json.dumps(report.as_dict())
    assert CANARY not in repr(report)
    assert (
        CANARY
        not in (tmp_path / "good-out" / "t.csv")
        .read_text(encoding="utf-8")
        .split("\n")[1]
        .split(",")[0]
    )  # the strong-hinted column is transformed whole
    assert (
        CANARY not in json.loads((tmp_path / "good-out" / "r.jsonl").read_text("utf-8"))["password"]
    )
    assert CANARY.encode() not in (tmp_path / "good-out" / "p.parquet").read_bytes()
    scanned = scan_path(good, FakeEngine(scan_only=True))
    assert CANARY not in json.dumps(scanned.as_dict())
