"""A simulated TEE for development: real signatures, fake hardware, loudly labelled.

There is no TEE on a laptop, yet the key-release flow (challenge, evidence
bound to a nonce and a key, verification, policy, encrypted release) should be
tried end to end before anything is deployed. This module signs evidence in
its own format with a dev CA generated on the developer's machine; every name
in it says SIMULATED — NOT FOR PRODUCTION, every claim it yields carries
``simulated=True``, and the broker refuses it unless started in dev mode for a
key tagged dev. It proves nothing about hardware: only that the flow works.

Evidence (JSON, ``veil-simulated-tee/v1``)::

    {"format": ..., "claims": {"measurements": {...}, "report_data": hex,
     "debug": false, "region": "EU", "issued_at": iso}, "certificates": [leaf, ca],
     "signature": base64 ECDSA-P256-SHA256 over the canonical claims JSON}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from veil.attest._claims import Claims, Region
from veil.attest._x509 import fingerprint, load_pem, verify_chain
from veil.errors import AttestationFailed, ConfigError

__all__ = ["FORMAT", "SimulatedCA", "SimulatedTEE", "measure_program", "verify_simulated"]

FORMAT = "veil-simulated-tee/v1"
LABEL = "SIMULATED - NOT FOR PRODUCTION"
_CA_NAME = f"Veil Simulated TEE CA - {LABEL}"
_CA_DAYS = 3650
_DEVICE_DAYS = 1


def measure_program(path: Path) -> str:
    """The simulated MEASUREMENT of a workload: SHA-384 of its program file, lower hex."""
    return hashlib.sha384(Path(path).read_bytes()).hexdigest()


class SimulatedCA:
    """The dev CA: ``home/tee-sim/ca.pem`` + ``ca.key`` (0600), created on first use."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        self._key, self.cert = key, cert

    @classmethod
    def open(cls, home: Path) -> SimulatedCA:
        folder = Path(home) / "tee-sim"
        key_path, cert_path = folder / "ca.key", folder / "ca.pem"
        if not cert_path.exists():
            _write_ca(folder, key_path, cert_path)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigError(f"{key_path} is not an EC key; delete {folder} to regenerate")
        return cls(key, load_pem(cert_path.read_bytes())[0])

    @property
    def fingerprint(self) -> str:
        """What a dev-mode broker pins (``veil kbs serve --dev`` reads it from the same home)."""
        return fingerprint(self.cert)

    def device(self, now: datetime | None = None) -> SimulatedTEE:
        """A fresh simulated TEE: a new device key with a one-day certificate from this CA."""
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(f"Veil simulated TEE device - {LABEL}")
        cert = _builder(name, self.cert.subject, key.public_key(), now, _DEVICE_DAYS).sign(
            self._key, hashes.SHA256()
        )
        return SimulatedTEE(key, [cert, self.cert])


class SimulatedTEE:
    """Signs simulated evidence. Holds a device key that never leaves the process."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, chain: list[x509.Certificate]) -> None:
        self._key, self._chain = key, chain

    def evidence(
        self,
        report_data: bytes,
        *,
        measurements: Mapping[str, str],
        region: str | None = None,
        debug: bool = False,
        now: datetime | None = None,
    ) -> bytes:
        """Evidence binding ``report_data`` (up to 64 bytes) to these measurements."""
        if len(report_data) > 64:
            raise ValueError("report_data is at most 64 bytes, as on real TEEs")
        claims = {
            "measurements": {k: v.lower() for k, v in measurements.items()},
            "report_data": report_data.hex(),
            "debug": debug,
            "region": region,
            "issued_at": (now or datetime.now(UTC)).isoformat(),
        }
        signature = self._key.sign(_canonical(claims), ec.ECDSA(hashes.SHA256()))
        pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in self._chain]
        doc = {
            "format": FORMAT,
            "claims": claims,
            "certificates": pems,
            "signature": base64.b64encode(signature).decode(),
        }
        return json.dumps(doc).encode()


def verify_simulated(evidence: bytes, *, at: datetime, pins: Iterable[str]) -> Claims:
    """Verify simulated evidence against a pinned dev CA. There is no default pin on purpose."""
    doc = _parse(evidence)
    chain = load_pem("".join(doc["certificates"]).encode())
    fps = verify_chain(chain, pins=pins, at=at)
    if LABEL not in chain[-1].subject.rfc4514_string():
        raise AttestationFailed("root")  # only a CA that says SIMULATED may sign simulated claims
    public = chain[0].public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise AttestationFailed("malformed")
    try:
        public.verify(doc["signature"], _canonical(doc["claims"]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AttestationFailed("signature") from None
    return _claims(doc["claims"], at, fps)


def _parse(evidence: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(evidence)
        claims = doc["claims"]
        ok = (
            doc["format"] == FORMAT
            and isinstance(claims["measurements"], dict)
            and all(isinstance(v, str) for v in claims["measurements"].values())
            and isinstance(claims["debug"], bool)
            and isinstance(claims["region"], str | None)
            and isinstance(doc["certificates"], list)
            and all(isinstance(c, str) for c in doc["certificates"])
        )
        bytes.fromhex(claims["report_data"])
        datetime.fromisoformat(claims["issued_at"])
        doc["signature"] = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise AttestationFailed("malformed") from None
    if not ok:
        raise AttestationFailed("malformed")
    return dict(doc)


def _claims(raw: dict[str, Any], at: datetime, fps: tuple[str, ...]) -> Claims:
    region = raw["region"]
    return Claims(
        platform="simulated",
        simulated=True,
        debug=raw["debug"],
        measurements=raw["measurements"],
        report_data=raw["report_data"],
        region=Region(value=region, source="simulated") if region else None,
        verified_at=at,
        chain=fps,
        details={"issued_at": raw["issued_at"], "label": LABEL},
    )


def _canonical(claims: Mapping[str, Any]) -> bytes:
    return json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Veil (simulated TEE)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePublicKey, now: datetime, days: int
) -> x509.CertificateBuilder:
    ca = subject == issuer
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )


def _write_ca(folder: Path, key_path: Path, cert_path: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(_CA_NAME)
    cert = _builder(name, name, key.public_key(), datetime.now(UTC), _CA_DAYS).sign(
        key, hashes.SHA256()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
