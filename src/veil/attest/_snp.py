"""AMD SEV-SNP attestation reports (SEV-SNP ABI spec 56860) into :class:`Claims`.

An SNP report is 1184 bytes the AMD secure processor signs with the chip's
VCEK, an ECDSA P-384 key whose certificate AMD's KDS issues under ASK → ARK.
Three things must hold before a report's fields mean anything: the signature
over ``report[0:0x2A0]`` verifies under the VCEK, the VCEK chains to a pinned
ARK, and the VCEK is *this* chip at *this* TCB (its hwID and SPL extensions
equal the report's CHIP_ID and REPORTED_TCB). Without the last step any
genuine VCEK, e.g. one for an old, vulnerable TCB of the same chip, or of
another chip entirely, could vouch for a report it never signed.

Only VCEK-signed reports are accepted (not VLEK), and only the Milan/Genoa
TCB layout is read: a Turin VCEK (it carries an fmcSPL extension and an 8-byte
hwID) is refused with ``platform`` even if a caller pins the Turin ARK.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from veil.attest._claims import Claims
from veil.attest._parse import as_bytes
from veil.attest._roots import AMD_ARK_MILAN, root
from veil.attest._x509 import decoded, load_bundle, load_der, verify_chain, verify_es384
from veil.errors import AttestationFailed

__all__ = ["REPORT_SIZE", "verify_snp"]

REPORT_SIZE = 0x4A0
_SIGNED = 0x2A0  # the signature covers every byte before it
_RS = 72  # r and s are 72-byte little-endian fields; P-384 uses the low 48
_P384 = 48
_VERSIONS = range(2, 6)  # report versions 2-5 share every offset read here
_ECDSA_P384_SHA384 = 1
_DEBUG = 1 << 19
_SIGNING_KEY_VCEK = 0  # SIGNER_INFO bits 4:2; 1 is VLEK, 7 is "not signed"

_AMD = "1.3.6.1.4.1.3704.1."
_HWID = x509.ObjectIdentifier(_AMD + "4")
_FMC_SPL = x509.ObjectIdentifier(_AMD + "3.9")  # Turin and later: another TCB_VERSION layout
# Milan/Genoa TCB_VERSION: byte 0 bootloader, 1 TEE, 2-5 reserved, 6 SNP, 7 microcode.
_SPL = {
    "bootloader": (x509.ObjectIdentifier(_AMD + "3.1"), 0),
    "tee": (x509.ObjectIdentifier(_AMD + "3.2"), 1),
    "snp": (x509.ObjectIdentifier(_AMD + "3.3"), 6),
    "microcode": (x509.ObjectIdentifier(_AMD + "3.8"), 7),
}


@dataclass(frozen=True)
class _Report:
    """The fields of a structurally sane report that verification and claims read."""

    raw: bytes
    version: int
    guest_svn: int
    policy: int
    vmpl: int

    def field(self, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset``, as the spec's table gives them (easy to audit)."""
        return self.raw[offset : offset + size]

    @property
    def chip_id(self) -> bytes:
        return self.field(0x1A0, 64)

    @property
    def reported_tcb(self) -> dict[str, int]:
        tcb = self.field(0x180, 8)
        return {name: tcb[index] for name, (_, index) in _SPL.items()}


def verify_snp(
    report: bytes,
    *,
    vcek: bytes,
    at: datetime,
    chain: bytes | None = None,
    pins: Iterable[str] = (AMD_ARK_MILAN,),
) -> Claims:
    """Verify an SEV-SNP ``report`` signed by ``vcek`` (DER) at time ``at``.

    ``chain`` is the KDS ``cert_chain`` PEM bundle (ASK then ARK). Without it
    only the packaged ARK is known, and a VCEK is issued by the ASK, so the
    chain cannot be closed and the report is refused with ``chain``.
    Raises :class:`AttestationFailed`: ``malformed``, ``root``, ``expired``,
    ``chain``, ``signature``, ``platform`` (a Turin VCEK), ``binding``
    (hwID ≠ CHIP_ID) or ``tcb`` (VCEK SPLs ≠ REPORTED_TCB).
    """
    parsed = _parse(as_bytes(report))
    certs = _certificates(vcek, chain)
    fps = verify_chain(certs, pins=pins, at=at)
    leaf = certs[0]
    _check_signature(parsed, leaf)
    _check_binding(parsed, leaf)
    return Claims(
        platform="amd-sev-snp",
        debug=bool(parsed.policy & _DEBUG),
        measurements={
            "MEASUREMENT": parsed.field(0x90, 48).hex(),
            "HOST_DATA": parsed.field(0xC0, 32).hex(),
        },
        report_data=parsed.field(0x50, 64).hex(),
        tcb_status=None,  # SNP has no vendor TCB status; policy compares reported_tcb
        verified_at=at,
        chain=fps,
        details=_details(parsed),
    )


def _parse(raw: bytes) -> _Report:
    """Refuse what the ABI does not allow before any key touches it."""
    if len(raw) != REPORT_SIZE:
        raise AttestationFailed("malformed")
    version, guest_svn, policy = struct.unpack_from("<IIQ", raw, 0)
    vmpl, algo = struct.unpack_from("<II", raw, 0x30)
    if version not in _VERSIONS or algo != _ECDSA_P384_SHA384 or not _canonical_signature(raw):
        raise AttestationFailed("malformed")
    return _Report(raw, version, guest_svn, policy, vmpl)


def _canonical_signature(raw: bytes) -> bool:
    """The unsigned tail must be zero, so exactly one byte string carries a given signature."""
    sig = raw[_SIGNED:]
    pads = (sig[_P384:_RS], sig[_RS + _P384 : 2 * _RS], sig[2 * _RS :])
    return not any(any(pad) for pad in pads)


def _certificates(vcek: bytes, chain: bytes | None) -> list[x509.Certificate]:
    """VCEK, then the bundle's ASK and ARK, or the packaged ARK alone (which cannot close it).

    All decoded up front: the chain walk and the binding check read extensions
    and keys outside any handler.
    """
    leaf = decoded(load_der(as_bytes(vcek)))
    if chain is None:
        return [leaf, decoded(root(AMD_ARK_MILAN))]
    return [leaf, *load_bundle(as_bytes(chain))]


def _check_signature(parsed: _Report, leaf: x509.Certificate) -> None:
    """ECDSA P-384/SHA-384 over ``report[0:0x2A0]``, r and s stored little-endian."""
    if struct.unpack_from("<I", parsed.raw, 0x48)[0] >> 2 & 7 != _SIGNING_KEY_VCEK:
        raise AttestationFailed("signature")  # VLEK-signed or unsigned: not ours to vouch for
    # Reversed to the big-endian r‖s the shared check takes; a non-P-384 VCEK fails it.
    r, s = parsed.field(_SIGNED, _P384)[::-1], parsed.field(_SIGNED + _RS, _P384)[::-1]
    verify_es384(leaf.public_key(), parsed.raw[:_SIGNED], r + s)  # key decodable: see decoded


def _check_binding(parsed: _Report, leaf: x509.Certificate) -> None:
    """The VCEK must be this chip's key at this report's TCB, not merely some genuine VCEK."""
    extensions = _amd_extensions(leaf)
    if _FMC_SPL in extensions:
        raise AttestationFailed("platform")  # we would misread its TCB bytes
    if _hwid(extensions.get(_HWID)) != parsed.chip_id:
        raise AttestationFailed("binding")
    reported = parsed.reported_tcb
    for name, (oid, _) in _SPL.items():
        if _der_u8(extensions.get(oid)) != reported[name]:
            raise AttestationFailed("tcb")


def _amd_extensions(leaf: x509.Certificate) -> dict[x509.ObjectIdentifier, bytes]:
    """AMD's private extensions are opaque to ``cryptography``: keep their raw values.

    Already decoded by :func:`~veil.attest._x509.decoded`, so reading them cannot fail here.
    """
    return {
        e.oid: e.value.value
        for e in leaf.extensions
        if isinstance(e.value, x509.UnrecognizedExtension)
    }


def _hwid(value: bytes | None) -> bytes | None:
    """KDS stores hwID as 64 raw bytes; accept a DER OCTET STRING too, should AMD add the tag."""
    if value is not None and len(value) == 66 and value[:2] == b"\x04\x40":
        return value[2:]
    return value


def _der_u8(value: bytes | None) -> int | None:
    """A DER INTEGER in 0..255 (``02 01 xx`` or ``02 02 00 xx``); anything else is no SPL."""
    if value is None or len(value) not in (3, 4) or value[:2] != bytes((2, len(value) - 2)):
        return None
    number = int.from_bytes(value[2:], "big", signed=True)
    return number if 0 <= number <= 255 else None


def _details(parsed: _Report) -> dict[str, Any]:
    """Platform fields a release policy may pin: TCB floor, policy bits, VMPL, ID keys."""
    return {
        "chip_id": parsed.chip_id.hex(),
        "reported_tcb": parsed.reported_tcb,
        "policy": parsed.policy,
        "vmpl": parsed.vmpl,
        "guest_svn": parsed.guest_svn,
        "version": parsed.version,
        "id_key_digest": parsed.field(0xE0, 48).hex(),
        "author_key_digest": parsed.field(0x110, 48).hex(),
    }
