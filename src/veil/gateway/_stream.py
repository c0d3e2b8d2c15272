"""Streaming restore for OpenAI and Anthropic server-sent events.

Each upstream event yields one downstream event (the chunk count is preserved); text
deltas pass through a ``StreamRestorer`` per content block or tool call, which holds
back only a possible placeholder start. What is still held when a block or choice
finishes goes into that closing event (OpenAI) or one extra delta before it
(Anthropic, only when something is held).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from veil.gateway._restore import Mapping, StreamRestorer

__all__ = ["AnthropicStream", "OpenAIStream", "ResponsesStream"]


class _Restorers:
    def __init__(self, mapping: Mapping) -> None:
        self.mapping = self._mapping = mapping
        self._open: dict[tuple[Any, ...], StreamRestorer] = {}

    def get(self, key: tuple[Any, ...], json_string: bool = False) -> StreamRestorer:
        found = self._open.get(key)
        if found is None:
            mapping = self._mapping

            def restore(text: str) -> str:
                return mapping.restore(text, json_string=json_string)

            found = self._open[key] = StreamRestorer(restore)
        return found

    def flush(self, key: tuple[Any, ...]) -> str:
        found = self._open.pop(key, None)
        return found.flush() if found is not None else ""

    def keys(self, prefix: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [k for k in self._open if k[: len(prefix)] == prefix]


def _data(lines: list[str]) -> tuple[int, Any] | None:
    for i, line in enumerate(lines):
        if line.startswith("data:"):
            raw = line[5:].strip()
            if raw == "[DONE]":
                return None
            try:
                return i, json.loads(raw)
            except json.JSONDecodeError:
                return None
    return None


def _encode(lines: list[str], at: int, data: Any) -> bytes:
    lines = list(lines)
    lines[at] = "data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ("\n".join(lines) + "\n\n").encode()


def _raw(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n\n").encode()


class _Stream:
    """One SSE event in, the same event (restored) out, plus any flushed tail before it."""

    def __init__(self, mapping: Mapping) -> None:
        self._r = _Restorers(mapping)

    def event(self, lines: list[str]) -> Iterator[bytes]:
        found = _data(lines)
        if found is None or not isinstance(found[1], dict):
            yield _raw(lines)
            return
        at, data = found
        yield from self._restore(data)
        yield _encode(lines, at, data)

    def _restore(self, data: dict[str, Any]) -> Iterator[bytes]:
        raise NotImplementedError


class OpenAIStream(_Stream):
    def _restore(self, data: dict[str, Any]) -> Iterator[bytes]:
        for choice in data.get("choices") or []:
            if isinstance(choice, dict):
                self._choice(choice)
        return iter(())

    def _choice(self, choice: dict[str, Any]) -> None:
        i = choice.get("index", 0)
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            delta = choice["delta"] = {}
        if isinstance(delta.get("content"), str):
            delta["content"] = self._r.get(("c", i)).feed(delta["content"])
        for call in delta.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                key = ("t", i, call.get("index", 0))
                function["arguments"] = self._r.get(key, json_string=True).feed(
                    function["arguments"]
                )
        if choice.get("finish_reason"):
            self._finish(i, delta)

    def _finish(self, i: int, delta: dict[str, Any]) -> None:
        rest = self._r.flush(("c", i))
        if rest:
            delta["content"] = (delta.get("content") or "") + rest
        for key in self._r.keys(("t", i)):
            rest = self._r.flush(key)
            if rest:
                delta.setdefault("tool_calls", []).append(
                    {"index": key[2], "function": {"arguments": rest}}
                )


class AnthropicStream(_Stream):
    def _restore(self, data: dict[str, Any]) -> Iterator[bytes]:
        kind, index = data.get("type"), data.get("index", 0)
        if kind == "content_block_delta" and isinstance(data.get("delta"), dict):
            self._delta(index, data["delta"])
        elif kind == "content_block_stop":
            yield from self._held(index)

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
            delta["text"] = self._r.get(("text", index)).feed(delta["text"])
        elif delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
            restorer = self._r.get(("json", index), json_string=True)
            delta["partial_json"] = restorer.feed(delta["partial_json"])

    def _held(self, index: int) -> Iterator[bytes]:
        for kind, field, name in (
            ("text", "text", "text_delta"),
            ("json", "partial_json", "input_json_delta"),
        ):
            rest = self._r.flush((kind, index))
            if rest:
                event = {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": name, field: rest},
                }
                yield _encode(["event: content_block_delta", "data: "], 1, event)


_RESPONSE_DELTAS = {
    "response.output_text.delta": ("text", False),
    "response.function_call_arguments.delta": ("args", True),
}
_CLOSING = frozenset(
    {
        "response.output_text.done",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    }
)


class ResponsesStream(_Stream):
    """OpenAI Responses API events: text and argument deltas stream through restorers;
    events that carry whole items or the whole response are restored in full."""

    def _restore(self, data: dict[str, Any]) -> Iterator[bytes]:
        kind = data.get("type")
        where = (data.get("output_index", 0), data.get("content_index", 0))
        if kind in _RESPONSE_DELTAS and isinstance(data.get("delta"), str):
            name, json_string = _RESPONSE_DELTAS[kind]
            data["delta"] = self._r.get((name, *where), json_string).feed(data["delta"])
            return
        if kind in _CLOSING:
            yield from self._held()
        mapping = self._r.mapping
        if kind == "response.output_text.done" and isinstance(data.get("text"), str):
            data["text"] = mapping.restore(data["text"])
        elif kind == "response.function_call_arguments.done" and isinstance(
            data.get("arguments"), str
        ):
            data["arguments"] = mapping.restore(data["arguments"], json_string=True)
        elif isinstance(data.get("item"), dict):
            self._whole({"output": [data["item"]]})
        elif isinstance(data.get("response"), dict):
            self._whole(data["response"])

    def _whole(self, body: dict[str, Any]) -> None:
        from veil.gateway import _wire as wire

        wire.restore_slots(self._r.mapping, wire.responses_response_slots(body))

    def _held(self) -> Iterator[bytes]:
        """A held tail goes out as one more delta before the event that closes its item."""
        for name, kind in (
            ("text", "response.output_text.delta"),
            ("args", "response.function_call_arguments.delta"),
        ):
            for key in self._r.keys((name,)):
                rest = self._r.flush(key)
                if rest:
                    event = {
                        "type": kind,
                        "output_index": key[1],
                        "content_index": key[2],
                        "delta": rest,
                    }
                    yield _encode([f"event: {kind}", "data: "], 1, event)
