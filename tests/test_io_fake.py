"""The shipped test double veil.testing.FakeEngine pins its own behaviour here."""

from __future__ import annotations

from collections import Counter

from veil.detect import Label
from veil.testing import FakeEngine


def test_fake_engine_redacts_emails_names_and_digits() -> None:
    [out] = FakeEngine().process(["Alice <a.b@example.com> paid 42"])
    assert out.text == "[PERSON] <[EMAIL]> paid [ID]"
    assert out.counts == Counter({"PERSON": 1, "EMAIL": 1, "ID": 1})


def test_fake_engine_scan_only_returns_no_text() -> None:
    [out] = FakeEngine(scan_only=True).process(["call 555"])
    assert out.text is None
    assert out.counts == Counter({"ID": 1})


def test_fake_engine_typed_values() -> None:
    engine = FakeEngine(drop=frozenset({Label.CREDENTIAL}))
    assert engine.process_value("x", Label.EMAIL) == "[EMAIL]"
    assert engine.process_value("hunter2", Label.CREDENTIAL) is None
