#!/usr/bin/env bash
# Installs Checkov (PyPI checkov, pinned) for the policy tests, into a virtualenv under target/
# (DRPLAN_CHECKOV_VENV overrides where). Prints the checkov binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version="3.2.533"
exec bash scripts/install-pypi-tool.sh "${DRPLAN_CHECKOV_VENV:-target/checkov}" "checkov==$version" checkov "$version" checkov
