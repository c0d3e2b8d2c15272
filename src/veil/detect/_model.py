"""The statistical NER detector: a fine-tuned MiniLM tagger run with ONNX Runtime.

The weights ship inside the package (``veil/models/minilm-pii``, int8, ~20 MB);
nothing is fetched at run time. training/train_ner.py reproduces them and
docs/decisions/0002-ner-model.md says why this model.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from veil.detect._features import MAX_LEN, PAD_ID, Window, pack, shape_ids, windows
from veil.detect._types import Finding, Label
from veil.errors import DetectionError

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "minilm-pii"
MAX_GAP = 64  # characters between two tokens beyond which no entity continues
FLOOR = 0.15  # lowest P(entity) kept as a candidate; policies filter higher
BATCH = 16  # windows per ONNX call: amortises call overhead without much padding
WINDOW = (
    128  # tokens per window at inference: attention cost grows with it, context does not need more
)


@dataclass(frozen=True, slots=True)
class _Doc:
    text: str
    ids: npt.NDArray[np.int64]
    shapes: npt.NDArray[np.int64]
    bounds: npt.NDArray[np.int64]  # (tokens, 2): each token's start and end in ``text``
    alnum: npt.NDArray[np.bool_]  # per character of ``text``: isalnum()


class NerDetector:
    """Contextual entities (names, places, organisations, dates, ...) from the shipped model."""

    name = "model"

    def __init__(self, model_dir: Path | None = None, *, threads: int | None = None) -> None:
        self._dir = model_dir or MODEL_DIR
        self._threads = threads or min(4, len(os.sched_getaffinity(0)))
        meta = json.loads((self._dir / "meta.json").read_text())
        self.tags: list[str] = meta["tags"]
        self.version: str = meta.get("version", "unversioned")
        self.name = f"model:minilm-pii/{self.version}"
        self._labels = [_tag_label(t) for t in self.tags]
        self._begins = np.array([t.startswith("B-") for t in self.tags])
        names = sorted({t[2:] for t in self.tags if t != "O"})
        self._label_ids = np.array([names.index(t[2:]) + 1 if t != "O" else 0 for t in self.tags])
        self._location = names.index("LOCATION") + 1
        # B-X <-> I-X: a word's pieces continue its entity; its first piece says where one begins
        self._inside = np.array([self._tag_index("I", t) for t in self.tags])
        self._begin = np.array([self._tag_index("B", t) for t in self.tags])

    def _tag_index(self, prefix: str, tag: str) -> int:
        other = f"{prefix}-{tag[2:]}"
        return self.tags.index(other) if tag != "O" and other in self.tags else self.tags.index(tag)

    @cached_property
    def _session(self) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            return ort.InferenceSession(
                str(self._dir / "model.onnx"), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise DetectionError(f"cannot load the NER model in {self._dir}: {exc}") from None

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self._dir / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    def detect(self, text: str) -> list[Finding]:
        return self.detect_batch([text])[0]

    def detect_batch(self, texts: list[str]) -> list[list[Finding]]:
        """Findings per text. Each text's windows are batched only with each other:
        dynamic int8 quantisation scales by batch, so mixing texts would make one
        text's findings depend on its neighbours."""
        return [self._detect_doc(doc) for doc in self._encode(texts)]

    def _detect_doc(self, doc: _Doc) -> list[Finding]:
        if not len(doc.ids):  # empty, or nothing the model reads (see ``readable``)
            return []
        # a text that fits one training-size window is read whole (no overlap to recompute);
        # longer ones in WINDOW-token windows, whose attention costs less per token
        size = MAX_LEN if len(doc.ids) <= MAX_LEN - 2 else WINDOW
        wins = list(windows(len(doc.ids), size))
        tags = np.zeros(len(doc.ids), np.int64)
        probs = np.zeros(len(doc.ids), np.float32)
        if wins:
            logits = self._logits([pack(doc.ids, doc.shapes, w) for w in wins])
            _keep(logits, wins, tags, probs)
        return self._spans(doc, *self._by_word(doc, tags, probs))

    def _by_word(
        self, doc: _Doc, tags: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """One decision per word: every piece of a word ("123" "##4", "mc" "##donald")
        takes the tag and score of its most confident piece. Spans are widened to whole
        words anyway; pieces with different labels would give one word two findings."""
        if len(tags) < 2:
            return tags, probs
        bounds = doc.bounds
        glued = bounds[1:, 0] == bounds[:-1, 1]
        if not glued.any():
            return tags, probs
        k = np.flatnonzero(glued)  # glued pieces: same word if both sides are alnum
        glued[k] = doc.alnum[bounds[k + 1, 0]] & doc.alnum[bounds[k, 1] - 1]
        word = np.concatenate(([0], np.cumsum(~glued)))
        order = np.lexsort((-probs, word))  # per word, most confident piece first
        heads = np.flatnonzero(np.diff(np.concatenate(([-1], word[order]))))
        best = order[heads]  # best piece of each word, words in order
        inner = np.concatenate(([False], glued))
        first = tags[~inner]  # each word's first piece: B- there starts a new entity
        begins = np.where(first != 0, self._begins[first], self._begins[tags[best]])
        word_tags = np.where(begins, self._begin[tags[best]], self._inside[tags[best]])
        out = word_tags[word]
        return np.where(inner, self._inside[out], out), probs[best][word]

    def _logits(
        self, inputs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]
    ) -> list[Any]:
        """Logits per window, each distinct window computed once.

        Repetitive input (logs, templated mail, adversarial filler) yields many
        identical windows; computing each once keeps such input from costing the
        full model time per megabyte. Normal prose has no repeats and pays a hash.
        """
        keys = [x.tobytes() + s.tobytes() for x, s in inputs]
        first: dict[bytes, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        unique = list(first.values())
        out: dict[int, Any] = {}
        for start in range(0, len(unique), BATCH):
            chunk = unique[start : start + BATCH]
            out.update(zip(chunk, self._run([inputs[i] for i in chunk]), strict=True))
        return [out[first[key]] for key in keys]

    def _encode(self, texts: list[str]) -> list[_Doc]:
        """Tokenise every text in pieces of ~4k characters cut at whitespace (no token
        spans whitespace, so the tokens are those of the whole text): the tokenizer is
        ~2x faster on pieces than on one long string, and parallel across cores."""
        pieces: list[str] = []
        starts: list[int] = []
        ranges: list[tuple[int, int]] = []  # each text's pieces
        for text in texts:
            view, first = readable(text), len(pieces)
            for start, end in _cuts(view):
                pieces.append(view[start:end])
                starts.append(start)
            ranges.append((first, len(pieces)))
        encs = self._tokenizer.encode_batch(pieces, add_special_tokens=False)
        return [
            self._doc(text, encs[lo:hi], starts[lo:hi])
            for text, (lo, hi) in zip(texts, ranges, strict=True)
        ]

    @staticmethod
    def _doc(text: str, encs: list[Any], starts: list[int]) -> _Doc:
        sizes = [len(e.ids) for e in encs]
        total = sum(sizes)
        ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encs), np.int64, total)
        # offsets are Python lists of pairs; fromiter reads them ~3x faster than asarray
        flat = itertools.chain.from_iterable(itertools.chain.from_iterable(e.offsets for e in encs))
        bounds = np.fromiter(flat, np.int64, 2 * total).reshape(-1, 2)
        bounds += np.repeat(np.asarray(starts, np.int64), sizes)[:, None]
        return _Doc(text, ids, shape_ids(text, bounds), bounds, _alnum_mask(text))

    def _run(self, inputs: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]) -> list[Any]:
        width = max(len(x) for x, _ in inputs)
        ids = np.full((len(inputs), width), PAD_ID, np.int64)
        shapes = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, (x, s) in enumerate(inputs):
            ids[row, : len(x)], shapes[row, : len(s)], mask[row, : len(x)] = x, s, 1
        feeds = {"input_ids": ids, "attention_mask": mask, "shape_ids": shapes}
        try:
            (logits,) = self._session.run(["logits"], feeds)
        except Exception as exc:  # fail closed: the caller must not release the text
            raise DetectionError(f"NER model failed: {type(exc).__name__}") from None
        return [logits[row, 1 : len(x) - 1] for row, (x, _) in enumerate(inputs)]

    def _spans(
        self, doc: _Doc, tags: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
    ) -> list[Finding]:
        """Group runs of adjacent tokens with one label (a B- tag starts a new run)."""
        idx = np.flatnonzero(tags)
        if not len(idx):
            return []
        labels = self._label_ids[tags[idx]]
        breaks = (np.diff(idx) != 1) | (np.diff(labels) != 0) | self._begins[tags[idx[1:]]]
        breaks |= self._line_breaks(doc, idx, labels)
        # tokens either side of a stretch the model did not read (``readable``) are
        # neighbours in the token sequence, not in the text: no entity spans the gap
        breaks |= doc.bounds[idx[1:], 0] - doc.bounds[idx[:-1], 1] >= MAX_GAP
        starts = np.concatenate(([0], np.flatnonzero(breaks) + 1))
        ends = np.concatenate((starts[1:], [len(idx)]))
        means = np.add.reduceat(probs[idx], starts) / (ends - starts)
        first, last = idx[starts], idx[ends - 1]
        # an edge preposition is trimmed only where no other finding continues the text
        # ("Borough of" + "Southwark" is one place, split by the model)
        tagged = np.concatenate(([0], tags, [0])) != 0
        open_start, open_end = ~tagged[first], ~tagged[last + 2]
        starts, ends = _word_bounds(doc.alnum, doc.bounds[first, 0], doc.bounds[last, 1])
        text, out = doc.text, []
        for wide_start, wide_end, tag, score, lead, tail in zip(
            starts.tolist(),
            ends.tolist(),
            tags[first].tolist(),
            means.tolist(),
            open_start.tolist(),
            open_end.tolist(),
            strict=True,
        ):
            label = self._labels[tag]
            assert label is not None
            start, end = wide_start, wide_end
            if label in RANGES:
                start, end = _trim_punctuation(text, start, end)
            elif not text[start:end].isalnum():  # one plain word: nothing to trim
                start, end = _trim(text, start, end, lead, tail)
            short = end - start <= LONGEST_FUNCTION_WORD
            if not short or text[start:end].casefold() not in FUNCTION_WORDS:
                out.append(Finding(start, end, label, score, self.name))
        return out

    def _line_breaks(
        self, doc: _Doc, idx: npt.NDArray[np.intp], labels: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """A name or an organisation does not continue over a line break ("Siemens.\n
        Margaret" is two entities); addresses do, so LOCATION runs may."""
        newlines = np.cumsum(np.frombuffer(doc.text.encode("utf-32-le"), np.uint32) == 10)
        newlines = np.concatenate(([0], newlines))
        ends, starts = doc.bounds[idx[:-1], 1], doc.bounds[idx[1:], 0]
        gap_has_newline = newlines[np.maximum(starts, ends)] > newlines[ends]
        return gap_has_newline & (labels[1:] != self._location)  # type: ignore[no-any-return]


# Stretches of input the model does not read (it gets blanks of the same length, so
# offsets stay true); the pattern layer still scans them. All are text the model
# cannot judge, and all would otherwise cost model time per character on hostile input:
# - runs of 200+ characters without whitespace: encoded data (base64, hashes, minified
#   code, long URLs, filler) that no natural language writes as one word;
# - the inside of runs of 256+ characters without a letter (number tables, digit
#   filler): nothing there is a name, place or organisation, and numbers with a format
#   are the patterns' job; the first and last 64 characters stay, so a number right
#   after "account no." keeps its context;
# - stretches of text (pieces of 2,048 characters) mostly in scripts the model was never
#   trained on (it reads Latin-script English, German, French, Spanish): on those an
#   English encoder flags words wholesale (see ``Analyzer``'s language guard). A Greek
#   street or a Cyrillic name inside English prose is still read.
LONG_RUN = 200
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{LONG_RUN},}}")  # starts only at a run: linear
LETTERLESS, LETTERLESS_EDGE = 256, 64
# [\W\d_] is "not a letter"; the lookbehind starts a match only where a run starts: linear
_LETTERLESS = re.compile(rf"(?<![\W\d_])[\W\d_]{{{LETTERLESS},}}")
_SEGMENT = re.compile(r"[\s\S]{1,2048}")
# Latin scripts with their marks, spaces, punctuation, currency and letterlike symbols
_FOREIGN = re.compile(r"[^\x00-\u036f\u1e00-\u1eff\u2000-\u214f\s]")


def readable(text: str) -> str:
    """``text`` with what the model should not read replaced by spaces (same length)."""
    text = _LETTERLESS.sub(_blank_inside, _LONG_RUN.sub(_blank, text))
    if text.isascii():
        return text
    return _SEGMENT.sub(_blank_foreign, text)


PIECE = 4096  # characters per tokenizer call (see ``_encode``)
_NEXT_SPACE = re.compile(r"[ \t\n\r]")  # what the tokenizer splits on (\x0b is removed)


def _cuts(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` pieces of about PIECE characters covering ``text``, each cut
    just after a space, tab or line break (text separated only by other spaces, such
    as U+00A0, stays one piece: slower, never wrong)."""
    cuts, start = [], 0
    while len(text) - start > PIECE:
        space = _NEXT_SPACE.search(text, start + PIECE)
        if space is None:
            break
        cuts.append((start, space.end()))
        start = space.end()
    cuts.append((start, len(text)))
    return cuts


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _blank_inside(match: re.Match[str]) -> str:
    run, edge = match.group(), LETTERLESS_EDGE
    return run[:edge] + " " * (len(run) - 2 * edge) + run[-edge:]


def _blank_foreign(match: re.Match[str]) -> str:
    segment = match.group()
    if segment.isascii():
        return segment
    foreign = len(_FOREIGN.findall(segment))
    visible = len(segment) - segment.count(" ")
    return _blank(match) if foreign * 2 > visible else segment


_ASCII_ALNUM = np.array([chr(c).isalnum() for c in range(128)])


def _keep(
    logits: list[npt.NDArray[np.float32]],
    wins: list[Window],
    tags: npt.NDArray[np.int64],
    probs: npt.NDArray[np.float32],
) -> None:
    """Write the kept middle of every window's predictions into the document arrays.

    A token is tagged with its best entity tag whenever P(entity) = 1 - P(O) reaches
    FLOOR, and scored with that P(entity): the policy's ``min_score`` then sets the
    recall/over-redaction trade-off directly, instead of a hidden argmax. Identical
    windows share one logits array (``_logits``), so each is decided once.
    """
    decided: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
    for win, row in zip(wins, logits, strict=True):
        found = decided.get(id(row))
        if found is None:
            found = decided[id(row)] = _decide(row)
        lo, hi = win.keep_start - win.start, win.keep_end - win.start
        tags[win.keep_start : win.keep_end] = found[0][lo:hi]
        probs[win.keep_start : win.keep_end] = found[1][lo:hi]


def _decide(
    logits: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Per token: the best entity tag where P(entity) >= FLOOR (else 0), and P(entity)."""
    part = np.exp(logits - logits.max(-1, keepdims=True))
    part /= part.sum(-1, keepdims=True)
    p_entity = (1.0 - part[:, 0]).astype(np.float32)
    best = part[:, 1:].argmax(-1) + 1
    return np.where(p_entity >= FLOOR, best, 0), p_entity


def _tag_label(tag: str) -> Label | None:
    return None if tag == "O" else Label(tag.split("-", 1)[1])


_EDGE = frozenset(" \t\r\n,;:!?\"'()[]{}<>“”‘’«»")


# Closed-class words are never an entity on their own; the model occasionally tags one
# ("She" as a person, "a" as a name) next to a real entity.
FUNCTION_WORDS = frozenset(
    "i me my you your he him his she her it its we our they them their this that these "  # noqa: SIM905 - a word list reads best as text
    "those a an the and or but nor so yet if then than of in on at to for from by with "
    "as into onto is am are was were be been being do does did has have had not no yes".split()
)
LONGEST_FUNCTION_WORD = max(map(len, FUNCTION_WORDS))  # longer spans need no lookup


def _trim(text: str, start: int, end: int, lead: bool = True, tail: bool = True) -> tuple[int, int]:
    """Drop what a token run picked up at its edges: punctuation ("Acme Corp," -> "Acme
    Corp"; a final '.' stays only after an abbreviation-like word: "Inc.", "Dr.", "J.")
    and lowercase function words ("Siemens and" -> "Siemens", "of London" -> "London")."""
    while True:
        start, end = _trim_punctuation(text, start, end)
        span = text[start:end]
        last, first = _LAST_WORD.search(span), _FIRST_WORD.match(span)
        if last and last.group(1) in (FUNCTION_WORDS if tail else CONJUNCTIONS):
            end = start + last.start()
        elif first and first.group(1) in (LEADING_WORDS if lead else CONJUNCTIONS):
            start += first.end()
        else:
            return start, end


# labels whose values run over function words ("between 1980 and 1981", "three of the
# four cars"): the model's span continues into the next one, so its edges stay
RANGES = frozenset({Label.DATE, Label.QUANTITY, Label.AGE})
_LAST_WORD = re.compile(r"\s+([a-z]+)$")
_FIRST_WORD = re.compile(r"([a-z]+)\s+")
# never the edge of a value, even where another finding follows ("Citigroup and" + "Acme")
CONJUNCTIONS = frozenset({"and", "or", "but", "nor"})
# function words an entity may start with ("the Hague", "her Majesty" stay whole)
LEADING_WORDS = frozenset(
    "and or but nor so yet if then than of in on at to for from by with as into onto".split()  # noqa: SIM905 - a word list reads best as text
)


def _trim_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end - 1 and text[start] in _EDGE:
        start += 1
    while end > start + 1 and text[end - 1] in _EDGE:
        end -= 1
    if end - start > 1 and text[end - 1] == "." and not _abbreviation(text, start, end - 1):
        end -= 1
    return start, end


def _abbreviation(text: str, start: int, dot: int) -> bool:
    word = text[start:dot].rsplit(maxsplit=1)[-1] if text[start:dot].strip() else ""
    return 0 < len(word) <= 3 and word.isalpha()


def _word_bounds(
    alnum: npt.NDArray[np.bool_], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Spans widened to whole words (``alnum``: the text's alphanumeric characters):
    a mask that stops mid-word leaks the rest of it."""
    if not len(starts):
        return starts, ends
    n = len(alnum)
    at = np.arange(n)
    # last non-alphanumeric character at or before i; first at or after i
    before = np.maximum.accumulate(np.where(alnum, -1, at))
    after = np.minimum.accumulate(np.where(alnum, n, at)[::-1])[::-1]
    after = np.append(after, n)
    wide_starts = np.where(starts > 0, before[np.maximum(starts - 1, 0)] + 1, 0)
    return wide_starts, after[ends]


def _alnum_mask(text: str) -> npt.NDArray[np.bool_]:
    """``c.isalnum()`` for every character of ``text``."""
    if text.isascii():
        return _ASCII_ALNUM[np.frombuffer(text.encode("ascii"), np.uint8)]
    points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    wide, where = np.unique(points[points >= 128], return_inverse=True)
    mask = _ASCII_ALNUM[np.minimum(points, 127)] & (points < 128)
    mask[points >= 128] = np.array([chr(c).isalnum() for c in wide.tolist()], bool)[where]
    return mask
