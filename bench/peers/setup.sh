#!/usr/bin/env bash
# Create (idempotently) the peers' virtual environment at bench/.peers/venv with
# lm-evaluation-harness and inspect_ai, pinned.  Only PyPI is needed, once; after that
# the peers run fully offline (bench/peers/env.sh sets the offline switches).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
VENV="$BENCH/.peers/venv"
REQ="$HERE/requirements.txt"      # the two peers, pinned
LOCK="$HERE/requirements.lock.txt"  # every transitive package, pinned (pip freeze)
PY="${PEERS_PYTHON:-python3}"
STAMP="$VENV/.installed"

if [[ ! -x "$VENV/bin/python" ]]; then
  mkdir -p "$BENCH/.peers"
  "$PY" -m venv "$VENV"
fi

# Re-install only when the requirements or the lock changed since the last successful install.
want="$(cat "$REQ" "$LOCK" | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  "$VENV/bin/python" -m pip install --quiet -r "$REQ" -c "$LOCK"
  echo "$want" > "$STAMP"
fi

# assay itself, installed as a user installs it (core dependencies only, no dev extras),
# reinstalled from the working tree on every setup.
AVENV="$BENCH/.peers/assay-venv"
if [[ ! -x "$AVENV/bin/python" ]]; then
  "$PY" -m venv "$AVENV"
fi
"$AVENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$(dirname "$BENCH")"
"$AVENV/bin/python" -m pip install --quiet "$(dirname "$BENCH")"

# Offline from here on: the peers must only read local files.
export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_EVALUATE_OFFLINE=1
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("lm_eval", "inspect_ai", "datasets"):
    print(f"{name}=={md.version(name.replace('_', '-'))}")
PY
