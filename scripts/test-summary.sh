#!/usr/bin/env bash
# Says what a `cargo test` run did, from its output (the file named by $1): per test binary how
# many tests passed, failed and were ignored, then every ignored test with its reason (a
# dependency missing on this machine), so a reader never mistakes a skipped tier for a pass.
set -euo pipefail
log="$1"
echo
echo "== What ran =="
awk '
  /^ *Running / { name = ($2 == "unittests" ? $3 : $2) }
  /^ *Doc-tests / { name = "doc tests " $2 }
  /^test result:/ {
    passed = $0; sub(/.*ok\. |.*FAILED\. /, "", passed)
    split(passed, f, /; /)
    printf "  %-40s %s, %s, %s\n", name, f[1], f[2], f[3]
  }
' "$log"
ignored="$(grep -E '^test .* \.\.\. ignored' "$log" || true)"
if [ -z "$ignored" ]; then
  echo "No test was ignored: every tier ran."
else
  echo "Ignored, by reason (install what they need, or run scripts/test.sh, to run them):"
  sed -E 's/^test (.*) \.\.\. ignored(, (.*))?$/\3\t\1/' <<<"$ignored" | sort | awk -F'\t' '
    $1 != reason { reason = $1; printf "  %s:\n", (reason == "" ? "no reason given" : reason) }
    { printf "    %s\n", $2 }'
fi
