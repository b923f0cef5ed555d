#!/usr/bin/env bash
# Set up DDE Playground on a fresh machine: a virtual environment in .venv with the pinned
# packages. `scripts/setup.sh dev` adds the test tools and Debian's chromium for browser tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
requirements=requirements.txt
[ "${1:-}" = "dev" ] && requirements=requirements-dev.txt
# Reinstall only when the requirements changed since the last successful install.
stamp=".venv/.installed-$(sha1sum "$requirements" requirements.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  # uv (from PyPI) installs the same pinned packages about four times faster than pip (20 s
  # against 80 s for requirements-dev.txt on a fresh venv here); pip does it if uv cannot.
  if ! { .venv/bin/python -m pip install --quiet uv \
      && .venv/bin/python -m uv pip install --quiet --python .venv/bin/python -r "$requirements"; }; then
    echo "uv could not install the requirements; installing them with pip instead."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$requirements"
  fi
  touch "$stamp"
fi

if [ "${1:-}" = "dev" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
