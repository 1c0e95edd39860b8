//! `aws_db_instance` by every recovery path: point-in-time restore (from a source instance
//! in this region or, across regions, from replicated automated backups by ARN), restore from
//! a snapshot, a read replica of another region's instance and its promotion, or a new empty
//! instance. Its read units list every instance of the region (data sources and ownership)
//! and, in the DR region, replicated automated backups.

use aws_sdk_rds::Client;
use serde_json::json;

pub mod final_snapshot;
mod write;

use super::*;
use crate::eval::Value;
use crate::resources::StepAction;
use crate::resources::sdk::{ReadUnit, RegionReader, cloud_error};
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Estimate, ExtraChange, Op, RecoveryPointQuery, ResourceType,
    RunbookText, Service, StepView,
};

pub const TYPE: &str = "aws_db_instance";

pub struct DbInstance;

impl ResourceType for DbInstance {
    crate::resources::basics!(TYPE, Rds, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &[
            "iops",
            "port",
            "parameter_group_name",
            "option_group_name",
            "backup_window",
            "maintenance_window",
            "delete_automated_backups",
            "performance_insights_enabled",
            "monitoring_interval",
            "license_model",
            "ca_cert_identifier",
        ]
    }

    fn lookup_key(&self) -> &'static [&'static str] {
        &["identifier"]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        const MIN: u64 = 60;
        match step.action {
            StepAction::Read => crate::resources::generic_estimate(step),
            StepAction::Delete => Estimate::new(5 * MIN, "RDS instance deletion"),
            StepAction::Update if step.changed.iter().any(|c| c == "replicate_source_db") => {
                Estimate::new(5 * MIN, "read replica promotion")
            }
            StepAction::Update => Estimate::new(10 * MIN, "RDS modification applied immediately"),
            _ if step.is_set("restore_to_point_in_time") => Estimate::new(25 * MIN, "RDS point-in-time restore"),
            _ if step.is_set("snapshot_identifier") => Estimate::new(20 * MIN, "RDS restore from snapshot"),
            _ if step.is_set("replicate_source_db") => Estimate::new(30 * MIN, "cross-region read replica creation"),
            _ => Estimate::new(12 * MIN, "new RDS instance"),
        }
    }

    /// A replica whose configuration no longer names its source is promoted (failover): the
    /// schema diff sees nothing, since an unset argument means "AWS decides". A changed final
    /// snapshot decision is recorded again ([`final_snapshot`]).
    fn extra_changes(
        &self,
        prior: &LiveObject,
        config: &Value,
        written: &std::collections::BTreeSet<String>,
        ignored: &[String],
    ) -> Vec<ExtraChange> {
        let unset = |k: &str| match config.get(k) {
            None | Some(Value::Null) => true,
            // Not written and unknown: unknown only because AWS computes it.
            Some(v) if !written.contains(k) && !v.is_wholly_known() => true,
            Some(v) => v.as_seq().is_some_and(<[Value]>::is_empty),
        };
        // A configuration that restores from a point in time or a snapshot never described a
        // replica (moto reports a restored copy's source as its replication source).
        let promotes = prior.attr_str("replicate_source_db").is_some()
            && unset("replicate_source_db")
            && unset("restore_to_point_in_time")
            && unset("snapshot_identifier")
            && !ignored.iter().any(|c| c == "replicate_source_db");
        let mut out = Vec::new();
        if promotes {
            out.push(ExtraChange {
                replaces: false,
                name: "replicate_source_db".into(),
                reason: "replicate_source_db is no longer set: the read replica is promoted to a standalone instance"
                    .into(),
            });
        }
        let final_snapshot = ["skip_final_snapshot", "final_snapshot_identifier"];
        if final_snapshot::differs(prior, config) == Some(true)
            && !final_snapshot.iter().any(|n| ignored.iter().any(|i| i == n))
        {
            out.push(ExtraChange {
                replaces: false,
                name: "final_snapshot_identifier".into(),
                reason: "what a delete leaves (skip_final_snapshot, final_snapshot_identifier) differs from what the instance records"
                    .into(),
            });
        }
        out
    }

    /// A delete with no recorded final snapshot decision is refused, as provider-aws refuses it.
    fn refuses_delete(&self, live: &LiveObject, config: Option<&Value>) -> Option<String> {
        final_snapshot::refusal(live, config)
    }

    fn recovery_point(&self, query: &RecoveryPointQuery) -> Option<crate::resources::RecoveryPoint> {
        super::recovery_point::estimate(query)
    }

    fn capacity(&self, _step: &StepView) -> Option<Capacity> {
        Some(Capacity { quota: &super::DB_INSTANCES, amount: Amount::One })
    }

    fn needs(&self, step: &StepView) -> Vec<crate::resources::Need> {
        let known = |key: &str| step.after.get(key).and_then(|v| v.as_str()).map(str::to_string);
        match (known("engine"), known("instance_class")) {
            (Some(engine), Some(class)) => vec![crate::resources::Need::DbClass { engine, class }],
            _ => Vec::new(),
        }
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(by_hand(s)),
            verify: Some(format!(
                "aws rds describe-db-instances --db-instance-identifier {} --query 'DBInstances[0].DBInstanceStatus' --region {} → `available`",
                s.arg("identifier"),
                s.region
            )),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            match req.op {
                Op::Create => write::create(cx, &req.config, req.address).await,
                Op::Update(changed) => write::update(cx, &req.config, prior(req.prior)?, changed).await,
                Op::Delete => write::delete(cx, &req.config, prior(req.prior)?).await,
                Op::Ready => write::ready(cx, prior(req.prior)?).await,
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "db_instances",
    service: Service::Rds,
    types: &[TYPE],
    everywhere: true,
    narrows: false,
    global: false,
    read: |r, _| {
        Box::pin(async move {
            let c = Client::new(&r.conf);
            read(r, &c).await
        })
    },
};

async fn read(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();

    let mut pages = c.describe_db_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        for d in page.map_err(|err| cloud_error("DescribeDBInstances", &region, err))?.db_instances() {
            let address = d.endpoint().and_then(|ep| ep.address());
            let port = d.endpoint().and_then(|ep| ep.port());
            r.push(
                TYPE,
                d.dbi_resource_id().or(d.db_instance_identifier()).unwrap_or_default(),
                tags(d.tag_list()),
                json!({
                    "identifier": d.db_instance_identifier(),
                    "identifier_prefix": d.db_instance_identifier().and_then(crate::resources::sdk::name_prefix_of), "arn": d.db_instance_arn(), "engine": d.engine(),
                    "engine_version": d.engine_version(), "instance_class": d.db_instance_class(),
                    "allocated_storage": d.allocated_storage(), "max_allocated_storage": d.max_allocated_storage(),
                    "storage_type": d.storage_type(), "storage_encrypted": d.storage_encrypted(), "kms_key_id": d.kms_key_id(),
                    "status": d.db_instance_status(), "db_subnet_group_name": d.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
                    "vpc_security_group_ids": d.vpc_security_groups().iter().filter_map(|g| g.vpc_security_group_id()).collect::<Vec<_>>(),
                    "multi_az": d.multi_az(), "publicly_accessible": d.publicly_accessible(), "port": port,
                    "address": address, "endpoint": address.zip(port).map(|(a, p)| format!("{a}:{p}")),
                    "hosted_zone_id": d.endpoint().and_then(|ep| ep.hosted_zone_id()), "resource_id": d.dbi_resource_id(),
                    "latest_restorable_time": time(d.latest_restorable_time()), "backup_retention_period": d.backup_retention_period(),
                    "replicate_source_db": d.read_replica_source_db_instance_identifier(),
                    "deletion_protection": d.deletion_protection(), "username": d.master_username(), "db_name": d.db_name(),
                    "availability_zone": d.availability_zone(), "copy_tags_to_snapshot": d.copy_tags_to_snapshot(),
                    "auto_minor_version_upgrade": d.auto_minor_version_upgrade(),
                }),
            );
        }
    }

    Ok(())
}

pub static AUTOMATED_BACKUPS: ReadUnit = ReadUnit {
    name: "db_automated_backups",
    service: Service::Rds,
    types: &["aws_db_instance_automated_backups"],
    everywhere: false,
    narrows: false,
    global: false,
    read: |r, _| {
        Box::pin(async move {
            let c = Client::new(&r.conf);
            read_backups(r, &c).await
        })
    },
};

/// Replicated automated backups (cross-region point-in-time restore) live in the DR region.
async fn read_backups(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let mut pages = c.describe_db_instance_automated_backups().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        for b in page
            .map_err(|err| cloud_error("DescribeDBInstanceAutomatedBackups", &region, err))?
            .db_instance_automated_backups()
        {
            let arn = b.db_instance_automated_backups_arn().unwrap_or_default().to_string();
            r.push(
                "aws_db_instance_automated_backups",
                arn.clone(),
                Default::default(),
                json!({
                    "arn": arn, "db_instance_identifier": b.db_instance_identifier(), "source_region": b.region(),
                    "dbi_resource_id": b.dbi_resource_id(), "status": b.status(),
                    "restore_window_earliest_time": time(b.restore_window().and_then(|w| w.earliest_time())),
                    "restore_window_latest_time": time(b.restore_window().and_then(|w| w.latest_time())),
                }),
            );
        }
    }
    Ok(())
}

/// `--tags` for a create by hand: the step's, with the final snapshot decision drplan records
/// ([`final_snapshot::TAG`]), so drplan deletes the instance as configured later.
fn tags_arg(s: &StepView) -> String {
    let config = crate::eval::Value::from_json(s.after);
    let decision = final_snapshot::configured(&config).flatten();
    s.tags_arg_with(decision.map(|d| (final_snapshot::TAG.to_string(), d)))
}

/// The AWS CLI equivalent of the create, by recovery path.
fn by_hand(s: &StepView) -> String {
    let r = format!("--region {}", s.region);
    let flag = |key: &str, name: &str| match s.json(key).and_then(serde_json::Value::as_bool) {
        Some(true) => format!(" --{name}"),
        Some(false) => format!(" --no-{name}"),
        None => String::new(),
    };
    let common = format!(
        "--db-instance-class {} --db-subnet-group-name {} --vpc-security-group-ids {}{}{}{} {} {r}",
        s.arg("instance_class"),
        s.arg("db_subnet_group_name"),
        s.arg("vpc_security_group_ids"),
        flag("multi_az", "multi-az"),
        flag("publicly_accessible", "publicly-accessible"),
        flag("deletion_protection", "deletion-protection"),
        tags_arg(s)
    );
    if s.is_set("restore_to_point_in_time") {
        let source = s
            .nested("restore_to_point_in_time", "source_db_instance_automated_backups_arn")
            .map(|a| format!("--source-db-instance-automated-backups-arn {a}"))
            .or_else(|| {
                s.nested("restore_to_point_in_time", "source_db_instance_identifier")
                    .map(|i| format!("--source-db-instance-identifier {i}"))
            })
            .unwrap_or_else(|| "--source-db-instance-identifier <source>".into());
        let when = s
            .nested("restore_to_point_in_time", "restore_time")
            .map(|t| format!("--restore-time {t}"))
            .unwrap_or_else(|| "--use-latest-restorable-time".into());
        return format!(
            "aws rds restore-db-instance-to-point-in-time --target-db-instance-identifier {} {source} {when} {common}",
            s.arg("identifier")
        );
    }
    if s.is_set("snapshot_identifier") {
        return format!(
            "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {} --db-snapshot-identifier {} {common}",
            s.arg("identifier"),
            s.arg("snapshot_identifier")
        );
    }
    if s.is_set("replicate_source_db") {
        return format!(
            "aws rds create-db-instance-read-replica --db-instance-identifier {} --source-db-instance-identifier {} {common}",
            s.arg("identifier"),
            s.arg("replicate_source_db")
        );
    }
    format!(
        "aws rds create-db-instance --db-instance-identifier {} --engine {} --engine-version {} --allocated-storage {} --master-username {} --master-user-password <from the configuration>{} {common}",
        s.arg("identifier"),
        s.arg("engine"),
        s.arg("engine_version"),
        s.arg("allocated_storage"),
        s.arg("username"),
        flag("storage_encrypted", "storage-encrypted")
    )
}

#[cfg(test)]
mod tests {
    use crate::eval::Fields;

    use aws_sdk_rds::operation::restore_db_instance_to_point_in_time::{
        RestoreDBInstanceToPointInTimeError, RestoreDbInstanceToPointInTimeOutput,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::eval::Value;

    /// moto cannot restore across regions, so the request shape of the real AWS path (from
    /// replicated automated backups, by ARN, in the DR region) is checked against the SDK.
    #[tokio::test]
    async fn cross_region_pitr_request() {
        let arn = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-xyz";
        let rule = mock!(Client::restore_db_instance_to_point_in_time)
            .match_requests(move |r| {
                r.target_db_instance_identifier() == Some("app-db")
                    && r.source_db_instance_automated_backups_arn() == Some(arn)
                    && r.source_db_instance_identifier().is_none()
                    && r.use_latest_restorable_time() == Some(true)
                    && r.restore_time().is_none()
                    && r.db_subnet_group_name() == Some("app-db-subnets")
                    && r.vpc_security_group_ids() == ["sg-1", "sg-2"]
                    && r.tags()
                        .iter()
                        .any(|t| t.key() == Some("drplan:address") && t.value() == Some("aws_db_instance.db"))
            })
            .then_output(|| RestoreDbInstanceToPointInTimeOutput::builder().build());
        let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, [&rule]);
        let s = |v: &str| Value::from(v);
        let config = Value::Map(Fields::from([
            ("identifier".into(), s("app-db")),
            ("instance_class".into(), s("db.r6g.large")),
            ("db_subnet_group_name".into(), s("app-db-subnets")),
            ("vpc_security_group_ids".into(), Value::List(vec![s("sg-2"), s("sg-1")].into())),
            (
                "restore_to_point_in_time".into(),
                Value::List(
                    vec![Value::Map(Fields::from([
                        ("source_db_instance_automated_backups_arn".into(), s(arn)),
                        ("use_latest_restorable_time".into(), Value::Bool(true)),
                        ("restore_time".into(), Value::Null),
                    ]))]
                    .into(),
                ),
            ),
        ]));
        let tags = vec![Tag::builder().key("drplan:address").value("aws_db_instance.db").build()];
        let result = write::restore_point_in_time(&client, &Args(&config), "app-db", tags).unwrap().send().await;
        let _: Result<_, aws_sdk_rds::error::SdkError<RestoreDBInstanceToPointInTimeError>> = result;
        assert_eq!(rule.num_calls(), 1, "the request did not have the expected shape");
    }
}
