#!/usr/bin/env bash
# Train several model shapes at once on one GPU box and pack the int8 ONNX results.
# Needs .train/ carried (tab/presidio gold copies, synth.jsonl.gz, base4/ from
# `train_ner.py --save-base .train/base4 --layers 4`). Writes $OUT/models.tar.part-*.
# VARIANTS: space-separated LAYERS:FFN:HEADS[:all] (0 = unpruned; ":all" trains on the
# held-out sets too, for the shipped model). TAB_WEIGHT and EPOCHS apply to all.
set -euo pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/out}
VARIANTS=${VARIANTS:-"1:768 1:0 2:768 2:1024"}
mkdir -p "$OUT" .train/runs
[ -f .train/synth.jsonl ] || gunzip -k .train/synth.jsonl.gz
names=()
for v in $VARIANTS; do
  IFS=: read -r L F H ALL <<< "$v"
  name="L${L}f${F}h${H}${ALL:+-all}"
  names+=("$name")
  extra=(); [ -n "${ALL:-}" ] && extra=(--all-data)
  python3 training/train_ner.py --data .train --base .train/base4 --layers "$L" --ffn "$F" --heads "${H:-0}" \
    --epochs "${EPOCHS:-4}" --max-steps "${MAX_STEPS:-0}" --limit "${LIMIT:-0}" --batch 32 \
    --lr 1e-4 --tab-weight "${TAB_WEIGHT:-3}" "${extra[@]}" --out ".train/runs/$name" > ".train/runs/$name.log" 2>&1 &
done
wait
for name in "${names[@]}"; do
  echo "== $name"; grep -vi warn ".train/runs/$name.log" | grep -A14 '"tab_dev"' || tail -5 ".train/runs/$name.log"
  rm -f ".train/runs/$name/model.fp32.onnx"
  cp ".train/runs/$name.log" ".train/runs/$name/train.log"
done
tar -C .train/runs -cf - "${names[@]}" | split -b 15m - "$OUT/models.tar.part-"
ls -la "$OUT"
