"""AWS Nitro Enclaves attestation documents: COSE_Sign1 (ES384) over a CBOR payload.

The document is small and fixed in shape, so we decode it with cbor2 and check
the signature with ``cryptography`` directly instead of pulling in a COSE
library: every field is type-checked before use, the decoder refuses
indefinite lengths, duplicate keys, deep nesting and trailing bytes, and any
parse failure becomes ``malformed``. The chain is walked leaf first, then the
``cabundle`` reversed (AWS lists it root first), and must end at a pinned root.
The chain is checked before the COSE signature so that an altered certificate is
reported as ``chain`` or ``root`` rather than as a bad signature.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVar, cast

import cbor2

from veil.attest._claims import Claims
from veil.attest._parse import malformed, need
from veil.attest._roots import AWS_NITRO_ROOT_G1
from veil.attest._x509 import load_der, require_aware, verify_chain, verify_es384
from veil.errors import AttestationFailed

__all__ = ["verify_nitro"]

_COSE_SIGN1_TAG = 18  # optional on the wire; the NSM sends the bare array
_ALG = 1  # COSE header label
_ES384 = -35  # COSE algorithm id (RFC 9053): ECDSA P-384 with SHA-384
_MAX_DEPTH = 4  # COSE array > header map; payload map > pcrs map
_DIGEST_SIZES = {"SHA384": 48}  # the only PCR bank the NSM reports
_PCR_INDICES = range(32)
_DEBUG_PCRS = (0, 1, 2)  # AWS: a debug-mode enclave reports these as all zero
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_T = TypeVar("_T")


class _Document(NamedTuple):
    """The payload's fields, typed."""

    module_id: str
    digest: str
    timestamp: datetime
    pcrs: dict[int, bytes]
    certificate: bytes
    cabundle: tuple[bytes, ...]
    public_key: bytes | None
    user_data: bytes | None
    nonce: bytes | None


def verify_nitro(
    document: bytes, *, at: datetime, pins: Iterable[str] = (AWS_NITRO_ROOT_G1,)
) -> Claims:
    """Verify a Nitro attestation document at time ``at`` and return its claims.

    Raises :class:`AttestationFailed`: ``malformed`` (shape or types), ``root``,
    ``chain`` or ``expired`` (certificates), ``signature`` (COSE signature).
    ``at`` must be timezone-aware; a naive time is the caller's bug (``ValueError``).
    """
    require_aware(at)
    with malformed(cbor2.CBORError):  # not a ValueError: cbor2's base for what it refuses
        protected, payload, signature = _cose_sign1(bytes(document))
        doc = _document(payload)
        certs = [load_der(doc.certificate), *map(load_der, reversed(doc.cabundle))]
        fps = verify_chain(certs, pins=pins, at=at)
        key = certs[0].public_key()
    verify_es384(key, _sig_structure(protected, payload), signature)
    return _claims(doc, fps, at)


def _exactly(value: object, kind: type[_T]) -> _T:
    """``value`` if its type is exactly ``kind`` (so a bool is no timestamp), else ``malformed``."""
    need(type(value) is kind)
    return cast(_T, value)


def _decode(data: bytes) -> object:
    """Exactly one strict CBOR item: ``cbor2.loads`` alone would ignore trailing bytes."""
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream, max_depth=_MAX_DEPTH, allow_indefinite=False, allow_duplicate_keys=False
    )
    item = decoder.decode()
    need(stream.tell() == len(data))
    return item


def _cose_sign1(data: bytes) -> tuple[bytes, bytes, bytes]:
    """The protected header, payload and signature of a COSE_Sign1 made with ES384."""
    item = _decode(data)
    if isinstance(item, cbor2.CBORTag) and item.tag == _COSE_SIGN1_TAG:
        item = list(item.value)  # cbor2 hands a tagged array back as a tuple
    parts = _exactly(item, list)
    need(len(parts) == 4)
    protected, payload, signature = (_exactly(parts[i], bytes) for i in (0, 2, 3))
    need(isinstance(parts[1], Mapping))  # unprotected; a frozendict when the array was tagged
    header = _exactly(_decode(protected), dict)
    if header.get(_ALG) != _ES384:
        raise AttestationFailed("signature")  # a signature scheme we do not accept
    return protected, payload, signature


def _document(payload: bytes) -> _Document:
    fields = _exactly(_decode(payload), dict)
    digest = _text(fields, "digest")
    return _Document(
        module_id=_text(fields, "module_id"),
        digest=digest,
        timestamp=_timestamp(fields["timestamp"]),
        pcrs=_pcrs(fields["pcrs"], _DIGEST_SIZES[digest]),
        certificate=_bytes(fields, "certificate"),
        cabundle=_cabundle(fields["cabundle"]),
        public_key=_optional_bytes(fields, "public_key"),
        user_data=_optional_bytes(fields, "user_data"),
        nonce=_optional_bytes(fields, "nonce"),
    )


def _text(fields: Mapping[object, object], key: str) -> str:
    value = _exactly(fields[key], str)
    need(bool(value))
    return value


def _bytes(fields: Mapping[object, object], key: str) -> bytes:
    value = _exactly(fields[key], bytes)
    need(bool(value))
    return value


def _optional_bytes(fields: Mapping[object, object], key: str) -> bytes | None:
    """Absent, CBOR null or a byte string: the NSM may send any of the three."""
    value = fields.get(key)
    return None if value is None else _exactly(value, bytes)


def _timestamp(value: object) -> datetime:
    millis = _exactly(value, int)
    need(millis > 0)
    return _EPOCH + timedelta(milliseconds=millis)  # past year 9999: OverflowError


def _pcrs(value: object, size: int) -> dict[int, bytes]:
    """PCR index to value; every value the digest's size, and PCR0-2 present for ``debug``."""
    pcrs = _exactly(value, dict)
    for index, pcr in pcrs.items():
        need(_exactly(index, int) in _PCR_INDICES and len(_exactly(pcr, bytes)) == size)
    need(all(i in pcrs for i in _DEBUG_PCRS))
    return pcrs


def _cabundle(value: object) -> tuple[bytes, ...]:
    """The CA certificates, root first, as the NSM lists them."""
    bundle = tuple(_exactly(cert, bytes) for cert in _exactly(value, list))
    need(bool(bundle) and all(bundle))
    return bundle


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """What COSE_Sign1 signs (RFC 9052 §4.4): no external AAD."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def _claims(doc: _Document, chain: tuple[str, ...], at: datetime) -> Claims:
    return Claims(
        platform="aws-nitro",
        debug=all(not any(doc.pcrs[i]) for i in _DEBUG_PCRS),
        measurements={f"PCR{i}": value.hex() for i, value in sorted(doc.pcrs.items())},
        report_data=(doc.user_data or b"").hex(),
        public_key=doc.public_key.hex() if doc.public_key else None,
        verified_at=at,
        chain=chain,
        details={
            "module_id": doc.module_id,
            "timestamp": doc.timestamp.isoformat(timespec="milliseconds"),
            "nonce": doc.nonce.hex() if doc.nonce else None,
            "digest": doc.digest,
        },
    )
