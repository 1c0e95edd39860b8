#!/usr/bin/env bash
# Installs Checkov (PyPI checkov, pinned) for the policy tests, into a virtualenv under target/
# (DRPLAN_CHECKOV_VENV overrides where). Idempotent: does nothing when the pinned version is
# already there. Prints the checkov binary's path; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
version="3.2.533"
venv="${DRPLAN_CHECKOV_VENV:-target/checkov}"
if [ -x "$venv/bin/checkov" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('checkov') != '$version')" 2>/dev/null; then
  echo "$(cd "$venv" && pwd)/bin/checkov"
  exit 0
fi
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$version" >&2
echo "$(cd "$venv" && pwd)/bin/checkov"
