#!/usr/bin/env bash
# Install everything the project needs on a fresh machine. Usage: bash scripts/setup.sh [--dev]
#   --dev  also the test tools (pytest, ruff, playwright) and Debian's chromium for the browser test.
# torch goes in first, pinned to the local CPU wheel: a bare `torch` requirement would pull gigabytes of CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PIP=("$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)

"${PIP[@]}" "torch==2.13.0"
if [[ "${1:-}" == "--dev" ]]; then
    "${PIP[@]}" -e ".[dev]"
    if [[ ! -x /usr/bin/chromium ]]; then
        echo "installing Debian chromium for the browser test..."
        SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
else
    "${PIP[@]}" -e .
fi
"$PYTHON" -c "import torch, sys; assert torch.__version__.startswith('2.13.0'), torch.__version__; \
print('setup done: torch', torch.__version__, 'cpu-only' if not torch.cuda.is_available() else '')"
