#!/usr/bin/env bash
# Installs moto_server (PyPI moto[server], pinned) for the AWS backend tests, into a virtualenv
# under target/ (DRPLAN_MOTO_VENV overrides where). Idempotent: does nothing when the pinned
# version is already there. Prints the moto_server binary's path; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
version="5.2.5"
venv="${DRPLAN_MOTO_VENV:-target/moto}"
if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$version')" 2>/dev/null; then
  echo "$(cd "$venv" && pwd)/bin/moto_server"
  exit 0
fi
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" >&2
echo "$(cd "$venv" && pwd)/bin/moto_server"
