"""NVIDIA GPU (Hopper) attestation: an SPDM 1.1 GET_MEASUREMENTS exchange signed by the GPU.

The evidence is the requester's GET_MEASUREMENTS message followed by the GPU's
MEASUREMENTS response (DMTF DSP0274 1.1; NVIDIA nvtrust's local GPU verifier
reads the same layout). In SPDM 1.1 the signature is ECDSA P-384 over the
SHA-384 of request ‖ response-without-signature, made with the key of the
device certificate that chains to the NVIDIA Device Identity CA. Every length
is bounds-checked and the messages must be consumed exactly: slicing past the
end would silently shorten a field instead of refusing the evidence.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from cryptography import x509

from veil.attest._claims import Claims
from veil.attest._parse import Reader, malformed, need
from veil.attest._roots import NVIDIA_DEVICE_ROOT, root
from veil.attest._x509 import fingerprint, load_pem, require_aware, verify_chain, verify_es384
from veil.errors import AttestationFailed

__all__ = ["verify_nvidia"]

_SPDM_11 = 0x11  # SPDM 1.2+ signs a prefixed transcript hash: not this verifier
_GET_MEASUREMENTS = 0xE0
_MEASUREMENTS = 0x60
_SIGNATURE_REQUESTED = 0x01  # request param1 bit 0
_REQUEST_SIZE = 37  # version, code, param1, param2, nonce(32), slot id
_NONCE_SIZE = 32
_SIGNATURE_SIZE = 96  # P-384 r‖s, big-endian
_DMTF = 0x01  # MeasurementSpecification bit 0: the block is a DMTF measurement
# nvtrust's OPAQUE_FIELD_ID_* numbers for the opaque fields we report.
_DRIVER_VERSION = 3
_VBIOS_VERSION = 6
_VBIOS_SIZE = 8


class _Report(NamedTuple):
    """The fields of one request/response pair that we check or report."""

    nonce: bytes  # the requester's: what binds the evidence to a session
    measurements: dict[int, bytes]
    opaque: dict[int, bytes]
    signed: bytes
    signature: bytes


def verify_nvidia(
    report: bytes,
    *,
    chain: bytes,
    at: datetime,
    nonce: bytes | None = None,
    pins: Iterable[str] = (NVIDIA_DEVICE_ROOT,),
) -> Claims:
    """Verify an SPDM GET_MEASUREMENTS request ‖ response at time ``at`` and return its claims.

    ``chain`` is the device's PEM bundle, leaf first; if it stops short of the
    pinned root, the packaged root is appended. ``nonce``, when given, must be
    the one the request carried (``binding``). Other reasons: ``malformed``,
    ``root``, ``chain``, ``expired``, ``signature``.
    """
    require_aware(at)
    pins = tuple(pins)
    with malformed():
        parsed = _report(bytes(report))
        details = _opaque_details(parsed.opaque)
        certs = _with_root(load_pem(bytes(chain)), pins)
        fps = verify_chain(certs, pins=pins, at=at)
        key = certs[0].public_key()
    verify_es384(key, parsed.signed, parsed.signature)
    if nonce is not None and not hmac.compare_digest(bytes(nonce), parsed.nonce):
        raise AttestationFailed("binding")
    return _claims(parsed, details, fps, at)


def _report(data: bytes) -> _Report:
    """Split and check the request and response; the signature must end the response."""
    nonce = _request(data[:_REQUEST_SIZE])
    response = Reader(data[_REQUEST_SIZE:])
    need(response.take(2) == bytes((_SPDM_11, _MEASUREMENTS)))
    response.take(2)  # param1: total measurement count; param2: slot id
    count = response.uint(1)
    measurements = _blocks(response.take(response.uint(3)), count)
    response.take(_NONCE_SIZE)  # the responder's nonce; freshness is the requester's
    opaque = _opaque(response.take(response.uint(2)))
    signature = response.take(_SIGNATURE_SIZE)
    response.expect_end()
    return _Report(nonce, measurements, opaque, data[:-_SIGNATURE_SIZE], signature)


def _request(request: bytes) -> bytes:
    """The nonce of an SPDM 1.1 GET_MEASUREMENTS that asked for a signed response."""
    need(len(request) == _REQUEST_SIZE)
    version, code, param1 = request[0], request[1], request[2]
    need(version == _SPDM_11 and code == _GET_MEASUREMENTS)
    need(bool(param1 & _SIGNATURE_REQUESTED))
    return request[4 : 4 + _NONCE_SIZE]


def _blocks(record: bytes, count: int) -> dict[int, bytes]:
    """Measurement values by block index: ``count`` DMTF blocks that fill the record exactly."""
    reader, blocks = Reader(record), {}
    for _ in range(count):
        index, spec, size = reader.uint(1), reader.uint(1), reader.uint(2)
        need(spec == _DMTF and index not in blocks)
        blocks[index] = _dmtf_value(reader.take(size))
    need(count > 0 and reader.at_end())
    return blocks


def _dmtf_value(block: bytes) -> bytes:
    """A DMTF measurement is type(1), size(2), value: the value must fill the block."""
    reader = Reader(block)
    reader.take(1)  # value type (digest or raw bitstream of which component)
    value = reader.take(reader.uint(2))
    reader.expect_end()
    return value


def _opaque(data: bytes) -> dict[int, bytes]:
    """NVIDIA's opaque data: type(2), size(2), value, repeated; a repeated type is refused."""
    reader, fields = Reader(data), {}
    while not reader.at_end():
        kind, size = reader.uint(2), reader.uint(2)
        need(kind not in fields)
        fields[kind] = reader.take(size)
    return fields


def _opaque_details(opaque: dict[int, bytes]) -> dict[str, str]:
    """The driver and VBIOS versions, in the form NVIDIA's reference manifests use."""
    details = {}
    if _DRIVER_VERSION in opaque:
        details["driver_version"] = opaque[_DRIVER_VERSION].split(b"\0", 1)[0].decode("ascii")
    if _VBIOS_VERSION in opaque:
        details["vbios_version"] = _vbios_version(opaque[_VBIOS_VERSION])
    return details


def _vbios_version(raw: bytes) -> str:
    """8 little-endian bytes to ``96.00.9f.00.01``, as nvtrust's ``format_vbios_version``."""
    need(len(raw) == _VBIOS_SIZE)
    return ".".join(f"{b:02x}" for b in (raw[3], raw[2], raw[1], raw[0], raw[4]))


def _with_root(certs: Sequence[x509.Certificate], pins: Sequence[str]) -> list[x509.Certificate]:
    """The bundle, plus the packaged pinned root when the bundle stops at its child."""
    last, wanted = certs[-1], {p.lower() for p in pins}
    if fingerprint(last) in wanted:
        return list(certs)
    for pin in wanted:
        try:
            anchor = root(pin)
        except KeyError:  # a caller's pin we do not ship: the bundle must carry it
            continue
        if anchor.subject == last.issuer:
            return [*certs, anchor]
    return list(certs)


def _claims(
    report: _Report, opaque: dict[str, str], chain: tuple[str, ...], at: datetime
) -> Claims:
    details: dict[str, Any] = {
        "spdm_version": "1.1",
        "measurement_count": len(report.measurements),
        **opaque,
    }
    return Claims(
        platform="nvidia-gpu",
        debug=False,  # SPDM measurements carry no debug bit; a debug VBIOS shows in the values
        measurements={str(i): value.hex() for i, value in sorted(report.measurements.items())},
        report_data=report.nonce.hex(),
        tcb_status=None,
        verified_at=at,
        chain=chain,
        details=details,
    )
