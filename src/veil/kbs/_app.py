"""``veil kbs serve``: the key broker over HTTP (Starlette).

    POST /kbs/v1/challenge  {"key": NAME}       -> {"nonce", "key", "expires_in"}
    POST /kbs/v1/release    ReleaseRequest JSON -> {"jwe", "key", "jurisdiction", "receipt"}
    GET  /kbs/v1/healthz

Handlers are ``async`` and call the broker inline: one thread owns the key
store's SQLite connection and the nonce table, and a verification costs a few
milliseconds. A refusal is ``403 {"error": "key release refused", "receipt": n}``
whatever the reason; the reason is in the ledger entry ``n``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from veil.errors import KeyReleaseRefused
from veil.kbs._broker import KeyBroker, ReleaseRequest

__all__ = ["create_app"]

log = logging.getLogger("veil.kbs")
_MAX_BODY = 2_000_000


def create_app(broker: KeyBroker) -> Starlette:
    async def challenge(request: Request) -> JSONResponse:
        body = await _json(request)
        if isinstance(body, JSONResponse):
            return body
        key = body.get("key")
        if not isinstance(key, str) or not 0 < len(key) <= 200:
            return _error(400, "bad_request", 'send {"key": "<data key name>"}')
        try:
            found = broker.challenge(key)
        except KeyReleaseRefused as exc:  # too many outstanding challenges
            return _error(429, "rate_limited", str(exc))
        return JSONResponse(found.to_json(broker.now()))

    async def release(request: Request) -> JSONResponse:
        body = await _json(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            parsed = ReleaseRequest.model_validate(body)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:3])
            return _error(400, "bad_request", f"invalid release request (fields: {fields})")
        try:
            done = broker.release(parsed)
        except KeyReleaseRefused as exc:
            receipt = getattr(exc, "receipt", None)
            log.info("release refused: %s (ledger entry %s)", getattr(exc, "reason", "?"), receipt)
            return JSONResponse({"error": str(exc), "receipt": receipt}, status_code=403)
        payload = {
            "jwe": done.jwe,
            "key": done.key,
            "jurisdiction": done.jurisdiction,
            "receipt": done.receipt,
            "simulated": done.claims.simulated,
        }
        return JSONResponse(payload)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/kbs/v1/challenge", challenge, methods=["POST"]),
            Route("/kbs/v1/release", release, methods=["POST"]),
            Route("/kbs/v1/healthz", healthz, methods=["GET"]),
        ]
    )


async def _json(request: Request) -> dict[str, Any] | JSONResponse:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > _MAX_BODY:  # refuse before reading it
        return _error(413, "too_large", f"request body over {_MAX_BODY} bytes")
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        return _error(413, "too_large", f"request body over {_MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return _error(400, "bad_request", "the body must be JSON (and not absurdly nested)")
    if not isinstance(body, dict):
        return _error(400, "bad_request", "the body must be a JSON object")
    return body


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "type": kind}, status_code=status)
