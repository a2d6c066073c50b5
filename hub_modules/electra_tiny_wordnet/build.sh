#!/usr/bin/env bash
# Builds electra_tiny_wordnet: WordPiece vocab + ELECTRA-Tiny replaced-token-
# detection pretraining on the WordNet corpus + TF-Hub export (the
# discriminator on the BERT encoder interface with its `rtd` subobject, and
# the preprocess module), with the tfnlp CLI and this folder's config.json.
#
# Usage: hub_modules/electra_tiny_wordnet/build.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to build/hub_modules/electra_tiny_wordnet.
#   STEPS=200 overrides the pretraining steps (a quick smoke build);
#   SEQ_LENGTH, BATCH_SIZE, VOCAB_SIZE and MAX_LINES shrink it further (tests).
# Needs WordNet: apt-get install -y wordnet-base.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-build/hub_modules/electra_tiny_wordnet}"
cfg() {
  python -c "import json,sys; v=json.load(open('$HERE/config.json'))
for k in sys.argv[1].split('.'): v=v[k]
print(json.dumps(v) if isinstance(v, dict) else str(v).lower() if isinstance(v, bool) else v)" "$1"
}
mkdir -p "$OUT"

CORPUS="$(python -c 'from tfnlp.data.wordnet import wordnet_corpus; print(wordnet_corpus())')"
echo "corpus: $CORPUS"

MAX_LINES_FLAG=()
if [ -n "${MAX_LINES:-}" ]; then MAX_LINES_FLAG=(--max_lines="$MAX_LINES"); fi
tfnlp vocab \
  --input="$CORPUS" \
  --kind="$(cfg vocab.kind)" \
  --vocab_size="${VOCAB_SIZE:-$(cfg vocab.vocab_size)}" \
  --output="$OUT/vocab.txt" \
  "${MAX_LINES_FLAG[@]}"

tfnlp pretrain \
  --family="$(cfg pretrain.family)" \
  --input="$CORPUS" \
  --vocab="$OUT/vocab.txt" \
  --preset="$(cfg pretrain.preset)" \
  --objective="$(cfg pretrain.objective)" \
  --objective_options="$(cfg pretrain.objective_options)" \
  --seq_length="${SEQ_LENGTH:-$(cfg pretrain.seq_length)}" \
  --batch_size="${BATCH_SIZE:-$(cfg pretrain.batch_size)}" \
  --steps="${STEPS:-$(cfg pretrain.steps)}" \
  --model_dir="$OUT/$(cfg outputs.model_dir)"

HEADS_FLAG=()
if [ "$(cfg export.with_heads)" = "true" ]; then HEADS_FLAG=(--with_heads); fi
tfnlp export \
  --model_dir="$OUT/$(cfg outputs.model_dir)" \
  --output="$OUT/modules" \
  --seq_length="${SEQ_LENGTH:-$(cfg export.seq_length)}" \
  "${HEADS_FLAG[@]}"
cp "$(python -c 'import os, tfnlp.data as d; print(os.path.join(os.path.dirname(d.__file__), "WORDNET_LICENSE"))')" "$OUT/"
echo "built $OUT/modules/encoder $OUT/modules/preprocess"
