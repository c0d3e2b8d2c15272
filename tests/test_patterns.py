"""Validated-pattern detector: known-answer vectors plus the detector's contract.

The vectors live in ``vectors/patterns.jsonl``, one case a line:
``{"name", "text", "expect": [{"span", "label", "subtype"?}], "locales"?, "labels"?}``.
``text`` may be a list of strings joined without separator (tokens are stored split so
repository secret scanners do not flag them). ``expect`` lists every finding in text
order; an empty list pins a negative (an invalid checksum, an ISBN, a file name).
Valid IDs are published examples (python-stdnum docs, libphonenumber example
numbers, card-network test numbers, vendor documentation), never real people's.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from veil.detect._context import NEGATIVE, POSITIVE
from veil.detect._patterns import LOCALES, PatternDetector, all_specs
from veil.detect._types import Detector, Finding, Label
from veil.errors import ConfigError

VECTORS = Path(__file__).parent / "vectors" / "patterns.jsonl"
CASES: list[dict[str, Any]] = [
    json.loads(line) for line in VECTORS.read_text(encoding="utf-8").splitlines() if line.strip()
]
DEFAULT = PatternDetector()


def _text(case: dict[str, Any]) -> str:
    text = case["text"]
    return "".join(text) if isinstance(text, list) else str(text)


def _detector(case: dict[str, Any]) -> PatternDetector:
    if "locales" not in case and "labels" not in case:
        return DEFAULT
    labels = [Label(x) for x in case["labels"]] if "labels" in case else None
    return PatternDetector(labels=labels, locales=case.get("locales"))


def _expected(text: str, expect: list[dict[str, str]]) -> list[tuple[int, int, str, str | None]]:
    """Expected spans located in order: each span is searched after the previous one."""
    out, cursor = [], 0
    for item in expect:
        start = text.find(item["span"], cursor)
        assert start >= 0, f"vector span {item['span']!r} not in text"
        cursor = start + len(item["span"])
        out.append((start, cursor, item["label"], item.get("subtype")))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    text = _text(case)
    found = _detector(case).detect(text)
    want = _expected(text, case["expect"])
    got = [(f.start, f.end, f.label.value, f.subtype) for f in found]
    for i, expected in enumerate(want[: len(got)]):
        if expected[3] is None:  # the vector does not pin a subtype
            got[i] = (*got[i][:3], None)
    assert got == want, [(text[f.start : f.end], f.label.value, f.subtype) for f in found]


def test_vector_names_are_unique() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))


def test_every_label_pattern_covers_has_positive_and_negative_vectors() -> None:
    positive = {e["label"] for c in CASES for e in c["expect"]}
    covered = {spec.label.value for spec in all_specs()}
    assert covered <= positive
    assert sum(1 for c in CASES if not c["expect"]) >= 40


def _all_findings() -> list[tuple[str, list[Finding]]]:
    return [(_text(c), DEFAULT.detect(_text(c))) for c in CASES]


def test_findings_are_sorted_non_overlapping_and_tight() -> None:
    for text, found in _all_findings():
        assert found == sorted(found, key=lambda f: f.start)
        for a, b in itertools.pairwise(found):
            assert a.end <= b.start
        for f in found:
            span = text[f.start : f.end]
            assert span == span.strip(), span
            assert span[-1] not in ",;:", span
            assert span[0] not in ",;:.", span


def test_findings_carry_provenance_and_scores() -> None:
    for _, found in _all_findings():
        for f in found:
            assert f.detector.startswith("pattern:")
            assert f.subtype
            assert 0.5 <= f.score <= 1.0


def test_implements_detector_protocol() -> None:
    assert isinstance(DEFAULT, Detector)
    assert DEFAULT.name == "patterns"
    assert DEFAULT.detect("") == []


def test_offsets_are_characters_not_bytes() -> None:
    text = "Zoë – «ünïcode» first, then 4111 1111 1111 1111 and ✉ a@example.com"
    found = DEFAULT.detect(text)
    assert [text[f.start : f.end] for f in found] == ["4111 1111 1111 1111", "a@example.com"]


def test_lone_surrogate_does_not_break_offsets() -> None:
    text = "bad \ud800 char then a@example.com"
    (found,) = DEFAULT.detect(text)
    assert text[found.start : found.end] == "a@example.com"


def test_labels_restrict_specs() -> None:
    detector = PatternDetector(labels={Label.EMAIL, Label.PHONE})
    assert {spec.label for spec in detector.specs} == {Label.EMAIL, Label.PHONE}


@pytest.mark.parametrize("labels", [set(), {"NOT_A_LABEL"}])
def test_bad_labels_fail_closed(labels: set[Any]) -> None:
    with pytest.raises(ConfigError, match="labels"):
        PatternDetector(labels=labels)


@pytest.mark.parametrize("locales", [[], ["xx"]])
def test_bad_locales_fail_closed(locales: list[str]) -> None:
    with pytest.raises(ConfigError, match="locales"):
        PatternDetector(locales=locales)


def test_every_locale_keeps_universal_specs() -> None:
    for locale in LOCALES:
        names = {spec.name for spec in PatternDetector(locales=[locale]).specs}
        assert {"email", "credit_card", "iban", "url", "jwt"} <= names


def test_context_lists_named_by_specs_exist() -> None:
    for spec in all_specs():
        assert spec.context is None or spec.context in POSITIVE, spec.name
        assert spec.negative is None or spec.negative in NEGATIVE, spec.name
        assert not spec.requires_context or spec.context, spec.name


def test_spec_names_are_unique() -> None:
    names = [spec.name for spec in all_specs()]
    assert len(names) == len(set(names))


def test_prefilter_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The RE2 Set prefilter is an optimisation only: running every rule finds the same."""
    texts = [_text(c) for c in CASES]
    fast = [DEFAULT.detect(t) for t in texts]
    monkeypatch.setattr(PatternDetector, "_candidates", lambda self, data: list(self._rules))
    assert [DEFAULT.detect(t) for t in texts] == fast


def test_validation_budget_fails_closed() -> None:
    """Past the per-document budget, phone-shaped numbers are flagged unverified, not skipped."""
    numbers = "\n".join(f"+44 20 7946 {n:04d}" for n in range(400))
    found = DEFAULT.detect(numbers)
    assert len(found) == 400
    assert {f.label for f in found} == {Label.PHONE}
    assert any(f.subtype == "PHONE_UNVERIFIED" for f in found)


def test_deterministic() -> None:
    text = " ".join(_text(c) for c in CASES)
    assert DEFAULT.detect(text) == PatternDetector().detect(text)


def test_match_spans_agree_with_finditer() -> None:
    """The direct loop over google-re2's compiled regexp yields exactly what ``finditer``
    does (every group's span, empty matches included), and so does its fallback."""
    import random

    import re2

    from veil.detect._patterns import _match_spans

    class Plain:  # TEST DOUBLE: a regex object without the private interface
        def __init__(self, regex: re2._Regexp) -> None:
            self.groups, self.finditer = regex.groups, regex.finditer

    rng = random.Random(4)
    patterns = [rb"(a)|(b)", rb"\d+", rb"x*", rb"(?:(\w+)@(\w+))?", rb"\b", rb"(1)(2)?"]
    for pattern in patterns:
        regex = re2.compile(pattern)
        for _ in range(50):
            data = bytes(rng.choice(b"ab12x@ .") for _ in range(rng.randint(0, 30)))
            pos = rng.randint(0, len(data))
            endpos = rng.randint(0, len(data) + 2)
            want = [
                [m.span(g) for g in range(regex.groups + 1)]
                for m in regex.finditer(data, pos, endpos)
            ]
            assert list(_match_spans(regex, data, pos, endpos)) == want, (pattern, data)
            assert list(_match_spans(Plain(regex), data, pos, endpos)) == want  # type: ignore[arg-type]
