"""The gateway end to end: official SDKs -> gateway -> a local stand-in upstream.

The upstream is ``veil.testing.upstream``: a FAKE of the OpenAI and Anthropic APIs (a
third-party service cannot run here) that echoes the last user message and records
every byte it receives. Everything else is real: HTTP servers, the model, the vault,
the ledger, Cedar.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
import uvicorn

from conftest import _console_script
from veil.gateway import CallerStore, GatewayConfig, UpstreamConfig, create_app
from veil.testing.upstream import run_upstream

NAME, EMAIL, PHONE = "Margaret O'Donnell", "m.odonnell@example.org", "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
PROMPT = (
    f"Please draft a reply to {NAME} ({EMAIL}, {PHONE}) about the refund on card {CARD} "
    "for order 8812. Keep it short and polite."
)
# whole values or name parts: short digit runs would turn up by chance in hex hashes
CANARIES = ("Margaret", "O'Donnell", "odonnell", PHONE, "7946 0958", CARD, "1111 1111")


@dataclass
class Gateway:
    url: str
    key: str
    home: Path
    upstream: Any
    app: Any

    def openai(self, **kw: Any) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{self.url}/v1", api_key=kw.pop("key", self.key), max_retries=0, **kw
        )

    def anthropic(self, **kw: Any) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            base_url=self.url, api_key=kw.pop("key", self.key), max_retries=0, **kw
        )

    def leaked(self) -> list[str]:
        seen = self.upstream.recorder.all_bytes().decode("utf-8", "replace")
        return [c for c in CANARIES if c in seen]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with run_upstream() as up:
        yield up


def _start(config: GatewayConfig, home: Path) -> tuple[str, Any, uvicorn.Server, threading.Thread]:
    app = create_app(config, home)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    assert server.started, "gateway did not start"
    return f"http://127.0.0.1:{port}", app, server, thread


@pytest.fixture(scope="module")
def gateway(upstream: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    home = tmp_path_factory.mktemp("gw") / "home"
    home.mkdir(mode=0o700)
    key = CallerStore(home).create("alice", jurisdictions=("any", "EU"))
    config = GatewayConfig(
        upstreams=[
            UpstreamConfig(name="openai", kind="openai", base_url=f"{upstream.url}/v1"),
            UpstreamConfig(name="claude", kind="anthropic", base_url=upstream.url),
        ],
        # the stand-in's test controls (chunk size, forced status) pass through
        forward_headers=("anthropic-version", "x-fake-chunk", "x-fake-status"),
    )
    url, app, server, thread = _start(config, home)
    yield Gateway(url, key, home, upstream, app)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(autouse=True)
def _clear(upstream: Any) -> None:
    upstream.recorder.clear()


# --- OpenAI ------------------------------------------------------------------------------


def test_chat_completion_round_trip(gateway: Gateway) -> None:
    reply = gateway.openai().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
    )
    assert reply.choices[0].message.content == f"echo: {PROMPT}"
    assert gateway.leaked() == []
    sent = json.loads(gateway.upstream.recorder.bodies()[-1])
    assert "<PERSON_1>" in sent["messages"][0]["content"]


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_streaming_restores_split_placeholders_and_keeps_chunk_count(
    gateway: Gateway, size: int
) -> None:
    stream = gateway.openai().chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        extra_headers={"x-fake-chunk": str(size)},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"echo: {PROMPT}"
    sent = json.loads(gateway.upstream.recorder.bodies()[-1])["messages"][0]["content"]
    assert len(chunks) == 2 + math.ceil(len(f"echo: {sent}") / size)  # role + pieces + finish
    assert gateway.leaked() == []


def test_tool_calls_are_masked_out_and_restored_in(gateway: Gateway) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "send_email",
                "description": f"mail {EMAIL}",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ]
    messages = [{"role": "user", "content": f"Use the tool for {NAME} at {EMAIL}"}]
    reply = gateway.openai().chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=tools
    )
    call = reply.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"text": f"Use the tool for {NAME} at {EMAIL}"}
    stream = gateway.openai().chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        tools=tools,
        stream=True,
        extra_headers={"x-fake-chunk": "2"},
    )
    args = "".join(
        (c.choices[0].delta.tool_calls or [None])[0].function.arguments or ""
        for c in stream
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(args)["text"].endswith(f"{NAME} at {EMAIL}")
    # the tool's result goes out masked too
    history = [
        *messages,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "send_email", "arguments": json.dumps({"to": EMAIL})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": f"sent to {NAME}"},
        {"role": "user", "content": "thanks"},
    ]
    gateway.openai().chat.completions.create(model="gpt-4o-mini", messages=history)
    assert gateway.leaked() == []


def test_json_mode_and_embeddings_and_models(gateway: Gateway) -> None:
    client = gateway.openai()
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": PROMPT}],
        response_format={"type": "json_object"},
    )
    assert json.loads(reply.choices[0].message.content) == {"echo": PROMPT}
    vectors = client.embeddings.create(model="text-embedding-3-small", input=[PROMPT, "hello"])
    assert len(vectors.data) == 2
    assert [m.id for m in client.models.list()]
    assert gateway.leaked() == []


def test_same_value_same_placeholder_across_turns(gateway: Gateway) -> None:
    first = {"role": "user", "content": f"My name is {NAME}."}
    client = gateway.openai()
    client.chat.completions.create(model="gpt-4o-mini", messages=[first])
    turn2 = [
        first,
        {"role": "assistant", "content": "Noted."},
        {"role": "user", "content": f"Again: {NAME}"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=turn2)
    bodies = [json.loads(b) for b in gateway.upstream.recorder.bodies()]
    one = bodies[0]["messages"][0]["content"]
    two = bodies[1]["messages"][2]["content"]
    assert one.split()[-1].rstrip(".") == two.split()[-1]  # the same <PERSON_n>
    assert bodies[1]["messages"][0]["content"] == one  # history is sent exactly as before


def test_a_turn_analyses_only_its_new_messages(gateway: Gateway) -> None:
    redactor = gateway.app.state.gateway.privacy._redactor
    seen: list[list[str]] = []
    original = redactor.redact_batch

    def spy(texts: list[str], **kw: Any) -> Any:
        seen.append(list(texts))
        return original(texts, **kw)

    redactor.redact_batch = spy
    try:
        first = {"role": "user", "content": f"Hi, I am {NAME}, order {time.time_ns()}."}
        history = [first, {"role": "assistant", "content": "Hello!"}]
        client = gateway.openai()
        client.chat.completions.create(model="gpt-4o-mini", messages=[first])
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[*history, {"role": "user", "content": f"Call {PHONE}"}]
        )
    finally:
        redactor.redact_batch = original
    assert seen[0] == [first["content"]]
    assert seen[1] == ["Hello!", f"Call {PHONE}"]  # the first message came from the cache
    assert gateway.leaked() == []


def test_concurrent_conversations_never_see_each_other(gateway: Gateway) -> None:
    store = CallerStore(gateway.home)
    bob = store.create(f"bob-{time.time_ns()}")
    people = {
        gateway.key: ["Margaret O'Donnell", "Rahul Mehta", "Sophie Martin"],
        bob: ["Hans Gruber", "Alice Johnson", "Pedro Alvarez"],
    }

    def ask(key: str, name: str) -> tuple[str, str]:
        client = gateway.openai(key=key)
        text = f"Write to {name} about invoice 77."
        answer = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
        return name, answer.choices[0].message.content or ""

    jobs = [(k, n) for k, names in people.items() for n in names for _ in range(3)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda j: ask(*j), jobs))
    for name, answer in results:
        assert answer == f"echo: Write to {name} about invoice 77.", (name, answer)


# --- Anthropic ---------------------------------------------------------------------------


def test_anthropic_messages_round_trip_stream_and_tools(gateway: Gateway) -> None:
    client = gateway.anthropic()
    msg = client.messages.create(
        model="claude-sonnet-4",
        max_tokens=200,
        system=f"You help {NAME}.",
        messages=[{"role": "user", "content": PROMPT}],
    )
    assert msg.content[0].text == f"echo: {PROMPT}"
    with client.messages.stream(
        model="claude-sonnet-4",
        max_tokens=200,
        messages=[{"role": "user", "content": PROMPT}],
        extra_headers={"x-fake-chunk": "3"},
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == f"echo: {PROMPT}"
    tools = [
        {"name": "lookup", "description": "find a customer", "input_schema": {"type": "object"}}
    ]
    used = client.messages.create(
        model="claude-sonnet-4",
        max_tokens=200,
        tools=tools,
        messages=[{"role": "user", "content": f"use the tool for {EMAIL}"}],
    )
    block = next(b for b in used.content if b.type == "tool_use")
    assert block.input == {"text": f"use the tool for {EMAIL}"}
    assert gateway.leaked() == []


# --- refusals ----------------------------------------------------------------------------


def test_refusals(gateway: Gateway) -> None:
    messages = [{"role": "user", "content": PROMPT}]
    with pytest.raises(openai.AuthenticationError):
        gateway.openai(key="vk_wrong").chat.completions.create(
            model="gpt-4o-mini", messages=messages
        )
    with pytest.raises(openai.PermissionDeniedError) as denied:
        gateway.openai().chat.completions.create(
            model="gpt-4o-mini", messages=messages, extra_headers={"x-veil-jurisdiction": "US"}
        )
    assert "jurisdiction" in str(denied.value)
    with pytest.raises(openai.PermissionDeniedError):  # EU allowed for alice, but no EU upstream
        gateway.openai().chat.completions.create(
            model="gpt-4o-mini", messages=messages, extra_headers={"x-veil-jurisdiction": "EU"}
        )
    limited = CallerStore(gateway.home).create(f"carol-{time.time_ns()}", models=("gpt-4o",))
    with pytest.raises(openai.PermissionDeniedError) as policy:
        gateway.openai(key=limited).chat.completions.create(model="gpt-4o-mini", messages=messages)
    assert "access policy denies" in str(policy.value)
    with pytest.raises(openai.APIStatusError) as upstream_down:
        gateway.openai().chat.completions.create(
            model="gpt-4o-mini", messages=messages, extra_headers={"x-fake-status": "503"}
        )
    assert upstream_down.value.status_code == 502
    bad = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        content=b"{nope",
        headers={"authorization": f"Bearer {gateway.key}"},
    )
    assert bad.status_code == 400
    huge = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        content=b" " * (5 << 20),
        headers={"authorization": f"Bearer {gateway.key}"},
    )
    assert huge.status_code == 413
    assert gateway.leaked() == []


def test_detection_or_ledger_failure_refuses_and_sends_nothing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veil.errors import DetectionError, LedgerTampered

    core = gateway.app.state.gateway
    upstream_calls = len(gateway.upstream.recorder.bodies())

    async def broken(*_: object, **__: object) -> None:
        raise DetectionError("detector crashed")

    def failing_submit(*_: object) -> None:
        raise LedgerTampered("disk full")

    for target, name, fake in (
        (core.privacy, "protect", broken),
        (core.ledger, "submit", failing_submit),
    ):
        monkeypatch.setattr(target, name, fake)
        with pytest.raises(openai.APIStatusError) as err:
            gateway.openai().chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
            )
        assert err.value.status_code == 503
        monkeypatch.undo()
    assert len(gateway.upstream.recorder.bodies()) == upstream_calls  # nothing was forwarded


def test_calls_are_recorded_without_values_and_metrics_exist(gateway: Gateway) -> None:
    gateway.openai().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
    )
    core = gateway.app.state.gateway
    rows = [json.loads(r.body) for r in core.ledger.store.entries()]
    calls = [r for r in rows if r["action"] == "model_call"]
    assert calls
    assert calls[-1]["decision"] == "allow"
    assert calls[-1]["counts"]["PERSON"] >= 1
    assert calls[-1]["destination"] == "openai/gpt-4o-mini"
    raw = (gateway.home / "ledger.db").read_bytes()
    assert [c for c in CANARIES if c.encode() in raw] == []
    metrics = httpx.get(f"{gateway.url}/metrics").text
    assert "veil_gateway_requests_total" in metrics
    assert "veil_gateway_entities_total" in metrics
    assert [c for c in CANARIES if c in metrics] == []


# --- the two-command quick start, as a newcomer types it -------------------------------


def _serve(upstream: Any, veil_cmd: Any, *extra: str) -> tuple[int, Any]:
    """`veil serve` as a child process on a free port, once it answers /healthz."""
    import os
    import subprocess

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "VEIL_HOME"}
    env |= {"VEIL_HOME": str(veil_cmd.home), "HOME": str(veil_cmd.user_home)}
    args = ["serve", "--upstream", f"{upstream.url}/v1", "--port", str(port), *extra]
    server = subprocess.Popen(
        [_console_script(), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return port, server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"veil serve did not come up: {server.communicate()[1][-2000:]}")


def test_quick_start_two_commands(upstream: Any, veil_cmd: Any) -> None:

    created = veil_cmd("keys", "create", "me")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("vk_")
    port, server = _serve(upstream, veil_cmd)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0)
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
        )
        assert reply.choices[0].message.content == f"echo: {PROMPT}"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert [c for c in CANARIES if c in err] == []  # the server's own output holds no values
    listed = veil_cmd("calls")
    assert listed.returncode == 0, listed.stderr
    assert "caller:me" in listed.stdout
    assert "default/gpt-4o-mini" in listed.stdout


def test_several_workers_share_pseudonyms_and_one_ledger(upstream: Any, veil_cmd: Any) -> None:
    """--workers 2: two processes, one vault and one log; a conversation keeps its
    placeholders whichever worker serves a turn, and the log verifies."""

    key = veil_cmd("keys", "create", "w").stdout.strip()
    port, server = _serve(upstream, veil_cmd, "--workers", "2", "--patterns-only")
    try:
        first = {"role": "user", "content": f"Write to {EMAIL} today."}
        turns = [
            [
                first,
                {"role": "assistant", "content": "ok"},
                {"role": "user", "content": f"{EMAIL}!"},
            ]
            for _ in range(12)
        ]

        def ask(messages: list[dict[str, str]]) -> str:
            client = openai.OpenAI(
                base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0
            )
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return reply.choices[0].message.content or ""

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, [[first], *turns]))
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert answers[0] == f"echo: Write to {EMAIL} today."
    assert all(a == f"echo: {EMAIL}!" for a in answers[1:])
    sent = {json.loads(b)["messages"][0]["content"] for b in upstream.recorder.bodies()}
    assert len(sent) == 1  # the first message got one placeholder, whichever worker served
    assert EMAIL not in next(iter(sent))
    verified = veil_cmd("ledger", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 13 entries")


# --- workload identity (OIDC JWT) ------------------------------------------------------


def test_workload_jwts_authenticate_and_carry_their_limits(
    upstream: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jwt.algorithms import OKPAlgorithm

    from veil.gateway._identity import JwtConfig

    root = tmp_path_factory.mktemp("jwt")
    home = root / "home"
    home.mkdir(mode=0o700)
    issuer_key, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = json.loads(OKPAlgorithm.to_jwk(issuer_key.public_key()))
    (root / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "k1", "alg": "EdDSA"}]}))
    config = GatewayConfig(
        upstreams=[UpstreamConfig(name="openai", kind="openai", base_url=f"{upstream.url}/v1")],
        jwt=JwtConfig(
            issuer="https://issuer.test", audience="veil", jwks_file=str(root / "jwks.json")
        ),
    )
    url, _, server, thread = _start(config, home)

    def token(key: Any = issuer_key, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": "https://issuer.test",
            "aud": "veil",
            "sub": "ci-job-7",
            "exp": now + 60,
            **claims,
        }
        return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": "k1"})

    def ask(bearer: str) -> str:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=bearer, max_retries=0)
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
        )
        return reply.choices[0].message.content or ""

    try:
        assert ask(token()) == f"echo: {PROMPT}"
        for bad in (
            token(exp=int(time.time()) - 3600),  # expired
            token(aud="someone-else"),
            token(iss="https://evil.test"),
            token(key=stranger),  # signed by a key the issuer never published
            token()[:-4] + "AAAA",  # tampered signature
        ):
            with pytest.raises(openai.AuthenticationError):
                ask(bad)
        with pytest.raises(openai.PermissionDeniedError):  # its claim limits it to the EU
            ask(token(veil_jurisdictions=["EU"]))
    finally:
        server.should_exit = True
        thread.join(10)
    rows = _ledger_rows(home)
    assert "caller:jwt:ci-job-7" in {r["actor"] for r in rows}
    assert _upstream_clean(upstream)


def _ledger_rows(home: Path) -> list[dict[str, Any]]:
    import sqlite3

    db = sqlite3.connect(home / "ledger.db")
    rows = [json.loads(body) for (body,) in db.execute("SELECT body FROM entries ORDER BY idx")]
    db.close()
    return rows


def _upstream_clean(upstream: Any) -> bool:
    seen = upstream.recorder.all_bytes().decode("utf-8", "replace")
    return not [c for c in CANARIES if c in seen]


# --- OpenAI Responses API ------------------------------------------------------------------


def test_responses_api_round_trip_stream_and_tools(gateway: Gateway) -> None:
    client = gateway.openai()
    reply = client.responses.create(model="gpt-4o-mini", instructions=f"Help {NAME}.", input=PROMPT)
    assert reply.output_text == f"echo: {PROMPT}"
    items = client.responses.create(
        model="gpt-4o-mini",
        input=[{"role": "user", "content": [{"type": "input_text", "text": PROMPT}]}],
        stream=True,
        extra_headers={"x-fake-chunk": "2"},
    )
    events = list(items)
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == f"echo: {PROMPT}"
    done = next(e for e in events if e.type == "response.completed")
    assert done.response.output_text == f"echo: {PROMPT}"
    tools = [
        {
            "type": "function",
            "name": "lookup",
            "description": f"find {EMAIL}",
            "parameters": {"type": "object", "properties": {}},
        }
    ]
    called = client.responses.create(
        model="gpt-4o-mini", input=f"use the tool for {NAME}", tools=tools
    )
    call = next(o for o in called.output if o.type == "function_call")
    assert json.loads(call.arguments) == {"text": f"use the tool for {NAME}"}
    assert gateway.leaked() == []


@pytest.mark.parametrize("stream", [False, True])
def test_responses_stored_conversations_restore_earlier_turns(gateway: Gateway, stream: bool):
    """With previous_response_id the provider keeps the history: the second turn's answer
    quotes placeholders from the first, which this request does not carry. They must be
    restored from the conversation's scope, and the upstream must still see no value."""
    client = gateway.openai()
    first = client.responses.create(model="gpt-4o-mini", input=f"{PROMPT} ({stream})")
    assert first.output_text == f"echo: {PROMPT} ({stream})"
    if stream:
        events = list(
            client.responses.create(
                model="gpt-4o-mini", input="and again", previous_response_id=first.id,
                stream=True, extra_headers={"x-fake-chunk": "2"},
            )
        )  # fmt: skip
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    else:
        text = client.responses.create(
            model="gpt-4o-mini", input="and again", previous_response_id=first.id
        ).output_text
    assert text == f"echo: {PROMPT} ({stream}) | echo: and again"
    assert gateway.leaked() == []


def test_anthropic_streamed_tool_use_is_restored(gateway: Gateway) -> None:
    tools = [
        {"name": "lookup", "description": "find a customer", "input_schema": {"type": "object"}}
    ]
    with gateway.anthropic().messages.stream(
        model="claude-sonnet-4",
        max_tokens=200,
        tools=tools,
        messages=[{"role": "user", "content": f"use the tool for {NAME} at {EMAIL}"}],
        extra_headers={"x-fake-chunk": "2"},
    ) as stream:
        final = stream.get_final_message()
    block = next(b for b in final.content if b.type == "tool_use")
    assert block.input == {"text": f"use the tool for {NAME} at {EMAIL}"}
    assert gateway.leaked() == []


def test_access_policy_denies_when_a_forbid_errors() -> None:
    """Cedar skips a policy whose evaluation errors: an erroring forbid must not allow."""
    from veil.gateway._access import AccessPolicy
    from veil.gateway._callers import Caller

    text = (
        'permit(principal, action == Action::"call", resource);\n'
        "forbid(principal, action, resource) when { principal.no_such_attribute == 1 };\n"
    )
    caller = Caller(id="c1", name="alice", jurisdictions=("EU",), purposes=("*",), models=("*",))
    args = {
        "upstream": "openai", "upstream_jurisdiction": "EU", "provider": "openai",
        "model": "gpt-4o-mini", "jurisdiction": "EU", "purpose": "support",
    }  # fmt: skip
    decision = AccessPolicy(text, "test").decide(caller, **args)
    assert not decision.allowed
    assert decision.reasons == ("policy evaluation error",)
    allowed = AccessPolicy(text.splitlines()[0], "test").decide(caller, **args)
    assert allowed.allowed  # the same request without the broken forbid is allowed


def test_jwks_from_a_url_is_refreshed_when_the_issuer_rotates(monkeypatch: pytest.MonkeyPatch):
    """A real local JWKS endpoint; the issuer rotates to a new key and the verifier follows."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jwt.algorithms import OKPAlgorithm
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from veil.errors import ConfigError
    from veil.gateway import _identity
    from veil.gateway._identity import JwtConfig, JwtVerifier
    from veil.testing.upstream import serve_app

    monkeypatch.setattr(_identity, "_MIN_REFETCH_S", 0.0)
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()

    def jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, Any]:
        return {**json.loads(OKPAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "EdDSA"}

    published = {"keys": [jwk(old, "k1")]}
    fetches = []

    async def jwks(request: Any) -> JSONResponse:
        fetches.append(time.time())
        return JSONResponse(published)

    def token(key: Ed25519PrivateKey, kid: str) -> str:
        body = {
            "iss": "https://issuer.test",
            "aud": "veil",
            "sub": "job",
            "exp": int(time.time()) + 60,
        }
        return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": kid})

    with serve_app(Starlette(routes=[Route("/jwks", jwks)])) as port:
        url = f"http://127.0.0.1:{port}/jwks"
        config = JwtConfig(issuer="https://issuer.test", audience="veil", jwks_url=url)
        verifier = JwtVerifier(config)
        assert verifier.caller(token(old, "k1")) is not None
        published["keys"] = [jwk(new, "k2")]  # rotation at the issuer
        assert verifier.caller(token(new, "k2")) is None  # unknown yet: refused, refetch asked
        deadline = time.time() + 10
        while verifier.caller(token(new, "k2")) is None and time.time() < deadline:
            time.sleep(0.05)
        assert verifier.caller(token(new, "k2")) is not None
        assert verifier.caller(token(old, "k1")) is None  # the retired key is gone
        assert len(fetches) >= 2
    with pytest.raises(ConfigError, match="cannot load JWKS"):  # unreachable at start: fail closed
        JwtVerifier(config)
    with pytest.raises(ValueError, match="https"):
        JwtConfig(issuer="i", audience="a", jwks_url="http://issuer.example/jwks")
    with pytest.raises(ValueError, match="exactly one"):
        JwtConfig(issuer="i", audience="a")


def test_a_key_revoked_by_another_process_stops_working(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veil.gateway import _callers

    other = CallerStore(gateway.home)  # as `veil keys create/revoke` would, in its own process
    key = other.create("short-lived", jurisdictions=("any",))
    ask = gateway.openai(key=key)
    messages = [{"role": "user", "content": "hello"}]
    assert ask.chat.completions.create(model="gpt-4o-mini", messages=messages).choices
    assert other.revoke("short-lived")
    other.close()
    monkeypatch.setattr(_callers, "RECHECK_S", 0.0)  # as if the recheck interval had passed
    with pytest.raises(openai.AuthenticationError):
        ask.chat.completions.create(model="gpt-4o-mini", messages=messages)


def test_stored_conversations_belong_to_their_caller(tmp_path: Path) -> None:
    from veil.gateway._callers import Caller

    store = CallerStore(tmp_path)
    alice = Caller("c1", "alice", ("any",), ("*",), ("*",))
    bob = Caller("c2", "bob", ("any",), ("*",), ("*",))
    store.remember_response("resp_1", alice, "conv-a")
    assert store.conversation_of("resp_1", alice) == "conv-a"
    assert store.conversation_of("resp_1", bob) is None  # bob cannot join alice's scope
    again = CallerStore(tmp_path)  # another worker process sees it too
    assert again.conversation_of("resp_1", alice) == "conv-a"
