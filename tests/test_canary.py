"""Planted canary values appear nowhere but the intended output (STYLE.md habit 4).

Unique fake values (an e-mail, a Luhn-valid card, a name, a valid IBAN) go into
text, JSONL and CSV inputs. Every way Veil talks back is then searched for them:
stdout and stderr of the real script, Python logging at DEBUG and warnings of the
in-process runs, error messages, reports, reprs, the vault database and the key
file. The one place they may appear is a restore into the right scope, which is
also the positive control: it proves the search would see them.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Veil
from veil import Redactor
from veil._sensitive import Sensitive
from veil.cli import app
from veil.errors import InputError
from veil.io import redact_path, scan_path
from veil.keys import KeyRing
from veil.policy import Policy, run_policy_tests
from veil.transform import Vault

EMAIL = "canary.x9q@example.org"
CARD = "4556 7375 8689 9855"  # Luhn-valid, made up
NAME = "Zyxwvut Canarynski"
IBAN = "GB21 ZYXW 6016 1331 9268 19"  # valid check digits, made-up bank "ZYXW"
# Each form is a leak wherever it shows, in any case: parts of the name, the card and
# IBAN with and without spaces. All are long enough not to occur in random bytes.
FORMS = [
    "canary.x9q",
    "zyxwvut",
    "canarynski",
    "4556737586899855",
    "4556 7375 8689 9855",
    "gb21zyxw60161331926819",
    "gb21 zyxw 6016 1331 9268 19",
    "zyxw6016",
    "zyxw 6016",
]

TEXT = f"""\
Hello, my name is {NAME} and I was charged twice.
The card {CARD} was used; please refund to IBAN {IBAN}.
You can reach me at {EMAIL} after five.
"""
RECORDS = [
    {"id": "r1", "body": f"Hello, my name is {NAME}, mail {EMAIL}", "priority": 1},
    {"id": "r2", "body": f"Card {CARD}, refund to IBAN {IBAN} please", "priority": 2},
]
CSV = f"""\
customer_id,full_name,email,notes
C-10021,{NAME},{EMAIL},Refund card {CARD} to IBAN {IBAN}
C-10022,Alice Johnson,alice.johnson@example.com,No issues reported.
C-10023,Rahul Mehta,rahul.mehta@example.in,Asked about an invoice.
C-10024,Sophie Martin,sophie.martin@example.fr,Prefers email.
"""
CANARY_POLICY = f"""\
veil: policy/v1
name: canary-check
version: 1
rules:
  PERSON: keep
  EMAIL: keep
  "*": redact
tests:
  - name: exact output differs
    input: "Hello, my name is {NAME}, mail {EMAIL}, card {CARD}."
    expect: "Hello, my name is [PERSON]."
  - name: pattern does not match
    input: "{NAME} ({EMAIL}) paid with {CARD}"
    expect_pattern: 'nothing like this'
  - name: glued to a replacement
    input: "Paid by Canarynski,{CARD.replace(" ", "")} yesterday"
    expect: "Paid by somebody yesterday"
  - name: forbidden string kept
    input: "Write to {EMAIL} today."
    expect_not_contains: ["{EMAIL}"]
  - name: missing string
    input: "IBAN {IBAN} of {NAME}"
    expect_contains: ["[BANK_ACCOUNT] of Somebody"]
"""


def leaks(blob: str | bytes) -> list[str]:
    data = (blob if isinstance(blob, bytes) else blob.encode("utf-8")).lower()
    return [form for form in FORMS if form.encode() in data]


def test_the_search_sees_every_form() -> None:
    """The positive control for ``leaks``: without it, every test here could pass vacuously."""
    compact = {"4556737586899855", "gb21zyxw60161331926819", "zyxw6016"}
    assert set(leaks(TEXT)) == set(FORMS) - compact
    assert set(leaks(CARD.replace(" ", "") + " " + IBAN.replace(" ", ""))) == compact
    assert leaks(NAME.upper().encode()) == ["zyxwvut", "canarynski"]
    assert leaks("Canarynski,[CREDIT_CARD]") == ["canarynski"]


def _inputs(root: Path) -> Path:
    src = root / "in"
    src.mkdir()
    (src / "ticket.txt").write_text(TEXT, "utf-8")
    (src / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), "utf-8")
    (src / "customers.csv").write_text(CSV, "utf-8")
    return src


def _state(home: Path) -> dict[str, bytes]:
    """Every file under the data directory (vault, its WAL, keys) with its bytes."""
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


# --- the installed script -----------------------------------------------------------------


def test_cli_never_prints_or_stores_canaries(veil_cmd: Veil, tmp_path: Path) -> None:
    src, out = _inputs(tmp_path), tmp_path / "out"
    env = {"VEIL_LOG": "DEBUG", "PYTHONWARNINGS": "default"}
    streams: dict[str, str] = {}

    def run(name: str, *args: str | Path, code: int = 0, stdin: str | None = None) -> None:
        result = veil_cmd(*args, stdin=stdin, env=env)
        assert result.returncode == code, (name, result.stderr)
        streams[f"{name} stdout"], streams[f"{name} stderr"] = result.stdout, result.stderr

    run("redact", "redact", src, "-o", out, "--policy", "gdpr-strict", "--json")
    run("scan", "scan", src, "--json")
    run("restore (wrong scope)", "restore", out, "-o", tmp_path / "wrong", "--scope", "other")

    failing = tmp_path / "failing" / "records.jsonl"
    failing.parent.mkdir()
    failing.write_text(json.dumps(RECORDS[0]) + f'\n{{"body": "{EMAIL}" "{CARD}"}}\n', "utf-8")
    run(
        "failed run",
        "redact",
        "-p",
        "gdpr-strict",
        failing,
        "-o",
        tmp_path / "failed.jsonl",
        code=3,
    )

    policy = tmp_path / "canary.yaml"
    policy.write_text(CANARY_POLICY, "utf-8")
    run("policy test", "policy", "test", policy, code=1)
    run("forget", "forget", stdin=NAME + "\n")

    for name, text in streams.items():
        assert leaks(text) == [], f"{name} leaks: {text}"
    assert streams["failed run stderr"].count("failing/records.jsonl:2") == 1
    assert streams["policy test stdout"].count("FAIL") == 5
    assert "erased" in streams["forget stdout"]

    outputs = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    outputs |= {p: p.read_bytes() for p in (tmp_path / "wrong").rglob("*") if p.is_file()}
    assert len(outputs) == 6
    for path, data in outputs.items():
        assert leaks(data) == [], f"{path} leaks"
    assert not (tmp_path / "failed.jsonl").exists()
    assert [p.name for p in failing.parent.iterdir()] == ["records.jsonl"]  # no temp file

    state = _state(veil_cmd.home)
    assert "vault.db" in state
    assert "ledger.db" in state  # every run was recorded, and holds no canary either
    assert any(name.startswith("keys/") for name in state)
    for name, data in state.items():
        assert leaks(data) == [], f"{name} holds a canary"


# --- in-process: the CLI and the API under DEBUG logging ----------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records propagate here
    logging.getLogger("veil").debug("capture works")
    assert "capture works" in caplog.text
    return caplog


def test_cli_in_process_under_debug_logging(
    tmp_path: Path, debug_logs: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    src, home = _inputs(tmp_path), tmp_path / "home"
    runner = CliRunner()
    env = {"VEIL_HOME": str(home)}
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": 1, "text": TEXT}) + "\n", "utf-8")

    runs = {
        "redact": ["redact", str(src), "-o", str(tmp_path / "out"), "-p", "llm-prompt"],
        "scan": ["scan", str(src)],
        "detect": ["detect", "-i", str(docs), "-o", str(tmp_path / "preds.jsonl")],
        "restore": ["restore", str(tmp_path / "out"), "-o", str(tmp_path / "back")],
    }
    for name, args in runs.items():
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, (name, result.output)
        assert leaks(result.stdout + result.stderr) == [], name
    assert leaks((tmp_path / "preds.jsonl").read_bytes()) == []  # offsets, never values
    for path in (tmp_path / "out").iterdir():
        assert leaks(path.read_bytes()) == [], path.name

    # The intended output, and the proof that the search works: restored in the right scope.
    back = (tmp_path / "back" / "ticket.txt").read_text("utf-8")
    assert back == TEXT
    assert set(leaks(back)) >= {"canary.x9q", "zyxwvut", "canarynski", "4556 7375 8689 9855"}

    assert leaks(debug_logs.text) == []
    assert all(leaks(str(w.message)) == [] for w in recwarn)


def test_api_under_debug_logging(
    tmp_path: Path,
    debug_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    recwarn: pytest.WarningsRecorder,
) -> None:
    src, home = _inputs(tmp_path), tmp_path / "home"
    shown: list[str] = []
    with Redactor("llm-prompt", home=home) as redactor:
        result = redactor.redact(TEXT)
        report = redact_path(src, tmp_path / "out", redactor)
        scanned = scan_path(src, redactor)
        restored = redactor.restore(result.text)
        shown += [repr(result), str(result), repr(restored), repr(report), repr(scanned)]
        shown += [json.dumps(report.as_dict()), json.dumps(scanned.as_dict())]
        shown += [repr(redactor), str(redactor), repr(redactor.policy)]
        shown += [repr(f) for f in result.findings]
        keyring = KeyRing.open(home)
        with Vault.open(home, keyring) as vault:
            surrogate = re.search(r"<PERSON_\d+>", result.text)
            assert surrogate is not None
            value = vault.reveal(surrogate.group(0))
            shown += [repr(keyring), str(keyring), repr(vault), str(vault)]
            shown += [repr(value), str(value), f"{value}", f"{value!r}", "%s" % value]  # noqa: UP031 - a way values print
        assert restored.text.reveal() == TEXT  # positive control: the values are in there
        bad = tmp_path / "bad.jsonl"
        bad.write_text(json.dumps(RECORDS[0]) + f'\n{{"body": "{EMAIL}" oops}}\n', "utf-8")
        with pytest.raises(InputError) as failure:
            redact_path(bad, tmp_path / "bad-out.jsonl", redactor)
        shown += [str(failure.value), repr(failure.value)]

    policy = Policy.from_yaml(CANARY_POLICY, source="canary.yaml")
    from veil.cli._policy import isolated_redact

    outcomes = run_policy_tests(policy, isolated_redact)
    assert [o.passed for o in outcomes] == [False] * 5
    shown += [o.message for o in outcomes] + [repr(o) for o in outcomes]

    captured = capsys.readouterr()
    shown += [captured.out, captured.err, debug_logs.text, *(str(w.message) for w in recwarn)]
    for text in shown:
        assert leaks(text) == [], text
    assert leaks(TEXT) != []  # and once more, the control


def test_sensitive_values_stay_wrapped() -> None:
    secret = Sensitive(EMAIL)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret:>40}", "%s" % secret):  # noqa: UP031
        assert leaks(text) == []
        assert "[secure]" in text
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(secret)
    assert secret.reveal() == EMAIL
