#!/usr/bin/env bash
# Install everything the project needs on a fresh machine, into a virtual environment of its own
# (.venv, or $NEWSQA_VENV), from the lock files: the same versions on every machine, checked by hash.
# Usage: bash scripts/setup.sh [--dev]
#   --dev  the test tools too (pytest, ruff, playwright, hypothesis) and Debian's chromium for the
#          browser test.
# torch goes in first, the local CPU wheel the lock names: a bare `torch` would pull gigabytes of CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${NEWSQA_VENV:-.venv}"
LOCK=requirements.lock
[[ "${1:-}" == "--dev" ]] && LOCK=requirements-dev.lock

[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --quiet --disable-pip-version-check --no-input)

torch_only=$(mktemp)
trap 'rm -f "$torch_only"' EXIT
awk '/^torch==/{keep=1} keep{print} keep && !/\\$/{exit}' "$LOCK" > "$torch_only"
"${PIP[@]}" --require-hashes --no-deps -r "$torch_only"
"${PIP[@]}" --require-hashes --no-deps -r "$LOCK"
"${PIP[@]}" --no-deps --no-build-isolation -e .
"$PY" -m pip check --disable-pip-version-check >/dev/null || { "$PY" -m pip check; exit 1; }

if [[ "${1:-}" == "--dev" && ! -x /usr/bin/chromium ]]; then
    echo "installing Debian chromium for the browser test..."
    SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
"$PY" -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__; \
print('setup done in $VENV: torch', torch.__version__, 'cpu-only' if not torch.cuda.is_available() else '')"
