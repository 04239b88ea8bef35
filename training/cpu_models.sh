#!/usr/bin/env bash
# The interim shipped models, trained on a 2-core CPU because no GPU was lent (docs/results.md, "The shipped
# models"). Tiny preset, one thread per language, pre-training then fine-tuning for a fixed time, then the pipeline
# exports the int8 bundle into public/models/<language>/ and scores it on the full test split (eval.json).
# The GPU run replaces them: OUT=… bash training/gpu_run.sh (README).
#
#   bash training/cpu_models.sh                      # all three, side by side (about 35 minutes, then evaluation)
#   LANGUAGES=cf CF_PRETRAIN=1200 bash training/cpu_models.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS_DIR=${RUNS_DIR:-runs/cpu}
MODELS_DIR=${MODELS_DIR:-public/models}
LANGUAGES=${LANGUAGES:-bash python cf}
# seconds of pre-training / fine-tuning per language (what the shipped interim models got)
BASH_PRETRAIN=${BASH_PRETRAIN:-300};     BASH_FINETUNE=${BASH_FINETUNE:-1500}
PYTHON_PRETRAIN=${PYTHON_PRETRAIN:-240}; PYTHON_FINETUNE=${PYTHON_FINETUNE:-900}
CF_PRETRAIN=${CF_PRETRAIN:-240};         CF_FINETUNE=${CF_FINETUNE:-660}

mkdir -p "$RUNS_DIR"
for language in $LANGUAGES; do
  upper=$(echo "$language" | tr a-z A-Z)
  pretrain_var="${upper}_PRETRAIN"; finetune_var="${upper}_FINETUNE"
  OMP_NUM_THREADS=1 "$PYTHON" -u -m training.pipeline --language "$language" --preset tiny \
    --run "$RUNS_DIR/$language" --bundle "$MODELS_DIR/$language" --device cpu \
    --pretrain_seconds "${!pretrain_var}" --pretrain_steps 0 --finetune_seconds "${!finetune_var}" --finetune_steps 0 \
    > "$RUNS_DIR/$language.log" 2>&1 &
done
wait
tail -n 6 "$RUNS_DIR"/*.log
