"""The `veil` command end to end: the installed console script, a private data directory.

Main flows run the real script in a child process (as a user would); the cheap
policy subcommands run in-process through typer's CliRunner.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT, Veil
from veil.cli import app
from veil.detect import LABELS
from veil.policy import list_builtin_policies, load_policy

# Values in examples/tickets that validated patterns or typed columns must catch.
KNOWN = [
    "margaret.odonnell@example.org",
    "alice.johnson@example.com",
    "rahul.mehta@example.in",
    "sophie.martin@example.fr",
    "4111 1111 1111 1111",
    "4111111111111111",
    "GB82 WEST 1234 5698 7654 32",
    "GB82WEST12345698765432",
    "078-05-1120",
    "10.20.30.40",
    "sk_live_51H8xQ2eZvKYlo2C9XyZ0a1b2c3d4e5f6g7h8",
    "+44 20 7946 0958",
    "+1 415 555 0132",
    "12345678Z",
    "jdoe_77",
]
# Names the model must find (a miss here is a recall regression, not a flaky test):
# the typed full_name column, and names in plain "my name is" / "Caller" contexts.
NAMES = [
    "Margaret O'Donnell",
    "Alice Johnson",
    "Rahul Mehta",
    "Sophie Martin",
    "Luis Fernández",
    "Priya Raman",
    "Ana García López",
]

ROUND_TRIP = """\
Hi team,
please draft a reply to Margaret O'Donnell (margaret.odonnell@example.org, +44 20 7946 0958).
She wants the refund on IBAN GB82 WEST 1234 5698 7654 32 and asked us to copy Thomas Whitfield.
Her last login came from 10.20.30.40, so please check that address too.
"""
PLACEHOLDER = re.compile(r"<[A-Z_]+_[1-9][0-9]*>")


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- veil redact ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redacted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Veil, Path, str, str]:
    """One gdpr-strict run over examples/tickets, shared by the tests that inspect it."""
    base = tmp_path_factory.mktemp("redact")
    (base / "user").mkdir()
    veil = Veil(home=base / "veil-home", cwd=base, user_home=base / "user")
    out = base / "out"
    result = veil("redact", EXAMPLES, "-o", out, "--policy", "gdpr-strict")
    assert result.returncode == 0, result.stderr
    return veil, out, result.stdout, result.stderr


def test_redact_writes_one_output_per_input(redacted: tuple[Veil, Path, str, str]) -> None:
    _, out, stdout, _ = redacted
    inputs = _files(EXAMPLES)
    assert len(inputs) >= 5
    assert _files(out) == inputs  # every input mirrored, and no temp file left beside them
    for rel in inputs:
        assert (out / rel).stat().st_size > 0
        assert _mode(out / rel) == 0o600  # transformed output stays private until widened
        assert rel.name in stdout


def test_redact_removes_known_values(redacted: tuple[Veil, Path, str, str]) -> None:
    _, out, _, _ = redacted
    for rel in _files(out):
        text = (out / rel).read_text("utf-8")
        for value in KNOWN + NAMES:
            assert value not in text, f"{value!r} survived in {rel}"


def test_redact_keeps_the_rest_and_the_structure(redacted: tuple[Veil, Path, str, str]) -> None:
    _, out, _, _ = redacted
    billing = (out / "0001-billing.txt").read_text("utf-8")
    assert billing.startswith("Subject: Double charge on my card\n")
    assert re.search(r"reach me at <EMAIL_\d+>", billing)
    assert "[CREDIT_CARD]" in billing  # gdpr-strict redacts cards outright
    assert "(IBAN [BANK_ACCOUNT])" in billing
    assert "Please rotate that key." in (out / "0002-login.txt").read_text("utf-8")

    source = [json.loads(x) for x in (EXAMPLES / "tickets.jsonl").read_text("utf-8").splitlines()]
    done = [json.loads(x) for x in (out / "tickets.jsonl").read_text("utf-8").splitlines()]
    assert [sorted(d) for d in done] == [sorted(s) for s in source]
    assert [d["priority"] for d in done] == [s["priority"] for s in source]

    with (EXAMPLES / "customers.csv").open(encoding="utf-8") as f:
        rows_in = list(csv.reader(f))
    with (out / "customers.csv").open(encoding="utf-8") as f:
        rows_out = list(csv.reader(f))
    assert rows_out[0] == rows_in[0]
    assert len(rows_out) == len(rows_in)
    assert [r[4] for r in rows_out] == [r[4] for r in rows_in]  # country codes are not PII here


def test_redact_records_policy_and_keeps_state_in_home(
    redacted: tuple[Veil, Path, str, str],
) -> None:
    veil, _, _, stderr = redacted
    policy = load_policy("gdpr-strict")
    assert f"policy {policy.policy_id} {policy.content_hash}" in stderr
    assert _mode(veil.home) == 0o700
    assert (veil.home / "vault.db").is_file()
    keys = [p for p in (veil.home / "keys").iterdir() if p.is_file()]
    assert keys
    assert all(_mode(p) == 0o600 for p in keys)
    assert not (veil.user_home / ".veil").exists()  # VEIL_HOME was honoured


def test_home_option_beats_environment(veil_cmd: Veil, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("Write to jane.doe@example.com today.\n", "utf-8")
    chosen = tmp_path / "chosen"
    result = veil_cmd(
        "redact", "-p", "gdpr-strict", src, "-o", tmp_path / "out.txt", "--home", chosen
    )
    assert result.returncode == 0, result.stderr
    assert (chosen / "vault.db").is_file()
    assert not veil_cmd.home.exists()
    assert (tmp_path / "out.txt").read_text("utf-8") == "Write to <EMAIL_1> today.\n"


# --- veil scan --------------------------------------------------------------------------


def test_scan_prints_counts_never_values(veil_cmd: Veil) -> None:
    table = veil_cmd("scan", EXAMPLES)
    report = veil_cmd("scan", EXAMPLES, "--json")
    assert table.returncode == report.returncode == 0, table.stderr + report.stderr
    for stream in (table.stdout, table.stderr, report.stdout, report.stderr):
        for value in KNOWN + NAMES:
            assert value not in stream

    data = json.loads(report.stdout)
    totals = data["totals"]["counts"]
    # Pattern-validated or typed-column classes, so exact: 1 e-mail in a ticket + 3 in the CSV.
    assert (totals["EMAIL"], totals["CREDIT_CARD"], totals["BANK_ACCOUNT"]) == (4, 1, 1)
    assert (totals["IP_ADDRESS"], totals["CREDENTIAL"]) == (1, 1)
    assert set(totals) <= LABELS
    assert data["totals"]["files"] == len(_files(EXAMPLES))
    assert all(f["output"] is None for f in data["files"])
    for label, n in totals.items():  # the human table agrees with the JSON
        assert re.search(rf"│ {label}\s*│\s*{n} │", table.stdout), label
    # each scan is evidence of what was examined: one ledger entry, counts and hashes only
    shown = veil_cmd("ledger", "show")
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if " scan " in line]
    assert len(lines) == 2
    assert f"EMAIL={totals['EMAIL']}" in lines[0]


# --- veil detect ------------------------------------------------------------------------

DOCS = [
    {"id": 1, "text": "Mail jane.doe@example.com or call Margaret O'Donnell tomorrow."},
    {"id": "t-2", "text": "Card 4111 1111 1111 1111, refund to GB82 WEST 1234 5698 7654 32."},
    {"id": 3, "text": "The export to CSV fails on the Reports page after the 2.14 update"},
]


def _spans(doc: dict[str, str], entities: list[dict[str, object]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in entities:
        found.setdefault(str(e["label"]), []).append(doc["text"][e["start"] : e["end"]])  # type: ignore[misc]
    return found


def test_detect_writes_the_documented_format(veil_cmd: Veil, tmp_path: Path) -> None:
    src, dst = tmp_path / "docs.jsonl", tmp_path / "preds" / "preds.jsonl"
    lines = [json.dumps(d) for d in DOCS]
    src.write_text("\n".join([lines[0], "", *lines[1:]]) + "\n", "utf-8")  # blank lines skip
    result = veil_cmd("detect", "--input", src, "--output", dst)
    assert result.returncode == 0, result.stderr
    assert "3 documents" in result.stdout

    preds = [json.loads(x) for x in dst.read_text("utf-8").splitlines()]
    assert [p["id"] for p in preds] == [1, "t-2", 3]  # ids and their JSON types kept
    for doc, pred in zip(DOCS, preds, strict=True):
        assert set(pred) == {"id", "entities"}
        end = 0
        for e in pred["entities"]:
            assert {"start", "end", "label", "score"} <= set(e)
            assert isinstance(e["start"], int)
            assert isinstance(e["end"], int)
            assert isinstance(e["score"], float)
            assert e["label"] in LABELS
            assert 0.0 <= e["score"] <= 1.0
            assert end <= e["start"] < e["end"] <= len(doc["text"])  # sorted, no overlaps
            end = e["end"]
    first, second = (_spans(d, p["entities"]) for d, p in zip(DOCS, preds[:2], strict=False))
    assert first["EMAIL"] == ["jane.doe@example.com"]
    assert first["PERSON"] == ["Margaret O'Donnell"]
    assert second["CREDIT_CARD"] == ["4111 1111 1111 1111"]
    assert second["BANK_ACCOUNT"] == ["GB82 WEST 1234 5698 7654 32"]
    assert preds[2]["entities"] == []


def test_labels_match_the_shared_taxonomy() -> None:
    path = ROOT.parent / "shared" / "eval" / "pii" / "labels.py"
    if not path.exists():
        pytest.skip("../shared/eval/pii is not checked out here")
    spec = importlib.util.spec_from_file_location("shared_labels", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.TAXONOMY) == LABELS


# --- veil restore and veil forget -------------------------------------------------------


@pytest.fixture
def pseudonymised(veil_cmd: Veil, tmp_path: Path) -> tuple[Path, Path]:
    src, red = tmp_path / "prompt.txt", tmp_path / "prompt.red.txt"
    src.write_text(ROUND_TRIP, "utf-8")
    result = veil_cmd("redact", src, "-o", red, "--policy", "llm-prompt")
    assert result.returncode == 0, result.stderr
    return src, red


def test_llm_prompt_round_trip_is_exact(
    veil_cmd: Veil, tmp_path: Path, pseudonymised: tuple[Path, Path]
) -> None:
    src, red = pseudonymised
    redacted = red.read_text("utf-8")
    for value in (
        "Margaret O'Donnell",
        "margaret.odonnell@example.org",
        "GB82 WEST",
        "10.20.30.40",
    ):
        assert value not in redacted
    for label in ("PERSON", "EMAIL", "PHONE", "BANK_ACCOUNT", "IP_ADDRESS"):
        assert re.search(rf"<{label}_\d+>", redacted), label
    placeholders = PLACEHOLDER.findall(redacted)

    back = tmp_path / "back.txt"
    result = veil_cmd("restore", red, "-o", back)
    assert result.returncode == 0, result.stderr
    assert back.read_bytes() == src.read_bytes()
    assert f"restored {len(placeholders)} values" in result.stdout
    assert "unknown" not in result.stderr

    # Another scope (tenant) holds no entries for these placeholders: nothing comes back.
    other = tmp_path / "other.txt"
    elsewhere = veil_cmd("restore", red, "-o", other, "--scope", "tenant-b")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert other.read_text("utf-8") == redacted
    assert "restored 0 values" in elsewhere.stdout
    assert f"{len(set(placeholders))} placeholders unknown" in elsewhere.stderr


def test_forget_leaves_that_subject_unrestored(
    veil_cmd: Veil, tmp_path: Path, pseudonymised: tuple[Path, Path]
) -> None:
    src, red = pseudonymised
    email = "margaret.odonnell@example.org"
    [surrogate] = re.findall(r"<EMAIL_\d+>", red.read_text("utf-8"))

    # Lookups are normalised (case-folded), so the upper-case spelling finds the entry.
    forgot = veil_cmd("forget", "--label", "EMAIL", stdin=email.upper() + "\n")
    assert forgot.returncode == 0, forgot.stderr
    assert "erased 1 vault entry" in forgot.stdout
    assert email not in forgot.stdout + forgot.stderr
    assert email.upper() not in forgot.stdout + forgot.stderr

    back = tmp_path / "back.txt"
    result = veil_cmd("restore", red, "-o", back)
    assert result.returncode == 0, result.stderr
    assert back.read_text("utf-8") == src.read_text("utf-8").replace(email, surrogate)
    assert "1 placeholders unknown" in result.stderr

    again = veil_cmd("forget", "--label", "EMAIL", stdin=email + "\n")
    assert "erased 0 vault entries" in again.stdout


# --- veil policy ------------------------------------------------------------------------

runner = CliRunner()


def test_policy_list_names_every_builtin() -> None:
    result = runner.invoke(app, ["policy", "list"])
    assert result.exit_code == 0, result.output
    for name in list_builtin_policies():
        policy = load_policy(name)
        assert re.search(
            rf"^{re.escape(policy.policy_id)}\s+{policy.content_hash[:19]}", result.stdout, re.M
        )


@pytest.mark.parametrize("name", list_builtin_policies())
def test_policy_validate_and_test_builtins(name: str) -> None:
    policy = load_policy(name)
    validated = runner.invoke(app, ["policy", "validate", name])
    assert validated.exit_code == 0, validated.output
    assert f"ok  {policy.policy_id}  {policy.content_hash}" in validated.stdout

    tested = runner.invoke(app, ["policy", "test", name])
    assert tested.exit_code == 0, tested.output
    assert policy.tests
    assert tested.stdout.count("pass  ") == len(policy.tests)
    assert "FAIL" not in tested.stdout


def test_policy_show_resolves_rules_per_purpose() -> None:
    base = runner.invoke(app, ["policy", "show", "gdpr-strict"])
    analytics = runner.invoke(app, ["policy", "show", "gdpr-strict", "--purpose", "analytics"])
    assert base.exit_code == analytics.exit_code == 0, base.output + analytics.output
    for label in LABELS:
        assert re.search(rf"│ {label}\s*│", base.stdout), label
    assert re.search(r"│ PERSON\s*│ pseudonym", base.stdout)
    assert re.search(r"│ PERSON\s*│ hash", analytics.stdout)
    assert re.search(r"│ CREDIT_CARD\s*│ redact", analytics.stdout)


def test_failing_policy_test_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(
        'veil: policy/v1\nname: wrong\nversion: 1\nrules:\n  "*": redact\n'
        "tests:\n  - name: expects a placeholder\n"
        '    input: "Mail jane.doe@example.com"\n    expect: "Mail <EMAIL_1>"\n',
        "utf-8",
    )
    result = runner.invoke(app, ["policy", "test", str(path)])
    assert result.exit_code == 1
    assert "FAIL  wrong@1  expects a placeholder" in result.stdout
    assert "+Mail [EMAIL]" in result.stderr
    assert "jane.doe" not in result.output


def test_bad_policy_file_exits_4_with_file_and_line(veil_cmd: Veil, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        'veil: policy/v1\nname: bad\nversion: 1\nrules:\n  "*": redact\n  EMAIL: redakt\n',
        "utf-8",
    )
    result = veil_cmd("policy", "validate", path)
    assert result.returncode == 4, result.stderr
    assert f"{path}:6 field 'rules.EMAIL.operator'" in result.stderr
    assert "did you mean redact?" in result.stderr
    assert "Traceback" not in result.stderr
    out = str(tmp_path / "out.txt")
    for command in (["policy", "test"], ["policy", "show"], ["redact", str(path), "-o", out, "-p"]):
        inproc = runner.invoke(app, [*command, str(path)])
        assert inproc.exit_code == 4, (command, inproc.output)
        assert f"{path}:6 field 'rules.EMAIL.operator'" in inproc.stderr
    assert not Path(out).exists()


def test_redact_and_restore_through_pipes(veil_cmd: Veil) -> None:
    """`-` as input and output: the text goes through stdout, the report to stderr."""
    text = "Please ask Margaret O'Donnell (margaret.odonnell@example.org) to call back.\n"
    red = veil_cmd("redact", "-", "-o", "-", "-p", "llm-prompt", stdin=text)
    assert red.returncode == 0, red.stderr
    assert "margaret.odonnell@example.org" not in red.stdout + red.stderr
    assert re.search(r"<EMAIL_\d+>", red.stdout)
    assert "EMAIL" in red.stderr  # the counts table, not mixed into the text
    back = veil_cmd("restore", "-", "-o", "-", stdin=red.stdout)
    assert back.returncode == 0, back.stderr
    assert back.stdout == text


def test_file_to_stdout_and_directory_refused(veil_cmd: Veil) -> None:
    """`-o -` with a file input streams the result to stdout; nothing named '-' appears."""
    src = veil_cmd.cwd / "note.txt"
    src.write_text("Mail margaret.odonnell@example.org today.\n", "utf-8")
    result = veil_cmd("redact", src, "-o", "-", "-p", "gdpr-strict")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Mail <EMAIL_")
    assert "margaret.odonnell@example.org" not in result.stdout + result.stderr
    assert not (veil_cmd.cwd / "-").exists()
    refused = veil_cmd("redact", veil_cmd.cwd, "-o", "-", "-p", "gdpr-strict")
    assert refused.returncode == 3
    assert "takes one file" in refused.stderr
