"""The workload side of key release: what ``veil tee run`` does, usable from Python.

    key = fetch_key("http://kbs:8443", "model-key", evidence_for)  # SecretKey

``evidence_for(report_data) -> (platform, evidence, extras)`` produces evidence
binding the 32 bytes it is given; :func:`simulated_evidence` builds one for the
simulated TEE. The ephemeral key pair lives only in this call: the broker
encrypts the data key to it, and nothing else can open the answer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from veil._sensitive import SecretKey
from veil.attest._simulated import SimulatedTEE
from veil.errors import ConfigError, KeyReleaseRefused
from veil.kbs._broker import report_data, unb64url

__all__ = ["EvidenceFn", "fetch_key", "simulated_evidence"]

EvidenceFn = Callable[[bytes], tuple[str, bytes, Mapping[str, str]]]


def simulated_evidence(
    tee: SimulatedTEE, measurements: Mapping[str, str], region: str | None
) -> EvidenceFn:
    def make(data: bytes) -> tuple[str, bytes, Mapping[str, str]]:
        return "simulated", tee.evidence(data, measurements=measurements, region=region), {}

    return make


def fetch_key(url: str, key: str, evidence_for: EvidenceFn, *, timeout: float = 30.0) -> SecretKey:
    """Challenge, attest and release ``key`` from the broker at ``url``; the raw key, wrapped."""
    import httpx
    from jwcrypto import jwe, jwk

    private = jwk.JWK.generate(kty="EC", crv="P-256")
    public = private.export_public(as_dict=True)
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as http:
        nonce = _post(http, "/kbs/v1/challenge", {"key": key})["nonce"]
        platform, evidence, extras = evidence_for(report_data(unb64url(nonce), public))
        body: dict[str, Any] = {
            "nonce": nonce,
            "platform": platform,
            "evidence": base64.b64encode(evidence).decode(),
            "public_key": public,
            **extras,
        }
        answer = _post(http, "/kbs/v1/release", body)
    token = jwe.JWE()
    token.deserialize(answer["jwe"], key=private)
    return SecretKey(bytes(token.payload))


def _post(http: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import httpx

    try:
        response = http.post(path, json=body)
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"key broker unreachable at {http.base_url} ({type(exc).__name__})"
        ) from None
    if response.status_code == 403:
        raise KeyReleaseRefused(
            f"key release refused (ledger entry {response.json().get('receipt')})"
        )
    if response.status_code != 200:
        raise ConfigError(f"key broker answered {response.status_code}: {response.text[:200]}")
    return dict(response.json())
