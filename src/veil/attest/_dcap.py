"""Intel DCAP quotes (TDX and SGX) into :class:`Claims`.

A DCAP quote is a report body (an SGX enclave report or a TDX TD report)
signed by an attestation key that Intel's quoting enclave (QE) generated; the
QE's own report, signed by the platform's PCK key, binds that key, and the PCK
certificate chains to Intel's SGX root. Every link must hold or the body means
nothing: root → PCK leaf → QE report → SHA-256(attestation key ‖ QE auth data)
→ quote signature → body.

Two paths. Without collateral we check every link the quote carries itself and
the QE's identity (Intel's signer, not in debug mode); there is no TCB status,
so ``tcb_status`` is None and ``details["tcb_evaluated"]`` False. With
collateral (Intel's signed TCB info, QE identity and CRLs) we additionally run
dcap-qvl, Phala's port of Intel's quote verification library, for revocation
and the TCB status with its advisories. Our parser and link checks run first
in both paths, so claims always come from bytes we saw signed, and a tampered
quote fails with the same reason whichever path sees it.

Bytes after the signature data are ignored: nothing signs them and quote
generators pad (go-tdx-guest's production sample carries 39 such bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from veil.attest._claims import Claims
from veil.attest._parse import Reader, as_bytes, need
from veil.attest._roots import INTEL_SGX_ROOT_CA, root
from veil.attest._x509 import ecdsa_valid, load_bundle, load_der, verify_chain
from veil.errors import AttestationFailed

__all__ = ["verify_dcap"]

_HEADER = 48
_ECDSA_P256 = 2  # attestation key type; the only one Intel's QEs produce
_TEE_SGX, _TEE_TDX = 0x00, 0x81
_QE_REPORT_CERT, _PCK_CHAIN_PEM = 6, 5  # certification data types
_REPORT = 384  # an SGX enclave report: the SGX body and the QE report
_TD10, _TD15 = 584, 648
# Quote v5 body descriptor types and the body each one announces.
_V5_BODIES = {1: ("sgx", _REPORT), 2: ("td10", _TD10), 3: ("td15", _TD15)}
_SIG, _KEY = 64, 64  # ECDSA P-256 r‖s and raw x‖y, both big-endian
_SGX_DEBUG = 1 << 1  # SGX ATTRIBUTES.FLAGS bit 1
_TD_DEBUG = 1 << 0  # TDATTRIBUTES bit 0 (TUD.DEBUG)
# The QE identities Intel publishes (PCS /qe/identity): MRSIGNER and ISVPRODID.
_QE_IDENTITY = {
    "sgx": (bytes.fromhex("8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff"), 1),
    "tdx": (bytes.fromhex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5"), 2),
}
# The DER of OID 1.2.840.113741.1.13.1.4 (FMSPC) then the OCTET STRING(6) header.
_FMSPC_TLV = bytes.fromhex("060a2a864886f84d010d0104") + b"\x04\x06"
_SHA256 = hashes.SHA256()
_DER = Encoding.DER


@dataclass(frozen=True, slots=True)
class _Quote:
    """A structurally sane quote, split into the pieces the checks and claims read."""

    version: int
    kind: str  # "sgx", "td10" or "td15": which report layout ``body`` has
    header: bytes
    body: bytes
    signed: bytes  # header, v5 body descriptor and body: what the quote signature covers
    signature: bytes
    attest_key: bytes
    qe_report: bytes
    qe_signature: bytes
    qe_auth: bytes
    pck_pem: bytes

    @property
    def tee(self) -> str:
        return "sgx" if self.kind == "sgx" else "tdx"


def verify_dcap(
    quote: bytes,
    *,
    at: datetime,
    collateral: bytes | None = None,
    pins: Iterable[str] = (INTEL_SGX_ROOT_CA,),
) -> Claims:
    """Verify an Intel TDX (quote v4/v5) or SGX (v3, v4) ``quote`` at time ``at``.

    ``collateral`` is dcap-qvl's QuoteCollateralV3 JSON (PCS/PCCS TCB info, QE
    identity, CRLs and their issuer chains); with it the TCB status is
    evaluated, without it only the quote's own chain of signatures is.
    Raises :class:`AttestationFailed`: ``malformed``, ``root``, ``expired``,
    ``chain``, ``signature``, ``binding``, ``collateral`` or ``tcb`` (revoked TCB).
    """
    pinned = frozenset(p.lower() for p in pins)
    raw = as_bytes(quote)
    parsed = _parse(raw)
    chain = _pck_chain(parsed.pck_pem)
    fps = _check_evidence(parsed, chain, pinned, at)
    status: str | None = None
    tcb: dict[str, Any] = {"tcb_evaluated": False}
    if collateral is not None:
        status, tcb = _check_collateral(raw, as_bytes(collateral), pinned, at)
    return _claims(parsed, chain[0], fps, at, status=status, tcb=tcb)


# --- parsing ---------------------------------------------------------------------------------


def _parse(data: bytes) -> _Quote:
    """Split the quote by the layout its header announces; refuse any other layout."""
    reader = Reader(data)
    header = reader.take(_HEADER)
    version, tee = _header(header)
    kind, body = _body(reader, version, tee)
    signed = data[: reader.pos]
    sig_data = reader.sub(reader.uint(4))
    signature, attest_key = sig_data.take(_SIG), sig_data.take(_KEY)
    qe = sig_data if version == 3 else _qe_certification(sig_data)
    qe_report, qe_signature, qe_auth, pem = _qe_fields(qe)
    qe.expect_end()
    sig_data.expect_end()
    return _Quote(
        version, kind, header, body, signed, signature, attest_key, qe_report, qe_signature,
        qe_auth, pem,
    )  # fmt: skip


def _header(header: bytes) -> tuple[int, int]:
    """Version 3 (SGX only), 4 or 5 with an ECDSA P-256 attestation key."""
    version = int.from_bytes(header[0:2], "little")
    key_type = int.from_bytes(header[2:4], "little")
    tee = int.from_bytes(header[4:8], "little")
    need(version in (3, 4, 5) and key_type == _ECDSA_P256 and tee in (_TEE_SGX, _TEE_TDX))
    need(version != 3 or tee == _TEE_SGX)
    return version, tee


def _body(reader: Reader, version: int, tee: int) -> tuple[str, bytes]:
    """v3/v4 imply the body by TEE type; v5 names it in a descriptor (type, size)."""
    if version < 5:
        kind, size = ("sgx", _REPORT) if tee == _TEE_SGX else ("td10", _TD10)
    else:
        kind, size = _V5_BODIES.get(reader.uint(2), ("", -1))
        need(reader.uint(4) == size and (kind == "sgx") == (tee == _TEE_SGX))
    return kind, reader.take(size)


def _qe_certification(sig_data: Reader) -> Reader:
    """v4/v5 wrap the QE fields in certification data of type 6 (QE report)."""
    need(sig_data.uint(2) == _QE_REPORT_CERT)
    return sig_data.sub(sig_data.uint(4))


def _qe_fields(reader: Reader) -> tuple[bytes, bytes, bytes, bytes]:
    """QE report, its PCK signature, QE auth data, and the PCK chain (type 5, PEM)."""
    report, signature = reader.take(_REPORT), reader.take(_SIG)
    auth = reader.take(reader.uint(2))
    need(reader.uint(2) == _PCK_CHAIN_PEM)  # types 1-4 need the PCK fetched: not supported
    return report, signature, auth, reader.take(reader.uint(4))


def _pck_chain(pem: bytes) -> tuple[x509.Certificate, ...]:
    """The PCK chain, leaf first and decoded up front: at least a leaf and its issuer."""
    certs = load_bundle(pem)
    if len(certs) < 2:
        raise AttestationFailed("chain")
    return certs


# --- the quote's own chain of signatures -----------------------------------------------------


def _check_evidence(
    quote: _Quote, chain: tuple[x509.Certificate, ...], pins: frozenset[str], at: datetime
) -> tuple[str, ...]:
    """Root → PCK → QE report → attestation key → quote, checked from the anchor down."""
    fps = verify_chain(chain, pins=pins, at=at)
    leaf = chain[0].public_bytes(_DER)
    if not _qe_signed(leaf, quote.qe_report, quote.qe_signature):
        raise AttestationFailed("signature")
    _check_qe(quote)
    if not ecdsa_valid(_raw_key(quote.attest_key), quote.signed, quote.signature, _SHA256):
        raise AttestationFailed("signature")
    return fps


@lru_cache(maxsize=256)
def _qe_signed(leaf_der: bytes, report: bytes, signature: bytes) -> bool:
    """The PCK leaf signed the QE report; a QE reuses its report across quotes, so cached."""
    key = load_der(leaf_der).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise AttestationFailed("chain")  # a PCK key is always P-256; anything else is not one
    return ecdsa_valid(key, report, signature, _SHA256)  # Intel's big-endian r‖s


def _check_qe(quote: _Quote) -> None:
    """The QE report binds the attestation key, and the QE is Intel's and not debuggable.

    Without the last part any enclave the PCE certifies could mint attestation
    keys; collateral would catch it (QE identity), so without collateral we must.
    """
    report = quote.qe_report
    digest = hashlib.sha256(quote.attest_key + quote.qe_auth).digest()
    if report[320:352] != digest:
        raise AttestationFailed("binding")
    signer, prod_id = _QE_IDENTITY[quote.tee]
    flags = int.from_bytes(report[48:56], "little")
    debug = flags & _SGX_DEBUG
    if report[128:160] != signer or int.from_bytes(report[256:258], "little") != prod_id or debug:
        raise AttestationFailed("binding")


@lru_cache(maxsize=64)
def _raw_key(raw: bytes) -> ec.EllipticCurvePublicKey:
    """The raw x‖y attestation key; a point off the curve cannot have signed anything."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + raw)
    except ValueError:
        raise AttestationFailed("signature") from None


# --- collateral: revocation and TCB status through dcap-qvl --------------------------------

# dcap-qvl's ValueError messages, first match wins: lower-case substrings of its
# Display output (dcap-qvl 0.7); anything unrecognised is refused as "collateral".
_DCAP_REASONS = (
    ("expired", "expired"),  # TCBInfo / QE identity / certificate expired, CrlExpired
    ("in the future", "expired"),  # collateral issued after ``at``: not yet valid
    ("notvalidyet", "expired"),
    ("certrevoked", "chain"),
    ("no matching tcb level", "tcb"),  # the platform is below every level Intel lists
    ("report signature is invalid", "signature"),
    ("invalid for qe_report", "signature"),
    ("qe report hash mismatch", "binding"),
    ("failed to decode quote", "malformed"),
    ("attestation key type", "malformed"),
    ("failed to verify certificate chain", "chain"),
)


def _check_collateral(
    raw: bytes, collateral: bytes, pins: frozenset[str], at: datetime
) -> tuple[str, dict[str, Any]]:
    """Run dcap-qvl against Intel's root as *we* ship it; return its TCB verdict."""
    import dcap_qvl

    if INTEL_SGX_ROOT_CA not in pins:
        raise AttestationFailed("root")  # dcap-qvl trusts only the root we hand it
    parsed = _collateral(collateral)
    now = max(int(at.timestamp()), 0)
    try:
        report = dcap_qvl.verify_with_root_ca(raw, parsed, _intel_root_der(), now)
    except ValueError as exc:
        raise AttestationFailed(_dcap_reason(str(exc))) from None
    if report.status == "Revoked":
        raise AttestationFailed("tcb")  # Intel revoked this TCB level: no policy may accept it
    return str(report.status), {
        "tcb_evaluated": True,
        "advisories": [str(a) for a in report.advisory_ids],
    }


@lru_cache(maxsize=16)
def _collateral(data: bytes) -> Any:
    """dcap-qvl's collateral object; a verifier sees the same collateral for a month, so cached."""
    import dcap_qvl

    try:
        return dcap_qvl.QuoteCollateralV3.from_json(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one too
        raise AttestationFailed("collateral") from None


@lru_cache(maxsize=1)
def _intel_root_der() -> bytes:
    return root(INTEL_SGX_ROOT_CA).public_bytes(_DER)


def _dcap_reason(message: str) -> str:
    """Map a dcap-qvl failure to our vocabulary; its text never reaches the caller."""
    message = message.lower()
    for needle, reason in _DCAP_REASONS:
        if needle in message:
            return reason
    return "collateral"


# --- claims ------------------------------------------------------------------------------


def _claims(
    quote: _Quote,
    leaf: x509.Certificate,
    fps: tuple[str, ...],
    at: datetime,
    *,
    status: str | None,
    tcb: dict[str, Any],
) -> Claims:
    """Normalise the verified body; the TEE-specific fields go to ``details``."""
    fields = _sgx_fields(quote.body) if quote.kind == "sgx" else _td_fields(quote)
    measurements, debug, details = fields
    details |= _quote_details(quote, leaf)
    offset = 320 if quote.kind == "sgx" else 520  # REPORTDATA; TD 1.5 appends fields after it
    return Claims(
        platform="intel-sgx" if quote.kind == "sgx" else "intel-tdx",
        debug=debug,
        measurements=measurements,
        tcb_status=status,
        report_data=quote.body[offset : offset + 64].hex(),
        verified_at=at,
        chain=fps,
        details=details | tcb,
    )


_Fields = tuple[dict[str, str], bool, dict[str, Any]]


def _td_fields(quote: _Quote) -> _Fields:
    """TD report 1.0 (TDX module spec, TDREPORT_STRUCT.TDINFO/TEE_TCB_INFO), plus 1.5's tail."""
    body = quote.body
    rtmrs = {f"RTMR{i}": body[328 + 48 * i : 376 + 48 * i].hex() for i in range(4)}
    measurements = {"MRTD": body[136:184].hex(), **rtmrs}
    measurements |= {"MRSEAM": body[16:64].hex(), "MRSIGNERSEAM": body[64:112].hex()}
    details = {
        "tee_tcb_svn": body[0:16].hex(),
        "seam_attributes": body[112:120].hex(),
        "td_attributes": body[120:128].hex(),
        "xfam": body[128:136].hex(),
        "mr_config_id": body[184:232].hex(),
        "mr_owner": body[232:280].hex(),
        "mr_owner_config": body[280:328].hex(),
    }
    if quote.kind == "td15":
        details |= {"tee_tcb_svn2": body[584:600].hex(), "mr_service_td": body[600:648].hex()}
    return measurements, bool(body[120] & _TD_DEBUG), details


def _sgx_fields(body: bytes) -> _Fields:
    """SGX REPORTBODY (SDM vol. 3D, 38.15)."""
    measurements = {"MRENCLAVE": body[64:96].hex(), "MRSIGNER": body[128:160].hex()}
    details = {
        "cpu_svn": body[0:16].hex(),
        "misc_select": int.from_bytes(body[16:20], "little"),
        "attributes": body[48:64].hex(),
        "isv_prod_id": int.from_bytes(body[256:258], "little"),
        "isv_svn": int.from_bytes(body[258:260], "little"),
    }
    return measurements, bool(body[48] & _SGX_DEBUG), details


def _quote_details(quote: _Quote, leaf: x509.Certificate) -> dict[str, Any]:
    """Fields of the quote and PCK leaf a policy may want: versions, SVNs, platform family."""
    details: dict[str, Any] = {
        "quote_version": quote.version,
        "qe_svn": int.from_bytes(quote.header[8:10], "little"),
        "pce_svn": int.from_bytes(quote.header[10:12], "little"),
    }
    fmspc = _fmspc(leaf)
    if fmspc is not None:
        details["fmspc"] = fmspc
    return details


def _fmspc(leaf: x509.Certificate) -> str | None:
    """FMSPC from the PCK leaf's Intel SGX extension (found by its DER TLV); None if absent."""
    der = leaf.tbs_certificate_bytes
    at = der.find(_FMSPC_TLV)
    return None if at < 0 else der[at + len(_FMSPC_TLV) : at + len(_FMSPC_TLV) + 6].hex()
