//! The default duration model: how long each kind of step typically takes in AWS, with the
//! reason (docs/recovery.md gives the sources). Used when neither `recovery.durations` nor
//! measured journal figures say otherwise.

use crate::plan::ResourceChange;

const MIN: u64 = 60;

/// Seconds a step takes, and why that figure.
pub fn duration(ty: &str, action: &str, change: Option<&ResourceChange>) -> (u64, String) {
    let after = change.map(|c| &c.change.after);
    let set = |k: &str| {
        after.and_then(|a| a.get(k)).is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
    };
    let promotes = change.is_some_and(|c| c.drplan.attributes.iter().any(|a| a.name == "replicate_source_db"));
    let (secs, why): (u64, &str) = match (ty, action) {
        (_, "read") => (1, "a data source read"),
        ("aws_db_instance", "delete") => (5 * MIN, "RDS instance deletion"),
        ("aws_nat_gateway" | "aws_instance", "delete") => (MIN, "termination"),
        ("aws_lb", "delete") => (30, "load balancer deletion"),
        (_, "delete") => (5, "an API call"),
        ("aws_db_instance", "update") if promotes => (5 * MIN, "read replica promotion"),
        ("aws_db_instance", "update") => (10 * MIN, "RDS modification applied immediately"),
        ("aws_db_instance", _) if set("restore_to_point_in_time") => (25 * MIN, "RDS point-in-time restore"),
        ("aws_db_instance", _) if set("snapshot_identifier") => (20 * MIN, "RDS restore from snapshot"),
        ("aws_db_instance", _) if set("replicate_source_db") => (30 * MIN, "cross-region read replica creation"),
        ("aws_db_instance", _) => (12 * MIN, "new RDS instance"),
        ("aws_db_snapshot_copy", _) => (20 * MIN, "cross-region snapshot copy"),
        ("aws_ami_copy", _) => (15 * MIN, "cross-region AMI copy"),
        ("aws_instance", _) => (3 * MIN, "instance launch to running and status checks"),
        ("aws_lb", _) => (3 * MIN, "load balancer provisioning"),
        ("aws_nat_gateway", _) => (2 * MIN, "NAT gateway provisioning"),
        ("aws_lb_target_group_attachment", _) => (90, "target registration to healthy (3 checks x 30 s)"),
        ("aws_route53_health_check", _) => (90, "health check to healthy (3 checks x 30 s)"),
        ("aws_route53_record", _) => {
            let ttl = after.and_then(|a| a.get("ttl")).and_then(|t| t.as_u64()).unwrap_or(60);
            return (60 + ttl, format!("Route 53 propagation (~60 s) plus the record's TTL ({ttl} s)"));
        }
        _ => (5, "an API call"),
    };
    (secs, why.to_string())
}
