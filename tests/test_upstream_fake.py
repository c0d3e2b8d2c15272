"""The fake LLM provider (veil.testing.upstream), driven by the official OpenAI and Anthropic SDKs.

These pin the double's own wire behaviour, so the gateway's tests can rely on it: if an SDK
upgrade starts rejecting the fake, it shows up here first.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest

from veil.testing.upstream import (
    OPENAI_MODELS,
    Upstream,
    fake_embedding,
    run_upstream,
)

TOOLS_OPENAI = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    }
]
TOOLS_ANTHROPIC = [{"name": "lookup", "input_schema": {"type": "object"}}]
SAID = "please use the tool on Zyxwvut Canarynski"


@pytest.fixture(scope="module")
def server() -> Iterator[Upstream]:
    with run_upstream() as up:
        yield up


@pytest.fixture
def up(server: Upstream) -> Upstream:
    server.recorder.clear()
    return server


@pytest.fixture
def oai(server: Upstream) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    yield client
    client.close()


@pytest.fixture
def ant(server: Upstream) -> Iterator[anthropic.Anthropic]:
    client = anthropic.Anthropic(base_url=server.url, api_key="ak-test", max_retries=0)
    yield client
    client.close()


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# --- OpenAI ------------------------------------------------------------------------------


def test_openai_echoes_the_last_user_message(up: Upstream, oai: openai.OpenAI) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "hello there"},
    ]
    reply = oai.chat.completions.create(model="gpt-4o", messages=messages)
    assert reply.object == "chat.completion"
    assert reply.model == "gpt-4o"
    choice = reply.choices[0]
    assert (choice.message.role, choice.message.content) == ("assistant", "echo: hello there")
    assert choice.finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == len("echo: hello there") // 4
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_openai_joins_the_text_parts_of_list_content(up: Upstream, oai: openai.OpenAI) -> None:
    parts = [{"type": "text", "text": "one "}, {"type": "text", "text": "two"}]
    reply = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": parts}],
    )
    assert reply.choices[0].message.content == "echo: one two"


@pytest.mark.parametrize(("header", "size"), [(None, 3), ("5", 5), ("1", 1)])
def test_openai_stream_sends_n_character_pieces(
    up: Upstream, oai: openai.OpenAI, header: str | None, size: int
) -> None:
    headers = {"x-fake-chunk": header} if header else {}
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("stream me, please"),
        stream=True,
        extra_headers=headers,
    )
    chunks = list(stream)
    first, pieces, last = chunks[0], chunks[1:-1], chunks[-1]
    assert (first.choices[0].delta.role, first.choices[0].delta.content) == ("assistant", "")
    texts = [c.choices[0].delta.content or "" for c in pieces]
    assert "".join(texts) == "echo: stream me, please"
    assert all(len(t) == size for t in texts[:-1])
    assert 1 <= len(texts[-1]) <= size
    assert last.choices[0].finish_reason == "stop"
    assert {c.id for c in chunks} == {first.id}
    assert all(c.object == "chat.completion.chunk" for c in chunks)


def test_openai_stream_usage_chunk_when_asked(up: Upstream, oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("count me"),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len("echo: count me") // 4
    assert all(c.usage is None for c in chunks[:-1])


def test_openai_stream_wire_format(up: Upstream) -> None:
    body = {"model": "m", "messages": _user("hi"), "stream": True}
    response = httpx.post(f"{up.url}/v1/chat/completions", json=body, headers={"x-fake-chunk": "4"})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert all(e.startswith("data: ") for e in events[:-1])
    deltas = [json.loads(e[6:])["choices"][0]["delta"] for e in events[:-2]]
    assert deltas == [
        {"role": "assistant", "content": ""},
        {"content": "echo"},
        {"content": ": hi"},
        {},
    ]


def test_openai_tool_call(up: Upstream, oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user(SAID),
        tools=TOOLS_OPENAI,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls or []
    assert len(calls) == 1
    call = calls[0]
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "lookup"
    assert json.loads(call.function.arguments) == {"text": SAID}


def test_openai_tool_call_streamed(up: Upstream, oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user(SAID),
        tools=TOOLS_OPENAI,
        stream=True,
        extra_headers={"x-fake-chunk": "7"},
    )
    chunks = list(stream)
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    first = calls[0]
    assert first.index == 0
    assert first.id is not None
    assert first.type == "function"
    assert first.function is not None
    assert first.function.name == "lookup"
    assert all(c.id is None and c.index == 0 for c in calls[1:])
    pieces = [c.function.arguments or "" for c in calls if c.function is not None]
    assert all(len(p) == 7 for p in pieces[:-1])
    assert json.loads("".join(pieces)) == {"text": SAID}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_openai_stream_helper_accumulates_tool_call(up: Upstream, oai: openai.OpenAI) -> None:
    with oai.chat.completions.stream(
        model="gpt-4o-mini",
        messages=_user(SAID),
        tools=TOOLS_OPENAI,
    ) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert calls[0].function.name == "lookup"
    assert json.loads(calls[0].function.arguments) == {"text": SAID}


def test_openai_no_tool_call_without_the_word_or_tools(up: Upstream, oai: openai.OpenAI) -> None:
    plain = oai.chat.completions.create(
        model="m",
        messages=_user("just chat"),
        tools=TOOLS_OPENAI,
    )
    no_tools = oai.chat.completions.create(model="m", messages=_user(SAID))
    assert plain.choices[0].message.content == "echo: just chat"
    assert no_tools.choices[0].message.content == f"echo: {SAID}"


def test_openai_tool_result_ends_the_loop(up: Upstream, oai: openai.OpenAI) -> None:
    messages = [
        *_user(SAID),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "42 results"},
    ]
    reply = oai.chat.completions.create(
        model="m",
        messages=messages,
        tools=TOOLS_OPENAI,
    )
    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content == "echo: 42 results"


def test_openai_json_mode(up: Upstream, oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(
        model="m",
        messages=_user("Grüße, Zoë"),
        response_format={"type": "json_object"},
    )
    content = reply.choices[0].message.content
    assert content == json.dumps({"echo": "Grüße, Zoë"}, ensure_ascii=False)


def test_embeddings(up: Upstream, oai: openai.OpenAI) -> None:
    # The SDK asks for base64 unless told otherwise and decodes it: both paths must agree.
    as_base64 = oai.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    as_floats = oai.embeddings.create(model="m", input="a", encoding_format="float")
    wider = oai.embeddings.create(model="m", input="a", dimensions=16, encoding_format="float")
    assert [d.embedding for d in as_base64.data] == [fake_embedding("a"), fake_embedding("b")]
    assert [d.index for d in as_base64.data] == [0, 1]
    assert as_floats.data[0].embedding == fake_embedding("a")
    assert len(wider.data[0].embedding) == 16
    assert fake_embedding("a") != fake_embedding("b")
    assert as_base64.model == "text-embedding-3-small"
    assert up.recorder.requests()[0].json()["encoding_format"] == "base64"


def test_models_list(up: Upstream, oai: openai.OpenAI, ant: anthropic.Anthropic) -> None:
    assert [m.id for m in oai.models.list()] == list(OPENAI_MODELS)
    assert all(m.owned_by == "fake" and m.object == "model" for m in oai.models.list())
    claude = [m.id for m in ant.models.list()]
    assert claude
    assert all(m.startswith("claude") for m in claude)


# --- Anthropic ---------------------------------------------------------------------------


def test_anthropic_echoes_the_last_user_message(up: Upstream, ant: anthropic.Anthropic) -> None:
    blocks = [{"type": "text", "text": "hello "}, {"type": "text", "text": "there"}]
    reply = ant.messages.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        system="be brief",
        messages=[{"role": "user", "content": blocks}],
    )
    assert (reply.type, reply.role, reply.model) == ("message", "assistant", "claude-haiku-4-5")
    assert reply.stop_reason == "end_turn"
    assert len(reply.content) == 1
    block = reply.content[0]
    assert block.type == "text"
    assert block.text == "echo: hello there"
    assert reply.usage.output_tokens == len("echo: hello there") // 4
    assert reply.usage.input_tokens >= 1


def test_anthropic_stream_event_sequence(up: Upstream, ant: anthropic.Anthropic) -> None:
    events = list(
        ant.messages.create(
            model="claude-haiku-4-5",
            max_tokens=64,
            messages=_user("stream me"),
            stream=True,
            extra_headers={"x-fake-chunk": "4"},
        )
    )
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    deltas = [e.delta for e in events if e.type == "content_block_delta"]
    texts = [d.text for d in deltas if d.type == "text_delta"]
    assert len(texts) == len(deltas)
    assert "".join(texts) == "echo: stream me"
    assert all(len(t) == 4 for t in texts[:-1])
    message_delta = events[-2]
    assert message_delta.type == "message_delta"
    assert message_delta.delta.stop_reason == "end_turn"


def test_anthropic_stream_wire_format(up: Upstream) -> None:
    body = {"model": "c", "max_tokens": 9, "messages": _user("hi"), "stream": True}
    response = httpx.post(f"{up.url}/v1/messages", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = response.text.split("\n\n")[:-1]
    for event in events:
        name, data = event.split("\n")
        assert name.startswith("event: ")
        assert json.loads(data.removeprefix("data: "))["type"] == name.removeprefix("event: ")


def test_anthropic_stream_helper_text(up: Upstream, ant: anthropic.Anthropic) -> None:
    with ant.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=_user("hello"),
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "echo: hello"
    assert final.content[0].type == "text"
    assert final.content[0].text == "echo: hello"


def test_anthropic_tool_use(up: Upstream, ant: anthropic.Anthropic) -> None:
    reply = ant.messages.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=_user(SAID),
        tools=TOOLS_ANTHROPIC,
    )
    assert reply.stop_reason == "tool_use"
    block = reply.content[0]
    assert block.type == "tool_use"
    assert block.id.startswith("toolu_")
    assert (block.name, block.input) == ("lookup", {"text": SAID})


def test_anthropic_tool_use_streamed(up: Upstream, ant: anthropic.Anthropic) -> None:
    with ant.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=_user(SAID),
        tools=TOOLS_ANTHROPIC,
        extra_headers={"x-fake-chunk": "5"},
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    partial = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert all(len(p) == 5 for p in partial[:-1])
    assert json.loads("".join(partial)) == {"text": SAID}
    block = final.content[0]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("lookup", {"text": SAID})
    assert final.stop_reason == "tool_use"


def test_anthropic_tool_result_ends_the_loop(up: Upstream, ant: anthropic.Anthropic) -> None:
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "42 results"}
    use = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}
    reply = ant.messages.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=[
            *_user(SAID),
            {"role": "assistant", "content": [use]},
            {"role": "user", "content": [result]},
        ],
        tools=TOOLS_ANTHROPIC,
    )
    assert reply.stop_reason == "end_turn"
    block = reply.content[0]
    assert block.type == "text"
    assert block.text == "echo: 42 results"


# --- control headers, errors, recording, lifecycle ---------------------------------------


def test_forced_status_openai(up: Upstream, oai: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        oai.chat.completions.create(
            model="m",
            messages=_user("hi"),
            extra_headers={"x-fake-status": "503"},
        )
    assert caught.value.status_code == 503
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["type"] == "api_error"
    with pytest.raises(openai.RateLimitError):
        oai.models.list(extra_headers={"x-fake-status": "429"})


def test_forced_status_anthropic(up: Upstream, ant: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.APIStatusError) as caught:
        ant.messages.create(
            model="c",
            max_tokens=9,
            messages=_user("hi"),
            stream=True,
            extra_headers={"x-fake-status": "503"},
        )
    assert caught.value.status_code == 503
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "fake upstream error 503"},
    }


def test_bad_requests_answer_400(up: Upstream) -> None:
    chat = f"{up.url}/v1/chat/completions"
    assert httpx.post(chat, content=b"{not json").status_code == 400
    assert httpx.post(chat, json={"messages": []}).status_code == 400
    bad_chunk = httpx.post(chat, json={"messages": _user("x")}, headers={"x-fake-chunk": "0"})
    assert bad_chunk.status_code == 400
    assert "x-fake-chunk" in bad_chunk.json()["error"]["message"]
    missing = httpx.get(f"{up.url}/v1/nowhere?q=1")
    assert missing.status_code == 404
    assert up.recorder.requests()[-1].target == b"/v1/nowhere?q=1"


def test_delay_header(up: Upstream, oai: openai.OpenAI) -> None:
    start = time.perf_counter()
    oai.models.list(extra_headers={"x-fake-delay-ms": "60"})
    assert time.perf_counter() - start >= 0.06


def test_recorder_sees_what_the_sdks_sent(
    up: Upstream, oai: openai.OpenAI, ant: anthropic.Anthropic
) -> None:
    oai.chat.completions.create(model="m", messages=_user(SAID))
    ant.messages.create(model="c", max_tokens=9, messages=_user("second"))
    first, second = up.recorder.requests()
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.json()["messages"] == _user(SAID)
    assert second.path == "/v1/messages"
    # anthropic 2.x sends its api_key as a Bearer token; older SDKs and curl send x-api-key.
    sent_key = second.headers.get("x-api-key") or second.headers.get("authorization")
    assert sent_key in {"ak-test", "Bearer ak-test"}
    assert "anthropic-version" in second.headers
    assert up.recorder.bodies() == [first.body, second.body]
    everything = up.recorder.all_bytes()
    assert b"Zyxwvut Canarynski" in everything
    assert b"sk-test" in everything
    assert b"/v1/messages" in everything
    httpx.get(f"{up.url}/v1/models", headers={"x-api-key": "ak-raw"})
    assert up.recorder.requests()[-1].headers["x-api-key"] == "ak-raw"
    up.recorder.clear()
    assert up.recorder.bodies() == []
    assert up.recorder.all_bytes() == b""


def test_fixed_port_and_clean_stop() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with run_upstream(port) as up:
        assert up.url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{up.url}/v1/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{up.url}/v1/models")
