#!/usr/bin/env bash
# Installs moto_server (PyPI moto[server], pinned) into .venv/ for the AWS backend tests.
# Idempotent: does nothing when the pinned version is already there. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version="5.2.5"
venv=".venv"
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$version')" 2>/dev/null; then
  echo "$PWD/$venv/bin/moto_server"
  exit 0
fi
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" >&2
echo "$PWD/$venv/bin/moto_server"
