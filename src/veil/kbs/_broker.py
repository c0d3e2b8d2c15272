"""The key broker: challenge, attest, release — every step a ledger entry.

The flow shared by Trustee, Azure SKR and Nitro+KMS, with the gaps filled:

1. ``challenge(key)`` hands out a random 32-byte nonce, single use, short TTL;
2. the workload puts ``SHA-256(nonce || JWK thumbprint of its ephemeral key)``
   (:func:`report_data`) into its evidence's report data and sends evidence +
   public key to ``release``;
3. the broker verifies the evidence, runs the fixed guards and the release
   policy, and returns the data key only as a JWE encrypted to that key
   (ECDH-ES+A256KW / A256GCM; RSA-OAEP-256 for RSA keys).

A refusal is uniform to the caller (``key release refused``); the reason goes
to the ledger, where each challenge, refusal and release is an entry, and every
simulated release is flagged ``SIMULATED``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from veil.attest import Claims, Platform
from veil.attest._verify import verify_evidence
from veil.errors import AttestationFailed, KeyMissing, KeyReleaseRefused
from veil.kbs._policy import ReleasePolicy
from veil.keys import DataKeyInfo, KeyStore
from veil.ledger import Action, Event, Ledger, PolicyRef

__all__ = ["Challenge", "KeyBroker", "ReleaseRequest", "Released", "report_data"]

_NONCE_BYTES = 32
_MAX_PENDING = 100_000  # outstanding challenges; beyond this new ones are refused


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def report_data(nonce: bytes, public_jwk: dict[str, Any]) -> bytes:
    """The 32 bytes a workload binds into its evidence: SHA-256(nonce || RFC 7638 thumbprint)."""
    from jwcrypto import jwk

    thumb = unb64url(jwk.JWK(**public_jwk).thumbprint())
    return hashlib.sha256(nonce + thumb).digest()


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: bytes
    key: str
    expires_at: float

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "nonce": b64url(self.nonce),
            "key": self.key,
            "expires_in": round(self.expires_at - now, 3),
        }


class ReleaseRequest(BaseModel):
    """What a workload posts to ``/kbs/v1/release``; binary fields are base64."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nonce: str = Field(max_length=64)
    platform: Platform
    evidence: str = Field(max_length=1_000_000)
    public_key: dict[str, Any]
    vcek: str | None = Field(default=None, max_length=10_000)  # SNP: the VCEK, DER as base64
    chain: str | None = Field(default=None, max_length=100_000)  # SNP/NVIDIA: PEM bundle
    collateral: str | None = Field(default=None, max_length=1_000_000)  # DCAP: JSON text


@dataclass(frozen=True, slots=True)
class Released:
    jwe: str
    key: str
    jurisdiction: str
    receipt: int
    claims: Claims


class KeyBroker:
    """Releases named data keys from a :class:`KeyStore` to attested workloads."""

    def __init__(
        self,
        keys: KeyStore,
        policy: ReleasePolicy,
        ledger: Ledger,
        *,
        pins: dict[str, list[str]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys, self._policy, self._ledger = keys, policy, ledger
        self._pins = dict(pins or {})
        self._clock = clock
        self._pending: dict[bytes, Challenge] = {}
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def challenge(self, key: str) -> Challenge:
        """A fresh single-use nonce for releasing ``key`` (the key need not exist yet)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            if len(self._pending) >= _MAX_PENDING:
                raise KeyReleaseRefused("too many outstanding challenges; retry shortly")
            found = Challenge(
                os.urandom(_NONCE_BYTES), key, now + self._policy.config.challenge_ttl_s
            )
            self._pending[found.nonce] = found
        self._record(Action.KEY_CHALLENGE, key, None, "allow", ("challenge",))
        return found

    def release(self, request: ReleaseRequest) -> Released:
        """Verify, decide, release — or raise a uniform :class:`KeyReleaseRefused`."""
        challenge = self._take(request.nonce)
        key_name = challenge.key if challenge else "?"
        try:
            claims, key = self._check(request, challenge)
            jwe = _encrypt(self._keys.release(key.name).reveal(), request.public_key, claims)
        except _Refused as refusal:
            receipt = self._record(
                Action.KEY_RELEASE, key_name, refusal.claims, "deny", (refusal.reason,)
            )
            raise _uniform(refusal.reason, receipt.index) from None
        receipt = self._record(
            Action.KEY_RELEASE,
            key.name,
            claims,
            "allow",
            ("released",),
            jurisdiction=key.jurisdiction,
        )
        return Released(jwe, key.name, key.jurisdiction, receipt.index, claims)

    # -- steps -----------------------------------------------------------------------------------

    def _take(self, nonce: str) -> Challenge | None:
        try:
            raw = unb64url(nonce)
        except (binascii.Error, ValueError):
            return None
        with self._lock:
            found = self._pending.pop(raw, None)  # single use: gone even if the rest fails
        return found if found and found.expires_at >= self._clock() else None

    def _check(
        self, request: ReleaseRequest, challenge: Challenge | None
    ) -> tuple[Claims, DataKeyInfo]:
        if challenge is None:
            raise _Refused("nonce")
        key = self._key(challenge.key)
        if not _usable_public_key(request.public_key):
            raise _Refused("public-key")
        claims = self._verify(request)
        if not _bound(claims, challenge.nonce, request.public_key):
            raise _Refused("binding", claims)
        reason, region = self._policy.guards(claims, key)
        if reason is not None or region is None:
            raise _Refused(reason or "region", claims)
        if not self._policy.permits(claims, key, region):
            raise _Refused("policy", claims)
        return claims, key

    def _key(self, name: str) -> DataKeyInfo:
        try:
            return self._keys.data_key(name)
        except KeyMissing:
            raise _Refused("unknown-key") from None

    def _verify(self, request: ReleaseRequest) -> Claims:
        try:
            return verify_evidence(
                request.platform,
                _b64(request.evidence),
                at=datetime.fromtimestamp(self._clock(), UTC),
                vcek=_b64(request.vcek) if request.vcek else None,
                chain=request.chain.encode() if request.chain else None,
                collateral=request.collateral.encode() if request.collateral else None,
                pins=self._pins.get(request.platform),
            )
        except AttestationFailed as exc:
            raise _Refused(f"attestation:{exc.reason}") from None

    def _expire(self, now: float) -> None:
        # Challenges share one TTL, so insertion order is expiry order: pop from the front.
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if oldest.expires_at >= now:
                return
            del self._pending[oldest.nonce]

    def _record(
        self,
        action: Action,
        key: str,
        claims: Claims | None,
        decision: str,
        reasons: tuple[str, ...],
        *,
        jurisdiction: str | None = None,
    ) -> Any:
        simulated = claims is not None and claims.simulated
        event = Event(
            action=action,
            purpose="key-release",
            destination=f"key:{key}"[:200],
            jurisdiction=jurisdiction,
            decision=decision,
            reasons=(("SIMULATED",) if simulated else ()) + reasons,
            attestation=_summary(claims),
            policy=PolicyRef(id="kbs-release-policy", hash=self._policy.hash),
        )
        return self._ledger.append(event)


class _Refused(Exception):
    def __init__(self, reason: str, claims: Claims | None = None) -> None:
        self.reason, self.claims = reason, claims


def _uniform(reason: str, receipt: int) -> KeyReleaseRefused:
    exc = KeyReleaseRefused("key release refused")
    exc.reason, exc.receipt = reason, receipt  # type: ignore[attr-defined]
    return exc


def _bound(claims: Claims, nonce: bytes, public_jwk: dict[str, Any]) -> bool:
    try:
        expected = report_data(nonce, public_jwk).hex()
    except Exception:  # jwcrypto rejects malformed keys with several exception types
        return False
    return claims.report_data.lower().startswith(expected)


def _usable_public_key(public_jwk: dict[str, Any]) -> bool:
    """A public EC (P-256/384/521) or RSA (>= 2048 bit) JWK, and nothing private in it."""
    from jwcrypto import jwk

    try:
        key = jwk.JWK(**public_jwk)
    except Exception:  # jwcrypto raises several types for malformed keys
        return False
    if key.has_private or public_jwk.get("use", "enc") != "enc" or "key_ops" in public_jwk:
        return False  # an encryption key, with no usage restrictions jwcrypto would enforce
    if key["kty"] == "EC":
        return key.get("crv") in {"P-256", "P-384", "P-521"}
    try:  # the modulus's real size: a zero-padded 1024-bit "n" must not pass as 2048
        return bool(key["kty"] == "RSA" and key.get_op_key("encrypt").key_size >= 2048)
    except Exception:  # jwcrypto raises several types for unusable keys
        return False


def _encrypt(secret: bytes, public_jwk: dict[str, Any], claims: Claims) -> str:
    try:
        return _jwe(secret, public_jwk)
    except Exception:  # a key jwcrypto cannot encrypt to: a refusal, recorded, not a 500
        raise _Refused("public-key", claims) from None


def _jwe(secret: bytes, public_jwk: dict[str, Any]) -> str:
    from jwcrypto import jwe, jwk

    key = jwk.JWK(**public_jwk)
    alg = "RSA-OAEP-256" if key["kty"] == "RSA" else "ECDH-ES+A256KW"
    token = jwe.JWE(secret, protected={"alg": alg, "enc": "A256GCM", "kid": key.thumbprint()})
    token.add_recipient(key)
    return str(token.serialize(compact=True))


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Refused("attestation:malformed") from None


def _summary(claims: Claims | None) -> str | None:
    if claims is None:
        return None
    digest = hashlib.sha256(repr(sorted(claims.measurements.items())).encode()).hexdigest()[:16]
    parts = [
        "SIMULATED" if claims.simulated else claims.platform,
        f"measurements={digest}",
        f"tcb={claims.tcb_status or '-'}",
        f"region={claims.region.value if claims.region else '-'}",
    ]
    return ";".join(parts)
