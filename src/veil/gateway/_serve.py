"""Entry point for multi-process serving: uvicorn imports this in each worker process.

``veil serve --workers N`` passes the validated configuration and the data directory
through the environment; every worker builds its own app (model, vault connection,
ledger writer). They share state through SQLite: pseudonyms stay consistent across
workers (one vault), the ledger stays one log (its writers serialise per commit).
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from veil.gateway._app import create_app
from veil.gateway._config import GatewayConfig

CONFIG_ENV = "VEIL_GATEWAY_CONFIG"
HOME_ENV = "VEIL_GATEWAY_HOME"


def app_factory() -> Starlette:
    config = GatewayConfig.model_validate_json(os.environ[CONFIG_ENV])
    return create_app(config, Path(os.environ[HOME_ENV]))
