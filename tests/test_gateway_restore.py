"""Inbound restore: whole answers, JSON strings, and streams split at every boundary."""

from __future__ import annotations

import json

import pytest

from veil.gateway._restore import MAX_PLACEHOLDER, Mapping, StreamRestorer
from veil.gateway._stream import AnthropicStream, OpenAIStream

VALUES = {
    "<PERSON_1>": "Margaret O'Donnell",
    "<EMAIL_12>": 'm.o"d@example.org',
    "<PHONE_3>": "+44 20 7946 0958",
}
ANSWER = (
    "Dear <PERSON_1>, we wrote to <EMAIL_12> and will call <PHONE_3>. <UNKNOWN_9> stays; a < b."
)


def _mapping() -> Mapping:
    return Mapping(dict(VALUES))


def _whole() -> str:
    return _mapping().restore(ANSWER)


def test_whole_answer_restores_known_and_reports_unknown() -> None:
    mapping = _mapping()
    text = mapping.restore(ANSWER)
    assert "Margaret O'Donnell" in text
    assert "+44 20 7946 0958" in text
    assert "<UNKNOWN_9>" in text  # never guessed
    assert (mapping.restored, mapping.unknown) == (3, 1)


def test_restored_values_stay_valid_json_inside_a_json_string() -> None:
    args = json.dumps({"to": "<EMAIL_12>", "name": "<PERSON_1>"})
    restored = json.loads(_mapping().restore(args, json_string=True))
    assert restored == {"to": 'm.o"d@example.org', "name": "Margaret O'Donnell"}


@pytest.mark.parametrize("cut", range(1, len(ANSWER)))
def test_a_placeholder_split_at_any_boundary_restores(cut: int) -> None:
    restorer = StreamRestorer(_mapping().restore)
    out = restorer.feed(ANSWER[:cut]) + restorer.feed(ANSWER[cut:]) + restorer.flush()
    assert out == _whole()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11])
def test_a_stream_of_small_chunks_restores_and_holds_back_little(size: int) -> None:
    restorer = StreamRestorer(_mapping().restore)
    pieces = [restorer.feed(ANSWER[i : i + size]) for i in range(0, len(ANSWER), size)]
    assert "".join(pieces) + restorer.flush() == _whole()
    assert all(len(p) <= MAX_PLACEHOLDER + len("Margaret O'Donnell") + size for p in pieces)
    plain = StreamRestorer(_mapping().restore)
    assert [plain.feed(c) for c in "no brackets here"] == list("no brackets here")  # nothing held


def test_openai_stream_keeps_one_event_per_chunk_and_flushes_at_finish() -> None:
    stream = OpenAIStream(_mapping())
    text = "Hi <PERSON_1>, bye <PHO"
    events = []
    for piece in [text[i : i + 4] for i in range(0, len(text), 4)]:
        chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        events += list(stream.event([f"data: {json.dumps(chunk)}"]))
    final = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    events += list(stream.event([f"data: {json.dumps(final)}"]))
    events += list(stream.event(["data: [DONE]"]))
    assert len(events) == 8  # 6 content + finish + DONE
    got = "".join(
        json.loads(e.decode()[6:])["choices"][0]["delta"].get("content", "")
        for e in events
        if e.startswith(b"data: {")
    )
    assert got == "Hi Margaret O'Donnell, bye <PHO"  # a mangled placeholder is released as is


def test_anthropic_stream_flushes_a_held_tail_before_the_block_stops() -> None:
    stream = AnthropicStream(_mapping())
    deltas = ["Call <PER", "SON_1> at <"]
    out: list[bytes] = []
    for d in deltas:
        event = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": d},
        }
        out += stream.event(["event: content_block_delta", f"data: {json.dumps(event)}"])
    out += stream.event(
        ["event: content_block_stop", 'data: {"type":"content_block_stop","index":0}']
    )
    texts = [
        json.loads(e.decode().split("data: ", 1)[1])["delta"]["text"]
        for e in out
        if b"text_delta" in e
    ]
    assert "".join(texts) == "Call Margaret O'Donnell at <"
    assert len(out) == 4  # the held "<" needed one extra delta before the stop
