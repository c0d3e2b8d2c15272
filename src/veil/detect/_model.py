"""The statistical NER detector: a fine-tuned MiniLM tagger run with ONNX Runtime.

The weights ship inside the package (``veil/models/minilm-pii``, int8, ~20 MB);
nothing is fetched at run time. training/train_ner.py reproduces them and
docs/decisions/0002-ner-model.md says why this model.
"""

from __future__ import annotations

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
        inputs = [pack(doc.ids, doc.shapes, w) for w in wins]
        for w, row in zip(wins, self._logits(inputs), strict=True):
            _keep(row, w, tags, probs)
        return self._spans(doc, *self._by_word(doc, tags, probs))

    def _by_word(
        self, doc: _Doc, tags: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """One decision per word: every piece of a word ("123" "##4", "mc" "##donald")
        takes the tag and score of its most confident piece. Spans are widened to whole
        words anyway; pieces with different labels would give one word two findings."""
        if len(tags) < 2:
            return tags, probs
        bounds, text = doc.bounds, doc.text
        glued = bounds[1:, 0] == bounds[:-1, 1]
        if not glued.any():
            return tags, probs
        for k in np.flatnonzero(glued).tolist():  # glued pieces: same word if both sides are alnum
            glued[k] = text[bounds[k + 1, 0]].isalnum() and text[bounds[k, 1] - 1].isalnum()
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
        encs = self._tokenizer.encode_batch([readable(t) for t in texts], add_special_tokens=False)
        docs = []
        for text, enc in zip(texts, encs, strict=True):
            bounds = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            docs.append(_Doc(text, np.asarray(enc.ids, np.int64), shape_ids(text, bounds), bounds))
        return docs

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
        starts = np.concatenate(([0], np.flatnonzero(breaks) + 1))
        ends = np.concatenate((starts[1:], [len(idx)]))
        means = np.add.reduceat(probs[idx], starts) / (ends - starts)
        first, last = idx[starts], idx[ends - 1]
        # an edge preposition is trimmed only where no other finding continues the text
        # ("Borough of" + "Southwark" is one place, split by the model)
        tagged = np.concatenate(([0], tags, [0])) != 0
        open_start, open_end = ~tagged[first], ~tagged[last + 2]
        found = (
            self._finding(doc, *run)
            for run in zip(
                first.tolist(),
                last.tolist(),
                tags[first].tolist(),
                means.tolist(),
                open_start.tolist(),
                open_end.tolist(),
                strict=True,
            )
        )
        return [f for f in found if doc.text[f.start : f.end].casefold() not in FUNCTION_WORDS]

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

    def _finding(
        self, doc: _Doc, first: int, last: int, tag: int, score: float, *open_edges: bool
    ) -> Finding:
        label = self._labels[tag]
        assert label is not None
        start, end = _word_bounds(doc.text, int(doc.bounds[first, 0]), int(doc.bounds[last, 1]))
        if label in RANGES:
            start, end = _trim_punctuation(doc.text, start, end)
        else:
            start, end = _trim(doc.text, start, end, *open_edges)
        return Finding(start, end, label, score, self.name)


# Stretches of input the model does not read (it gets blanks of the same length, so
# offsets stay true); the pattern layer still scans them. Both are text the model
# cannot judge, and both would otherwise cost model time per character on hostile input:
# - runs of 200+ characters without whitespace: encoded data (base64, hashes, minified
#   code, long URLs, filler) that no natural language writes as one word;
# - stretches of text (pieces of 2,048 characters) mostly in scripts the model was never
#   trained on (it reads Latin-script English, German, French, Spanish): on those an
#   English encoder flags words wholesale (see ``Analyzer``'s language guard). A Greek
#   street or a Cyrillic name inside English prose is still read.
LONG_RUN = 200
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{LONG_RUN},}}")  # starts only at a run: linear
_SEGMENT = re.compile(r"[\s\S]{1,2048}")
# Latin scripts with their marks, spaces, punctuation, currency and letterlike symbols
_FOREIGN = re.compile(r"[^\x00-\u036f\u1e00-\u1eff\u2000-\u214f\s]")


def readable(text: str) -> str:
    """``text`` with what the model should not read replaced by spaces (same length)."""
    text = _LONG_RUN.sub(_blank, text)
    if text.isascii():
        return text
    return _SEGMENT.sub(_blank_foreign, text)


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _blank_foreign(match: re.Match[str]) -> str:
    segment = match.group()
    if segment.isascii():
        return segment
    foreign = len(_FOREIGN.findall(segment))
    visible = len(segment) - segment.count(" ")
    return _blank(match) if foreign * 2 > visible else segment


def _keep(
    logits: npt.NDArray[np.float32],
    win: Window,
    tags: npt.NDArray[np.int64],
    probs: npt.NDArray[np.float32],
) -> None:
    """Write the kept middle of one window's predictions into the document arrays.

    A token is tagged with its best entity tag whenever P(entity) = 1 - P(O) reaches
    FLOOR, and scored with that P(entity): the policy's ``min_score`` then sets the
    recall/over-redaction trade-off directly, instead of a hidden argmax.
    """
    lo, hi = win.keep_start - win.start, win.keep_end - win.start
    part = logits[lo:hi].astype(np.float32)
    part = np.exp(part - part.max(-1, keepdims=True))
    part /= part.sum(-1, keepdims=True)
    p_entity = 1.0 - part[:, 0]
    best = part[:, 1:].argmax(-1) + 1
    tags[win.keep_start : win.keep_end] = np.where(p_entity >= FLOOR, best, 0)
    probs[win.keep_start : win.keep_end] = p_entity


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


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to whole words: a mask that stops mid-word leaks the rest of it."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end
