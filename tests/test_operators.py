"""Each operator, its parameters, and the registry's contract with the policy layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from veil.detect._types import Finding, Label
from veil.errors import ConfigError, TransformError
from veil.keys import KeyRing
from veil.transform import OPERATORS, Operator, OperatorContext, Vault, fpe_decrypt, make_operator


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[OperatorContext]:
    tmp_path.chmod(0o700)
    keyring = KeyRing.open(tmp_path)
    with Vault.open(tmp_path, keyring) as vault:
        yield OperatorContext(keyring=keyring, vault=vault)


def _apply(
    name: str, value: str, label: Label, ctx: OperatorContext, **params: object
) -> str | None:
    finding = Finding(0, len(value), label, 0.9, "test")
    return make_operator(name, params).apply(value, finding, ctx)


NO_CTX = OperatorContext()


def test_registry_names() -> None:
    assert set(OPERATORS) == {
        "redact", "mask", "hash", "pseudonym", "fpe", "generalize", "drop", "keep"
    }  # fmt: skip
    for name, cls in OPERATORS.items():
        assert cls.name == name


def test_parameters_match_the_policy_contract() -> None:
    # veil.policy validates a policy's parameters with its own table; a policy it accepts
    # must build here, so the two sets of fields must not drift apart.
    policy_ops = pytest.importorskip("veil.policy._operators")
    for name, params in policy_ops.OPERATOR_PARAMS.items():
        assert set(params.model_fields) <= set(OPERATORS[name].model_fields), name


def test_builtins_satisfy_the_protocol() -> None:
    assert all(isinstance(make_operator(n, {"to": "year"} if n == "generalize" else {}), Operator)
               for n in OPERATORS)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("mask", {"keep_last": -1}, "keep_last"),
        ("mask", {"char": "**"}, "char"),
        ("hash", {"length": 4}, "length"),
        ("redact", {"template": "{label.__class__}"}, "template"),
        ("redact", {"template": "{0}"}, "template"),
        ("pseudonym", {"style": "funny"}, "style"),
        ("generalize", {}, "to"),
        ("drop", {"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_parameters_are_config_errors(name: str, params: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        make_operator(name, params)


def test_unknown_operator() -> None:
    with pytest.raises(ConfigError, match=r"unknown operator .shred.*redact"):
        make_operator("shred")


def test_policy_dumped_params_build() -> None:
    # The policy layer fills defaults with model_dump(), so None-valued fields arrive.
    op = make_operator("generalize", {"to": "band", "width": None, "top": None, "keep": None})
    assert op.apply("42", Finding(0, 2, Label.AGE, 1, "t"), NO_CTX) == "40-49"


def test_redact() -> None:
    assert _apply("redact", "a@b.co", Label.EMAIL, NO_CTX) == "[EMAIL]"
    assert _apply("redact", "a@b.co", Label.EMAIL, NO_CTX, template="{{{label}}}") == "{EMAIL}"
    assert _apply("redact", "a@b.co", Label.EMAIL, NO_CTX, template="XXX") == "XXX"


@pytest.mark.parametrize(
    ("value", "params", "expected"),
    [
        ("4111-1111-1111-1234", {}, "****-****-****-1234"),
        ("4111 1111 1111 1234", {"keep_last": 2, "char": "#"}, "#### #### #### ##34"),
        ("+1 (555) 010-9999", {}, "+* (***) ***-9999"),
        ("1234", {}, "**34"),  # never shows more than half
        ("ab", {"keep_last": 0}, "**"),
        ("x", {}, "*"),
    ],
)
def test_mask(value: str, params: dict[str, object], expected: str) -> None:
    assert _apply("mask", value, Label.ID, NO_CTX, **params) == expected


def test_hash(ctx: OperatorContext) -> None:
    out = _apply("hash", "alice@example.org", Label.EMAIL, ctx)
    assert out is not None
    assert out.startswith("EMAIL_")
    assert len(out) == len("EMAIL_") + 12
    assert _apply("hash", " ALICE@example.org", Label.EMAIL, ctx) == out  # normalised
    assert _apply("hash", "bob@example.org", Label.EMAIL, ctx) != out
    assert _apply("hash", "alice@example.org", Label.EMAIL, ctx, length=20) != out


def test_hash_depends_on_the_key(ctx: OperatorContext, tmp_path: Path) -> None:
    other = OperatorContext(keyring=KeyRing.open(tmp_path / "other"))
    assert _apply("hash", "x", Label.ID, ctx) != _apply("hash", "x", Label.ID, other)


def test_keyed_operators_need_their_context() -> None:
    with pytest.raises(ConfigError, match="needs a key"):
        _apply("hash", "x", Label.ID, NO_CTX)
    with pytest.raises(ConfigError, match="needs the vault"):
        _apply("pseudonym", "x", Label.PERSON, NO_CTX)


def test_pseudonym(ctx: OperatorContext) -> None:
    assert _apply("pseudonym", "John Smith", Label.PERSON, ctx) == "<PERSON_1>"
    fake = _apply("pseudonym", "John Smith", Label.PERSON, ctx, style="fake")
    assert fake is not None
    assert " " in fake
    assert "John" not in fake
    assert ctx.vault is not None
    assert ctx.vault.reveal(fake).reveal() == "John Smith"


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("4111-1111-1111-1111", Label.CREDIT_CARD),
        ("4111 1111 1111 1111", Label.CREDIT_CARD),
        ("DE89 3704 0044 0532 0130 00", Label.BANK_ACCOUNT),
        ("123-45-6789", Label.ID),
        ("000123", Label.ID),
        ("+49 (30) 1234-5678", Label.PHONE),
    ],
)
def test_fpe_round_trip_keeps_format(ctx: OperatorContext, value: str, label: Label) -> None:
    out = _apply("fpe", value, label, ctx)
    assert out is not None
    assert out != value
    assert len(out) == len(value)
    for a, b in zip(value, out, strict=True):
        assert a.isdigit() == b.isdigit()
        if not a.isdigit():
            assert a == b
    assert ctx.keyring is not None
    assert fpe_decrypt(out, label, ctx.keyring).reveal() == value
    assert _apply("fpe", value, label, ctx) == out  # deterministic


def test_fpe_tweak_is_per_label(ctx: OperatorContext) -> None:
    assert _apply("fpe", "123456789", Label.ID, ctx) != _apply("fpe", "123456789", Label.PHONE, ctx)


def test_fpe_short_values(ctx: OperatorContext) -> None:
    assert _apply("fpe", "12345", Label.ID, ctx) == "[ID]"
    with pytest.raises(TransformError, match="6 to 56 digits") as err:
        _apply("fpe", "A-12345", Label.ID, ctx, on_short="error")
    assert "12345" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "to", "expected"),
    [
        ("2004-12-03", "year", "2004"),
        ("2004-12-03", "month", "2004-12"),
        ("2004-12-03T10:22:00Z", "month", "2004-12"),
        ("2004/12/03", "month", "2004-12"),
        ("03.12.2004", "month", "2004-12"),  # dotted: day first
        ("12/25/2004", "month", "2004-12"),  # 25 cannot be a month
        ("25/12/2004", "month", "2004-12"),
        ("03/04/2004", "month", "2004"),  # ambiguous month: year only, never a guess
        ("3 December 2004", "month", "2004-12"),
        ("December 3rd, 2004", "month", "2004-12"),
        ("Friday, 3 Dec 2004", "month", "2004-12"),
        ("3. Dezember 2004", "month", "2004-12"),
        ("3 de diciembre de 2004", "month", "2004-12"),
        ("le 3 décembre 2004", "month", "2004-12"),
        ("December 2004", "year", "2004"),
        ("2004", "month", "2004"),
        ("Room 2004", "year", "[DATE]"),  # not a date: redact, never echo the digits
        ("December 3rd", "year", "[DATE]"),  # no year to keep
        ("13/13/2004", "year", "[DATE]"),
        ("2004-13-01", "year", "[DATE]"),
        ("yesterday", "year", "[DATE]"),
    ],
)
def test_generalize_dates(value: str, to: str, expected: str) -> None:
    assert _apply("generalize", value, Label.DATE, NO_CTX, to=to) == expected


@pytest.mark.parametrize(
    ("value", "params", "expected"),
    [
        ("42", {}, "40-49"),
        ("aged 37 years", {"width": 5}, "35-39"),
        ("93", {"top": 90}, "90+"),
        ("88", {"width": 7, "top": 90}, "84-89"),
        ("forty-two", {}, "[AGE]"),
        ("40-45", {}, "[AGE]"),
    ],
)
def test_generalize_bands(value: str, params: dict[str, object], expected: str) -> None:
    assert _apply("generalize", value, Label.AGE, NO_CTX, to="band", **params) == expected


@pytest.mark.parametrize(
    ("value", "keep", "expected"),
    [
        ("SW1A 1AA", 3, "SW1*"),
        ("10115", 2, "10*"),
        ("75008", 3, "750*"),
        ("Paris", 3, "[LOCATION]"),  # not a code
        ("123", 3, "[LOCATION]"),  # the prefix would be the whole value
        ("221B Baker Street, London", 3, "[LOCATION]"),
    ],
)
def test_generalize_prefix(value: str, keep: int, expected: str) -> None:
    assert _apply("generalize", value, Label.LOCATION, NO_CTX, to="prefix", keep=keep) == expected


def test_drop_and_keep() -> None:
    assert _apply("drop", "x", Label.PERSON, NO_CTX) is None
    assert _apply("keep", "x", Label.PERSON, NO_CTX) == "x"


def test_operator_reprs_hold_no_secrets(ctx: OperatorContext) -> None:
    assert "[secure]" in repr(ctx.keyring)
    assert ctx.vault is not None
    assert "Vault(key_id=" in repr(ctx.vault)
    for name in OPERATORS:
        op = make_operator(name, {"to": "year"} if name == "generalize" else {})
        assert "key" not in repr(op).lower()
