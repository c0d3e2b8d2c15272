"""One entry point over the platform verifiers, and the file-format sniffing the CLI needs.

``verify_evidence(platform, evidence, at=...)`` dispatches to the pure verifier
of each platform (imported lazily: each pulls its own parser). ``detect`` names
the platform of raw evidence by its shape, and ``decode`` turns the text forms
vendors ship (base64, hex) into bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from datetime import datetime

from veil.attest._claims import Claims
from veil.errors import AttestationFailed

__all__ = ["decode", "detect", "verify_evidence"]

_HEX = re.compile(rb"^[0-9a-fA-F\s]+$")
_B64 = re.compile(rb"^[A-Za-z0-9+/=\s_-]+$")
_SNP_REPORT_SIZE = 0x4A0


def verify_evidence(
    platform: str,
    evidence: bytes,
    *,
    at: datetime,
    vcek: bytes | None = None,
    chain: bytes | None = None,
    collateral: bytes | None = None,
    nonce: bytes | None = None,
    pins: Iterable[str] | None = None,
) -> Claims:
    """Verify ``evidence`` for ``platform`` at time ``at``; ``AttestationFailed`` otherwise.

    ``vcek`` and ``chain`` are SNP's VCEK (DER) and ASK+ARK (PEM); ``chain`` is
    also NVIDIA's device chain; ``collateral`` is Intel DCAP collateral (JSON).
    ``pins`` replaces the packaged roots (and is required for ``simulated``).
    """
    pin = {} if pins is None else {"pins": tuple(pins)}
    if platform == "aws-nitro":
        from veil.attest._nitro import verify_nitro

        return verify_nitro(evidence, at=at, **pin)
    if platform == "amd-sev-snp":
        from veil.attest._snp import verify_snp

        if vcek is None:
            raise AttestationFailed("chain")  # the VCEK comes from AMD's KDS, not the report
        return verify_snp(evidence, vcek=vcek, chain=chain, at=at, **pin)
    if platform in {"intel-tdx", "intel-sgx"}:
        return _dcap(platform, evidence, at=at, collateral=collateral, **pin)
    if platform == "nvidia-gpu":
        from veil.attest._nvidia import verify_nvidia

        if chain is None:
            raise AttestationFailed("chain")
        return verify_nvidia(evidence, chain=chain, at=at, nonce=nonce, **pin)
    if platform == "simulated":
        from veil.attest._simulated import verify_simulated

        return verify_simulated(evidence, at=at, pins=pin.get("pins", ()))
    raise AttestationFailed("platform")


def _dcap(
    platform: str, quote: bytes, *, at: datetime, collateral: bytes | None, **pin: tuple[str, ...]
) -> Claims:
    from veil.attest._dcap import verify_dcap

    claims = verify_dcap(quote, at=at, collateral=collateral, **pin)
    if claims.platform != platform:
        raise AttestationFailed("platform")  # an SGX quote presented as TDX, or the reverse
    return claims


def detect(evidence: bytes) -> str:
    """The platform whose evidence this looks like (by structure, not trusted)."""
    head = evidence.lstrip()[:1]
    if head == b"{":
        return _json_platform(evidence)
    if evidence[:1] in {b"\xd2", b"\x84"}:  # CBOR tag 18 (COSE_Sign1) or a 4-element array
        return "aws-nitro"
    if evidence[:2] == b"\x11\xe0":  # SPDM 1.1 GET_MEASUREMENTS request
        return "nvidia-gpu"
    if len(evidence) == _SNP_REPORT_SIZE and evidence[0] in range(2, 6) and not any(evidence[1:4]):
        return "amd-sev-snp"
    version = int.from_bytes(evidence[:2], "little")
    if version in {3, 4, 5} and int.from_bytes(evidence[2:4], "little") in {2, 3}:
        tee = int.from_bytes(evidence[4:8], "little")
        return "intel-tdx" if tee == 0x81 else "intel-sgx"
    raise AttestationFailed("platform")


def decode(data: bytes) -> bytes:
    """Raw evidence from a file: hex text and base64 text are decoded, binary kept as is."""
    stripped = data.strip()
    if stripped[:1] == b"{" or not stripped:
        return stripped
    try:
        if _HEX.match(stripped) and len(b"".join(stripped.split())) % 2 == 0:
            return bytes.fromhex(stripped.decode())
        if _B64.match(stripped):
            return base64.b64decode(b"".join(stripped.split()), altchars=_altchars(stripped))
    except (ValueError, binascii.Error):
        pass
    return data


def _altchars(text: bytes) -> bytes | None:
    return b"-_" if (b"-" in text or b"_" in text) else None


def _json_platform(evidence: bytes) -> str:
    try:
        fmt = json.loads(evidence).get("format", "")
    except (ValueError, AttributeError):
        raise AttestationFailed("malformed") from None
    if isinstance(fmt, str) and fmt.startswith("veil-simulated-tee/"):
        return "simulated"
    raise AttestationFailed("platform")
