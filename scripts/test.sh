#!/usr/bin/env bash
# Runs drplan's whole test suite on a fresh machine: unit, integration (snapshot) and doc tests.
# Installs what the tests need first, so it works from a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tests drive the real binary and snapshot its output; insta must never write snapshots in CI.
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The AWS backend is tested against moto_server (a real AWS API emulator), pinned, under target/.
DRPLAN_MOTO_SERVER="$(bash scripts/install-moto.sh)"
export DRPLAN_MOTO_SERVER
# Policy tests run Checkov (PyPI checkov, pinned) on real plans.
DRPLAN_CHECKOV="$(bash scripts/install-checkov.sh)"
export DRPLAN_CHECKOV

# Data checks are tested against real PostgreSQL and MariaDB servers (Debian's packages), which
# the tests start on loopback themselves.
bash scripts/install-databases.sh

# Tests whose dependency is missing (moto, Checkov, the database servers, ssh-keygen and openssl,
# terraform-provider-aws, Terraform) are ignored by name with the reason (build.rs); DRPLAN_ALL_TIERS=1 (CI) makes a
# missing one fail instead. The summary at the end says what ran.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked --all-targets 2>&1 | tee "$log" || status=$?
if [ "$status" -eq 0 ]; then
  cargo test --locked --doc 2>&1 | tee -a "$log" || status=$?
fi
bash scripts/test-summary.sh "$log"
exit "$status"
