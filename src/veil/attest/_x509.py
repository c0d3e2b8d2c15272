"""Certificate chain walking for attestation evidence.

TEE vendors' chains are not Web PKI: AMD signs with RSA-PSS and issues VCEKs
with serial number 0, the AWS Nitro leaf carries no AuthorityKeyIdentifier,
and time must be an input because vectors verify only at a pinned moment. So
we walk the chain ourselves: names chain, every signature verifies, every
certificate is valid at ``at``, issuers are CAs, and the root's SHA-256
fingerprint is one we pinned. Signature checks are cached per (child, issuer)
pair, which is what makes repeat verification cheap.

The verifiers share the rest of their certificate and signature plumbing from
here too: which exceptions mean "this certificate does not parse", eager
decoding of the lazily parsed parts, and raw ``r‖s`` ECDSA verification.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning

from veil.errors import AttestationFailed

__all__ = [
    "CERT_ERRORS",
    "decoded",
    "ecdsa_valid",
    "fingerprint",
    "load_bundle",
    "load_der",
    "load_pem",
    "require_aware",
    "verify_chain",
    "verify_es384",
]

_DER = Encoding.DER
# What cryptography raises on certificates that do not parse (InvalidVersion is not a
# ValueError; DuplicateExtension and friends surface only when extensions are read).
CERT_ERRORS = (
    ValueError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    UnsupportedAlgorithm,
)


def fingerprint(cert: x509.Certificate) -> str:
    """The SHA-256 of the DER encoding, lower hex: what roots are pinned by."""
    return _fp(cert.public_bytes(_DER))


def load_der(data: bytes) -> x509.Certificate:
    """A DER certificate; vendor quirks (serial 0) tolerated, garbage refused as ``malformed``."""
    return _load_der(bytes(data))


def load_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in file order; none at all is ``malformed``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            certs = x509.load_pem_x509_certificates(bytes(data))
    except CERT_ERRORS:
        raise AttestationFailed("malformed") from None
    if not certs:
        raise AttestationFailed("malformed")
    return certs


@lru_cache(maxsize=64)
def load_bundle(pem: bytes) -> tuple[x509.Certificate, ...]:
    """:func:`load_pem`, each certificate :func:`decoded`; cached: evidence repeats its chain."""
    return tuple(decoded(cert) for cert in load_pem(pem))


@lru_cache(maxsize=64)
def decoded(cert: x509.Certificate) -> x509.Certificate:
    """``cert``, its extensions and key parsed now, so corruption is ``malformed``, not a crash.

    ``cryptography`` parses extensions and keys on first access; the chain walk
    and later checks read them outside any handler (an unknown key OID raises
    UnsupportedAlgorithm there). A serial-0 VCEK's AuthorityKeyIdentifier also
    warns here, once, under the filter.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            _ = cert.extensions
            cert.public_key()
    except CERT_ERRORS:
        raise AttestationFailed("malformed") from None
    return cert


def require_aware(at: datetime) -> None:
    """A naive verification time is the caller's bug (``ValueError``), never a refusal.

    Verifiers call this before their parse guard, which would otherwise turn
    the ValueError into ``malformed``.
    """
    if at.tzinfo is None:
        raise ValueError("verification time must be timezone-aware (UTC)")


def verify_chain(
    chain: Sequence[x509.Certificate], *, pins: Iterable[str], at: datetime
) -> tuple[str, ...]:
    """Check ``chain`` (leaf first, root last) at time ``at``; return its fingerprints.

    The last certificate must be self-signed and pinned by SHA-256 fingerprint.
    Raises :class:`AttestationFailed` with ``root``, ``chain`` or ``expired``.
    """
    if not chain:
        raise AttestationFailed("chain")
    at = _utc(at)
    fps = tuple(fingerprint(c) for c in chain)
    if fps[-1] not in {p.lower() for p in pins}:
        raise AttestationFailed("root")
    for cert in chain:
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            raise AttestationFailed("expired")
    links = zip(chain, [*chain[1:], chain[-1]], strict=True)
    with warnings.catch_warnings():
        # Reading a serial-0 certificate's fields warns again; it is a vendor quirk, not news.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for i, (child, issuer) in enumerate(links):
            if i and not _is_ca(child):
                raise AttestationFailed("chain")
            if not _signed_by(child.public_bytes(_DER), issuer.public_bytes(_DER)):
                raise AttestationFailed("chain")
    return fps


def verify_es384(key: object, message: bytes, signature: bytes) -> None:
    """ECDSA P-384/SHA-384 over ``message`` with a raw 96-byte big-endian ``r‖s``.

    COSE (RFC 9053 §2.1), SPDM and, once byte-reversed, AMD SNP all carry this
    form. Any other key or length cannot have made the signature: ``signature``.
    """
    if not (
        isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, ec.SECP384R1)
        and len(signature) == 96
    ):
        raise AttestationFailed("signature")
    if not ecdsa_valid(key, message, signature, hashes.SHA384()):
        raise AttestationFailed("signature")


def ecdsa_valid(
    key: ec.EllipticCurvePublicKey,
    message: bytes,
    signature: bytes,
    algorithm: hashes.HashAlgorithm,
) -> bool:
    """Whether raw fixed-width big-endian ``r‖s`` verifies; ``cryptography`` wants DER."""
    half = len(signature) // 2
    r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(algorithm))
    except InvalidSignature:
        return False
    return True


def _fp(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _utc(at: datetime) -> datetime:
    require_aware(at)
    return at.astimezone(UTC)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return True  # some vendor intermediates omit it; the signature still binds them
    except CERT_ERRORS:
        raise AttestationFailed("malformed") from None
    return bool(bc.ca)


@lru_cache(maxsize=256)
def _load_der(der: bytes) -> x509.Certificate:
    try:
        with warnings.catch_warnings():
            # AMD VCEKs carry serial number 0; cryptography warns (and may one day refuse).
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return x509.load_der_x509_certificate(der)
    except CERT_ERRORS:
        raise AttestationFailed("malformed") from None


@lru_cache(maxsize=256)
def _signed_by(child_der: bytes, issuer_der: bytes) -> bool:
    child, issuer = _load_der(child_der), _load_der(issuer_der)
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True
