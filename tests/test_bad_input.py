"""Bad input at the command line: a clear error naming file, line and field; nothing half-written.

The first cases run the installed script (a traceback would show on its stderr);
the rest run in-process with CliRunner, where an uncaught exception would surface
as ``result.exception`` instead of the ``SystemExit`` that ``errors_to_exit`` raises.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from conftest import ROOT, Veil
from veil.cli import app
from veil.policy import list_builtin_policies

runner = CliRunner()
GOOD = '{"id": 1, "text": "Mail jane.doe@example.com"}\n'
BAD_LINE_3 = GOOD + GOOD.replace("1", "2") + '{"id": 3, "text": "unterminated\n' + GOOD


def _run(*args: str | Path, home: Path) -> Result:
    return runner.invoke(app, [str(a) for a in args], env={"VEIL_HOME": str(home)})


def _failed_cleanly(result: Result, code: int) -> str:
    """The CliRunner result of an orderly failure: exit code, no escaped exception."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    return result.stderr


def _everything(root: Path) -> list[str]:
    """Every entry under ``root``, dotfiles (temp files) included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


# --- the installed script -----------------------------------------------------------------


def test_malformed_json_line_names_file_and_line(veil_cmd: Veil, tmp_path: Path) -> None:
    src = tmp_path / "in" / "records.jsonl"
    src.parent.mkdir()
    src.write_text(BAD_LINE_3, "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = veil_cmd("redact", "-p", "gdpr-strict", src, "-o", out / "records.jsonl")
    assert result.returncode == 3
    assert f"{src}:3: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert _everything(out) == []  # neither the output nor its temp file
    assert _everything(src.parent) == ["records.jsonl"]


def test_failed_run_leaves_an_existing_output_untouched(veil_cmd: Veil, tmp_path: Path) -> None:
    src, dst = tmp_path / "records.jsonl", tmp_path / "out.jsonl"
    src.write_text(BAD_LINE_3, "utf-8")
    dst.write_text("the previous run's output\n", "utf-8")
    result = veil_cmd("redact", "-p", "gdpr-strict", src, "-o", dst)
    assert result.returncode == 3
    assert dst.read_text("utf-8") == "the previous run's output\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_nonexistent_input_is_a_clear_error(veil_cmd: Veil, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "tickets.txt"
    result = veil_cmd("redact", "-p", "gdpr-strict", missing, "-o", tmp_path / "out.txt")
    assert result.returncode == 3
    assert f"{missing}: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.txt").exists()
    for command in (
        ["scan", missing],
        ["restore", missing, "-o", tmp_path / "back.txt"],
        ["detect", "--input", missing, "--output", tmp_path / "p.jsonl"],
    ):
        stderr = _failed_cleanly(_run(*command, home=tmp_path / "h"), 3)
        assert str(missing) in stderr
        assert "no such file" in stderr.lower()
    assert not (tmp_path / "back.txt").exists()
    assert not (tmp_path / "p.jsonl").exists()


# --- in-process ---------------------------------------------------------------------------


def test_detect_malformed_line_names_line_and_writes_nothing(tmp_path: Path) -> None:
    src, out = tmp_path / "docs.jsonl", tmp_path / "preds"
    src.write_text(BAD_LINE_3, "utf-8")
    stderr = _failed_cleanly(
        _run("detect", "--input", src, "--output", out / "p.jsonl", home=tmp_path / "h"), 3
    )
    assert f"{src}:3: not valid JSON" in stderr
    assert _everything(out) == []


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('["not", "an", "object"]', "id"),
        ('{"id": 3, "text": 42}', "text"),
    ],
)
def test_detect_names_the_bad_field(tmp_path: Path, line: str, field: str) -> None:
    src = tmp_path / "docs.jsonl"
    src.write_text(GOOD + GOOD + line + "\n", "utf-8")
    stderr = _failed_cleanly(
        _run("detect", "-i", src, "-o", tmp_path / "p.jsonl", home=tmp_path / "h"), 3
    )
    assert f"{src}:3 field '{field}'" in stderr
    assert not (tmp_path / "p.jsonl").exists()


def test_directory_run_stops_at_the_bad_file_without_partial_output(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text("Write to jane.doe@example.com today.\n", "utf-8")
    (src / "b.jsonl").write_text(BAD_LINE_3, "utf-8")
    stderr = _failed_cleanly(
        _run("redact", "-p", "gdpr-strict", src, "-o", out, home=tmp_path / "h"), 3
    )
    assert f"{src / 'b.jsonl'}:3" in stderr
    # Files are atomic one by one: a.txt finished whole, b.jsonl left nothing behind.
    assert _everything(out) == ["a.txt"]
    assert (out / "a.txt").read_text("utf-8") == "Write to <EMAIL_1> today.\n"


@pytest.mark.parametrize("command", ["redact", "scan"])
def test_undecodable_text_names_file_and_line(tmp_path: Path, command: str) -> None:
    src = tmp_path / "ticket.txt"
    src.write_bytes(b"Hello,\nthe invoice is attached.\nCaf\xe9 Fern\xe1ndez called.\n")
    args = [command, src] + (
        ["-o", tmp_path / "out.txt", "-p", "gdpr-strict"] if command == "redact" else []
    )
    stderr = _failed_cleanly(_run(*args, home=tmp_path / "h"), 3)
    assert f"{src}:3: cannot decode the file as utf-8" in stderr
    assert "--encoding" in stderr  # the message names the fix...
    assert not (tmp_path / "out.txt").exists()
    fixed = _run(*args, "--encoding", "latin-1", home=tmp_path / "h")  # ...and the fix works
    assert fixed.exit_code == 0, fixed.output


def test_detect_undecodable_line_names_the_line(tmp_path: Path) -> None:
    src = tmp_path / "docs.jsonl"
    src.write_bytes(GOOD.encode() * 2 + b'{"id": 3, "text": "Caf\xe9"}\n')
    stderr = _failed_cleanly(
        _run("detect", "-i", src, "-o", tmp_path / "p.jsonl", home=tmp_path / "h"), 3
    )
    assert f"{src}:3: not UTF-8" in stderr
    assert not (tmp_path / "p.jsonl").exists()


def test_ragged_csv_row_names_its_line(tmp_path: Path) -> None:
    src = tmp_path / "people.csv"
    src.write_text("name,email\nJane Doe,jane.doe@example.com\nJohn Roe\n", "utf-8")
    stderr = _failed_cleanly(
        _run("redact", "-p", "gdpr-strict", src, "-o", tmp_path / "o.csv", home=tmp_path / "h"), 3
    )
    assert f"{src}:3: row has 1 fields but the header has 2" in stderr
    assert not (tmp_path / "o.csv").exists()


def test_unknown_policy_name_lists_the_builtins(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("hello\n", "utf-8")
    home = tmp_path / "h"
    stderr = _failed_cleanly(
        _run("redact", src, "-o", tmp_path / "o.txt", "--policy", "gdpr-strikt", home=home), 2
    )
    assert "unknown policy 'gdpr-strikt'" in stderr
    assert ", ".join(list_builtin_policies()) in stderr
    assert not home.exists()  # refused before any key or vault was created
    assert not (tmp_path / "o.txt").exists()


def test_redact_without_a_policy_is_refused(tmp_path: Path) -> None:
    """No silent default policy: the caller must say which one (fail closed)."""
    src, home = tmp_path / "in.txt", tmp_path / "h"
    src.write_text("Mail jane.doe@example.com\n", "utf-8")
    result = _run("redact", src, "-o", tmp_path / "o.txt", home=home)
    assert result.exit_code == 2
    assert "--policy" in result.stderr
    assert not home.exists()
    assert not (tmp_path / "o.txt").exists()


BAD_POLICIES = ROOT / "tests" / "policies" / "bad"
CASES: dict[str, dict[str, object]] = json.loads((BAD_POLICIES / "cases.json").read_text())


@pytest.mark.parametrize(
    "name", ["unknown_operator.yaml", "unknown_class.yaml", "yaml_syntax_error.yaml"]
)
def test_bad_policy_file_names_file_line_and_field(tmp_path: Path, name: str) -> None:
    src, path = tmp_path / "in.txt", BAD_POLICIES / name
    src.write_text("hello\n", "utf-8")
    stderr = _failed_cleanly(
        _run("redact", src, "-o", tmp_path / "o.txt", "-p", path, home=tmp_path / "h"), 4
    )
    case = CASES[name]
    where = f"{path}:{case['line']}"
    assert where + (f" field '{case['field']}'" if case["field"] else ":") in stderr
    assert str(case["message"]) in stderr
    assert not (tmp_path / "o.txt").exists()


def test_output_directory_inside_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "tickets"
    src.mkdir()
    (src / "a.txt").write_text("hello\n", "utf-8")
    stderr = _failed_cleanly(
        _run("redact", "-p", "gdpr-strict", src, "-o", src / "redacted", home=tmp_path / "h"), 3
    )
    assert "inside the input directory" in stderr
    assert _everything(src) == ["a.txt"]


@pytest.mark.parametrize(
    ("target", "message"),
    [("file", "output must be one too"), ("file/sub", "cannot write the output")],
)
def test_unusable_output_paths(tmp_path: Path, target: str, message: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("hello\n", "utf-8")
    (tmp_path / "file").write_text("x", "utf-8")
    stderr = _failed_cleanly(
        _run("redact", "-p", "gdpr-strict", src, "-o", tmp_path / target, home=tmp_path / "h"), 3
    )
    assert message in stderr
    assert (tmp_path / "file").read_text("utf-8") == "x"


def test_unknown_encoding_and_open_home_are_config_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("hello\n", "utf-8")
    stderr = _failed_cleanly(
        _run(
            "redact",
            "-p",
            "gdpr-strict",
            src,
            "-o",
            tmp_path / "o.txt",
            "--encoding",
            "utf-9",
            home=tmp_path / "h",
        ),
        2,
    )
    assert "unknown encoding 'utf-9'" in stderr
    open_home = tmp_path / "shared-home"
    open_home.mkdir(mode=0o755)
    open_home.chmod(0o755)  # umask may have narrowed it
    stderr = _failed_cleanly(
        _run("redact", "-p", "gdpr-strict", src, "-o", tmp_path / "o.txt", home=open_home), 2
    )
    assert f"chmod 700 {open_home}" in stderr
    assert list(open_home.iterdir()) == []  # no key written into a readable directory
