"""Workload identity: callers that present a signed JWT (OIDC) instead of a Veil key.

A workload (a pod with a projected service-account token, a CI job with an OIDC token,
a SPIFFE JWT-SVID) sends ``Authorization: Bearer <JWT>``. The gateway checks the
signature against the issuer's published keys (a JWKS file the operator pins: no
network fetch at request time), the issuer, the audience, expiry and not-before, and
maps claims to a caller: ``sub`` is the identity, and optional claims name the
jurisdictions, purposes and models it may use (deny-by-default still applies in Cedar).

    jwt:
      issuer: https://token.actions.githubusercontent.com
      audience: veil-gateway
      jwks_file: /etc/veil/issuer-jwks.json
      jurisdictions_claim: veil_jurisdictions   # default: ["any"] when absent
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from veil.errors import ConfigError, MissingExtra
from veil.gateway._callers import Caller

__all__ = ["JwtConfig", "JwtVerifier"]

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]


class JwtConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    audience: str
    jwks_file: str
    leeway_s: int = Field(default=30, ge=0, le=300)
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
        try:
            keys = json.loads(Path(config.jwks_file).read_text("utf-8"))
            self._keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(keys).keys}
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise ConfigError(f"cannot load JWKS {config.jwks_file}: {exc}") from None
        if not self._keys:
            raise ConfigError(f"JWKS {config.jwks_file} holds no usable key")

    def caller(self, token: str) -> Caller | None:
        jwt = self._jwt
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(kid) if kid else next(iter(self._keys.values()))
            if key is None:
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


def _strings(value: object, default: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return (default,)
