//! The runbook printer: Markdown an on-call engineer can follow at 3 a.m. Objectives,
//! topology, pre-flight checks, every recovery step in execution order (what drplan does, the
//! AWS CLI equivalent, the expected duration, how to verify), the DNS cutover, post-recovery
//! validation, failback and contacts. It reads the runbook model; it decides nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::expand::recovery::format_duration;
use crate::ops::runbook::Runbook;
use crate::plan::ResourceChange;

fn arg(c: &ResourceChange, key: &str) -> String {
    match c.change.after.get(key) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::Array(items)) if !items.is_empty() && items.iter().all(Json::is_string) => {
            items.iter().filter_map(Json::as_str).collect::<Vec<_>>().join(" ")
        }
        _ => format!("<{key} from an earlier step>"),
    }
}

fn nested(c: &ResourceChange, block: &str, key: &str) -> Option<String> {
    c.change.after.get(block)?.get(0)?.get(key).and_then(|v| match v {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// The AWS CLI command that does what drplan does for this step.
fn cli(c: &ResourceChange, region: &str) -> String {
    let r = format!("--region {region}");
    let tag = format!("--tag-specifications 'ResourceType={{}},Tags=[{{Key=drplan:address,Value={}}}]'", c.address);
    let spec = |rt: &str| tag.replace("{}", rt);
    match (c.verb(), c.ty.as_str()) {
        ("delete", _) => format!("# drplan deletes {} ({})", c.drplan.live_id.as_deref().unwrap_or("?"), c.ty),
        ("update", _) => format!(
            "# drplan modifies {} in place: {}",
            c.drplan.live_id.as_deref().unwrap_or("?"),
            c.drplan.attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
        (_, "aws_vpc") => format!("aws ec2 create-vpc --cidr-block {} {} {r}", arg(c, "cidr_block"), spec("vpc")),
        (_, "aws_subnet") => format!(
            "aws ec2 create-subnet --vpc-id {} --cidr-block {} --availability-zone {} {} {r}",
            arg(c, "vpc_id"),
            arg(c, "cidr_block"),
            arg(c, "availability_zone"),
            spec("subnet")
        ),
        (_, "aws_internet_gateway") => format!(
            "aws ec2 create-internet-gateway {} {r} && aws ec2 attach-internet-gateway --internet-gateway-id <new id> --vpc-id {} {r}",
            spec("internet-gateway"),
            arg(c, "vpc_id")
        ),
        (_, "aws_eip") => format!("aws ec2 allocate-address --domain vpc {} {r}", spec("elastic-ip")),
        (_, "aws_nat_gateway") => format!(
            "aws ec2 create-nat-gateway --subnet-id {} --allocation-id {} {} {r}",
            arg(c, "subnet_id"),
            arg(c, "allocation_id"),
            spec("natgateway")
        ),
        (_, "aws_route_table") => {
            format!("aws ec2 create-route-table --vpc-id {} {} {r}", arg(c, "vpc_id"), spec("route-table"))
        }
        (_, "aws_route") => format!(
            "aws ec2 create-route --route-table-id {} --destination-cidr-block {} {r}",
            arg(c, "route_table_id"),
            arg(c, "destination_cidr_block")
        ),
        (_, "aws_route_table_association") => format!(
            "aws ec2 associate-route-table --route-table-id {} --subnet-id {} {r}",
            arg(c, "route_table_id"),
            arg(c, "subnet_id")
        ),
        (_, "aws_security_group") => format!(
            "aws ec2 create-security-group --group-name {} --description \"{}\" --vpc-id {} {} {r}",
            arg(c, "name"),
            arg(c, "description"),
            arg(c, "vpc_id"),
            spec("security-group")
        ),
        (_, "aws_vpc_security_group_ingress_rule") => format!(
            "aws ec2 authorize-security-group-ingress --group-id {} --ip-permissions IpProtocol={},FromPort={},ToPort={} {r}",
            arg(c, "security_group_id"),
            arg(c, "ip_protocol"),
            arg(c, "from_port"),
            arg(c, "to_port")
        ),
        (_, "aws_vpc_security_group_egress_rule") => format!(
            "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions IpProtocol={} {r}",
            arg(c, "security_group_id"),
            arg(c, "ip_protocol")
        ),
        (_, "aws_instance") => format!(
            "aws ec2 run-instances --image-id {} --instance-type {} --subnet-id {} --security-group-ids {} {} {r}",
            arg(c, "ami"),
            arg(c, "instance_type"),
            arg(c, "subnet_id"),
            arg(c, "vpc_security_group_ids"),
            spec("instance")
        ),
        (_, "aws_ami_copy") => format!(
            "aws ec2 copy-image --source-image-id {} --source-region {} --name {} {r}",
            arg(c, "source_ami_id"),
            arg(c, "source_ami_region"),
            arg(c, "name")
        ),
        (_, "aws_lb") => format!(
            "aws elbv2 create-load-balancer --name {} --subnets {} --security-groups {} {r}",
            arg(c, "name"),
            arg(c, "subnets"),
            arg(c, "security_groups")
        ),
        (_, "aws_lb_target_group") => format!(
            "aws elbv2 create-target-group --name {} --protocol {} --port {} --vpc-id {} {r}",
            arg(c, "name"),
            arg(c, "protocol"),
            arg(c, "port"),
            arg(c, "vpc_id")
        ),
        (_, "aws_lb_listener") => format!(
            "aws elbv2 create-listener --load-balancer-arn {} --protocol {} --port {} --default-actions Type=forward,TargetGroupArn={} {r}",
            arg(c, "load_balancer_arn"),
            arg(c, "protocol"),
            arg(c, "port"),
            nested(c, "default_action", "target_group_arn").unwrap_or_else(|| "<target group arn>".into())
        ),
        (_, "aws_lb_target_group_attachment") => format!(
            "aws elbv2 register-targets --target-group-arn {} --targets Id={},Port={} {r}",
            arg(c, "target_group_arn"),
            arg(c, "target_id"),
            arg(c, "port")
        ),
        (_, "aws_db_subnet_group") => format!(
            "aws rds create-db-subnet-group --db-subnet-group-name {} --db-subnet-group-description \"{}\" --subnet-ids {} {r}",
            arg(c, "name"),
            arg(c, "description"),
            arg(c, "subnet_ids")
        ),
        (_, "aws_db_instance") => db_cli(c, &r),
        (_, "aws_db_snapshot_copy") => format!(
            "aws rds copy-db-snapshot --source-db-snapshot-identifier {} --target-db-snapshot-identifier {} {r}",
            arg(c, "source_db_snapshot_identifier"),
            arg(c, "target_db_snapshot_identifier")
        ),
        (_, "aws_route53_health_check") => format!(
            "aws route53 create-health-check --caller-reference <unique> --health-check-config Type={},FullyQualifiedDomainName={},Port={},ResourcePath={}",
            arg(c, "type"),
            arg(c, "fqdn"),
            arg(c, "port"),
            arg(c, "resource_path")
        ),
        (_, "aws_route53_record") => format!(
            "aws route53 change-resource-record-sets --hosted-zone-id {} --change-batch file://{}.json  # UPSERT {} {}",
            arg(c, "zone_id"),
            c.name,
            arg(c, "name"),
            arg(c, "type")
        ),
        (_, other) => format!("# {other}: see the plan's JSON for the arguments"),
    }
}

fn db_cli(c: &ResourceChange, r: &str) -> String {
    let common = format!(
        "--db-instance-class {} --db-subnet-group-name {} {r}",
        arg(c, "instance_class"),
        arg(c, "db_subnet_group_name")
    );
    if c.change.after.get("restore_to_point_in_time").and_then(Json::as_array).is_some_and(|a| !a.is_empty()) {
        let source = nested(c, "restore_to_point_in_time", "source_db_instance_automated_backups_arn")
            .map(|a| format!("--source-db-instance-automated-backups-arn {a}"))
            .or_else(|| {
                nested(c, "restore_to_point_in_time", "source_db_instance_identifier")
                    .map(|i| format!("--source-db-instance-identifier {i}"))
            })
            .unwrap_or_else(|| "--source-db-instance-identifier <source>".into());
        let when = nested(c, "restore_to_point_in_time", "restore_time")
            .map(|t| format!("--restore-time {t}"))
            .unwrap_or_else(|| "--use-latest-restorable-time".into());
        return format!(
            "aws rds restore-db-instance-to-point-in-time --target-db-instance-identifier {} {source} {when} {common}",
            arg(c, "identifier")
        );
    }
    if !matches!(c.change.after.get("snapshot_identifier"), None | Some(Json::Null)) {
        return format!(
            "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {} --db-snapshot-identifier {} {common}",
            arg(c, "identifier"),
            arg(c, "snapshot_identifier")
        );
    }
    if !matches!(c.change.after.get("replicate_source_db"), None | Some(Json::Null)) {
        return format!(
            "aws rds create-db-instance-read-replica --db-instance-identifier {} --source-db-instance-identifier {} {common}",
            arg(c, "identifier"),
            arg(c, "replicate_source_db")
        );
    }
    format!("aws rds create-db-instance --db-instance-identifier {} {common}", arg(c, "identifier"))
}

/// How to see that the step worked.
fn verify(c: &ResourceChange, region: &str) -> String {
    let by_tag = |service: &str, op: &str, query: &str| {
        format!(
            "aws {service} {op} --filters Name=tag:drplan:address,Values='{}' --query '{query}' --region {region}",
            c.address
        )
    };
    if c.verb() == "delete" {
        return "the object no longer appears in `drplan plan` (no owned object left for this address)".into();
    }
    match c.ty.as_str() {
        "aws_instance" => {
            format!("{} → `running`", by_tag("ec2", "describe-instances", "Reservations[].Instances[].State.Name"))
        }
        "aws_db_instance" => format!(
            "aws rds describe-db-instances --db-instance-identifier {} --query 'DBInstances[0].DBInstanceStatus' --region {region} → `available`",
            arg(c, "identifier")
        ),
        "aws_lb" => format!(
            "aws elbv2 describe-load-balancers --names {} --query 'LoadBalancers[0].State.Code' --region {region} → `active`",
            arg(c, "name")
        ),
        "aws_nat_gateway" => format!("{} → `available`", by_tag("ec2", "describe-nat-gateways", "NatGateways[].State")),
        "aws_lb_target_group_attachment" => format!(
            "aws elbv2 describe-target-health --target-group-arn {} --region {region} → `healthy`",
            arg(c, "target_group_arn")
        ),
        "aws_route53_record" => format!("dig +short {} → the DR load balancer's addresses", arg(c, "name")),
        "aws_route53_health_check" => "aws route53 get-health-check-status --health-check-id <id> → `Success`".into(),
        "aws_vpc" => by_tag("ec2", "describe-vpcs", "Vpcs[].State"),
        "aws_subnet" => by_tag("ec2", "describe-subnets", "Subnets[].State"),
        "aws_security_group" => by_tag("ec2", "describe-security-groups", "SecurityGroups[].GroupId"),
        _ => "`drplan plan` shows no change for this address".into(),
    }
}

fn what(c: &ResourceChange) -> String {
    let verb = match c.verb() {
        "create" => "creates",
        "update" => "updates in place",
        "replace" => "replaces",
        "delete" => "deletes",
        "read" => "reads",
        _ => "checks",
    };
    format!("drplan {verb} `{}`", c.ty)
}

pub fn render(rb: &Runbook) -> String {
    let plan = &rb.plan;
    let r = &plan.recovery;
    let mut out = String::new();
    let _ = writeln!(out, "# Recovery runbook: stack `{}` into `{}`\n", plan.stack, plan.region);
    let primary = plan.primary_region.as_deref().unwrap_or("(not declared)");
    let _ = writeln!(
        out,
        "Generated by drplan from the configuration and the live state as of {}. Primary region: `{primary}` (read-only: nothing in this runbook changes it). Workspace: `{}`.\n",
        plan.live_captured_at, plan.workspace
    );
    let _ = writeln!(
        out,
        "**The short version:** check credentials, run `drplan plan`, review it, run `drplan apply`, verify, cut DNS over if Route 53 has not.\n"
    );

    let _ = writeln!(out, "## 1. Objectives\n\n| | objective | estimate | verdict | source |\n|---|---|---|---|---|");
    let verdict = |o: &str| {
        r.verdicts.iter().find(|v| v.objective == o).map(|v| match v.met {
            Some(true) => "met",
            Some(false) => "**BREACHED**",
            None => "not known",
        })
    };
    let rto_source = if r.critical_path.is_empty() {
        "nothing to do".to_string()
    } else {
        format!("critical path: {}", r.critical_path.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(" → "))
    };
    let _ = writeln!(
        out,
        "| RTO | {} | {} | {} | {rto_source} |",
        r.rto_objective_seconds.map(format_duration).unwrap_or_else(|| "-".into()),
        format_duration(r.rto_estimate_seconds),
        verdict("rto").unwrap_or("-"),
    );
    for e in &r.rpo_estimates {
        let _ = writeln!(
            out,
            "| RPO `{}` | {} | {} | {} | {} |",
            e.address,
            r.rpo_objective_seconds.map(format_duration).unwrap_or_else(|| "-".into()),
            e.seconds.map(format_duration).unwrap_or_else(|| "unknown".into()),
            verdict("rpo").unwrap_or("-"),
            e.source
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## 2. Topology\n\n```mermaid\n{}```\n", rb.topology);

    let _ = writeln!(out, "## 3. Pre-flight checks\n");
    let _ =
        writeln!(out, "- [ ] Credentials for the DR account: `aws sts get-caller-identity --region {}`", plan.region);
    let _ =
        writeln!(out, "- [ ] The DR region answers: `aws ec2 describe-availability-zones --region {}`", plan.region);
    for e in &r.rpo_estimates {
        let _ = writeln!(
            out,
            "- [ ] Source data for `{}` is fresh enough: {} ({})",
            e.address,
            e.seconds.map(format_duration).unwrap_or_else(|| "age unknown".into()),
            e.source
        );
    }
    let mut capacity: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for c in plan.resource_changes.iter().filter(|c| matches!(c.verb(), "create" | "replace")) {
        match c.ty.as_str() {
            "aws_instance" => {
                *capacity
                    .entry((
                        format!("EC2 {} instances (On-Demand vCPU quota L-1216C47A)", arg(c, "instance_type")),
                        "ec2",
                    ))
                    .or_default() += 1
            }
            "aws_eip" => *capacity.entry(("Elastic IPs (quota L-0263D0A3, default 5)".into(), "ec2")).or_default() += 1,
            "aws_db_instance" => {
                *capacity.entry((format!("RDS {} instances", arg(c, "instance_class")), "rds")).or_default() += 1
            }
            "aws_nat_gateway" => {
                *capacity.entry(("NAT gateways (quota L-FE5A380F, 5 per AZ)".into(), "vpc")).or_default() += 1
            }
            _ => {}
        }
    }
    for ((what, service), n) in &capacity {
        let _ = writeln!(
            out,
            "- [ ] Capacity: {n} x {what} in `{}` (`aws service-quotas list-service-quotas --service-code {service} --region {}`)",
            plan.region, plan.region
        );
    }
    let _ = writeln!(out, "- [ ] Review the plan: `drplan plan --out dr.plan` then `drplan show dr.plan`\n");

    let _ = writeln!(
        out,
        "## 4. Recovery steps\n\nRun `drplan apply dr.plan` (everything below, concurrently, in dependency order), or follow the steps by hand. Steps are in an order where each comes after what it depends on.\n"
    );
    let by_addr: BTreeMap<&str, &ResourceChange> =
        plan.resource_changes.iter().map(|c| (c.address.as_str(), c)).collect();
    let estimates: BTreeMap<&str, u64> = r.step_estimates.iter().map(|s| (s.address.as_str(), s.seconds)).collect();
    let mut cutover = Vec::new();
    for (n, step) in plan.execution.steps.iter().enumerate() {
        let Some(c) = by_addr.get(step.address.as_str()) else { continue };
        let is_cutover = c.ty == "aws_route53_record";
        if is_cutover {
            cutover.push(*c);
        }
        let _ = writeln!(out, "### 4.{} `{}`{}\n", n + 1, c.address, if is_cutover { " (DNS)" } else { "" });
        let _ = writeln!(out, "- **What:** {}", what(c));
        if !step.depends_on.is_empty() {
            let _ = writeln!(
                out,
                "- **After:** {}",
                step.depends_on.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            );
        }
        let _ = writeln!(
            out,
            "- **Expected duration:** {}",
            estimates.get(step.address.as_str()).map(|s| format_duration(*s)).unwrap_or_else(|| "-".into())
        );
        let _ = writeln!(out, "- **By hand:** `{}`", cli(c, &plan.region));
        let _ = writeln!(out, "- **Verify:** {}\n", verify(c, &plan.region));
    }

    let _ = writeln!(out, "## 5. DNS cutover\n");
    if cutover.is_empty() {
        let _ = writeln!(
            out,
            "This plan changes no Route 53 record: clients reach the DR region however they reached it before (check the configuration's outputs).\n"
        );
    } else {
        for c in cutover {
            let failover = nested(c, "failover_routing_policy", "type");
            let _ = writeln!(
                out,
                "- `{}` = `{}` {}",
                c.address,
                arg(c, "name"),
                failover
                    .as_deref()
                    .map(|f| format!("(failover {f}, set `{}`)", arg(c, "set_identifier")))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "\nWith failover routing, Route 53 answers with the DR record as soon as the primary record's health check fails; nothing to do but verify: `dig +short <name>` returns the DR load balancer. If the primary is degraded but its health check still passes, force the cutover from the Route 53 console or by inverting the primary's health check (`aws route53 update-health-check --health-check-id <primary check> --inverted`); drplan never changes the primary's records. Allow about 60 s plus the record TTL for resolvers to follow.\n"
        );
    }

    let _ = writeln!(out, "## 6. Post-recovery validation\n");
    if rb.checks.is_empty() {
        let _ = writeln!(
            out,
            "The configuration declares no `check` blocks. Add them (http, tcp, dns) so `drplan drill` and this section can verify the recovery.\n"
        );
    } else {
        let _ = writeln!(out, "| check | probe | arguments |\n|---|---|---|");
        for c in &rb.checks {
            let args: Vec<String> = c.args.iter().map(|(k, v)| format!("{k} = `{v}`")).collect();
            let _ = writeln!(out, "| `{}` | {} | {} |", c.name, c.kind, args.join(", "));
        }
        let _ = writeln!(out, "\n`drplan drill` runs these until they pass or time out.\n");
    }

    let _ = writeln!(out, "## 7. Failback\n");
    let _ = writeln!(
        out,
        "1. Keep serving from `{}` until the primary region `{primary}` is healthy and stable.",
        plan.region
    );
    let _ = writeln!(
        out,
        "2. Replicate data written in the DR region back to the primary (a read replica of the DR database in the primary, or a snapshot copied back), and stop writes before the switch."
    );
    let _ = writeln!(
        out,
        "3. Restore the primary's health checks; Route 53 failover returns traffic to the primary record once it passes."
    );
    let _ = writeln!(
        out,
        "4. When traffic is back and verified, remove the DR stack: `drplan destroy` (only objects tagged `drplan:stack = {}` are deleted; the primary is never touched).\n",
        plan.stack
    );

    let _ = writeln!(out, "## 8. Contacts\n");
    if rb.contacts.is_empty() {
        let _ = writeln!(out, "No `contacts` block in the configuration.");
    } else {
        let _ = writeln!(out, "| role | who |\n|---|---|");
        for (role, who) in &rb.contacts {
            let _ = writeln!(out, "| {role} | {who} |");
        }
    }
    out
}
