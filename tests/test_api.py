"""The public API, locked: exact exports, one exception tree, and the one-call and batch forms."""

from __future__ import annotations

import inspect
import re
import stat
from pathlib import Path
from types import ModuleType

import pytest

import veil
import veil.attest
import veil.detect
import veil.dp
import veil.errors
import veil.hazmat
import veil.io
import veil.kbs
import veil.keys
import veil.ledger
import veil.policy
import veil.transform
from veil import Analyzer, Finding, Label, Redactor
from veil.errors import VeilError

# The lock. Changing a list here is an API change: update the docs and the changelog with it.
PUBLIC = {
    veil: [
        "Analyzer",
        "Finding",
        "Label",
        "Policy",
        "Redaction",
        "Redactor",
        "Scanner",
        "__version__",
        "errors",
        "load_policy",
        "redact",
        "scan",
    ],
    veil.detect: ["LABELS", "Analyzer", "Detector", "Finding", "Label"],
    veil.transform: [
        "OPERATORS",
        "Change",
        "Operator",
        "OperatorContext",
        "RestoreResult",
        "TransformResult",
        "Vault",
        "fpe_decrypt",
        "make_operator",
        "normalise",
        "resolve_overlaps",
        "restore",
        "transform",
    ],
    veil.policy: [
        "Policy",
        "PolicyTestResult",
        "Rule",
        "list_builtin_policies",
        "load_policy",
        "run_policy_tests",
    ],
    veil.io: [
        "ColumnKind",
        "ColumnReport",
        "FileReport",
        "Report",
        "TextEngine",
        "TextOutcome",
        "classify_columns",
        "input_size",
        "redact_path",
        "scan_path",
    ],
    veil.keys: [
        "PURPOSES",
        "AwsKmsProvider",
        "DataKeyInfo",
        "EnvProvider",
        "FpeCipher",
        "KekInfo",
        "KekProvider",
        "KeyRing",
        "KeyStore",
        "LocalProvider",
        "Purpose",
        "default_jurisdiction",
    ],
    veil.attest: [
        "PLATFORMS",
        "Claims",
        "Platform",
        "Region",
        "RegionSource",
        "SimulatedCA",
        "SimulatedTEE",
        "decode",
        "detect",
        "measure_program",
        "verify_evidence",
    ],
    veil.dp: [
        "Accountant",
        "AuditReport",
        "Budget",
        "Mechanism",
        "PrivateTraining",
        "QueryPlan",
        "SynthAuditReport",
        "SynthReport",
        "TableRisk",
        "assess_table",
        "audit_model",
        "audit_synthetic",
        "epsilon_of",
        "make_private",
        "plan_query",
        "report_html",
        "synthesize",
    ],
    veil.kbs: [
        "BrokerConfig",
        "Challenge",
        "KeyBroker",
        "ReferenceValue",
        "ReleasePolicy",
        "ReleaseRequest",
        "Released",
        "fetch_key",
        "report_data",
        "simulated_evidence",
    ],
    veil.errors: [
        "AttestationFailed",
        "BudgetExhausted",
        "ConfigError",
        "DetectionError",
        "InputError",
        "KeyMissing",
        "KeyReleaseRefused",
        "LedgerTampered",
        "MissingExtra",
        "PolicyDenied",
        "PolicyError",
        "RestoreError",
        "TransformError",
        "VaultError",
        "VeilError",
    ],
    veil.hazmat: ["export_key", "keyring_from_bytes"],
    veil.ledger: [
        "Action",
        "Artifact",
        "BundleReport",
        "Event",
        "Ledger",
        "PolicyRef",
        "Receipt",
        "VerifyReport",
        "verify_bundle",
        "verify_log",
    ],
}


@pytest.mark.parametrize("module", list(PUBLIC), ids=lambda m: m.__name__)
def test_exports_are_locked(module: ModuleType) -> None:
    assert module.__all__ == PUBLIC[module]
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.{name} is exported but missing"


def test_star_import_gives_exactly_the_exports() -> None:
    namespace: dict[str, object] = {}
    exec("from veil import *", namespace)  # the statement users type
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC[veil])


def _error_classes() -> dict[str, type[BaseException]]:
    return {
        name: obj
        for name, obj in vars(veil.errors).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException)
    }


def test_every_error_is_a_veil_error() -> None:
    classes = _error_classes()
    assert len(classes) >= len(PUBLIC[veil.errors])
    for name, cls in classes.items():
        assert issubclass(cls, VeilError), name
    public = {n for n in classes if not n.startswith("_")}
    assert public == set(veil.errors.__all__)  # no public error left out of the tree


def test_the_docstring_draws_every_error() -> None:
    tree = veil.errors.__doc__ or ""
    for name in veil.errors.__all__:
        assert re.search(rf"\b{name}\b", tree), f"{name} is missing from the errors.py tree"


def test_one_call_redact(tmp_path: Path) -> None:
    home = tmp_path / "home"
    text = "Mail jane.doe@example.com, card 4111 1111 1111 1111."
    out = veil.redact(text, policy="gdpr-strict", home=home)
    assert out == "Mail <EMAIL_1>, card [CREDIT_CARD]."
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert veil.redact(text, policy="gdpr-strict", home=home) == out  # same key, same answer


def test_policy_is_required() -> None:
    with pytest.raises(TypeError):
        veil.redact("Mail jane.doe@example.com")  # type: ignore[call-arg]


def _placeholder(text: str, label: str) -> str:
    found = re.findall(rf"<{label}_\d+>", text)
    assert len(found) == 1, text
    return found[0]


def test_same_value_same_placeholder_across_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Redactor("gdpr-strict", home=home) as first:
        one = first.redact("Mail jane.doe@example.com about the refund.").text
        first.redact("And bob.roe@example.com too.")
    with Redactor("gdpr-strict", home=home) as second:  # a second run: new objects, same home
        two = second.redact("Jane.Doe@Example.com wrote again.").text  # case-folded match
        other = second.redact("bob.roe@example.com").text
    assert _placeholder(one, "EMAIL") == _placeholder(two, "EMAIL")
    assert _placeholder(other, "EMAIL") != _placeholder(one, "EMAIL")


def test_scopes_do_not_share_pseudonyms(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Redactor("gdpr-strict", home=home) as tenant_a:
        in_a = _placeholder(tenant_a.redact("Mail jane.doe@example.com").text, "EMAIL")
    with Redactor("gdpr-strict", home=home, scope="tenant-b") as tenant_b:
        tenant_b.redact("Mail bob.roe@example.com")  # tenant B's first address
        in_b = _placeholder(tenant_b.redact("Mail jane.doe@example.com").text, "EMAIL")
        assert tenant_b.restore(in_b).text.reveal() == "jane.doe@example.com"
    assert in_a != in_b
    with Redactor("llm-prompt", home=home, scope="tenant-c") as tenant_c:
        back = tenant_c.restore(f"Write to {in_a}")
    assert back.text.reveal() == f"Write to {in_a}"  # scope C knows nothing: left as is
    assert back.unknown == (in_a,)


def test_keyed_hash_is_stable_per_key(tmp_path: Path) -> None:
    text = "Mail jane.doe@example.com"
    runs = []
    for home in ("a", "a", "b"):
        with Redactor("gdpr-strict", home=tmp_path / home, purpose="analytics") as r:
            runs.append(r.redact(text).text)
    assert runs[0] == runs[1]  # same key: joinable across runs
    assert runs[0] != runs[2]  # another key: not linkable
    assert "jane" not in runs[0]


def test_batch_equals_one_by_one(tmp_path: Path) -> None:
    texts = ["Mail jane.doe@example.com", "", "IBAN GB82 WEST 1234 5698 7654 32 please"]
    with Redactor("pci", home=tmp_path / "home") as r:
        assert [x.text for x in r.redact_batch(texts)] == [r.redact(t).text for t in texts]
        # pci masks all but the last four digits and keeps the grouping.
        assert r.redact(texts[2]).text == "IBAN **** **** **** **** **54 32 please"


# --- overlapping findings ----------------------------------------------------------------

DNI = (
    "Caller Luis Fernández (DNI 12345678Z) wants to update his address to "
    "Calle Mayor 5, 28013 Madrid."
)
VALUES = ["Luis", "Fernández", "12345678", "Calle Mayor", "28013", "Madrid"]


def test_real_overlaps_leak_nothing(tmp_path: Path, analyzer: Analyzer) -> None:
    pattern, model = analyzer.detectors
    pats, mods = pattern.detect(DNI), [f for f in model.detect(DNI) if f.score >= 0.5]
    overlaps = {(p.label, m.label) for p in pats for m in mods if p.overlaps(m)}
    assert any(a != b for a, b in overlaps)  # the premise: findings really disagree here
    assert any(a == b for a, b in overlaps)
    with Redactor("gdpr-strict", home=tmp_path / "home") as r:
        out = r.redact(DNI).text
    for value in VALUES:
        assert value not in out
    assert re.fullmatch(
        r"Caller <PERSON_\d+> \((?:DNI|<LOCATION_\d+>) <ID_\d+>\) wants to update his address "
        r"to <LOCATION_\d+>\.",
        out,
    )


class _Fixed:
    """TEST DOUBLE: a detector that reports the same findings for any text."""

    def __init__(self, name: str, findings: list[Finding]) -> None:
        self.name, self.findings = name, findings

    def detect(self, text: str) -> list[Finding]:
        return list(self.findings)


def _span(part: str, label: Label, score: float, detector: str) -> Finding:
    start = DNI.index(part)
    return Finding(start, start + len(part), label, score, detector)


def _redact_with(tmp_path: Path, patterns: list[Finding], model: list[Finding]) -> str:
    analyzer = Analyzer([_Fixed("pattern:stub", patterns), _Fixed("model:stub", model)])
    with Redactor("gdpr-strict", home=tmp_path / "home", analyzer=analyzer) as r:
        return r.redact(DNI).text


def test_stub_overlaps_leak_nothing(tmp_path: Path) -> None:
    """Overlap shapes at once: pattern vs pattern, model vs model, cross-label mostly inside,
    same-label fusing."""
    out = _redact_with(
        tmp_path,
        patterns=[
            _span("12345678Z", Label.ID, 0.99, "pattern:stub"),
            _span("28013", Label.LOCATION, 0.9, "pattern:stub"),
            _span("5, 28013", Label.PHONE, 0.55, "pattern:stub"),
        ],
        model=[
            _span("Luis Fernández", Label.PERSON, 0.95, "model:stub"),
            _span("DNI 12345678Z", Label.LOCATION, 0.8, "model:stub"),
            _span("Calle Mayor 5, 28013 Madrid", Label.LOCATION, 0.7, "model:stub"),
            _span("Mayor 5, 28013", Label.ORGANIZATION, 0.6, "model:stub"),
        ],
    )
    for value in VALUES:
        assert value not in out, out
    assert re.fullmatch(
        r"Caller <PERSON_\d+> \((?:DNI|<LOCATION_\d+>) <ID_\d+>\) wants to update his address to "
        r"<LOCATION_\d+>\.",
        out,
    )


def test_model_remainder_outside_a_wider_pattern_is_not_lost(tmp_path: Path) -> None:
    out = _redact_with(
        tmp_path,
        patterns=[_span("Fernández (DNI", Label.USERNAME, 0.6, "pattern:stub")],
        model=[_span("Luis Fernández", Label.PERSON, 0.95, "model:stub")],
    )
    assert "Luis" not in out


def test_testing_helpers_are_public_and_catch_a_leak(tmp_path: Path) -> None:
    import veil.testing

    assert veil.testing.__all__ == ["CANARIES", "FakeEngine", "assert_no_canaries"]
    leaky = tmp_path / "log.txt"
    leaky.write_text(f"user said {veil.testing.CANARIES[0]}")
    with pytest.raises(AssertionError, match="leaked into"):
        veil.testing.assert_no_canaries(leaky)
    veil.testing.assert_no_canaries("nothing here", b"nor here")
