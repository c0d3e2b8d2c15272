"""Network identifiers and handles: IP addresses, URLs, bare domains, user names.

IP addresses are validated by the standard library's ``ipaddress``. Bare
domains need a known top-level domain, and TLDs that double as file
extensions (``.py``, ``.sh``, ``.md``) are left out so file names and code
(``setup.py``, ``obj.method``) are not flagged.
"""

from __future__ import annotations

import ipaddress

from veil.detect._contact import LABEL
from veil.detect._spec import PatternSpec, Verdict, accept, no_digit_chain, words
from veil.detect._types import Label

__all__ = ["specs"]


def _ipv4(value: str) -> Verdict | None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return None
    return accept(value, "IPV4")


def _ipv6(value: str) -> Verdict | None:
    """Valid IPv6 with enough structure that C++ ``a::b`` or a clock ``12:30:00`` is not one."""
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    hex_digits = sum(ch not in ":." for ch in value)
    if value.count(":") < 3 and hex_digits < 5:
        return None
    return accept(value, "IPV6")


_HEXCOLON = frozenset(b"0123456789abcdefABCDEF:.")


def _ipv6_edge(data: bytes, start: int, end: int) -> bool:
    if start and data[start - 1] in _HEXCOLON:
        return False
    following = data[end : end + 1]
    if following == b".":  # a sentence's full stop, unless more digits follow
        following = data[end + 1 : end + 2]
    return not following or following[0] not in _HEXCOLON


_TRAILING = ".,;:!?'\")]}>*"


def _trim_url(value: str) -> int:
    end = len(value)
    while end and value[end - 1] in _TRAILING:
        if value[end - 1] == ")" and value.count("(", 0, end) >= value.count(")", 0, end):
            break  # a balanced parenthesis belongs to the URL (Wikipedia links)
        end -= 1
    return end


def _url(value: str) -> Verdict | None:
    """Trim trailing punctuation; start after ``user:password@`` (flagged separately)."""
    end = _trim_url(value)
    scheme = value.find("://")
    authority_start = scheme + 3 if scheme >= 0 else 0
    slash = value.find("/", authority_start, end)
    at = value.rfind("@", authority_start, slash if slash >= 0 else end)
    host_start = at + 1 if at >= 0 else authority_start
    host = value[host_start : slash if slash >= 0 else end].split(":", 1)[0]
    if "." not in host.strip(".") and host.lower() != "localhost":
        return None
    return Verdict(host_start if at >= 0 else 0, end, "URL")


def _domain(value: str) -> Verdict | None:
    end = _trim_url(value)
    host = value[:end].split("/", 1)[0].split(":", 1)[0]
    if not end or len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        return None
    return Verdict(0, end, "DOMAIN")


def _domain_edge(data: bytes, start: int, end: int) -> bool:
    """Not part of an e-mail, a longer dotted name (``self.app.run``) or a call (``log.info(``)."""
    if start and data[start - 1] in b"@.-/:_\\":
        return False
    after = data[end : end + 2]
    return not (after[:1] in (b"(", b"_", b"@") or (after[:1] == b"." and after[1:].isalnum()))


# Public suffixes worth flagging bare. Left out on purpose: ccTLDs that collide with file
# extensions or code (py, sh, md, rs, pl, pm, so, cc, ml, mk, ps, zip, mov, id, name, is, do,
# am, as, on, by, to, it's fine to miss a bare "foo.sh" domain; it is not to flag "setup.py").
_TLDS = words(
    "com net org edu gov mil int info biz io co ai app dev me tv us uk de fr es it nl eu ca au "
    "ch at be se no dk fi pt ie cz ru cn jp kr br mx ar in nz za gr hu ro tr il ae sg hk tw lu "
    "li ee lv lt sk si hr bg cy mt ua cl pe uy ve ec xyz online site shop store tech cloud blog "
    "news email ly gl gg ws tk"
)
_URL_BODY = r"[^\s<>\"'\x60{}|\\^\[\]]"
_HANDLE_STOP = frozenset(
    words(
        "param return returns throws throw raise raises media import font-face keyframes "
        "charset property staticmethod classmethod dataclass override interface author see "
        "since deprecated todo example everyone here channel all type typedef var link code "
        "brief note pytest abstractmethod cached_property app route mixin include extend "
        "supports container layer tailwind apply"
    )
)


def _handle(value: str) -> Verdict | None:
    name = value[1:]
    if name.lower() in _HANDLE_STOP or not any(ch.isalpha() for ch in name):
        return None
    return accept(value, "HANDLE")


def _labelled_user(value: str) -> Verdict | None:
    value = value.rstrip(".-")
    if len(value) < 2 or value.lower() in {"none", "null", "undefined", "true", "false"}:
        return None
    return accept(value)


def specs() -> tuple[PatternSpec, ...]:
    tlds = "|".join(sorted(_TLDS, key=len, reverse=True))
    return (
        PatternSpec(
            "ipv4",
            Label.IP_ADDRESS,
            "IPV4",
            r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
            0.85,
            check=_ipv4,
            edge=no_digit_chain,
            context="ip",
            negative="ip",
            rank=2,
        ),
        PatternSpec(
            "ipv6",
            Label.IP_ADDRESS,
            "IPV6",
            r"(?i:(?:[0-9a-f]{1,4}:|::)(?:[0-9a-f]{0,4}:){1,6}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{1,4})?)",
            0.85,
            check=_ipv6,
            edge=_ipv6_edge,
            context="ip",
            negative="ip",
            rank=2,
        ),
        PatternSpec(
            "url",
            Label.URL,
            "URL",
            rf"(?i:\b(?:https?|ftp)://|\bwww\.){_URL_BODY}+",
            0.9,
            check=_url,
        ),
        PatternSpec(
            "domain",
            Label.URL,
            "DOMAIN",
            rf"\b(?:{LABEL}\.)+(?:{tlds})\b(?::\d{{2,5}})?(?:/{_URL_BODY}*)?",
            0.65,
            check=_domain,
            edge=_domain_edge,
            rank=0,
        ),
        PatternSpec(
            "handle",
            Label.USERNAME,
            "HANDLE",
            r"(?:^|[^A-Za-z0-9_.@/:+\-])(@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)\b",
            0.7,
            group=1,
            check=_handle,
        ),
        PatternSpec(
            "username",
            Label.USERNAME,
            "USERNAME",
            r"(?i:\b(?:user(?:\s?name)?|login|user[_\-]?id|handle|screen\s?name|benutzer(?:name)?|"
            r"nom\sd'utilisateur|identifiant|usuario|nombre\sde\susuario))\s{0,3}[:=]\s{0,3}"
            r"[\"']?([A-Za-z0-9._\-@+]{2,64})",
            0.8,
            group=1,
            check=_labelled_user,
            rank=2,
        ),
    )
