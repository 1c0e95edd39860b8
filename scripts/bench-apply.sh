#!/usr/bin/env bash
# Apply benchmark: `drplan apply` of a generated topology against moto_server, from empty.
# Each group is 10 linked resources (VPC, internet gateway, 2 subnets, route table, 2 route
# table associations, security group, 2 instances), as separate resource blocks.
# Usage: scripts/bench-apply.sh [GROUPS...]   (default: 50 100, i.e. 500 and 1,000 resources)
# DRPLAN_BIN picks the binary (default: target/release/drplan if built, else target/debug);
# DRPLAN_WRAP prefixes it (e.g. DRPLAN_WRAP='perf record -g -o /tmp/perf.data' to profile).
# Prints per size: wall time, drplan's own CPU (user+sys), CPU per resource, moto's CPU, and
# the wall-time ratio to the previous size.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 100)
moto_server=$(bash scripts/install-moto.sh)
bin="${DRPLAN_BIN:-}"
if [ -z "$bin" ]; then
  bin=target/release/drplan; [ -x "$bin" ] || { cargo build --quiet; bin=target/debug/drplan; }
fi
work=$(mktemp -d)
trap 'kill "${moto:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

generate() { # groups dir
  mkdir -p "$2"
  python3 - "$1" "$2/main.tf" <<'PY'
import sys
groups, out = int(sys.argv[1]), sys.argv[2]
parts = ['recovery {\n  stack  = "bench"\n  region = "us-west-2"\n}\n\nprovider "aws" {\n  region = "us-west-2"\n}\n']
for g in range(groups):
    a, b = divmod(g, 250)
    parts.append(f'''
resource "aws_vpc" "g{g}" {{
  cidr_block = "10.{b}.0.0/16"
  tags       = {{ Group = "{g}" }}
}}
resource "aws_internet_gateway" "g{g}" {{
  vpc_id = aws_vpc.g{g}.id
}}
resource "aws_subnet" "g{g}_a" {{
  vpc_id            = aws_vpc.g{g}.id
  cidr_block        = cidrsubnet(aws_vpc.g{g}.cidr_block, 8, 1)
  availability_zone = "us-west-2a"
}}
resource "aws_subnet" "g{g}_b" {{
  vpc_id            = aws_vpc.g{g}.id
  cidr_block        = cidrsubnet(aws_vpc.g{g}.cidr_block, 8, 2)
  availability_zone = "us-west-2b"
}}
resource "aws_route_table" "g{g}" {{
  vpc_id = aws_vpc.g{g}.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.g{g}.id
  }}
}}
resource "aws_route_table_association" "g{g}_a" {{
  route_table_id = aws_route_table.g{g}.id
  subnet_id      = aws_subnet.g{g}_a.id
}}
resource "aws_route_table_association" "g{g}_b" {{
  route_table_id = aws_route_table.g{g}.id
  subnet_id      = aws_subnet.g{g}_b.id
}}
resource "aws_security_group" "g{g}" {{
  name   = "web-{g}"
  vpc_id = aws_vpc.g{g}.id
  ingress {{
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
resource "aws_instance" "g{g}_a" {{
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.g{g}_a.id
  vpc_security_group_ids = [aws_security_group.g{g}.id]
}}
resource "aws_instance" "g{g}_b" {{
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.g{g}_b.id
  vpc_security_group_ids = [aws_security_group.g{g}.id]
}}
''')
open(out, "w").write("".join(parts))
PY
}

printf '%-10s %-8s %-10s %-12s %-10s %s\n' resources wall_s cpu_s cpu_ms_per moto_cpu_s ratio
prev=""
for groups in "${sizes[@]}"; do
  n=$((groups * 10))
  generate "$groups" "$work/$groups"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MOTO_EC2_LOAD_DEFAULT_AMIS=false "$moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  moto=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/moto-api/reset" -X POST >/dev/null && break; sleep 0.1; done
  moto_before=$(awk '{print $14 + $15}' "/proc/$moto/stat")
  out=$( { AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_EC2_METADATA_DISABLED=true \
    /usr/bin/time -f '%e %U %S' ${DRPLAN_WRAP:-} "$bin" apply "$work/$groups" --auto-approve --journal-dir "$work/journal-$groups" >"$work/apply-$groups.log"; } 2>&1 | tail -1)
  moto_after=$(awk '{print $14 + $15}' "/proc/$moto/stat")
  kill "$moto"; wait "$moto" 2>/dev/null || true
  grep -q "Apply complete" "$work/apply-$groups.log" || { tail -20 "$work/apply-$groups.log"; exit 1; }
  read -r wall user sys <<<"$out"
  ticks=$(getconf CLK_TCK)
  read -r cpu per moto_cpu ratio < <(python3 -c "
import sys
wall, user, sys_, n, mb, ma, t, prev = float('$wall'), float('$user'), float('$sys'), $n, $moto_before, $moto_after, $ticks, '$prev'
cpu = user + sys_
print(f'{cpu:.2f} {cpu / n * 1000:.1f} {(ma - mb) / t:.1f} ' + (f'{wall / float(prev):.2f}' if prev else '-'))")
  printf '%-10s %-8s %-10s %-12s %-10s %s\n' "$n" "$wall" "$cpu" "$per" "$moto_cpu" "$ratio"
  prev=$wall
done
