"""Gateway configuration: upstreams (each tagged with a jurisdiction), policies, limits.

Quick start needs none of it (``veil serve --upstream URL``); a file looks like:

    upstreams:
      - name: openai-eu
        kind: openai                 # openai | anthropic (the wire format)
        base_url: https://eu.api.openai.com/v1
        api_key_env: OPENAI_API_KEY  # the upstream's key, from the environment
        jurisdiction: EU
        models: ["gpt-4o", "gpt-4o-mini"]   # or ["*"]
      - name: anthropic
        kind: anthropic
        base_url: https://api.anthropic.com
        api_key_env: ANTHROPIC_API_KEY
        jurisdiction: US
    policy: llm-prompt               # the transformation policy (builtin or a YAML path)
    access_policy: access.cedar      # optional: a Cedar policy file (default: residency rules)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from veil.errors import ConfigError
from veil.gateway._identity import JwtConfig

__all__ = ["GatewayConfig", "UpstreamConfig", "load_config"]


class UpstreamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["openai", "anthropic"] = "openai"
    base_url: str
    api_key_env: str | None = None
    jurisdiction: str = "any"
    models: tuple[str, ...] = ("*",)
    timeout_s: float = Field(default=120.0, gt=0)
    retries: int = Field(default=2, ge=0, le=5)

    @field_validator("base_url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return url.rstrip("/")

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    def serves(self, model: str) -> bool:
        return "*" in self.models or model in self.models


class GatewayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upstreams: list[UpstreamConfig] = Field(min_length=1)
    policy: str = "llm-prompt"
    access_policy: str | None = None
    max_body_bytes: int = Field(default=4 << 20, gt=0)
    # client headers passed on to the upstream (lower case); nothing else is forwarded
    forward_headers: tuple[str, ...] = (
        "anthropic-version",
        "anthropic-beta",
        "openai-organization",
        "openai-project",
    )
    patterns_only: bool = False
    jwt: JwtConfig | None = None  # workload identity (OIDC JWTs) besides Veil keys

    @classmethod
    def quick(cls, upstream_url: str, **options: object) -> GatewayConfig:
        """One OpenAI-compatible upstream serving any model, any jurisdiction."""
        kind: Literal["openai", "anthropic"] = (
            "anthropic" if "anthropic" in upstream_url else "openai"
        )
        upstream = UpstreamConfig(
            name="default", kind=kind, base_url=upstream_url, api_key_env=_key_env(kind)
        )
        return cls(upstreams=[upstream], **options)  # type: ignore[arg-type]


def _key_env(kind: str) -> str:
    return "ANTHROPIC_API_KEY" if kind == "anthropic" else "OPENAI_API_KEY"


def load_config(path: Path) -> GatewayConfig:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read gateway config {path}: {exc}") from None
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"])) or "(top level)"
        raise ConfigError(f"{path}: field {where}: {err['msg']}") from None
