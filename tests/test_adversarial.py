"""Linear time on hostile input: 1 MB strings built to trip backtracking regex engines.

The issue's bar is under 2 s per string; the assertion allows 5 s so a loaded CI
machine does not flake, and each case prints its time for the record. Every
pattern is RE2 (no backtracking), so what these pin is the Python around it:
validators, context lookups, overlap resolution and the per-document budget.
"""

from __future__ import annotations

import itertools
import random
import string
import time

import pytest

from veil.detect import Analyzer
from veil.detect._patterns import PatternDetector

MB = 1_000_000
LIMIT_S = 5.0
_random = random.Random(7)


def _rand(alphabet: str) -> str:
    return "".join(_random.choice(alphabet) for _ in range(MB))


CASES: dict[str, str] = {
    "letters": "a" * MB,
    "digit_dash": "1-" * (MB // 2),
    "at_signs": "@" * MB,
    "letter_at": "a@" * (MB // 2),
    "dotted_letters": ".".join(["a"] * (MB // 2)),
    "digits": "1" * MB,
    "base64_run": "QUJD" * (MB // 4),
    "digit_space": "1 " * (MB // 2),
    "date_chain": "12-" * (MB // 3),
    "colons": ":" * MB,
    "hex_colons": "ab12:" * (MB // 5),
    "dotted_digits": "1." * (MB // 2),
    "slash_dates": "12/12/" * (MB // 6),
    "pem_headers": "-----BEGIN RSA PRIVATE KEY-----\n" * (MB // 32),
    "url_schemes": "http://" * (MB // 7),
    "jwt_head": "eyJ" + "a." * (MB // 2),
    "password_keys": "password=" * (MB // 9),
    "iban_heads": "AB12 " * (MB // 5),
    "domain_chain": "a.com." * (MB // 6),
    "email_parts": "a.b-c_d%e+f@" * (MB // 12),
    "month_names": "December " * (MB // 9),
    "case_list": "applications nos. " + "1/11, " * (MB // 6),
    "random_digits": _rand("0123456789 -"),
    "random_base64": _rand(string.ascii_letters + string.digits + "+/"),
    "random_printable": _rand(string.printable),
    "dense_pii": (
        "Call +44 20 7946 0958 or mail a@b.co, SSN 123-45-6789, 3 December 2004. " * (MB // 75)
    ),
}


@pytest.fixture(scope="module")
def detector() -> PatternDetector:
    found = PatternDetector()
    found.detect("warm up: a@b.co 4111 1111 1111 1111 +44 20 7946 0958 3 December 2004")
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_one_megabyte_finishes_fast(detector: PatternDetector, name: str) -> None:
    text = CASES[name]
    start = time.perf_counter()
    detector.detect(text)
    elapsed = time.perf_counter() - start
    print(f"{name}: {len(text)} chars in {elapsed:.3f} s")
    assert elapsed < LIMIT_S


# The full pipeline (patterns + model) on inputs full of findings: the merge of model
# and pattern findings must stay near-linear. Half a megabyte each; a quadratic merge
# took minutes here, the linear one about a second (the bar itself is in bench/).
DENSE = {
    "case_list": "applications nos. " + "1/11, " * (MB // 12),
    "dense_pii": CASES["dense_pii"][: MB // 2],
    "digit_space": CASES["digit_space"][: MB // 2],
    "letter_at": CASES["letter_at"][: MB // 2],
}
DENSE_LIMIT_S = 20.0


@pytest.mark.parametrize("name", list(DENSE))
def test_full_pipeline_stays_linear_on_dense_findings(analyzer: Analyzer, name: str) -> None:
    text = DENSE[name]
    start = time.perf_counter()
    found = analyzer.analyze(text)
    elapsed = time.perf_counter() - start
    print(f"{name}: {len(text)} chars, {len(found)} findings in {elapsed:.3f} s")
    assert elapsed < DENSE_LIMIT_S
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
