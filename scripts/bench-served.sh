#!/usr/bin/env bash
# Provider-served benchmark: a generated configuration of types drplan serves through
# terraform-provider-aws (per group: IAM role, policy and attachment, SNS topic, CloudWatch alarm,
# SSM parameter, log group, S3 bucket and its versioning: 9 resources, three of them AWS cannot
# tag) beside one native security group per group, applied from nothing and planned again (no
# changes) by drplan and by Terraform, each against a fresh moto_server, in one run.
# Usage: scripts/bench-served.sh [GROUPS...]   (default: 10 50, i.e. 100 and 500 resources)
# Needs terraform and terraform-provider-aws (TF_MIRROR, default /opt/tf-plugins, as a
# filesystem mirror). DRPLAN_BIN picks drplan's binary (default: release if built, else debug).
# Prints per size and tool: apply wall time, re-plan wall time, and the re-plan's exit code
# (0 for drplan --detailed-exitcode, 0 for terraform plan -detailed-exitcode: no changes).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 50)
moto_server=$(bash scripts/install-moto.sh)
mirror="${TF_MIRROR:-/opt/tf-plugins}"
provider=$(find "$mirror/registry.terraform.io/hashicorp/aws" -name 'terraform-provider-aws*' -type f | sort | tail -1)
[ -n "$provider" ] || { echo "no terraform-provider-aws under $mirror" >&2; exit 1; }
bin="${DRPLAN_BIN:-}"
if [ -z "$bin" ]; then
  bin=target/release/drplan; [ -x "$bin" ] || { cargo build --quiet; bin=target/debug/drplan; }
fi
work=$(mktemp -d)
trap 'kill "${moto:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
EOF

generate() { # groups dir tool
  mkdir -p "$2"
  python3 - "$1" "$2/main.tf" "$3" <<'PY'
import sys
groups, out, tool = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if tool == "drplan":
    head = 'recovery {\n  stack  = "bench"\n  region = "us-west-2"\n}\n\nprovider "aws" {\n  region = "us-west-2"\n}\n'
else:
    head = ('provider "aws" {\n  region                      = "us-west-2"\n'
            '  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n'
            '  skip_metadata_api_check     = true\n}\n')
parts = [head, 'resource "aws_vpc" "main" {\n  cidr_block = "10.60.0.0/16"\n}\n']
for g in range(groups):
    parts.append(f'''
resource "aws_security_group" "g{g}" {{
  name   = "bench-{g}"
  vpc_id = aws_vpc.main.id
}}
resource "aws_iam_role" "g{g}" {{
  name               = "bench-{g}"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}] }})
}}
resource "aws_iam_policy" "g{g}" {{
  name   = "bench-{g}"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.g{g}.arn}}/*" }}] }})
}}
resource "aws_iam_role_policy_attachment" "g{g}" {{
  role       = aws_iam_role.g{g}.name
  policy_arn = aws_iam_policy.g{g}.arn
}}
resource "aws_sns_topic" "g{g}" {{
  name = "bench-{g}"
}}
resource "aws_cloudwatch_metric_alarm" "g{g}" {{
  alarm_name          = "bench-{g}"
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 90
  evaluation_periods  = 1
  period              = 60
  statistic           = "Average"
  alarm_actions       = [aws_sns_topic.g{g}.arn]
}}
resource "aws_ssm_parameter" "g{g}" {{
  name  = "/bench/{g}"
  type  = "String"
  value = aws_sns_topic.g{g}.arn
}}
resource "aws_cloudwatch_log_group" "g{g}" {{
  name = "bench-{g}"
}}
resource "aws_s3_bucket" "g{g}" {{
  bucket = "bench-served-{g}"
}}
resource "aws_s3_bucket_versioning" "g{g}" {{
  bucket = aws_s3_bucket.g{g}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
''')
open(out, "w").write("".join(parts))
PY
}

start_moto() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  MOTO_EC2_LOAD_DEFAULT_AMIS=false "$moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  moto=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/moto-api/reset" -X POST >/dev/null && break; sleep 0.1; done
}

stop_moto() { kill "$moto"; wait "$moto" 2>/dev/null || true; }

timed() { # log command... -> prints "wall exit"
  local log=$1; shift
  local start end code=0
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || code=$?
  end=$(date +%s.%N)
  printf '%.1f %s\n' "$(echo "$end - $start" | bc)" "$code"
}

printf '%-10s %-9s %-10s %-10s %s\n' resources tool apply_s replan_s replan_exit
for groups in "${sizes[@]}"; do
  n=$((groups * 10 + 1))
  export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_EC2_METADATA_DISABLED=true
  generate "$groups" "$work/d$groups" drplan
  start_moto
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  read -r apply_s apply_code < <(timed "$work/d$groups.apply.log" env DRPLAN_PROVIDER_AWS="$provider" \
    "$bin" apply "$work/d$groups" --auto-approve --journal-dir "$work/journal-$groups")
  [ "$apply_code" = 0 ] || { tail -20 "$work/d$groups.apply.log"; exit 1; }
  read -r plan_s plan_code < <(timed "$work/d$groups.plan.log" env DRPLAN_PROVIDER_AWS="$provider" \
    "$bin" plan "$work/d$groups" --detailed-exitcode)
  printf '%-10s %-9s %-10s %-10s %s\n' "$n" drplan "$apply_s" "$plan_s" "$plan_code"
  stop_moto

  generate "$groups" "$work/t$groups" terraform
  start_moto
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
  (cd "$work/t$groups" && terraform init -input=false >/dev/null)
  read -r apply_s apply_code < <(timed "$work/t$groups.apply.log" terraform -chdir="$work/t$groups" apply -auto-approve -input=false)
  [ "$apply_code" = 0 ] || { tail -20 "$work/t$groups.apply.log"; exit 1; }
  read -r plan_s plan_code < <(timed "$work/t$groups.plan.log" terraform -chdir="$work/t$groups" plan -detailed-exitcode -input=false)
  printf '%-10s %-9s %-10s %-10s %s\n' "$n" terraform "$apply_s" "$plan_s" "$plan_code"
  stop_moto
  unset TF_CLI_CONFIG_FILE
done
