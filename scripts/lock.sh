#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml's ranges: every dependency, direct and transitive,
# pinned to one version with its hashes, for CPython 3.11 on x86_64 Linux (the machines we run on).
#   requirements.lock      what `bash scripts/setup.sh` installs (the chat page, the CLI, the API)
#   requirements-dev.lock  what `bash scripts/setup.sh --dev` installs (the above + the test tools)
# Usage: bash scripts/lock.sh        (then commit both files)
# torch is the local CPU wheel (PIP_FIND_LINKS, /opt/wheels here): its hash is that file's.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
compile=("$tools/venv/bin/uv" pip compile --quiet --generate-hashes --python-version 3.11
    --python-platform x86_64-unknown-linux-gnu --find-links "${PIP_FIND_LINKS:-/opt/wheels}"
    --custom-compile-command "bash scripts/lock.sh")
"${compile[@]}" pyproject.toml scripts/build-requirements.in -o requirements.lock
"${compile[@]}" pyproject.toml scripts/build-requirements.in --extra dev -o requirements-dev.lock
echo "wrote requirements.lock ($(grep -c '==' requirements.lock) pins) and requirements-dev.lock ($(grep -c '==' requirements-dev.lock) pins)"
