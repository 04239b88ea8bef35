#!/usr/bin/env bash
# Train, evaluate and export the three shipped models on one GPU in at most 9 minutes, side by side.
#
#   OUT=/path/to/results bash training/gpu_run.sh            # on the GPU machine (the device tool sets $OUT)
#   OUT=/tmp/rehearsal PYTHON=/usr/bin/python3 PRESET=tiny DEVICE=cpu PRETRAIN=10 FINETUNE=30 EVAL_LIMIT=20 \
#     MODELS_DIR=/tmp/rehearsal/models RUNS_DIR=/tmp/rehearsal/runs bash training/gpu_run.sh   # CPU rehearsal
#
# Writes into $OUT at most 5 files, each under 16 MiB: bundle-<language>.tar.gz (public/models/<language>/ with
# manifest, tokenizer, int8 shards and eval.json) for bash, python and cf, and reports.tar.gz (test
# predictions, eval.json, train logs and stdout of every language, nvidia-smi). Unpack the bundles at the
# repository root: `for f in bundle-*.tar.gz; do tar xzf $f; done`.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:?set OUT to the folder that collects the results}
PYTHON=${PYTHON:-python3}
PRESET=${PRESET:-base}
DEVICE=${DEVICE:-auto}
PRETRAIN=${PRETRAIN:-110}    # seconds of pre-training per language
FINETUNE=${FINETUNE:-250}    # seconds of fine-tuning per language
DEADLINE=${DEADLINE:-500}    # seconds after start by which each language must be done (the K curve is skipped otherwise)
HARD_LIMIT=${HARD_LIMIT:-520} # a language still running then is stopped, and whatever it wrote is packed
EVAL_LIMIT=${EVAL_LIMIT:-0}
K_CURVE_LANGUAGE=${K_CURVE_LANGUAGE:-cf}
K_CURVE=${K_CURVE:-10,25,50,100,200}
LANGUAGES=${LANGUAGES:-bash python cf}
MODELS_DIR=${MODELS_DIR:-public/models}  # where the bundles go (a rehearsal points this elsewhere)
RUNS_DIR=${RUNS_DIR:-runs/gpu}

mkdir -p "$OUT" "$RUNS_DIR"
started=$(date +%s)
{ nvidia-smi 2>/dev/null || echo "no nvidia-smi"; "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"; } > "$RUNS_DIR/machine.txt" 2>&1

for language in $LANGUAGES; do
  extra=()
  if [ "$language" = "$K_CURVE_LANGUAGE" ]; then extra+=(--k-curve "$K_CURVE"); fi
  timeout --signal=TERM "$HARD_LIMIT" "$PYTHON" -u -m training.pipeline --language "$language" --preset "$PRESET" \
    --run "$RUNS_DIR/$language" --bundle "$MODELS_DIR/$language" --deadline "$DEADLINE" --eval-limit "$EVAL_LIMIT" \
    --device "$DEVICE" --pretrain_seconds "$PRETRAIN" --pretrain_steps 0 --finetune_seconds "$FINETUNE" --finetune_steps 0 \
    "${extra[@]}" > "$RUNS_DIR/$language.log" 2>&1 &
done
status=0
for job in $(jobs -p); do wait "$job" || status=1; done

for language in $LANGUAGES; do
  tail -n 30 "$RUNS_DIR/$language.log"
  if [ -f "$MODELS_DIR/$language/manifest.json" ]; then
    tar czf "$OUT/bundle-$language.tar.gz" "$MODELS_DIR/$language"
  fi
done
tar czf "$OUT/reports.tar.gz" --exclude='*.pt' "$RUNS_DIR"
ls -la "$OUT"
echo "gpu_run: $(( $(date +%s) - started ))s in all, exit $status"
exit $status
