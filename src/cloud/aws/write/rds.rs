//! RDS writes: subnet groups, snapshot copies across regions, and database instances by every
//! recovery path: point-in-time restore (from a source instance in this region or, across
//! regions, from replicated automated backups by ARN), restore from a snapshot, a read replica
//! of another region's instance and its promotion, or a new empty instance.

use std::time::Duration;

use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;

use super::args::{Args, owned_tags};
use super::wait::{self, Poll};
use super::{Cx, code_of, gone_ok, sdk_error};
use crate::apply::StepError;
use crate::live::LiveObject;

pub(super) fn handles(ty: &str) -> bool {
    matches!(ty, "aws_db_subnet_group" | "aws_db_instance" | "aws_db_snapshot_copy")
}

const DB_CREATE: Duration = Duration::from_secs(40 * 60);
const DB_UPDATE: Duration = Duration::from_secs(80 * 60);
const DB_DELETE: Duration = Duration::from_secs(60 * 60);
const SNAPSHOT_COPY: Duration = Duration::from_secs(120 * 60);

fn tag_list(cx: &Cx, a: &Args, address: &str) -> Vec<Tag> {
    owned_tags(a, &cx.stack, address).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The request for the path the configuration chooses, built on the SDK (so tests can inspect
/// it without sending it; see `tests::cross_region_pitr_request`).
pub(crate) fn restore_point_in_time(
    c: &Client,
    a: &Args,
    tags: Vec<Tag>,
) -> Result<
    aws_sdk_rds::operation::restore_db_instance_to_point_in_time::builders::RestoreDBInstanceToPointInTimeFluentBuilder,
    StepError,
> {
    let pitr =
        a.block("restore_to_point_in_time").ok_or_else(|| StepError::fatal("no restore_to_point_in_time block"))?;
    let restore_time = match pitr.str("restore_time") {
        Some(t) => Some(
            aws_smithy_types::DateTime::from_str(&t, aws_smithy_types::date_time::Format::DateTime)
                .map_err(|e| StepError::fatal(format!("restore_time {t:?} is not an RFC 3339 time: {e}")))?,
        ),
        None => None,
    };
    Ok(c.restore_db_instance_to_point_in_time()
        .target_db_instance_identifier(a.req("identifier")?)
        .set_source_db_instance_identifier(pitr.str("source_db_instance_identifier"))
        .set_source_db_instance_automated_backups_arn(pitr.str("source_db_instance_automated_backups_arn"))
        .set_source_dbi_resource_id(pitr.str("source_dbi_resource_id"))
        .set_restore_time(restore_time)
        .set_use_latest_restorable_time(pitr.bool("use_latest_restorable_time").filter(|_| restore_time.is_none()))
        .db_instance_class(a.req("instance_class")?)
        .set_db_subnet_group_name(a.str("db_subnet_group_name"))
        .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
        .set_multi_az(a.bool("multi_az"))
        .set_publicly_accessible(a.bool("publicly_accessible"))
        .set_deletion_protection(a.bool("deletion_protection"))
        .set_storage_type(a.str("storage_type"))
        .set_availability_zone(a.str("availability_zone"))
        .set_copy_tags_to_snapshot(a.bool("copy_tags_to_snapshot"))
        .set_auto_minor_version_upgrade(a.bool("auto_minor_version_upgrade"))
        .set_tags(Some(tags)))
}

fn non_empty(mut v: Vec<String>) -> Option<Vec<String>> {
    v.sort();
    (!v.is_empty()).then_some(v)
}

pub(super) async fn create(cx: &Cx, ty: &str, address: &str, a: &Args<'_>) -> Result<(), StepError> {
    let c = &cx.rds;
    let tags = tag_list(cx, a, address);
    match ty {
        "aws_db_subnet_group" => {
            cx.call();
            c.create_db_subnet_group()
                .db_subnet_group_name(a.req("name")?)
                .db_subnet_group_description(a.str("description").unwrap_or_else(|| "Managed by Terraform".into()))
                .set_subnet_ids(Some(a.strs("subnet_ids")))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("CreateDBSubnetGroup", e))?;
            Ok(())
        }
        "aws_db_snapshot_copy" => {
            let target = a.req("target_db_snapshot_identifier")?;
            cx.call();
            c.copy_db_snapshot()
                .source_db_snapshot_identifier(a.req("source_db_snapshot_identifier")?)
                .target_db_snapshot_identifier(&target)
                .set_kms_key_id(a.str("kms_key_id"))
                .set_copy_tags(a.bool("copy_tags"))
                .set_option_group_name(a.str("option_group_name"))
                .set_pre_signed_url(a.str("presigned_url"))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| sdk_error("CopyDBSnapshot", e))?;
            snapshot_available(cx, &target).await
        }
        "aws_db_instance" => {
            let id = a.req("identifier")?;
            if a.block("restore_to_point_in_time").is_some() {
                cx.call();
                restore_point_in_time(c, a, tags)?
                    .send()
                    .await
                    .map_err(|e| sdk_error("RestoreDBInstanceToPointInTime", e))?;
            } else if let Some(snapshot) = a.str("snapshot_identifier") {
                cx.call();
                c.restore_db_instance_from_db_snapshot()
                    .db_instance_identifier(&id)
                    .db_snapshot_identifier(snapshot)
                    .db_instance_class(a.req("instance_class")?)
                    .set_db_subnet_group_name(a.str("db_subnet_group_name"))
                    .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
                    .set_multi_az(a.bool("multi_az"))
                    .set_publicly_accessible(a.bool("publicly_accessible"))
                    .set_deletion_protection(a.bool("deletion_protection"))
                    .set_storage_type(a.str("storage_type"))
                    .set_availability_zone(a.str("availability_zone"))
                    .set_copy_tags_to_snapshot(a.bool("copy_tags_to_snapshot"))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| sdk_error("RestoreDBInstanceFromDBSnapshot", e))?;
            } else if let Some(source) = a.str("replicate_source_db") {
                cx.call();
                c.create_db_instance_read_replica()
                    .db_instance_identifier(&id)
                    .source_db_instance_identifier(source)
                    .db_instance_class(a.req("instance_class")?)
                    .set_db_subnet_group_name(a.str("db_subnet_group_name"))
                    .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
                    .set_multi_az(a.bool("multi_az"))
                    .set_publicly_accessible(a.bool("publicly_accessible"))
                    .set_deletion_protection(a.bool("deletion_protection"))
                    .set_storage_type(a.str("storage_type"))
                    .set_availability_zone(a.str("availability_zone"))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| sdk_error("CreateDBInstanceReadReplica", e))?;
            } else {
                cx.call();
                c.create_db_instance()
                    .db_instance_identifier(&id)
                    .db_instance_class(a.req("instance_class")?)
                    .engine(a.req("engine")?)
                    .set_engine_version(a.str("engine_version"))
                    .set_allocated_storage(a.int("allocated_storage"))
                    .set_max_allocated_storage(a.int("max_allocated_storage"))
                    .set_storage_type(a.str("storage_type"))
                    .set_storage_encrypted(a.bool("storage_encrypted"))
                    .set_kms_key_id(a.str("kms_key_id"))
                    .set_db_name(a.str("db_name"))
                    .set_master_username(a.str("username"))
                    .set_master_user_password(a.str("password"))
                    .set_manage_master_user_password(a.bool("manage_master_user_password"))
                    .set_db_subnet_group_name(a.str("db_subnet_group_name"))
                    .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
                    .set_multi_az(a.bool("multi_az"))
                    .set_publicly_accessible(a.bool("publicly_accessible"))
                    .set_deletion_protection(a.bool("deletion_protection"))
                    .set_backup_retention_period(a.int("backup_retention_period"))
                    .set_availability_zone(a.str("availability_zone"))
                    .set_copy_tags_to_snapshot(a.bool("copy_tags_to_snapshot"))
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| sdk_error("CreateDBInstance", e))?;
            }
            db_status(cx, &id, Some("available"), DB_CREATE).await
        }
        other => Err(StepError::fatal(format!("drplan cannot create {other}"))),
    }
}

pub(super) async fn update(
    cx: &Cx,
    ty: &str,
    a: &Args<'_>,
    live: &LiveObject,
    changed: &[String],
) -> Result<(), StepError> {
    let c = &cx.rds;
    let has = |n: &str| changed.iter().any(|c| c == n);
    if has("tags") {
        let arn = live.attr_str("arn").unwrap_or(&live.id).to_string();
        let address = live.tags.get(crate::live::ADDRESS_TAG).cloned().unwrap_or_default();
        cx.call();
        c.add_tags_to_resource()
            .resource_name(&arn)
            .set_tags(Some(tag_list(cx, a, &address)))
            .send()
            .await
            .map_err(|e| sdk_error("AddTagsToResource", e))?;
        let want = a.user_tags();
        let stale: Vec<String> =
            live.tags.keys().filter(|k| !k.starts_with("drplan:") && !want.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            cx.call();
            c.remove_tags_from_resource()
                .resource_name(&arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| sdk_error("RemoveTagsFromResource", e))?;
        }
    }
    match ty {
        "aws_db_subnet_group" if has("subnet_ids") || has("description") => {
            cx.call();
            c.modify_db_subnet_group()
                .db_subnet_group_name(&live.id)
                .set_db_subnet_group_description(a.str("description"))
                .set_subnet_ids(Some(a.strs("subnet_ids")))
                .send()
                .await
                .map_err(|e| sdk_error("ModifyDBSubnetGroup", e))?;
            Ok(())
        }
        "aws_db_instance" => {
            let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
            if has("replicate_source_db") && a.str("replicate_source_db").is_none() {
                // The configuration no longer names a source: promote the replica (failover).
                cx.call();
                c.promote_read_replica()
                    .db_instance_identifier(&id)
                    .send()
                    .await
                    .map_err(|e| sdk_error("PromoteReadReplica", e))?;
                db_status(cx, &id, Some("available"), DB_UPDATE).await?;
            }
            let modifiable = [
                "instance_class",
                "multi_az",
                "vpc_security_group_ids",
                "deletion_protection",
                "publicly_accessible",
                "allocated_storage",
                "max_allocated_storage",
                "backup_retention_period",
                "password",
                "storage_type",
                "copy_tags_to_snapshot",
                "auto_minor_version_upgrade",
            ];
            if !changed.iter().any(|c| modifiable.contains(&c.as_str())) {
                return Ok(());
            }
            let pick = |n: &str| has(n).then_some(());
            cx.call();
            c.modify_db_instance()
                .db_instance_identifier(&id)
                .apply_immediately(a.bool("apply_immediately").unwrap_or(false))
                .set_db_instance_class(pick("instance_class").and(a.str("instance_class")))
                .set_multi_az(pick("multi_az").and(a.bool("multi_az")))
                .set_vpc_security_group_ids(
                    pick("vpc_security_group_ids").and(non_empty(a.strs("vpc_security_group_ids"))),
                )
                .set_deletion_protection(pick("deletion_protection").and(a.bool("deletion_protection")))
                .set_publicly_accessible(pick("publicly_accessible").and(a.bool("publicly_accessible")))
                .set_allocated_storage(pick("allocated_storage").and(a.int("allocated_storage")))
                .set_max_allocated_storage(pick("max_allocated_storage").and(a.int("max_allocated_storage")))
                .set_backup_retention_period(pick("backup_retention_period").and(a.int("backup_retention_period")))
                .set_master_user_password(pick("password").and(a.str("password")))
                .set_storage_type(pick("storage_type").and(a.str("storage_type")))
                .set_copy_tags_to_snapshot(pick("copy_tags_to_snapshot").and(a.bool("copy_tags_to_snapshot")))
                .set_auto_minor_version_upgrade(
                    pick("auto_minor_version_upgrade").and(a.bool("auto_minor_version_upgrade")),
                )
                .send()
                .await
                .map_err(|e| sdk_error("ModifyDBInstance", e))?;
            db_status(cx, &id, Some("available"), DB_UPDATE).await
        }
        _ => Ok(()),
    }
}

pub(super) async fn delete(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    let c = &cx.rds;
    match live.ty.as_str() {
        "aws_db_subnet_group" => {
            cx.call();
            let result = c.delete_db_subnet_group().db_subnet_group_name(&live.id).send().await;
            gone_ok("DeleteDBSubnetGroup", result, &["DBSubnetGroupNotFoundFault"])
        }
        "aws_db_snapshot_copy" => {
            cx.call();
            let result = c.delete_db_snapshot().db_snapshot_identifier(&live.id).send().await;
            gone_ok("DeleteDBSnapshot", result, &["DBSnapshotNotFound"])
        }
        "aws_db_instance" => {
            let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
            let final_snapshot = live.attr_str("final_snapshot_identifier").map(str::to_string);
            let send = || {
                cx.call();
                c.delete_db_instance()
                    .db_instance_identifier(&id)
                    .skip_final_snapshot(final_snapshot.is_none())
                    .set_final_db_snapshot_identifier(final_snapshot.clone())
                    .send()
            };
            match send().await {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("DBInstanceNotFound") => return Ok(()),
                // Some emulators refuse to delete a cross-region replica before promotion.
                Err(e)
                    if live.attr_str("replicate_source_db").is_some()
                        && e.raw_response().is_some_and(|r| r.status().is_server_error()) =>
                {
                    cx.call();
                    c.promote_read_replica()
                        .db_instance_identifier(&id)
                        .send()
                        .await
                        .map_err(|e| sdk_error("PromoteReadReplica", e))?;
                    db_status(cx, &id, Some("available"), DB_UPDATE).await?;
                    send().await.map_err(|e| sdk_error("DeleteDBInstance", e))?;
                }
                Err(e) => return Err(sdk_error("DeleteDBInstance", e)),
            }
            db_status(cx, &id, None, DB_DELETE).await
        }
        other => Err(StepError::fatal(format!("drplan cannot delete {other}"))),
    }
}

pub(super) async fn ready(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    match live.ty.as_str() {
        "aws_db_instance" => {
            let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
            db_status(cx, &id, Some("available"), DB_CREATE).await
        }
        "aws_db_snapshot_copy" => snapshot_available(cx, &live.id).await,
        _ => Ok(()),
    }
}

/// Waits for a status, or (`None`) for the instance to be gone.
async fn db_status(cx: &Cx, id: &str, want: Option<&str>, timeout: Duration) -> Result<(), StepError> {
    let what = format!("database {id} to be {}", want.unwrap_or("deleted"));
    wait::until(&what, &cx.polling, timeout, || async {
        cx.call();
        let status = match cx.rds.describe_db_instances().db_instance_identifier(id).send().await {
            Ok(out) => out.db_instances().first().and_then(|d| d.db_instance_status()).map(str::to_string),
            Err(e) if code_of(&e) == Some("DBInstanceNotFound") => None,
            Err(e) => return Err(sdk_error("DescribeDBInstances", e)),
        };
        Ok(match (want, status) {
            (None, None) => Poll::Ready(()),
            (Some(w), Some(s)) if s == w => Poll::Ready(()),
            (Some(_), Some(s))
                if matches!(
                    s.as_str(),
                    "failed" | "incompatible-restore" | "incompatible-parameters" | "storage-full"
                ) =>
            {
                return Err(StepError::fatal(format!("database {id} is {s}")));
            }
            (_, Some(s)) => Poll::Pending(s),
            (Some(_), None) => Poll::Pending("not visible yet".into()),
        })
    })
    .await
}

async fn snapshot_available(cx: &Cx, id: &str) -> Result<(), StepError> {
    wait::until(&format!("snapshot {id} to be available"), &cx.polling, SNAPSHOT_COPY, || async {
        cx.call();
        let out = cx
            .rds
            .describe_db_snapshots()
            .db_snapshot_identifier(id)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeDBSnapshots", e))?;
        Ok(match out.db_snapshots().first().and_then(|s| s.status()) {
            Some("available") => Poll::Ready(()),
            Some("failed") => return Err(StepError::fatal(format!("snapshot copy {id} failed"))),
            Some(s) => Poll::Pending(s.to_string()),
            None => Poll::Pending("not visible yet".into()),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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
        let config = Value::Map(BTreeMap::from([
            ("identifier".into(), s("app-db")),
            ("instance_class".into(), s("db.r6g.large")),
            ("db_subnet_group_name".into(), s("app-db-subnets")),
            ("vpc_security_group_ids".into(), Value::List(vec![s("sg-2"), s("sg-1")])),
            (
                "restore_to_point_in_time".into(),
                Value::List(vec![Value::Map(BTreeMap::from([
                    ("source_db_instance_automated_backups_arn".into(), s(arn)),
                    ("use_latest_restorable_time".into(), Value::Bool(true)),
                    ("restore_time".into(), Value::Null),
                ]))]),
            ),
        ]));
        let tags = vec![Tag::builder().key("drplan:address").value("aws_db_instance.db").build()];
        let result = restore_point_in_time(&client, &Args(&config), tags).unwrap().send().await;
        let _: Result<_, aws_sdk_rds::error::SdkError<RestoreDBInstanceToPointInTimeError>> = result;
        assert_eq!(rule.num_calls(), 1, "the request did not have the expected shape");
    }
}
