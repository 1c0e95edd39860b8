//! Recovery-time figures for the types terraform-provider-aws serves: how long a create, update
//! or delete of each slow family takes and where the figure comes from, and which families are
//! plain API calls. A type in neither list has no known figure: its step gets a generic guess,
//! flagged as one ([`Estimate::guess`]), and an RTO verdict that rests on it is not called met.
//!
//! Figures are typical durations, not the provider's timeouts (which are upper bounds); a drill
//! journal (`--calibrate`) or `recovery.durations` replaces them for a given stack.

use super::{Estimate, StepAction, StepView};

const MIN: u64 = 60;

/// A family of slow types: (types, create, update, delete seconds, where the figure comes from).
type Figure = (&'static [&'static str], u64, u64, u64, &'static str);

const SLOW: &[Figure] = &[
    (
        &["aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster"],
        10 * MIN,
        5 * MIN,
        5 * MIN,
        "Aurora-style cluster creation (typically 5-10 min; its instances follow)",
    ),
    (
        &["aws_rds_cluster_instance", "aws_docdb_cluster_instance", "aws_neptune_cluster_instance"],
        12 * MIN,
        10 * MIN,
        8 * MIN,
        "cluster instance creation (typically 10-15 min)",
    ),
    (
        &["aws_rds_global_cluster", "aws_docdb_global_cluster"],
        2 * MIN,
        2 * MIN,
        2 * MIN,
        "global cluster container (the members take the time)",
    ),
    (&["aws_db_proxy"], 5 * MIN, 2 * MIN, 3 * MIN, "RDS Proxy creation (typically a few minutes)"),
    (
        &["aws_elasticache_replication_group"],
        15 * MIN,
        10 * MIN,
        10 * MIN,
        "ElastiCache replication group creation (typically 10-20 min)",
    ),
    (&["aws_elasticache_cluster"], 10 * MIN, 10 * MIN, 8 * MIN, "ElastiCache cluster creation (typically 5-15 min)"),
    (
        &["aws_elasticache_global_replication_group"],
        10 * MIN,
        10 * MIN,
        10 * MIN,
        "ElastiCache global datastore membership",
    ),
    (&["aws_elasticache_serverless_cache"], 5 * MIN, 3 * MIN, 5 * MIN, "ElastiCache Serverless creation"),
    (
        &["aws_opensearch_domain", "aws_elasticsearch_domain"],
        25 * MIN,
        20 * MIN,
        15 * MIN,
        "OpenSearch domain creation (typically 15-30 min; updates run a blue/green deployment)",
    ),
    (&["aws_eks_cluster"], 12 * MIN, 20 * MIN, 10 * MIN, "EKS control plane creation (typically 10-15 min)"),
    (&["aws_eks_node_group"], 6 * MIN, 10 * MIN, 8 * MIN, "EKS managed node group, nodes joined and ready"),
    (&["aws_eks_fargate_profile"], 4 * MIN, 4 * MIN, 4 * MIN, "EKS Fargate profile creation"),
    (&["aws_eks_addon"], 2 * MIN, 2 * MIN, 2 * MIN, "EKS add-on to active"),
    (
        &["aws_ecs_service"],
        3 * MIN,
        3 * MIN,
        2 * MIN,
        "ECS service to steady state (tasks placed, running and healthy)",
    ),
    (
        &["aws_autoscaling_group"],
        4 * MIN,
        2 * MIN,
        4 * MIN,
        "instances launched and InService (the provider waits up to wait_for_capacity_timeout, 10 min)",
    ),
    (
        &["aws_acm_certificate_validation"],
        5 * MIN,
        5 * MIN,
        0,
        "ACM DNS validation (typically minutes once the record resolves)",
    ),
    (
        &["aws_cloudfront_distribution"],
        10 * MIN,
        10 * MIN,
        15 * MIN,
        "CloudFront deployment to the edge (typically 5-15 min)",
    ),
    (&["aws_globalaccelerator_accelerator"], 3 * MIN, 3 * MIN, 5 * MIN, "Global Accelerator to deployed"),
    (
        &["aws_globalaccelerator_listener", "aws_globalaccelerator_endpoint_group"],
        MIN,
        MIN,
        MIN,
        "Global Accelerator change to deployed",
    ),
    (&["aws_ec2_transit_gateway"], 5 * MIN, 2 * MIN, 5 * MIN, "Transit Gateway to available"),
    (
        &[
            "aws_ec2_transit_gateway_vpc_attachment",
            "aws_ec2_transit_gateway_peering_attachment",
            "aws_ec2_transit_gateway_peering_attachment_accepter",
        ],
        3 * MIN,
        2 * MIN,
        3 * MIN,
        "Transit Gateway attachment to available",
    ),
    (
        &[
            "aws_fsx_lustre_file_system",
            "aws_fsx_windows_file_system",
            "aws_fsx_ontap_file_system",
            "aws_fsx_openzfs_file_system",
        ],
        20 * MIN,
        15 * MIN,
        15 * MIN,
        "FSx file system creation (typically 15-30 min)",
    ),
    (&["aws_efs_file_system"], MIN, MIN, MIN, "EFS file system to available"),
    (&["aws_efs_mount_target"], 2 * MIN, 2 * MIN, 2 * MIN, "EFS mount target to available"),
    (&["aws_dynamodb_table"], MIN, 2 * MIN, MIN, "DynamoDB table to active (replicas take longer)"),
    (
        &["aws_dynamodb_table_replica"],
        10 * MIN,
        5 * MIN,
        5 * MIN,
        "DynamoDB global table replica (grows with the table's size)",
    ),
    (&["aws_redshift_cluster"], 15 * MIN, 15 * MIN, 10 * MIN, "Redshift cluster creation"),
    (&["aws_mq_broker"], 15 * MIN, 10 * MIN, 10 * MIN, "Amazon MQ broker creation (typically 10-20 min)"),
    (
        &["aws_msk_cluster", "aws_msk_serverless_cluster"],
        30 * MIN,
        30 * MIN,
        15 * MIN,
        "MSK cluster creation (routinely 25-60 min)",
    ),
    (&["aws_vpn_connection"], 5 * MIN, 5 * MIN, 5 * MIN, "Site-to-Site VPN connection to available"),
    (&["aws_vpn_gateway", "aws_dx_gateway"], 2 * MIN, MIN, 2 * MIN, "virtual private gateway to available"),
    (
        &["aws_directory_service_directory"],
        30 * MIN,
        10 * MIN,
        15 * MIN,
        "Directory Service directory creation (typically 20-45 min)",
    ),
    (&["aws_route53_resolver_endpoint"], 3 * MIN, 2 * MIN, 3 * MIN, "Route 53 Resolver endpoint to operational"),
    (&["aws_vpc_endpoint"], 2 * MIN, MIN, 2 * MIN, "interface endpoint to available"),
    (&["aws_networkfirewall_firewall"], 10 * MIN, 5 * MIN, 10 * MIN, "Network Firewall to ready"),
    (&["aws_sagemaker_endpoint"], 10 * MIN, 10 * MIN, 5 * MIN, "SageMaker endpoint to in service"),
    (&["aws_lambda_function"], 30, 30, 10, "Lambda function to active (VPC functions take longer)"),
    (&["aws_kinesis_stream"], MIN, MIN, MIN, "Kinesis stream to active"),
    (&["aws_ebs_volume"], 30, 30, 30, "EBS volume to available"),
];

/// Prefixes of the families whose writes are plain API calls, done when the call returns.
const API_CALLS: &[&str] = &[
    "aws_iam_",
    "aws_sns_",
    "aws_sqs_",
    "aws_cloudwatch_",
    "aws_kms_",
    "aws_s3_",
    "aws_secretsmanager_",
    "aws_ssm_",
    "aws_launch_template",
    "aws_lambda_",
    "aws_ecr_",
    "aws_wafv2_",
    "aws_route53_",
    "aws_acm_certificate",
    "aws_api_gateway_",
    "aws_apigatewayv2_",
    "aws_ecs_cluster",
    "aws_ecs_task_definition",
    "aws_appautoscaling_",
    "aws_autoscaling_",
    "aws_lb_",
    "aws_vpc_security_group_",
    "aws_security_group",
    "aws_key_pair",
    "aws_sfn_",
    "aws_backup_",
    "aws_scheduler_",
    "aws_eip_association",
    "aws_network_acl",
    "aws_default_",
    "aws_flow_log",
    "aws_resourcegroups_",
    "aws_servicediscovery_",
    "aws_cognito_",
    "aws_ses_",
    "aws_xray_",
    "aws_organizations_",
];

/// A provider-served type's figure: from the slow families, the API-call families, or a flagged
/// guess.
pub(super) fn served(ty: &str, step: &StepView) -> Estimate {
    if step.action == StepAction::Read {
        return super::generic_estimate(step);
    }
    if let Some((_, create, update, delete, why)) = SLOW.iter().find(|f| f.0.contains(&ty)) {
        let seconds = match step.action {
            StepAction::Update => *update,
            StepAction::Delete => *delete,
            StepAction::Replace => create + delete,
            _ => *create,
        };
        return Estimate::new(seconds, why);
    }
    if API_CALLS.iter().any(|p| ty.starts_with(p)) {
        return super::generic_estimate(step);
    }
    Estimate::guess(5, "generic: no recovery-time figure for this type (an API call assumed)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(action: StepAction) -> StepView<'static> {
        StepView {
            address: "x",
            action,
            after: &serde_json::Value::Null,
            changed: &[],
            region: "us-west-2",
            stack: "s",
        }
    }

    #[test]
    fn slow_families_take_minutes_and_unknown_types_are_flagged_guesses() {
        let aurora = served("aws_rds_cluster", &step(StepAction::Create));
        assert_eq!((aurora.seconds, aurora.guess), (600, false));
        assert_eq!(served("aws_rds_cluster_instance", &step(StepAction::Replace)).seconds, 20 * MIN);
        let role = served("aws_iam_role", &step(StepAction::Create));
        assert_eq!((role.seconds, role.why.as_str(), role.guess), (5, "an API call", false));
        let unknown = served("aws_timestreamwrite_table", &step(StepAction::Create));
        assert!(unknown.guess && unknown.why.starts_with("generic:"), "{unknown:?}");
        assert!(!served("aws_no_such_type", &step(StepAction::Read)).guess);
    }

    #[test]
    fn no_type_is_listed_twice_and_no_native_type_is_listed() {
        let mut seen = std::collections::BTreeSet::new();
        for (types, ..) in SLOW {
            for ty in *types {
                assert!(seen.insert(*ty), "{ty} listed twice");
                assert!(crate::resources::get(ty).is_none(), "{ty} is native: its module has the figure");
            }
        }
    }
}
