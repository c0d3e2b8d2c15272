"""The HTTP gateway: OpenAI- and Anthropic-compatible, pseudonymise out, restore in.

Every call runs the same chain (STYLE.md habit 8): authenticate -> route within the
request's jurisdiction -> pseudonymise -> decide (Cedar) -> record (ledger) ->
forward -> restore. Any step that fails refuses the request with a typed JSON error;
raw text is never forwarded on error, and errors, logs and metrics carry no values.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from veil.errors import VeilError
from veil.gateway import _wire as wire
from veil.gateway._access import AccessPolicy
from veil.gateway._callers import Caller, CallerStore
from veil.gateway._config import GatewayConfig, UpstreamConfig
from veil.gateway._identity import JwtVerifier
from veil.gateway._metrics import Metrics
from veil.gateway._privacy import PrivacyWorker
from veil.gateway._restore import Mapping
from veil.gateway._stream import AnthropicStream, OpenAIStream, ResponsesStream
from veil.gateway._upstream import UpstreamClient, UpstreamResponse, UpstreamUnreachable
from veil.ledger._ledger import Pending

__all__ = ["Gateway", "create_app"]

log = logging.getLogger("veil.gateway")
_RETRY_STATUS = frozenset({429, 502, 503, 504})
_PATHS = {
    "chat": "/chat/completions",
    "embeddings": "/embeddings",
    "messages": "/messages",
    "responses": "/responses",
}


class Refused(Exception):
    """A request the gateway answers itself, with a status and a typed error."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


@dataclass(slots=True)
class Call:
    """One request on its way through the chain."""

    endpoint: str
    caller: Caller
    body: dict[str, Any]
    upstream: UpstreamConfig
    model: str
    jurisdiction: str
    purpose: str
    scope: str
    headers: dict[str, str]
    conversation: str = ""
    continued: bool = False  # a Responses turn on a stored conversation (previous_response_id)
    counts: dict[str, int] = field(default_factory=dict)
    mapping: Mapping = field(default_factory=Mapping)
    sent: bytes = b""  # the pseudonymised body: serialised once, hashed and forwarded as is
    started: float = field(default_factory=time.perf_counter)


class Gateway:
    def __init__(self, config: GatewayConfig, home: Path) -> None:
        from veil.keys import KeyRing
        from veil.ledger import Ledger
        from veil.ledger._record import _policy_ref

        self.config = config
        self.home = home
        self.callers = CallerStore(home)
        self.jwt = JwtVerifier(config.jwt) if config.jwt else None
        self.access = (
            AccessPolicy.from_file(Path(config.access_policy))
            if config.access_policy
            else AccessPolicy()
        )
        self.privacy = PrivacyWorker(config.policy, home, patterns_only=config.patterns_only)
        self.ledger = Ledger.open(home)
        # The same for every call of this process: built once, not per request.
        self._policy_ref = _policy_ref(self.privacy.policy)
        self._engine = {"detectors": self.privacy.detectors, "access_policy": self.access.hash}
        self._conversation_key = KeyRing.open(home).hmac("ledger-ref", b"gateway-conversation")
        self.metrics = Metrics()
        self._clients: dict[str, UpstreamClient] = {}

    # -- the chain ---------------------------------------------------------------------

    async def handle(self, request: Request, endpoint: str) -> Response:
        try:
            call = await self._admit(request, endpoint)
            await self._protect(call)
            await self._decide_and_record(call)
            return await self._forward(call)
        except Refused as exc:
            self.metrics.request(endpoint, exc.kind)
            return _error(exc.status, exc.kind, exc.message, endpoint)
        except VeilError as exc:  # detection, vault, policy or ledger: fail closed
            self.metrics.request(endpoint, "internal")
            log.warning("refused %s: %s", endpoint, type(exc).__name__)
            return _error(
                503,
                "privacy_unavailable",
                f"{type(exc).__name__}: request refused, nothing was sent",
                endpoint,
            )

    def authenticate(self, request: Request) -> Caller | None:
        """A Veil key (``vk_...``) or, when configured, a workload JWT."""
        key = _key(request)
        if key and not key.startswith("vk_") and self.jwt is not None and key.count(".") == 2:
            return self.jwt.caller(key)
        return self.callers.authenticate(key)

    async def _admit(self, request: Request, endpoint: str) -> Call:
        caller = self.authenticate(request)
        if caller is None:
            raise Refused(401, "authentication_error", "unknown or missing API key")
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > self.config.max_body_bytes:
            raise Refused(413, "invalid_request_error", "request body too large")
        raw = await request.body()
        if len(raw) > self.config.max_body_bytes:
            raise Refused(413, "invalid_request_error", "request body too large")
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Refused(400, "invalid_request_error", "body is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            raise Refused(400, "invalid_request_error", "body needs a 'model' string")
        jurisdiction = request.headers.get("x-veil-jurisdiction") or caller.jurisdiction
        if jurisdiction not in caller.jurisdictions:
            raise Refused(
                403, "permission_error", f"this key may not act in jurisdiction {jurisdiction!r}"
            )
        kind = "anthropic" if endpoint == "messages" else "openai"
        upstream = self._route(kind, body["model"], jurisdiction)
        purpose = request.headers.get("x-veil-purpose") or "unspecified"
        previous_id = body.get("previous_response_id")
        previous = (
            self.callers.conversation_of(previous_id, caller)
            if isinstance(previous_id, str)
            else None
        )
        conversation = (
            request.headers.get("x-veil-conversation") or previous or self._conversation(body)
        )
        scope = f"gw/{caller.id}/{conversation}"
        passed = {
            h: request.headers[h] for h in self.config.forward_headers if h in request.headers
        }
        return Call(
            endpoint, caller, body, upstream, body["model"], jurisdiction, purpose, scope, passed,
            conversation=conversation, continued="previous_response_id" in body,
        )  # fmt: skip

    def _route(self, kind: str, model: str, jurisdiction: str) -> UpstreamConfig:
        for upstream in self.config.upstreams:
            if upstream.kind != kind or not upstream.serves(model):
                continue
            if jurisdiction in ("any", upstream.jurisdiction):
                return upstream
        raise Refused(
            403,
            "permission_error",
            f"no {kind} upstream serves model {model!r} within jurisdiction {jurisdiction!r}",
        )

    def _conversation(self, body: dict[str, Any]) -> str:
        """Turns of one conversation repeat its first message: key on that (keyed hash).
        A Responses call has ``input`` instead of ``messages``: its first item (or its text)."""
        messages = body.get("messages") or []
        if not messages and "input" in body:
            raw = body["input"]
            messages = raw[:1] if isinstance(raw, list) else [raw]
            head = [body.get("instructions"), messages]
        else:
            head = [body.get("system"), messages[:1]]
        first = json.dumps(head, sort_keys=True, default=str)
        return hmac.new(self._conversation_key, first.encode(), hashlib.sha256).hexdigest()[:24]

    def _remember(self, call: Call, response_id: object) -> None:
        if call.endpoint == "responses" and isinstance(response_id, str):
            self.callers.remember_response(response_id, call.caller, call.conversation)

    async def _protect(self, call: Call) -> None:
        slots, json_slots = _request_slots(call.endpoint, call.body)
        everything = slots + json_slots
        out = await self.privacy.protect(
            [c[k] for c, k in everything], call.scope, whole_scope=call.continued
        )
        for (container, key), text in zip(everything, out.texts, strict=True):
            container[key] = text
        call.counts, call.mapping = out.counts, out.mapping
        call.sent = json.dumps(call.body, ensure_ascii=False, separators=(",", ":")).encode()
        self.metrics.entities(out.counts)

    async def _decide_and_record(self, call: Call) -> None:
        from veil.ledger import Action, Artifact, Event

        decision = self.access.decide(
            call.caller,
            upstream=call.upstream.name,
            upstream_jurisdiction=call.upstream.jurisdiction,
            provider=call.upstream.kind,
            model=call.model,
            jurisdiction=call.jurisdiction,
            purpose=call.purpose,
            data_classes=call.counts,
        )
        event = Event(
            action=Action.MODEL_CALL,
            actor=f"caller:{call.caller.name}",
            purpose=call.purpose,
            jurisdiction=call.jurisdiction,
            destination=f"{call.upstream.name}/{call.model}",
            policy=self._policy_ref,
            engine=self._engine,
            outputs=(
                Artifact(
                    sha256=hashlib.sha256(call.sent).hexdigest(),
                    bytes=len(call.sent),
                    format="json",
                ),
            ),
            counts=call.counts,
            decision="allow" if decision.allowed else "deny",
            reasons=(call.endpoint, *decision.reasons[:3]),
        )
        await _durable(self.ledger.submit(event))
        if not decision.allowed:
            raise Refused(403, "permission_error", "access policy denies this call")

    # -- upstream ------------------------------------------------------------------------

    def _client(self, upstream: UpstreamConfig) -> UpstreamClient:
        client = self._clients.get(upstream.name)
        if client is None:
            client = UpstreamClient(upstream.base_url, timeout_s=upstream.timeout_s)
            self._clients[upstream.name] = client
        return client

    async def _send(self, call: Call, path: str) -> UpstreamResponse:
        client = self._client(call.upstream)
        headers = (
            {"anthropic-version": "2023-06-01", **call.headers}
            if call.endpoint == "messages"
            else dict(call.headers)
        )
        headers.update(_upstream_headers(call.upstream))
        headers["content-type"] = "application/json"
        for attempt in range(call.upstream.retries + 1):
            try:
                response = await client.request("POST", path, body=call.sent, headers=headers)
            except UpstreamUnreachable as exc:
                if attempt == call.upstream.retries:
                    raise Refused(502, "upstream_error", f"upstream unreachable: {exc}") from None
            else:
                if response.status not in _RETRY_STATUS or attempt == call.upstream.retries:
                    return response
                await response.close()
            await asyncio.sleep(0.05 * 2**attempt)
        raise Refused(502, "upstream_error", "upstream failed")  # pragma: no cover

    async def _forward(self, call: Call) -> Response:
        path = _PATHS[call.endpoint]
        if call.endpoint == "messages" and not call.upstream.base_url.endswith("/v1"):
            path = "/v1/messages"  # Anthropic's base URL has no /v1; OpenAI's has
        stream = bool(call.body.get("stream"))
        response = await self._send(call, path)
        if response.status >= 400:
            await (
                response.close()
            )  # its body is not relayed: an upstream error may quote the prompt
            self.metrics.request(call.endpoint, f"upstream_{response.status}")
            raise Refused(
                502 if response.status >= 500 else response.status,
                "upstream_error",
                f"upstream answered {response.status}",
            )
        if stream:
            return StreamingResponse(self._stream(call, response), media_type="text/event-stream")
        try:
            data = json.loads(await response.read())
        except UpstreamUnreachable as exc:
            raise Refused(502, "upstream_error", f"upstream unreachable: {exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Refused(
                502, "upstream_error", "upstream answered with something not JSON"
            ) from None
        finally:
            await response.close()
        if not isinstance(data, dict):
            raise Refused(502, "upstream_error", "upstream answered with something not an object")
        self._restore_body(call, data)
        self._remember(call, data.get("id"))
        self.metrics.request(call.endpoint, "ok")
        self.metrics.overhead(time.perf_counter() - call.started)
        return JSONResponse(data, headers=_restore_headers(call.mapping))

    def _restore_body(self, call: Call, data: dict[str, Any]) -> None:
        if call.endpoint in _RESPONSE_SLOTS:  # embeddings hold no text to restore
            wire.restore_slots(call.mapping, _RESPONSE_SLOTS[call.endpoint](data))

    async def _stream(self, call: Call, response: UpstreamResponse) -> AsyncIterator[bytes]:
        restorer = _STREAMS[call.endpoint](call.mapping)
        try:
            async for event in _sse_events(response):
                if call.endpoint == "responses":
                    self._remember(call, _created_id(event))
                for out in restorer.event(event):
                    yield out
        finally:
            await response.close()
            self.metrics.request(call.endpoint, "ok")

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self.privacy.close()
        self.ledger.close()
        self.callers.close()

    # -- other endpoints -------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        if self.authenticate(request) is None:
            return _error(401, "authentication_error", "unknown or missing API key", "models")
        data = []
        for upstream in self.config.upstreams:
            for model in upstream.models:
                if model != "*":
                    data.append(
                        {"id": model, "object": "model", "created": 0, "owned_by": upstream.name}
                    )
        if any("*" in u.models and u.kind == "openai" for u in self.config.upstreams):
            data.extend(await self._upstream_models())
        return JSONResponse({"object": "list", "data": data})

    async def _upstream_models(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for upstream in self.config.upstreams:
            if upstream.kind != "openai" or "*" not in upstream.models:
                continue
            client = self._client(upstream)
            try:
                r = await client.request(
                    "GET", "/models", body=None, headers=_upstream_headers(upstream)
                )
                try:
                    out.extend(json.loads(await r.read()).get("data", []))
                finally:
                    await r.close()
            except (UpstreamUnreachable, ValueError, AttributeError):
                continue
        return out


_REQUEST_SLOTS = {
    "chat": wire.openai_request_slots,
    "embeddings": wire.embedding_request_slots,
    "messages": wire.anthropic_request_slots,
    "responses": wire.responses_request_slots,
}
_RESPONSE_SLOTS = {
    "chat": wire.openai_response_slots,
    "messages": wire.anthropic_response_slots,
    "responses": wire.responses_response_slots,
}
_STREAMS = {"chat": OpenAIStream, "messages": AnthropicStream, "responses": ResponsesStream}


def _request_slots(endpoint: str, body: dict[str, Any]) -> tuple[list[wire.Slot], list[wire.Slot]]:
    return _REQUEST_SLOTS[endpoint](body)


def _created_id(event: list[str]) -> str | None:
    """The response id in a Responses stream's ``response.created`` event, else None."""
    for line in event:
        if line.startswith("data:") and '"response.created"' in line:
            try:
                found = json.loads(line[5:]).get("response", {}).get("id")
            except (ValueError, AttributeError):
                return None
            return found if isinstance(found, str) else None
    return None


async def _sse_events(response: UpstreamResponse) -> AsyncIterator[list[str]]:
    """SSE events as their lines (an event ends at a blank line)."""
    lines: list[str] = []
    async for line in response.lines():
        if line:
            lines.append(line)
        elif lines:
            yield lines
            lines = []
    if lines:
        yield lines


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def _upstream_headers(upstream: UpstreamConfig) -> dict[str, str]:
    key = upstream.api_key() or "veil-no-key"
    if upstream.kind == "anthropic":
        return {"x-api-key": key}
    return {"authorization": f"Bearer {key}"}


def _restore_headers(mapping: Mapping) -> dict[str, str]:
    return {
        "x-veil-restored": str(mapping.restored),
        "x-veil-unknown-placeholders": str(mapping.unknown),
    }


def _error(status: int, kind: str, message: str, endpoint: str) -> JSONResponse:
    if endpoint == "messages":  # Anthropic's error shape
        return JSONResponse({"type": "error", "error": {"type": kind, "message": message}}, status)
    return JSONResponse({"error": {"type": kind, "message": message, "code": kind}}, status)


def _lifespan(gateway: Gateway) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.close()

    return lifespan


async def _durable(pending: Pending) -> None:
    """Wait for a ledger entry without parking a thread: the committer wakes this loop."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def settle() -> None:
        if not done.done():
            done.set_result(None)

    def wake() -> None:
        loop.call_soon_threadsafe(settle)

    pending.add_done_callback(wake)
    await done
    pending.result(0)  # raises the committer's error, if any: fail closed


def create_app(config: GatewayConfig, home: Path) -> Starlette:
    """The ASGI app (serve it with uvicorn: ``veil serve``)."""
    gateway = Gateway(config, home)

    def route(endpoint: str) -> Any:
        async def handler(request: Request) -> Response:
            return await gateway.handle(request, endpoint)

        return handler

    async def metrics(request: Request) -> Response:
        body, content_type = gateway.metrics.render()
        return Response(body, media_type=content_type)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", route("chat"), methods=["POST"]),
            Route("/v1/embeddings", route("embeddings"), methods=["POST"]),
            Route("/v1/responses", route("responses"), methods=["POST"]),
            Route("/v1/messages", route("messages"), methods=["POST"]),
            Route("/v1/models", gateway.models, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        lifespan=_lifespan(gateway),
    )
    app.state.gateway = gateway
    return app
