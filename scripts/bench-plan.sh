#!/usr/bin/env bash
# Benchmark `drplan plan --live live.json --format json` on synthetic topologies with a matching
# live snapshot (see examples/gen_topology.rs).
# Usage: scripts/bench-plan.sh [SIZES...]   (default: 1000 10000 100000)
# Prints, per size, the median wall time and the peak RSS over 5 runs of the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
cargo build --quiet --release --bin drplan --example gen_topology
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %-10s %-12s %-28s %s\n' resources median_s peak_rss_mb runs_s plan
for n in "${sizes[@]}"; do
  ./target/release/examples/gen_topology --resources "$n" --out "$work/$n" >/dev/null
  times=() rss=0
  for _ in 1 2 3 4 5; do
    out=$( { /usr/bin/time -f '%e %M' ./target/release/drplan plan "$work/$n" --live "$work/$n/live.json" --format json >"$work/plan.json"; } 2>&1 | tail -1)
    times+=("${out% *}")
    kb=${out#* }; (( kb > rss )) && rss=$kb
  done
  summary=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(f\"+{s['add']} ~{s['change']} -{s['destroy']}\")" "$work/plan.json")
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf '%-10s %-10s %-12s %-28s %s\n' "$n" "$median" "$((rss / 1024))" "${times[*]}" "$summary"
done
