//! The order deletes must run in. A delete has no configuration edges to follow (the object
//! may no longer be declared at all), so the order comes from what AWS refuses: a VPC cannot go
//! while subnets, gateways or groups are in it; a subnet while instances, NAT gateways or load
//! balancers use it; a target group while a listener forwards to it; and so on.

use std::collections::BTreeSet;

/// Types whose objects must be deleted before an object of `ty` can be.
fn direct(ty: &str) -> &'static [&'static str] {
    match ty {
        "aws_vpc" => {
            &["aws_subnet", "aws_internet_gateway", "aws_route_table", "aws_security_group", "aws_lb_target_group"]
        }
        "aws_subnet" => {
            &["aws_instance", "aws_nat_gateway", "aws_lb", "aws_db_subnet_group", "aws_route_table_association"]
        }
        "aws_internet_gateway" => &["aws_nat_gateway", "aws_eip", "aws_instance", "aws_lb"],
        "aws_eip" => &["aws_nat_gateway"],
        "aws_route_table" => &["aws_route_table_association", "aws_route"],
        "aws_security_group" => &[
            "aws_instance",
            "aws_lb",
            "aws_db_instance",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ],
        "aws_lb_target_group" => &["aws_lb_listener", "aws_lb_target_group_attachment", "aws_lb"],
        "aws_lb" => &["aws_lb_listener", "aws_route53_record"],
        "aws_instance" => &["aws_lb_target_group_attachment"],
        "aws_db_subnet_group" => &["aws_db_instance"],
        "aws_db_snapshot_copy" => &["aws_db_instance"],
        "aws_ami_copy" => &["aws_instance"],
        "aws_route53_health_check" => &["aws_route53_record"],
        _ => &[],
    }
}

/// Every type that must be gone before `ty` (the transitive closure of [`direct`]).
pub fn deleted_before(ty: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&'static str> = direct(ty).to_vec();
    while let Some(t) = stack.pop() {
        if out.insert(t) {
            stack.extend(direct(t));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vpc_goes_last_and_records_first() {
        let vpc = deleted_before("aws_vpc");
        for t in ["aws_instance", "aws_nat_gateway", "aws_eip", "aws_lb_listener", "aws_route53_record"] {
            assert!(vpc.contains(t), "{t} must be deleted before the VPC");
        }
        assert!(deleted_before("aws_route53_record").is_empty());
        assert!(!deleted_before("aws_instance").contains("aws_vpc"));
    }
}
