"""Overlap resolution, transform offsets, the no-partial-leak property, and restore."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veil.transform
from veil.detect._types import Finding, Label
from veil.errors import TransformError
from veil.keys import KeyRing
from veil.transform import (
    OperatorContext,
    Vault,
    make_operator,
    resolve_overlaps,
    restore,
    transform,
)

NO_CTX = OperatorContext()
REDACT = make_operator("redact")


def _f(start: int, end: int, label: Label = Label.PERSON, score: float = 0.5) -> Finding:
    return Finding(start, end, label, score, "test")


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[OperatorContext]:
    tmp_path.chmod(0o700)
    keyring = KeyRing.open(tmp_path)
    with Vault.open(tmp_path, keyring) as vault:
        yield OperatorContext(keyring=keyring, vault=vault)


def test_public_api_is_locked() -> None:
    assert veil.transform.__all__ == [
        "OPERATORS", "Change", "Operator", "OperatorContext", "RestoreResult", "TransformResult",
        "Vault", "fpe_decrypt", "make_operator", "normalise", "resolve_overlaps", "restore",
        "transform",
    ]  # fmt: skip


def test_overlaps_merge_into_the_winner() -> None:
    low = _f(0, 10, Label.PERSON, 0.6)
    high = _f(5, 20, Label.ORGANIZATION, 0.9)
    (merged,) = resolve_overlaps([low, high])
    assert (merged.start, merged.end, merged.label, merged.score) == (
        0,
        20,
        Label.ORGANIZATION,
        0.9,
    )


def test_chains_merge_and_touching_spans_do_not() -> None:
    merged = resolve_overlaps([_f(0, 5), _f(4, 9), _f(8, 12), _f(12, 15)])
    assert [(f.start, f.end) for f in merged] == [(0, 12), (12, 15)]


@pytest.mark.parametrize(
    ("a", "b", "winner"),
    [
        (_f(0, 5, Label.EMAIL, 0.9), _f(2, 9, Label.URL, 0.8), Label.EMAIL),  # score
        (_f(0, 5, Label.EMAIL, 0.8), _f(2, 9, Label.URL, 0.8), Label.URL),  # longer
        (_f(0, 5, Label.URL, 0.8), _f(2, 7, Label.EMAIL, 0.8), Label.URL),  # earlier
        (_f(0, 5, Label.URL, 0.8), _f(0, 5, Label.EMAIL, 0.8), Label.EMAIL),  # label name
    ],
)
def test_tie_breaks(a: Finding, b: Finding, winner: Label) -> None:
    assert resolve_overlaps([a, b])[0].label == winner
    assert resolve_overlaps([b, a])[0].label == winner


finding_lists = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(1, 12),
                st.sampled_from(list(Label)),
                st.sampled_from([0.3, 0.5, 0.9]),
            ).map(lambda t: Finding(t[0], min(n, t[0] + t[1]), t[2], t[3], "h")),
            max_size=12,
        ),
    )
)


@settings(max_examples=300, deadline=None)
@given(case=finding_lists, data=st.data())
def test_resolution_ignores_input_order(
    case: tuple[int, list[Finding]], data: st.DataObject
) -> None:
    _, findings = case
    shuffled = data.draw(st.permutations(findings))
    resolved = resolve_overlaps(findings)
    assert resolve_overlaps(shuffled) == resolved
    assert all(a.end <= b.start for a, b in itertools.pairwise(resolved))


@settings(max_examples=300, deadline=None)
@given(case=finding_lists, op=st.sampled_from(["redact", "drop", "hash", "mask"]))
def test_no_character_of_a_finding_survives(case: tuple[int, list[Finding]], op: str) -> None:
    # Every position holds a distinct character no operator can produce (CJK ideographs;
    # redact/hash emit ASCII, mask emits '*'), so "survives" is exact: a covered
    # character anywhere in the output is a leak, and every uncovered one must remain.
    n, findings = case
    text = "".join(chr(0x4E00 + i) for i in range(n))
    covered = {i for f in findings for i in range(f.start, f.end)}
    operator = make_operator(op, {"keep_last": 0} if op == "mask" else {})
    ctx = OperatorContext(keyring=_RING) if op == "hash" else NO_CTX
    out = transform(text, findings, lambda _label: operator, ctx).text
    assert not {text[i] for i in covered} & set(out)
    kept = [ch for ch in out if 0x4E00 <= ord(ch) < 0x4E00 + n]
    assert kept == [text[i] for i in range(n) if i not in covered]


def _ring() -> KeyRing:
    from veil._sensitive import SecretKey
    from veil.hazmat import keyring_from_bytes

    return keyring_from_bytes(SecretKey(b"\x07" * 32))


_RING = _ring()


def test_changes_point_into_both_texts() -> None:
    text = "Mail bob@x.org or call 555-0100 now"
    findings = [_f(5, 14, Label.EMAIL), _f(23, 31, Label.PHONE)]
    ops = {Label.EMAIL: REDACT, Label.PHONE: make_operator("drop")}
    result = transform(text, findings, ops.__getitem__, NO_CTX)
    assert result.text == "Mail [EMAIL] or call  now"
    email, phone = result.changes
    assert result.text[email.out_start : email.out_end] == "[EMAIL]"
    assert (phone.start, phone.end, phone.out_start, phone.out_end) == (23, 31, 21, 21)
    assert phone.operator == "drop"
    assert result.counts == {"EMAIL": 1, "PHONE": 1}
    assert "bob" not in repr(result.changes)
    assert "bob" not in str(email.as_dict())


def test_findings_outside_the_text_are_an_error() -> None:
    with pytest.raises(TransformError, match="outside"):
        transform("short", [_f(2, 10)], lambda _label: REDACT, NO_CTX)


def test_restore_round_trip(ctx: OperatorContext) -> None:
    text = "Ann Lee wrote to Bob Ray, cc ann lee, from ann@corp.example."
    findings = [
        _f(0, 7),
        _f(17, 24),
        _f(29, 36),
        Finding(43, 59, Label.EMAIL, 0.99, "t"),
    ]
    ops = {
        Label.PERSON: make_operator("pseudonym"),
        Label.EMAIL: make_operator("pseudonym", {"style": "fake"}),
    }
    done = transform(text, findings, ops.__getitem__, ctx)
    assert done.text.startswith("<PERSON_1> wrote to <PERSON_2>, cc <PERSON_1>, from user")
    assert ctx.vault is not None
    back = restore(done.text, ctx.vault)
    assert back.text.reveal() == text.replace("cc ann lee", "cc Ann Lee")  # first spelling
    assert (back.restored, back.unknown, back.unknown_count) == (4, (), 0)
    assert "Ann" not in repr(back)


def test_restore_reports_unknown_placeholders(ctx: OperatorContext) -> None:
    assert ctx.vault is not None
    known = ctx.vault.pseudonym("Ann Lee", "PERSON")
    text = f"{known} met <PERSON_9> and <CREDIT_CARD_3>, twice <PERSON_9>; <FOO_1> <PERSON_0>"
    back = restore(text, ctx.vault)
    assert back.text.reveal() == text.replace(known, "Ann Lee")
    assert back.unknown == ("<PERSON_9>", "<CREDIT_CARD_3>")
    assert (back.restored, back.unknown_count) == (1, 3)


def test_restore_is_scoped(ctx: OperatorContext) -> None:
    assert ctx.vault is not None
    surrogate = ctx.vault.pseudonym("Ann Lee", "PERSON", scope="a")
    back = restore(surrogate, ctx.vault, scope="b")
    assert back.text.reveal() == surrogate
    assert back.unknown == (surrogate,)
