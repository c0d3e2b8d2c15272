"""Workload identity: callers that present a signed JWT (OIDC) instead of a Veil key.

A workload (a pod with a projected service-account token, a CI job with an OIDC token,
a SPIFFE JWT-SVID) sends ``Authorization: Bearer <JWT>``. The gateway checks the
signature against the issuer's published keys — a JWKS file the operator pins, or the
issuer's JWKS URL, fetched at start (fail closed if unreachable) and refreshed in the
background (every ``jwks_refresh_s``, and soon after a token names an unknown key, as
issuers rotate); never fetched on the request path — the issuer, the audience, expiry
and not-before, and maps claims to a caller: ``sub`` is the identity, and optional claims name the
jurisdictions, purposes and models it may use (deny-by-default still applies in Cedar).

    jwt:
      issuer: https://token.actions.githubusercontent.com
      audience: veil-gateway
      jwks_file: /etc/veil/issuer-jwks.json   # or jwks_url: https://.../jwks (refreshed)
      jurisdictions_claim: veil_jurisdictions   # default: ["any"] when absent
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from veil.errors import ConfigError, MissingExtra
from veil.gateway._callers import Caller

__all__ = ["JwtConfig", "JwtVerifier"]

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]
_MIN_REFETCH_S = 30.0  # an unknown kid cannot make the gateway hammer the issuer
_FETCH_TIMEOUT_S = 10.0
_MAX_JWKS_BYTES = 1_000_000
log = logging.getLogger("veil.gateway")


class JwtConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    audience: str
    jwks_file: str | None = None
    jwks_url: str | None = None
    jwks_refresh_s: float = Field(default=300.0, ge=1.0, le=86400.0)
    leeway_s: int = Field(default=30, ge=0, le=300)

    @model_validator(mode="after")
    def _one_source(self) -> JwtConfig:
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks_file and jwks_url")
        if self.jwks_url is not None and not _secure(self.jwks_url):
            raise ValueError("jwks_url must be https (http only for localhost)")
        return self

    jurisdictions_claim: str = "veil_jurisdictions"
    purposes_claim: str = "veil_purposes"
    models_claim: str = "veil_models"


class JwtVerifier:
    """Verifies workload JWTs against a pinned JWKS; returns a Caller or None."""

    def __init__(self, config: JwtConfig) -> None:
        try:
            import jwt
        except ImportError:
            raise MissingExtra("gateway", "JWT workload identity") from None
        self._jwt = jwt
        self.config = config
        self._source = config.jwks_url or config.jwks_file or ""
        self._keys = self._load()  # fail closed at start: no keys, no gateway
        self._wake = threading.Event()
        self._last_fetch = time.monotonic()
        if config.jwks_url is not None:
            threading.Thread(target=self._refresh_loop, name="veil-jwks", daemon=True).start()

    def _load(self) -> dict[str | None, Any]:
        try:
            raw = _fetch(self._source) if self.config.jwks_url else Path(self._source).read_text()
            keys = {k.key_id: k for k in self._jwt.PyJWKSet.from_dict(json.loads(raw)).keys}
        except (OSError, ValueError, self._jwt.PyJWTError) as exc:
            raise ConfigError(f"cannot load JWKS {self._source}: {exc}") from None
        if not keys:
            raise ConfigError(f"JWKS {self._source} holds no usable key")
        return keys

    def _refresh_loop(self) -> None:
        """Refetch every ``jwks_refresh_s``, or soon after an unknown ``kid`` (at most every
        ``_MIN_REFETCH_S``). A failed refetch keeps the current keys until the next try."""
        while True:
            self._wake.wait(self.config.jwks_refresh_s)
            self._wake.clear()
            wait = _MIN_REFETCH_S - (time.monotonic() - self._last_fetch)
            if wait > 0:
                time.sleep(wait)
            self._last_fetch = time.monotonic()
            try:
                self._keys = self._load()  # one reference swap: readers see old or new
            except ConfigError:
                log.warning("JWKS refresh from %s failed; keeping the current keys", self._source)

    def caller(self, token: str) -> Caller | None:
        jwt = self._jwt
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            keys = self._keys
            key = keys.get(kid) if kid else next(iter(keys.values()))
            if key is None:
                self._wake.set()  # the issuer may have rotated: refetch soon (URL sources)
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=_ALGORITHMS,
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None  # terse: bad signature, expired, wrong issuer or audience alike
        return Caller(
            id=f"jwt:{claims['sub']}",
            name=f"jwt:{claims['sub']}"[:200],
            jurisdictions=_strings(claims.get(self.config.jurisdictions_claim), "any"),
            purposes=_strings(claims.get(self.config.purposes_claim), "*"),
            models=_strings(claims.get(self.config.models_claim), "*"),
        )


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in {"localhost", "127.0.0.1", "::1"}
    )


def _fetch(url: str) -> str:
    """The JWKS document (a small public JSON): stdlib HTTP, bounded in time and size."""
    request = urllib.request.Request(url, headers={"accept": "application/json"})  # noqa: S310 - scheme checked in JwtConfig
    with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT_S) as response:  # noqa: S310 - as above
        return str(response.read(_MAX_JWKS_BYTES).decode("utf-8"))


def _strings(value: object, default: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return (default,)
