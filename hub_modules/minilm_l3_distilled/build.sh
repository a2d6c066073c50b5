#!/usr/bin/env bash
# Builds minilm_l3_distilled: imports the all-MiniLM-L6-v2 teacher (the
# minilm_l6_uncased recipe), distils it into a 3-layer DistilBERT student on
# the embedded GCIDE corpus, and exports the student's TF-Hub modules, with
# the tfnlp CLI and this folder's config.json.
#
# Usage: hub_modules/minilm_l3_distilled/build.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to build/hub_modules/minilm_l3_distilled.
#   STEPS=20 overrides the distillation steps (a quick smoke build).
# Writes OUTPUT_DIR/teacher (the imported MiniLM), OUTPUT_DIR/model (the
# distillation run dir; OUTPUT_DIR/model/keras is the student's tfnlp model
# dir) and OUTPUT_DIR/modules/{encoder,preprocess}.
# Needs GCIDE: apt-get install -y dict-gcide.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-build/hub_modules/minilm_l3_distilled}"
cfg() {
  python -c "import json,sys; v=json.load(open('$HERE/config.json'))
for k in sys.argv[1].split('.'): v=v[k]
print(str(v).lower() if isinstance(v, bool) else v)" "$1"
}
mkdir -p "$OUT"

TEACHER="$OUT/$(cfg outputs.teacher)"
if [ ! -d "$TEACHER/keras" ]; then
  "$HERE/../$(cfg teacher.recipe)/build.sh" "$TEACHER"
fi

# The student's sizes, vocab and casing come from the teacher; this is
# `tfnlp pretrain --family=distilbert --objective=distill
#  --objective_options='{"teacher": ..., "student_layers": [0, 2, 4]}'`.
tfnlp distill \
  --teacher="$TEACHER/keras" \
  --student_layers="$(cfg distill.student_layers)" \
  --input="$(cfg corpus)" \
  --seq_length="$(cfg distill.seq_length)" \
  --batch_size="$(cfg distill.batch_size)" \
  --learning_rate="$(cfg distill.learning_rate)" \
  --steps="${STEPS:-$(cfg distill.steps)}" \
  --model_dir="$OUT/$(cfg outputs.model_dir)"

# Hidden-state distillation trains no MLM head, so there is no mlm subobject.
tfnlp export \
  --model_dir="$OUT/$(cfg outputs.model_dir)" \
  --output="$OUT/modules" \
  --seq_length="$(cfg export.seq_length)"
echo "built $OUT/modules/encoder $OUT/modules/preprocess"
