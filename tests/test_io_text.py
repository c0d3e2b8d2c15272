"""Plain text files: round trip, chunking, streaming, encodings and their errors."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from veil.errors import ConfigError, InputError
from veil.io import redact_path, scan_path
from veil.io._text import CHUNK_CHARS, chunks
from veil.testing import FakeEngine


def test_text_round_trip(tmp_path: Path) -> None:
    src, dst = tmp_path / "note.txt", tmp_path / "out.txt"
    src.write_text("Mail alice.x@example.com or call 555 0100.\r\nBye\n", encoding="utf-8")
    report = redact_path(src, dst, FakeEngine())
    assert dst.read_bytes() == b"Mail [EMAIL] or call [ID] [ID].\r\nBye\n"
    [entry] = report.files
    assert (entry.format, entry.records, entry.output) == ("text", 2, str(dst))
    assert entry.counts == {"EMAIL": 1, "ID": 2}
    assert report.totals == {"EMAIL": 1, "ID": 2}


def test_scan_writes_nothing_and_counts(tmp_path: Path) -> None:
    src = tmp_path / "note.md"
    src.write_text("a@b.co 12\nno newline at end 7", encoding="utf-8")
    report = scan_path(src, FakeEngine(scan_only=True))
    assert report.files[0].records == 2
    assert report.totals == {"EMAIL": 1, "ID": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]


def test_redact_with_a_scan_only_engine_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="only scans"):
        redact_path(src, tmp_path / "b.txt", FakeEngine(scan_only=True))
    assert not (tmp_path / "b.txt").exists()


@pytest.mark.parametrize(
    ("text", "expect_cut_after"),
    [
        ("aaaa\nbbbb cccc", "aaaa\n"),  # last newline in the window wins
        ("aaaa bbbbcccc", "aaaa "),  # no newline: last whitespace
        ("aaaaaaaabbbbbb", "aaaaaaaa"),  # neither: hard cut at the window size
    ],
)
def test_chunks_cut_at_safe_boundaries(text: str, expect_cut_after: str) -> None:
    parts = list(chunks([text[:3], text[3:]], size=8))
    assert "".join(parts) == text
    assert parts[0] == expect_cut_after
    assert all(len(p) <= 8 for p in parts)


def test_entities_are_not_split_across_chunks(tmp_path: Path) -> None:
    # One long line of e-mails: every chunk ends at a space, so none is cut in two.
    line = " ".join(f"user{i}@example.com" for i in range(40_000))
    src, dst = tmp_path / "one-line.log", tmp_path / "out.log"
    src.write_text(line, encoding="utf-8")
    engine = FakeEngine()
    report = redact_path(src, dst, engine)
    assert report.totals == {"EMAIL": 40_000}
    assert engine.longest <= CHUNK_CHARS
    assert dst.read_text(encoding="utf-8") == " ".join(["[EMAIL]"] * 40_000)


def test_20mb_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    src, dst = tmp_path / "big.log", tmp_path / "big.out.log"
    block = "a plain line of words about an order and its shipping\n" * 9
    block += "ticket from someone@example.com about that order today\n"
    blocks = 20 * 1024 * 1024 // len(block) + 1
    with src.open("w", encoding="utf-8") as f:
        for _ in range(blocks // 100):
            f.write(block * 100)
    blocks = blocks // 100 * 100
    engine, seen = FakeEngine(), list[int]()
    started = time.monotonic()
    tracemalloc.start()
    try:
        report = redact_path(src, dst, engine, progress=seen.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 20
    assert peak < 16 * 1024 * 1024  # the file is 20 MB; a batch is ~1 MB of text
    assert report.totals == {"EMAIL": blocks}
    assert report.files[0].records == blocks * 10
    assert max(engine.batches) <= 4
    assert seen == sorted(seen)
    assert seen[-1] == src.stat().st_size
    shrink = len("someone@example.com") - len("[EMAIL]")
    assert dst.stat().st_size == src.stat().st_size - blocks * shrink


def test_utf8_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    src, dst = tmp_path / "bom.txt", tmp_path / "out.txt"
    src.write_bytes(b"\xef\xbb\xbfhi a@b.co\n")
    redact_path(src, dst, FakeEngine())
    assert dst.read_bytes() == b"hi [EMAIL]\n"


def test_latin1_needs_the_encoding_option(tmp_path: Path) -> None:
    src, dst = tmp_path / "latin.txt", tmp_path / "out.txt"
    src.write_bytes("ok\ncafé a@b.co\n".encode("latin-1"))
    with pytest.raises(InputError, match="--encoding") as err:
        redact_path(src, dst, FakeEngine())
    assert (err.value.file, err.value.line) == (str(src), 2)
    redact_path(src, dst, FakeEngine(), encoding="latin-1")
    assert dst.read_text(encoding="utf-8") == "ok\ncafé [EMAIL]\n"  # output is UTF-8


def test_undecodable_byte_names_its_line_across_chunks(tmp_path: Path) -> None:
    src = tmp_path / "bad.txt"
    body = ("x" * 99 + "\n") * 7000  # 700 KB: the bad byte is in the third chunk
    src.write_bytes(body.encode() + b"line 7001 \xff\xfe here\n" + b"tail\n")
    with pytest.raises(InputError) as err:
        scan_path(src, FakeEngine(scan_only=True))
    assert (err.value.file, err.value.line) == (str(src), 7001)
    assert "\\xff" not in str(err.value)
    assert "0xff" not in str(err.value)


def test_multibyte_character_split_between_reads_is_fine(tmp_path: Path) -> None:
    src, dst = tmp_path / "utf8.txt", tmp_path / "out.txt"
    text = "é" * 200_000 + "\n"  # 400 KB: a read boundary falls inside a character
    src.write_text(text, encoding="utf-8")
    redact_path(src, dst, FakeEngine())
    assert dst.read_text(encoding="utf-8") == text


def test_unknown_encoding_is_a_config_error(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown encoding"):
        scan_path(src, FakeEngine(), encoding="no-such-codec")


def test_unknown_suffix_is_text_when_it_decodes(tmp_path: Path) -> None:
    src, dst = tmp_path / "notes.cfg", tmp_path / "out.cfg"
    src.write_text("admin a@b.co\n", encoding="utf-8")
    assert redact_path(src, dst, FakeEngine()).files[0].format == "text"
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(InputError, match="not text"):
        redact_path(binary, tmp_path / "out.bin", FakeEngine())


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as err:
        scan_path(tmp_path / "nope.txt", FakeEngine())
    assert err.value.file == str(tmp_path / "nope.txt")
