#!/usr/bin/env bash
# The shipped models, trained on this 2-core CPU (docs/training.md, docs/results.md): the cpu preset (slots, two
# retrieved codes, the denoising-loss ranking of samples + retrieved codes), fine-tuning only, one thread per run,
# checkpoints every 5 minutes (a stopped run goes on with RESUME=1). Then the pipeline exports each int8 bundle into
# public/models/<language>/ and scores it on the full test split (eval.json, with the pool's parts as variants).
#
#   bash training/cpu_models.sh                 # train all three (two at a time), then export and evaluate
#   LANGUAGES=cf bash training/cpu_models.sh    # one language
#   STAGE=ship bash training/cpu_models.sh      # only export + evaluate runs trained before
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS_DIR=${RUNS_DIR:-runs}
MODELS_DIR=${MODELS_DIR:-public/models}
LANGUAGES=${LANGUAGES:-bash python cf}
STAGE=${STAGE:-all}
RESUME=${RESUME:-0}
export OMP_NUM_THREADS=1

# What each shipped model was trained with (seconds or steps of fine-tuning on one core of this machine).
declare -A ARGS=(
  [bash]="--finetune_seconds 3000"
  [python]="--finetune_seconds 2400 --retrieval_query template --dropout 0.1"
  [cf]="--finetune_steps 3000 --max_code_len 32 --max_utterance_len 96 --dropout 0.1 --column_pairs 2 --tagger_threshold 0.04 --grammar_pairs 3000"
)
# A second stage that goes on from the first (--resume extends the finished phase): Bash's last 4,800 s on its
# own training split only, without the tldr pairs (74 % of the first stage's pairs, unlike the test requests).
declare -A EXTEND=(
  [bash]="--finetune_seconds 7800 --extra_pairs false"
)
# How each model ranks (sample.generate), whatever its checkpoint says: CF ranks one pool (its samples, two of
# them edited from its two best known codes at t0 = 200, and five known codes) by the model's denoising loss, chosen
# on the everyday CF dev split (docs/results.md); Python the retrieved codes by that loss, then its samples (known-first); Bash's model orders the retrieved codes worse than retrieval does
# (docs/results.md), so there the codes of the 100 most similar known requests are shown as written, in the order of
# the noisy channel's log P(request | code) (training/channel.py); its pool's parts are scored on the first 400.
declare -A SHIP_ARGS=(
  [bash]="--rank channel --variants-limit 400"
  [python]="--rank known-first"
  [cf]="--rank denoise --sampler.edit_samples 2 --sampler.edit_t0 200"
)
# Bash and Python were trained before sampler.own_literals existed (absent = false); their manifests set it, measured
# with `python3 -m training.pipeline --language L --run runs/L-own --bundle public/models/L --reevaluate` (CF's preset
# sets it).

train_one() {
  local language=$1
  # shellcheck disable=SC2086
  "$PYTHON" -u -m training.train --language "$language" --preset cpu --out "$RUNS_DIR/$language-cpu" \
    --finetune_steps 0 --check_pairs 128 --log_every 200 --resume "$RESUME" ${ARGS[$language]}
  if [ -n "${EXTEND[$language]:-}" ]; then
    # shellcheck disable=SC2086
    "$PYTHON" -u -m training.train --language "$language" --preset cpu --out "$RUNS_DIR/$language-cpu" \
      --finetune_steps 0 --check_pairs 128 --log_every 200 --resume true ${ARGS[$language]} ${EXTEND[$language]}
  fi
}

ship_one() {
  local language=$1
  # shellcheck disable=SC2086
  "$PYTHON" -u -m training.pipeline --language "$language" --preset cpu --run "$RUNS_DIR/$language-cpu" \
    --bundle "$MODELS_DIR/$language" --skip-train --variants \
    --train-command "python3 -m training.train --language $language --preset cpu --finetune_steps 0 ${ARGS[$language]}${EXTEND[$language]:+, then --resume true ${EXTEND[$language]}}" \
    ${ARGS[$language]} ${EXTEND[$language]:-} ${SHIP_ARGS[$language]:-}
}

mkdir -p "$RUNS_DIR"
if [ "$STAGE" = all ] || [ "$STAGE" = train ]; then
  running=0
  for language in $LANGUAGES; do
    train_one "$language" > "$RUNS_DIR/$language-cpu.train.log" 2>&1 &
    running=$((running + 1))
    if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
  done
  wait
fi
if [ "$STAGE" = all ] || [ "$STAGE" = ship ]; then
  for language in $LANGUAGES; do
    ship_one "$language" > "$RUNS_DIR/$language-cpu.ship.log" 2>&1 &
  done
  wait
  tail -n 12 "$RUNS_DIR"/*-cpu.ship.log
fi
