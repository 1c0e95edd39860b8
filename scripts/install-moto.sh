#!/usr/bin/env bash
# Installs moto_server (PyPI moto[server], pinned) for the AWS backend tests, into a virtualenv
# under target/ (DRPLAN_MOTO_VENV overrides where). Prints the moto_server binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version="5.2.5"
exec bash scripts/install-pypi-tool.sh "${DRPLAN_MOTO_VENV:-target/moto}" "moto[server]==$version" moto "$version" moto_server
