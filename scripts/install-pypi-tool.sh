#!/usr/bin/env bash
# Installs a pinned PyPI tool the tests need into its own virtualenv and prints the path of its
# binary (everything else goes to stderr). Idempotent: does nothing when the pinned version is
# already there. Usage: install-pypi-tool.sh VENV REQUIREMENT DIST VERSION BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$1" requirement="$2" dist="$3" version="$4" binary="$5"
if [ -x "$venv/bin/$binary" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$dist') != '$version')" 2>/dev/null; then
  echo "$(cd "$venv" && pwd)/bin/$binary"
  exit 0
fi
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "$requirement" >&2
echo "$(cd "$venv" && pwd)/bin/$binary"
