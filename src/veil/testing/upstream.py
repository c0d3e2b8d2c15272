"""TEST DOUBLE: a FAKE third-party LLM API, a stand-in for OpenAI and Anthropic. Not either.

It talks to no provider and runs no model. It answers a small part of the OpenAI and
Anthropic HTTP wire formats, faithfully enough for their official Python SDKs, so that the
privacy gateway's tests can put a real local HTTP server where the provider would be and
check, byte for byte, what left the gateway (``Recorder``).

Behaviour, deterministic and cheap (it also serves latency benchmarks):

- ``GET /v1/models``: a short model list (Anthropic's shape when ``anthropic-version`` is sent).
- ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages`` (Anthropic): the reply is
  ``"echo: "`` + the text of the last user message (a string, or its text parts joined).
  With ``tools`` and a last user message containing "tool" (any case), the reply is one call
  of the first tool with arguments ``{"text": <user text>}``. When the conversation ends in
  a tool result, the reply echoes the result's text instead, so an agent loop ends.
  OpenAI's ``response_format={"type": "json_object"}`` replies ``json.dumps({"echo": text})``.
  ``"stream": true`` answers the provider's Server-Sent Events, the reply cut into pieces.
- ``POST /v1/embeddings``: ``fake_embedding`` of each input, as floats or base64 float32.

Control headers, read on every path: ``x-fake-status: 503`` answers that status (400-599)
with the provider's error JSON; ``x-fake-delay-ms`` waits before answering;
``x-fake-chunk`` sets the streamed piece size in characters (default 3). Any
``Authorization`` or ``x-api-key`` is accepted, and recorded like everything else.

    with run_upstream() as up:
        client = openai.OpenAI(base_url=f"{up.url}/v1", api_key="x", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[...])
        assert b"canary" not in up.recorder.all_bytes()
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson

try:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "veil.testing.upstream needs starlette and uvicorn: pip install starlette uvicorn"
    ) from exc

JSON = dict[str, Any]

OPENAI_MODELS = ("gpt-4o-mini", "gpt-4o", "text-embedding-3-small")
ANTHROPIC_MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5")
DEFAULT_CHUNK = 3
EMBEDDING_DIMS = 8

# Error "type" values the providers use; OpenAI and Anthropic share these names.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


# --- recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request exactly as it reached the fake provider."""

    method: str
    path: str  # decoded, e.g. "/v1/chat/completions"
    target: bytes  # raw request target as sent: path and query, still percent-encoded
    headers: Mapping[str, str]  # lower-case names
    raw_headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def as_bytes(self) -> bytes:
        """Everything a provider would see, the target also percent-decoded (for leak checks)."""
        lines = [self.method.encode() + b" " + self.target, unquote_to_bytes(self.target)]
        lines += [name + b": " + value for name, value in self.raw_headers]
        return b"\n".join(lines) + b"\n\n" + self.body


class Recorder:
    """Thread-safe log of every request the fake received (server thread writes, tests read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def bodies(self) -> list[bytes]:
        return [r.body for r in self.requests()]

    def all_bytes(self) -> bytes:
        """Every request's target, headers and body, concatenated: grep it for canaries."""
        return b"\n\n".join(r.as_bytes() for r in self.requests())

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._requests)


# --- small helpers -----------------------------------------------------------------------


class _BadRequest(ValueError):
    """The request is malformed; answered with a 400 in the provider's error format."""


@dataclass(frozen=True)
class _Ctx:
    """What one request asked of the fake besides its body."""

    anthropic: bool
    chunk: int
    ids: Iterator[int] = field(repr=False)
    # Responses API stored conversations: response id -> what it answered (like OpenAI's
    # ``store: true``), so ``previous_response_id`` turns can repeat earlier content.
    stored: dict[str, str] = field(default_factory=dict, repr=False)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}fake{next(self.ids):08d}"


@dataclass(frozen=True)
class _Plan:
    """The reply: text, or a call of ``tool`` whose arguments JSON is ``text``."""

    text: str
    tool: str | None = None
    arguments: JSON = field(default_factory=dict)


def fake_embedding(text: str, dims: int = EMBEDDING_DIMS) -> list[float]:
    """The fake's vector for ``text``: hash bytes mapped to k/128, exact in float32."""
    return [(b - 128) / 128 for b in hashlib.shake_256(text.encode()).digest(dims)]


def _dumps(obj: object) -> str:
    # ensure_ascii=False keeps echoed text verbatim inside tool arguments and JSON replies.
    return json.dumps(obj, ensure_ascii=False)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _text(content: object) -> str:
    """A message's text: the string itself, or its ``{"type": "text"}`` parts joined."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = (p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return "".join(p for p in parts if isinstance(p, str))


def _messages(payload: JSON) -> list[JSON]:
    raw = payload.get("messages")
    messages = [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []
    if not messages:
        raise _BadRequest("'messages' must be a non-empty list of objects")
    return messages


def _last_user_text(messages: list[JSON]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _first_tool(tools: object) -> str | None:
    if not isinstance(tools, list) or not tools or not isinstance(tools[0], dict):
        return None
    function = tools[0].get("function")
    name = function.get("name") if isinstance(function, dict) else tools[0].get("name")
    return name if isinstance(name, str) else None


def _plan(payload: JSON, said: str, *, json_mode: bool = False) -> _Plan:
    tool = _first_tool(payload.get("tools"))
    if tool is not None and "tool" in said.lower():
        return _Plan(_dumps({"text": said}), tool, {"text": said})
    return _Plan(_dumps({"echo": said}) if json_mode else "echo: " + said)


def _int_header(headers: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = headers.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise _BadRequest(f"{name} must be between {low} and {high}")
    return value


def _json(body: JSON, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _aiter(items: list[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


def _sse(events: list[bytes]) -> Response:
    # An async iterator: Starlette would run a plain one in a worker thread, piece by piece.
    return StreamingResponse(
        _aiter(events), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


def _error(status: int, message: str, *, anthropic: bool) -> Response:
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    if anthropic:
        return _json({"type": "error", "error": {"type": kind, "message": message}}, status)
    return _json({"error": {"message": message, "type": kind, "param": None, "code": None}}, status)


# --- OpenAI ------------------------------------------------------------------------------


def _openai_plan(payload: JSON, messages: list[JSON]) -> _Plan:
    if messages[-1].get("role") == "tool":
        return _Plan("echo: " + _text(messages[-1].get("content")))
    response_format = payload.get("response_format")
    json_mode = isinstance(response_format, dict) and response_format.get("type") == "json_object"
    return _plan(payload, _last_user_text(messages), json_mode=json_mode)


def _usage(prompt: int, completion: int) -> JSON:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _tool_call(plan: _Plan, call_id: str, arguments: str) -> JSON:
    function = {"name": plan.tool, "arguments": arguments}
    return {"index": 0, "id": call_id, "type": "function", "function": function}


def _chat_completion(plan: _Plan, model: str, ctx: _Ctx, prompt_tokens: int) -> JSON:
    message: JSON = {"role": "assistant", "content": plan.text, "refusal": None}
    if plan.tool is not None:
        call = _tool_call(plan, ctx.new_id("call_"), plan.text)
        del call["index"]  # only streamed deltas carry an index
        message.update(content=None, tool_calls=[call])
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": "stop" if plan.tool is None else "tool_calls",
    }
    return {
        "id": ctx.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": _usage(prompt_tokens, _tokens(plan.text)),
    }


def _chat_deltas(plan: _Plan, ctx: _Ctx) -> list[JSON]:
    pieces = _split(plan.text, ctx.chunk)
    if plan.tool is None:
        return [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
    first = _tool_call(plan, ctx.new_id("call_"), pieces[0])
    rest = [{"index": 0, "function": {"arguments": p}} for p in pieces[1:]]
    return [{"role": "assistant", "content": None}] + [{"tool_calls": [c]} for c in [first, *rest]]


def _chat_chunks(plan: _Plan, model: str, ctx: _Ctx, usage_prompt: int | None) -> list[bytes]:
    base: JSON = {"id": ctx.new_id("chatcmpl-"), "object": "chat.completion.chunk"}
    base.update(created=int(time.time()), model=model)
    if usage_prompt is not None:
        base["usage"] = None  # as OpenAI: null on every chunk but the last

    def chunk(delta: JSON, finish: str | None = None) -> JSON:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice]}

    chunks = [chunk(d) for d in _chat_deltas(plan, ctx)]
    chunks.append(chunk({}, "stop" if plan.tool is None else "tool_calls"))
    if usage_prompt is not None:
        chunks.append({**base, "choices": [], "usage": _usage(usage_prompt, _tokens(plan.text))})
    return [b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]


def _chat(payload: JSON, ctx: _Ctx) -> Response:
    messages = _messages(payload)
    plan = _openai_plan(payload, messages)
    model = str(payload.get("model", OPENAI_MODELS[0]))
    prompt_tokens = _tokens("".join(_text(m.get("content")) for m in messages))
    if not payload.get("stream"):
        return _json(_chat_completion(plan, model, ctx, prompt_tokens))
    options = payload.get("stream_options")
    with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
    return _sse(_chat_chunks(plan, model, ctx, prompt_tokens if with_usage else None))


# --- OpenAI Responses API ----------------------------------------------------------------


def _responses_said(payload: JSON) -> str:
    """The text of the last user input: ``input`` as a string, or its last user item."""
    raw = payload.get("input")
    if isinstance(raw, str):
        return raw
    items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    users = [i for i in items if i.get("role") == "user"]
    if not users:
        raise _BadRequest("'input' must be a string or hold a user message")
    content = users[-1].get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and "text" in p)


def _response_object(payload: JSON, rid: str, item: JSON, status: str) -> JSON:
    return {
        "id": rid,
        "object": "response",
        "created_at": 0,
        "status": status,
        "model": str(payload.get("model", OPENAI_MODELS[0])),
        "output": [item] if status == "completed" else [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }


def _responses(payload: JSON, ctx: _Ctx) -> Response:
    """``POST /v1/responses``: echoes the last user input as one output_text message, or
    calls the first function tool with {"text": ...} when the input mentions "tool"."""
    said = _responses_said(payload)
    tools = payload.get("tools")
    first = tools[0] if isinstance(tools, list) and tools and isinstance(tools[0], dict) else None
    if first is not None and "tool" in said.lower():
        args = _dumps({"text": said})
        item: JSON = {
            "type": "function_call",
            "id": ctx.new_id("fc_"),
            "call_id": "call_1",
            "name": str(first.get("name", "tool")),
            "arguments": args,
            "status": "completed",
        }
        pieces, kind = _split(args, ctx.chunk), "function_call_arguments"
    else:
        earlier = ctx.stored.get(str(payload.get("previous_response_id")))
        text = f"echo: {said}" if earlier is None else f"{earlier} | echo: {said}"
        item = {
            "type": "message",
            "id": ctx.new_id("msg_"),
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        pieces, kind = _split(text, ctx.chunk), "output_text"
    rid = ctx.new_id("resp_")  # one id from response.created to the completed object
    done = _response_object(payload, rid, item, "completed")
    if item["type"] == "message":
        ctx.stored[done["id"]] = text
    if not payload.get("stream"):
        return _json(done)
    seq = itertools.count()

    def event(name: str, **fields: object) -> bytes:
        data = {"type": name, "sequence_number": next(seq), **fields}
        return f"event: {name}\ndata: {_dumps(data)}\n\n".encode()

    start = _response_object(payload, rid, item, "in_progress")
    events = [event("response.created", response=start)]
    for piece in pieces:
        events.append(
            event(
                f"response.{kind}.delta",
                item_id=item["id"],
                output_index=0,
                content_index=0,
                delta=piece,
            )
        )
    events.append(event("response.output_item.done", output_index=0, item=item))
    events.append(event("response.completed", response=done))
    return _sse(events)


def _embedding(item: object, dims: int, *, as_base64: bool) -> list[float] | str:
    vector = fake_embedding(item if isinstance(item, str) else _dumps(item), dims)
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode("ascii")


def _embeddings(payload: JSON, ctx: _Ctx) -> Response:
    raw = payload.get("input")
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise _BadRequest("'input' must be a string or a non-empty list")
    dims = payload.get("dimensions", EMBEDDING_DIMS)
    if not isinstance(dims, int) or not 1 <= dims <= 4096:
        raise _BadRequest("'dimensions' must be an integer from 1 to 4096")
    as_base64 = payload.get("encoding_format") == "base64"
    data = [
        {"object": "embedding", "index": i, "embedding": _embedding(x, dims, as_base64=as_base64)}
        for i, x in enumerate(items)
    ]
    tokens = sum(_tokens(str(x)) for x in items)
    model = str(payload.get("model", "text-embedding-3-small"))
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return _json({"object": "list", "data": data, "model": model, "usage": usage})


def _models(payload: JSON, ctx: _Ctx) -> Response:
    if not ctx.anthropic:
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in OPENAI_MODELS
        ]
        return _json({"object": "list", "data": data})
    listed = [
        {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
        | {"lifecycle": "active"}
        for m in ANTHROPIC_MODELS
    ]
    page = {"has_more": False, "first_id": ANTHROPIC_MODELS[0], "last_id": ANTHROPIC_MODELS[-1]}
    return _json({"data": listed, **page})


def _not_found(payload: JSON, ctx: _Ctx) -> Response:
    return _error(404, "the fake upstream has no such endpoint", anthropic=ctx.anthropic)


# --- Anthropic ---------------------------------------------------------------------------


def _anthropic_plan(payload: JSON, messages: list[JSON]) -> _Plan:
    last = messages[-1].get("content")
    blocks = last if isinstance(last, list) else []
    results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
    if messages[-1].get("role") == "user" and results:
        return _Plan("echo: " + "".join(_text(b.get("content")) for b in results))
    return _plan(payload, _last_user_text(messages))


def _message_shell(model: str, ctx: _Ctx, input_tokens: int) -> JSON:
    return {
        "id": ctx.new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }


def _block(plan: _Plan, ctx: _Ctx, *, streamed: bool) -> JSON:
    if plan.tool is None:
        return {"type": "text", "text": "" if streamed else plan.text}
    tool_input = {} if streamed else plan.arguments  # streamed input arrives as partial JSON
    return {"type": "tool_use", "id": ctx.new_id("toolu_"), "name": plan.tool, "input": tool_input}


def _stop_reason(plan: _Plan) -> str:
    return "end_turn" if plan.tool is None else "tool_use"


def _anthropic_message(plan: _Plan, model: str, ctx: _Ctx, input_tokens: int) -> JSON:
    message = _message_shell(model, ctx, input_tokens)
    message.update(content=[_block(plan, ctx, streamed=False)], stop_reason=_stop_reason(plan))
    message["usage"]["output_tokens"] = _tokens(plan.text)
    return message


def _anthropic_events(plan: _Plan, model: str, ctx: _Ctx, input_tokens: int) -> list[bytes]:
    kind, key = (
        ("text_delta", "text") if plan.tool is None else ("input_json_delta", "partial_json")
    )
    stop = {"stop_reason": _stop_reason(plan), "stop_sequence": None}
    events: list[JSON] = [
        {"type": "message_start", "message": _message_shell(model, ctx, input_tokens)},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": _block(plan, ctx, streamed=True),
        },
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": kind, key: piece}}
        for piece in _split(plan.text, ctx.chunk)
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": stop, "usage": {"output_tokens": _tokens(plan.text)}},
        {"type": "message_stop"},
    ]
    return [f"event: {e['type']}\ndata: ".encode() + orjson.dumps(e) + b"\n\n" for e in events]


def _messages_endpoint(payload: JSON, ctx: _Ctx) -> Response:
    messages = _messages(payload)
    plan = _anthropic_plan(payload, messages)
    model = str(payload.get("model", ANTHROPIC_MODELS[0]))
    prompt = _text(payload.get("system")) + "".join(_text(m.get("content")) for m in messages)
    if payload.get("stream"):
        return _sse(_anthropic_events(plan, model, ctx, _tokens(prompt)))
    return _json(_anthropic_message(plan, model, ctx, _tokens(prompt)))


# --- the app -----------------------------------------------------------------------------

_Builder = Callable[[JSON, _Ctx], Response]


def _record(recorder: Recorder, request: Request, body: bytes) -> None:
    scope = request.scope
    query = scope.get("query_string", b"")
    target = scope.get("raw_path", request.url.path.encode()) + (b"?" + query if query else b"")
    raw = tuple((bytes(k), bytes(v)) for k, v in scope["headers"])
    headers = dict(request.headers.items())
    recorder.record(RecordedRequest(request.method, request.url.path, target, headers, raw, body))


def _payload(body: bytes) -> JSON:
    if not body:
        return {}
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _BadRequest("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise _BadRequest("the body must be a JSON object")
    return payload


def _speaks_anthropic(request: Request) -> bool:
    return request.url.path.startswith("/v1/messages") or "anthropic-version" in request.headers


def _endpoint(
    recorder: Recorder, build: _Builder, ids: Iterator[int], stored: dict[str, str]
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        body = await request.body()
        _record(recorder, request, body)
        anthropic = _speaks_anthropic(request)
        try:
            delay = _int_header(request.headers, "x-fake-delay-ms", 0, 0, 600_000)
            if delay:
                await asyncio.sleep(delay / 1000)
            status = _int_header(request.headers, "x-fake-status", 0, 400, 599)
            if status:
                return _error(status, f"fake upstream error {status}", anthropic=anthropic)
            chunk = _int_header(request.headers, "x-fake-chunk", DEFAULT_CHUNK, 1, 1 << 30)
            return build(_payload(body), _Ctx(anthropic, chunk, ids, stored))
        except _BadRequest as exc:
            return _error(400, str(exc), anthropic=anthropic)

    return handle


def make_upstream_app(recorder: Recorder) -> Starlette:
    """The fake provider as an ASGI app; every request lands in ``recorder`` first."""
    ids = itertools.count(1)  # response ids unique per app, deterministic per run
    stored: dict[str, str] = {}

    def route(path: str, build: _Builder, methods: list[str]) -> Route:
        return Route(path, _endpoint(recorder, build, ids, stored), methods=methods)

    any_method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[
            route("/v1/models", _models, ["GET"]),
            route("/v1/chat/completions", _chat, ["POST"]),
            route("/v1/embeddings", _embeddings, ["POST"]),
            route("/v1/responses", _responses, ["POST"]),
            route("/v1/messages", _messages_endpoint, ["POST"]),
            route("/{rest:path}", _not_found, any_method),
        ]
    )


# --- running it --------------------------------------------------------------------------


@dataclass(frozen=True)
class Upstream:
    """A running fake provider: point an SDK at ``url`` (OpenAI: ``f"{url}/v1"``)."""

    url: str
    port: int
    recorder: Recorder


def _bind(port: int) -> socket.socket:
    # Without TCP_NODELAY a response written as headers + body waits ~40 ms for the client's
    # delayed ACK (Nagle), which swamps every latency figure. asyncio sets it on accepted
    # connections only when the socket's proto says TCP (hence IPPROTO_TCP spelled out);
    # Linux also lets accepted sockets inherit it from the listener.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake upstream server did not start")
        time.sleep(0.002)


@contextmanager
def run_upstream(port: int = 0, *, recorder: Recorder | None = None) -> Iterator[Upstream]:
    """Serve the fake provider on 127.0.0.1 in a background thread (port 0: a free one)."""
    recorder = recorder if recorder is not None else Recorder()
    with serve_app(make_upstream_app(recorder), port, name="veil-fake-upstream") as bound:
        yield Upstream(url=f"http://127.0.0.1:{bound}", port=bound, recorder=recorder)


@contextmanager
def serve_app(app: Any, port: int = 0, *, name: str = "veil-test-server") -> Iterator[int]:
    """Serve any ASGI app on 127.0.0.1 in a background thread; yields the bound port."""
    sock = _bind(port)
    bound = int(sock.getsockname()[1])
    # log_config=None: leave the host's logging alone; only uvicorn's own level changes.
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread, timeout=10.0)
        yield bound
    finally:
        server.should_exit = True
        thread.join(timeout=5.0)
        sock.close()


__all__ = [
    "ANTHROPIC_MODELS",
    "OPENAI_MODELS",
    "RecordedRequest",
    "Recorder",
    "Upstream",
    "fake_embedding",
    "make_upstream_app",
    "run_upstream",
    "serve_app",
]
