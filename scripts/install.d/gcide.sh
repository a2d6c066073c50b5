#!/usr/bin/env bash
# GCIDE (Webster's 1913 + additions, GPL-2+): the 40 MB English corpus that
# word2vec/GloVe train on (tfnlp.data.gcide). Debian package `dict-gcide`
# puts it in /usr/share/dictd/gcide.dict.dz. Idempotent and quiet.
#   bash scripts/install.d/gcide.sh [test]
set -euo pipefail
if [ -f /usr/share/dictd/gcide.dict.dz ]; then
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show dict-gcide >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
# --no-install-recommends: the data only, without the dictd server.
$SUDO apt-get install -y -qq --no-install-recommends dict-gcide >/dev/null
