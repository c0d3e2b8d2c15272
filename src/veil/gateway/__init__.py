"""The privacy gateway for LLM APIs: OpenAI- and Anthropic-compatible HTTP proxy.

Pseudonymises personal data before it leaves, restores it in the answer for the
authorised caller, decides every call by policy (Cedar), records it in the ledger.

    veil keys create alice                      # a caller key (shown once)
    veil serve --upstream https://api.openai.com/v1
"""

from __future__ import annotations

from veil.gateway._app import create_app
from veil.gateway._callers import Caller, CallerStore
from veil.gateway._config import GatewayConfig, UpstreamConfig, load_config

__all__ = ["Caller", "CallerStore", "GatewayConfig", "UpstreamConfig", "create_app", "load_config"]
