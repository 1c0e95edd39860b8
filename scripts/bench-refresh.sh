#!/usr/bin/env bash
# Refresh benchmark: API calls per managed object and wall time of reading live state
# (`drplan snapshot`, the same reads `drplan plan` makes) with N owned objects in moto.
#   scripts/bench-refresh.sh [CELLS]   (32 objects per cell; default 32 cells = ~1,000 objects)
set -euo pipefail
cd "$(dirname "$0")/.."
cells="${1:-32}"
moto_server=$(bash scripts/install-moto.sh)
venv_python="$(dirname "$moto_server")/python"
cargo build --release --quiet 2>/dev/null || cargo build --quiet
bin=target/release/drplan; [ -x "$bin" ] || bin=target/debug/drplan
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_EC2_LOAD_DEFAULT_AMIS=false "$moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/moto-api/data.json" >/dev/null && break; sleep 0.2; done
objects=$("$venv_python" scripts/bench/seed_refresh.py "http://127.0.0.1:$port" "$cells")
dir=$(mktemp -d)
cat > "$dir/main.tf" <<'HCL'
recovery {
  stack  = "bench"
  region = "us-west-2"
}
provider "aws" {
  region = "us-west-2"
}
HCL
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x
for run in 1 2 3; do
  start=$(date +%s.%N)
  out=$("$bin" snapshot "$dir" --out "$dir/live.json" 2>&1)
  end=$(date +%s.%N)
  calls=$(echo "$out" | sed -n 's/.*(\([0-9]*\) API calls).*/\1/p')
  owned=$(python3 -c "import json; s=json.load(open('$dir/live.json')); print(sum(1 for o in s['objects'] if o.get('tags',{}).get('drplan:stack')=='bench' or o['type'] in ('aws_route_table_association','aws_lb_listener','aws_lb_target_group_attachment','aws_route53_record')))")
  printf 'run %d: %d objects seeded, %d owned found, %d API calls, %.4f calls/object, %.2f s\n' \
    "$run" "$objects" "$owned" "$calls" "$(echo "$calls / $owned" | bc -l)" "$(echo "$end - $start" | bc -l)"
done
