"""Credential patterns: cloud keys, service tokens, JWTs, private keys, passwords.

Token formats follow each vendor's published prefix (``ghp_``, ``glpat-``,
``xoxb-``, ``AKIA`` ...); those are specific enough to score high without
context. Free-form secrets (an AWS secret key, a password) are only taken
after a key word, and only the value is flagged, never the key name.
"""

from __future__ import annotations

import base64
import binascii
import json

import re2

from veil.detect._spec import Check, PatternSpec, Verdict, accept, words
from veil.detect._types import Label

__all__ = ["SPECS"]

_C = Label.CREDENTIAL

# Values that are placeholders or code, not secrets: ``${DB_PASSWORD}``, ``<token>``,
# ``********``, ``os.environ[...]``, ``get_password()``, ``self.password``.
_PLACEHOLDER_START = ("$", "{{", "<", "%(", "%s", "{", "[", "(")
_PLACEHOLDER = frozenset(
    words(
        "null none nil true false undefined required optional string str redacted hidden "
        "your_password your_token"
    )
)
_CODE_REF = re2.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$|[()\[\]]")


def _secret_value(value: str) -> Verdict | None:
    """Accept a config value unless it is a placeholder, a code reference or too short."""
    value = value.strip()
    if len(value) < 3 or len(set(value)) == 1 or value.lower() in _PLACEHOLDER:
        return None
    if value.startswith(_PLACEHOLDER_START) or _CODE_REF.search(value) is not None:
        return None
    if value.isdigit() and len(value) < 6:  # max_token=4096, port: 5432
        return None
    return accept(value)


def _prose_password(value: str) -> Verdict | None:
    """``my password is Summer2024!``: only values mixing letters with digits or symbols."""
    kinds = (
        any(c.isalpha() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )
    if kinds < 2:
        return None
    return _secret_value(value.rstrip(".,;:"))  # "!" and "?" are common inside passwords


def _jwt(value: str) -> Verdict | None:
    """A JWT only if its header decodes to a JSON object naming an ``alg``."""
    head = value.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return accept(value) if isinstance(header, dict) and "alg" in header else None


def _not_anthropic(value: str) -> Verdict | None:
    return None if value.startswith("sk-ant-") else accept(value)


def _token(
    name: str,
    subtype: str,
    pattern: str,
    *,
    check: Check | None = None,
    group: int = 0,
    score: float = 0.9,
) -> PatternSpec:
    """A vendor token with a distinctive prefix: high base score, most specific rank."""
    return PatternSpec(
        name, _C, subtype, pattern, score, rank=3, check=check, group=group, edge=_whole_token
    )


_TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _whole_token(data: bytes, start: int, end: int) -> bool:
    """A fixed-length token must not be the head of a longer one (``AIza`` + 36 characters):
    ``\\b`` cannot say so when the last character is a ``-``."""
    return end >= len(data) or data[end] not in _TOKEN_BYTES


_AWS_PREFIXES = "AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA"
_B64 = r"[A-Za-z0-9_\-]"
_KEY_WORDS = (
    r"pass(?:word|wd|wort|phrase)?|pwd|kennwort|mot de passe|contrase[ñn]a|secret|"
    r"client[_-]?secret|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|"
    r"refresh[_-]?token|token|private[_-]?key|secret[_-]?key|credentials?"
)

SPECS: tuple[PatternSpec, ...] = (
    _token("aws_access_key", "AWS_ACCESS_KEY", rf"\b(?:{_AWS_PREFIXES})[A-Z0-9]{{16}}\b"),
    _token(
        "aws_secret_key",
        "AWS_SECRET_KEY",
        r"(?i:(?:aws)?_?secret_?(?:access)?_?key)[\"']?\s{0,3}(?:[:=]|=>)\s{0,3}[\"']?"
        r"([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        group=1,
    ),
    _token(
        "github_token",
        "GITHUB_TOKEN",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    _token("gitlab_token", "GITLAB_TOKEN", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    _token("slack_token", "SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    _token(
        "slack_webhook", "SLACK_WEBHOOK", r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"
    ),
    _token("stripe_key", "STRIPE_KEY", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b"),
    _token("google_api_key", "GOOGLE_API_KEY", r"\bAIza[A-Za-z0-9_\-]{35}"),
    _token("anthropic_key", "ANTHROPIC_KEY", rf"\bsk-ant-{_B64}{{20,}}"),
    _token(
        "openai_key",
        "OPENAI_KEY",
        rf"\bsk-(?:proj-|svcacct-|admin-)?{_B64}{{20,}}",
        check=_not_anthropic,
    ),
    _token("twilio_key", "TWILIO_KEY", r"\bSK[0-9a-fA-F]{32}\b"),
    _token("sendgrid_key", "SENDGRID_KEY", rf"\bSG\.{_B64}{{22}}\.{_B64}{{43}}"),
    _token("npm_token", "NPM_TOKEN", r"\bnpm_[A-Za-z0-9]{36}\b"),
    _token("jwt", "JWT", rf"\beyJ{_B64}{{8,}}\.{_B64}{{4,}}\.{_B64}*", check=_jwt, score=0.95),
    PatternSpec(
        "private_key",
        _C,
        "PRIVATE_KEY",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)"
        r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        score=0.99,
        rank=3,
    ),
    PatternSpec(
        "private_key_partial",
        _C,
        "PRIVATE_KEY",  # truncated paste without END line
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=:\-\s]*"
        r"[A-Za-z0-9+/=]",
        score=0.9,
        rank=3,
    ),
    PatternSpec(
        "bearer_token",
        _C,
        "BEARER_TOKEN",
        r"(?i:\bbearer)\s+([A-Za-z0-9\-._~+/]{16,}=*)",
        score=0.9,
        rank=3,
        group=1,
    ),
    PatternSpec(
        "basic_auth",
        _C,
        "BASIC_AUTH",
        r"(?i:\bauthorization:?\s{0,3}basic)\s+([A-Za-z0-9+/]{8,}=*)",
        score=0.9,
        rank=3,
        group=1,
    ),
    PatternSpec(
        "url_password",
        _C,
        "URL_PASSWORD",
        r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/?#@\"'<>]{1,64}:([^\s/?#@\"'<>]{1,128})@"
        r"[A-Za-z0-9\[]",
        score=0.9,
        rank=3,
        group=1,
        check=_secret_value,
    ),
    PatternSpec(
        "url_username",
        Label.USERNAME,
        "URL_USERNAME",
        r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://([^\s:/?#@\"'<>]{1,64}):[^\s/?#@\"'<>]{1,128}@"
        r"[A-Za-z0-9\[]",
        score=0.85,
        rank=3,
        group=1,
    ),
    PatternSpec(
        "config_secret",
        _C,
        "PASSWORD_ASSIGNMENT",
        rf"(?i:{_KEY_WORDS})[\"']?\s{{0,3}}(?:[:=]|=>|:=)\s{{0,3}}"
        r"(?:\"([^\"\r\n]{3,256})\"|'([^'\r\n]{3,256})'|([^\s\"',;]{3,256}))",
        score=0.85,
        rank=2,
        group=(1, 2, 3),
        check=_secret_value,
    ),
    PatternSpec(
        "prose_password",
        _C,
        "PASSWORD",
        r"(?i:\b(?:password|passwort|kennwort|pwd|mot de passe|contrase[ñn]a)\s+"
        r"(?:is|was|ist|war|est|es|era)\s+)[\"']?([^\s\"']{4,64})",
        score=0.75,
        rank=2,
        group=1,
        check=_prose_password,
    ),
)
