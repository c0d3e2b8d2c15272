"""Where the text is in OpenAI and Anthropic requests and responses.

Each function returns *slots*: (container, key) pairs whose value is a string to
transform. Outbound, every slot is pseudonymised; inbound, every slot is restored.
``json_slots`` are strings that hold JSON documents (tool-call arguments): restored
values are escaped inside them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veil.gateway._restore import Mapping

__all__ = [
    "Slot",
    "anthropic_request_slots",
    "anthropic_response_slots",
    "embedding_request_slots",
    "openai_request_slots",
    "openai_response_slots",
    "responses_request_slots",
    "responses_response_slots",
    "restore_slots",
]

Slot = tuple[Any, Any]  # (dict or list, key or index) holding a str


def _text(container: Any, key: Any, out: list[Slot]) -> None:
    if isinstance(container, dict | list) and isinstance(_get(container, key), str):
        out.append((container, key))


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    return container[key] if isinstance(key, int) and 0 <= key < len(container) else None


def _leaves(value: Any, out: list[Slot]) -> None:
    """Every string inside a JSON value (tool inputs), keys excepted."""
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        if isinstance(item, str):
            out.append((value, key))
        else:
            _leaves(item, out)


def _parts(content: Any, holder: Any, key: Any, out: list[Slot]) -> None:
    """OpenAI content: a string, or parts [{type: text, text}]."""
    if isinstance(content, str):
        out.append((holder, key))
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") in ("text", "input_text"):
                _text(part, "text", out)


def openai_request_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    """(text slots, JSON-string slots) of a chat completion request."""
    text: list[Slot] = []
    js: list[Slot] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        _parts(message.get("content"), message, "content", text)
        _tool_calls(message, js)
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            _text(tool["function"], "description", text)
    return text, js


def openai_response_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    text: list[Slot] = []
    js: list[Slot] = []
    for choice in body.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        _text(message, "content", text)
        _tool_calls(message, js)
    return text, js


def _tool_calls(message: dict[str, Any], js: list[Slot]) -> None:
    """An assistant message's tool-call arguments: JSON documents held as strings."""
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict) and isinstance(call.get("function"), dict):
            _text(call["function"], "arguments", js)


def restore_slots(mapping: Mapping, slots: tuple[list[Slot], list[Slot]]) -> None:
    """Restore every text slot, and every JSON-string slot with its values escaped."""
    text, js = slots
    for container, key in text:
        container[key] = mapping.restore(container[key])
    for container, key in js:
        container[key] = mapping.restore(container[key], json_string=True)


def anthropic_request_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    text: list[Slot] = []
    system = body.get("system")
    if isinstance(system, str):
        text.append((body, "system"))
    elif isinstance(system, list):
        _blocks(system, text)
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if isinstance(message.get("content"), str):
            text.append((message, "content"))
        elif isinstance(message.get("content"), list):
            _blocks(message["content"], text)
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            _text(tool, "description", text)
    return text, []


def _blocks(blocks: list[Any], out: list[Slot]) -> None:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            _text(block, "text", out)
        elif kind == "tool_use":
            _leaves(block.get("input"), out)
        elif kind == "tool_result":
            content = block.get("content")
            if isinstance(content, str):
                out.append((block, "content"))
            elif isinstance(content, list):
                _blocks(content, out)


def anthropic_response_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    text: list[Slot] = []
    _blocks(body.get("content") or [], text)
    return text, []


def responses_request_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    """OpenAI Responses API: instructions, input (string or items), tool descriptions."""
    text: list[Slot] = []
    js: list[Slot] = []
    _text(body, "instructions", text)
    value = body.get("input")
    if isinstance(value, str):
        text.append((body, "input"))
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        content = item.get("content")
        if isinstance(content, str):
            text.append((item, "content"))
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    text.append((part, "text"))
        if item.get("type") == "function_call":
            _text(item, "arguments", js)
        elif item.get("type") == "function_call_output":
            _text(item, "output", text)
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            _text(tool, "description", text)
    return text, js


def responses_response_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    text: list[Slot] = []
    js: list[Slot] = []
    for item in body.get("output") or []:
        _response_item(item, text, js)
    _text(body, "output_text", text)
    return text, js


def _response_item(item: Any, text: list[Slot], js: list[Slot]) -> None:
    if not isinstance(item, dict):
        return
    if item.get("type") == "function_call":
        _text(item, "arguments", js)
    for part in item.get("content") or []:
        if isinstance(part, dict):
            _text(part, "text", text)


def embedding_request_slots(body: dict[str, Any]) -> tuple[list[Slot], list[Slot]]:
    text: list[Slot] = []
    value = body.get("input")
    if isinstance(value, str):
        text.append((body, "input"))
    elif isinstance(value, list):
        text.extend((value, i) for i, item in enumerate(value) if isinstance(item, str))
    return text, []
