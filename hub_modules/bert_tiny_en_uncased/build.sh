#!/usr/bin/env bash
# Builds bert_tiny_en_uncased: WordPiece vocab + BERT-Tiny pretraining on the
# WordNet corpus + TF-Hub export, with the tfnlp CLI and this folder's
# config.json.
#
# Usage: hub_modules/bert_tiny_en_uncased/build.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to build/hub_modules/bert_tiny_en_uncased.
#   STEPS=200 overrides the pretraining steps (a quick smoke build).
# Needs WordNet: apt-get install -y wordnet-base.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-build/hub_modules/bert_tiny_en_uncased}"
cfg() {
  python -c "import json,sys; v=json.load(open('$HERE/config.json'))
for k in sys.argv[1].split('.'): v=v[k]
print(str(v).lower() if isinstance(v, bool) else v)" "$1"
}
mkdir -p "$OUT"

CORPUS="$(python -c 'from tfnlp.data.wordnet import wordnet_corpus; print(wordnet_corpus())')"
echo "corpus: $CORPUS"

tfnlp vocab \
  --input="$CORPUS" \
  --vocab_size="$(cfg vocab.vocab_size)" \
  --output="$OUT/vocab.txt"

tfnlp pretrain \
  --input="$CORPUS" \
  --vocab="$OUT/vocab.txt" \
  --preset="$(cfg pretrain.preset)" \
  --objective="$(cfg pretrain.objective)" \
  --seq_length="$(cfg pretrain.seq_length)" \
  --batch_size="$(cfg pretrain.batch_size)" \
  --steps="${STEPS:-$(cfg pretrain.steps)}" \
  --model_dir="$OUT/$(cfg outputs.model_dir)"

MLM_FLAG=()
if [ "$(cfg export.with_mlm)" = "true" ]; then MLM_FLAG=(--with_mlm); fi
tfnlp export \
  --model_dir="$OUT/$(cfg outputs.model_dir)" \
  --output="$OUT/modules" \
  "${MLM_FLAG[@]}"
cp "$(python -c 'import os, tfnlp.data as d; print(os.path.join(os.path.dirname(d.__file__), "WORDNET_LICENSE"))')" "$OUT/"
echo "built $OUT/modules/encoder $OUT/modules/preprocess"
