//! `aws_db_instance`'s writes: one create per recovery path (point-in-time restore, restore from
//! a snapshot, a read replica, a new empty instance), the in-place update (with a replica's
//! promotion), the delete, and the waits between them.

use aws_sdk_rds::Client;

use super::super::*;
use crate::resources::StepError;

pub(super) async fn create(cx: &Cx, a: &Args<'_>, address: &str) -> Result<(), StepError> {
    let mut tags = tag_list(cx, a, address);
    tags.extend(super::final_snapshot::tag(a.0));
    let id = cx.name_or_generated(a, address, ("identifier", "identifier_prefix"), "terraform-");
    cx.call();
    if a.block("restore_to_point_in_time").is_some() {
        restore_point_in_time(&cx.rds, a, &id, tags)?
            .send()
            .await
            .map_err(|e| sdk_error("RestoreDBInstanceToPointInTime", e))?;
    } else if let Some(snapshot) = a.str("snapshot_identifier") {
        from_snapshot(&cx.rds, a, &id, &snapshot, tags).await?;
    } else if let Some(source) = a.str("replicate_source_db") {
        read_replica(&cx.rds, a, &id, &source, tags).await?;
    } else {
        empty(&cx.rds, a, &id, tags).await?;
    }
    db_status(cx, &id, Some("available"), DB_CREATE).await
}

async fn from_snapshot(c: &Client, a: &Args<'_>, id: &str, snapshot: &str, tags: Vec<Tag>) -> Result<(), StepError> {
    c.restore_db_instance_from_db_snapshot()
        .db_instance_identifier(id)
        .db_snapshot_identifier(snapshot)
        .db_instance_class(a.req("instance_class")?)
        .set_db_subnet_group_name(a.str("db_subnet_group_name"))
        .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
        .set_multi_az(a.bool("multi_az"))
        .set_publicly_accessible(a.bool("publicly_accessible"))
        .set_deletion_protection(a.bool("deletion_protection"))
        .set_auto_minor_version_upgrade(a.bool("auto_minor_version_upgrade"))
        .set_storage_type(a.str("storage_type"))
        .set_availability_zone(a.str("availability_zone"))
        .set_copy_tags_to_snapshot(a.bool("copy_tags_to_snapshot"))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| sdk_error("RestoreDBInstanceFromDBSnapshot", e))?;
    Ok(())
}

async fn read_replica(c: &Client, a: &Args<'_>, id: &str, source: &str, tags: Vec<Tag>) -> Result<(), StepError> {
    c.create_db_instance_read_replica()
        .db_instance_identifier(id)
        .source_db_instance_identifier(source)
        .db_instance_class(a.req("instance_class")?)
        .set_db_subnet_group_name(a.str("db_subnet_group_name"))
        .set_vpc_security_group_ids(non_empty(a.strs("vpc_security_group_ids")))
        .set_multi_az(a.bool("multi_az"))
        .set_publicly_accessible(a.bool("publicly_accessible"))
        .set_deletion_protection(a.bool("deletion_protection"))
        .set_auto_minor_version_upgrade(a.bool("auto_minor_version_upgrade"))
        .set_storage_type(a.str("storage_type"))
        .set_availability_zone(a.str("availability_zone"))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateDBInstanceReadReplica", e))?;
    Ok(())
}

/// A new, empty instance: the last resort when there is nothing to recover from.
async fn empty(c: &Client, a: &Args<'_>, id: &str, tags: Vec<Tag>) -> Result<(), StepError> {
    c.create_db_instance()
        .db_instance_identifier(id)
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
        .set_auto_minor_version_upgrade(a.bool("auto_minor_version_upgrade"))
        .set_backup_retention_period(a.int("backup_retention_period"))
        .set_availability_zone(a.str("availability_zone"))
        .set_copy_tags_to_snapshot(a.bool("copy_tags_to_snapshot"))
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| sdk_error("CreateDBInstance", e))?;
    Ok(())
}

/// What ModifyDBInstance can change in place.
const MODIFIABLE: &[&str] = &[
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
    "engine_version",
    "db_subnet_group_name",
];

pub(super) async fn update(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    let has = |n: &str| changed.iter().any(|c| c == n);
    retag_if_changed(cx, a, live, changed).await?;
    if super::final_snapshot::unrecorded(live, a.0) {
        record_final_snapshot(cx, a, live).await?;
    }
    let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
    if has("replicate_source_db") && a.str("replicate_source_db").is_none() {
        // The configuration no longer names a source: promote the replica (failover).
        promote(cx, &id).await?;
    }
    if !changed.iter().any(|c| MODIFIABLE.contains(&c.as_str())) {
        return Ok(());
    }
    let pick = |n: &str| has(n).then_some(());
    cx.call();
    cx.rds
        .modify_db_instance()
        .db_instance_identifier(&id)
        .apply_immediately(a.bool("apply_immediately").unwrap_or(false))
        .set_db_instance_class(pick("instance_class").and(a.str("instance_class")))
        .set_multi_az(pick("multi_az").and(a.bool("multi_az")))
        .set_vpc_security_group_ids(pick("vpc_security_group_ids").and(non_empty(a.strs("vpc_security_group_ids"))))
        .set_deletion_protection(pick("deletion_protection").and(a.bool("deletion_protection")))
        .set_publicly_accessible(pick("publicly_accessible").and(a.bool("publicly_accessible")))
        .set_allocated_storage(pick("allocated_storage").and(a.int("allocated_storage")))
        .set_max_allocated_storage(pick("max_allocated_storage").and(a.int("max_allocated_storage")))
        .set_backup_retention_period(pick("backup_retention_period").and(a.int("backup_retention_period")))
        .set_master_user_password(pick("password").and(a.str("password")))
        .set_storage_type(pick("storage_type").and(a.str("storage_type")))
        .set_copy_tags_to_snapshot(pick("copy_tags_to_snapshot").and(a.bool("copy_tags_to_snapshot")))
        .set_auto_minor_version_upgrade(pick("auto_minor_version_upgrade").and(a.bool("auto_minor_version_upgrade")))
        .set_engine_version(pick("engine_version").and(a.str("engine_version")))
        .set_db_subnet_group_name(pick("db_subnet_group_name").and(a.str("db_subnet_group_name")))
        .send()
        .await
        .map_err(|e| sdk_error("ModifyDBInstance", e))?;
    db_status(cx, &id, Some("available"), DB_UPDATE).await
}

async fn promote(cx: &Cx, id: &str) -> Result<(), StepError> {
    cx.call();
    cx.rds
        .promote_read_replica()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| sdk_error("PromoteReadReplica", e))?;
    db_status(cx, id, Some("available"), DB_UPDATE).await
}

/// Records what a delete leaves (`final_snapshot::TAG`), or clears a decision no longer made.
async fn record_final_snapshot(cx: &Cx, a: &Args<'_>, live: &LiveObject) -> Result<(), StepError> {
    let arn = live.attr_str("arn").unwrap_or(&live.id).to_string();
    cx.call();
    match super::final_snapshot::tag(a.0) {
        Some(tag) => {
            let add = cx.rds.add_tags_to_resource().resource_name(&arn).tags(tag);
            add.send().await.map_err(|e| sdk_error("AddTagsToResource", e))?;
        }
        None if live.tags.contains_key(super::final_snapshot::TAG) => {
            let remove = cx.rds.remove_tags_from_resource().resource_name(&arn);
            let remove = remove.tag_keys(super::final_snapshot::TAG);
            remove.send().await.map_err(|e| sdk_error("RemoveTagsFromResource", e))?;
        }
        None => {}
    }
    Ok(())
}

pub(super) async fn delete(cx: &Cx, a: &Args<'_>, live: &LiveObject) -> Result<(), StepError> {
    use super::final_snapshot::{OnDelete, on_delete, refusal};
    let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
    // The configuration while the address declares it; else the live values, which hold none.
    let config = Some(a.0);
    let final_snapshot = match on_delete(live, config) {
        OnDelete::Skip => None,
        OnDelete::Snapshot(name) => Some(name),
        OnDelete::Refused => return Err(StepError::fatal(refusal(live, config).unwrap_or_default())),
    };
    let send = || {
        cx.call();
        cx.rds
            .delete_db_instance()
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
            promote(cx, &id).await?;
            send().await.map_err(|e| sdk_error("DeleteDBInstance", e))?;
        }
        Err(e) => return Err(sdk_error("DeleteDBInstance", e)),
    }
    db_status(cx, &id, None, DB_DELETE).await
}

pub(super) async fn ready(cx: &Cx, live: &LiveObject) -> Result<(), StepError> {
    let id = live.attr_str("identifier").unwrap_or(&live.id).to_string();
    db_status(cx, &id, Some("available"), DB_CREATE).await
}

const DB_CREATE: Duration = Duration::from_secs(40 * 60);
const DB_UPDATE: Duration = Duration::from_secs(80 * 60);
const DB_DELETE: Duration = Duration::from_secs(60 * 60);

/// The request for the path the configuration chooses, built on the SDK (so tests can inspect
/// it without sending it; see `tests::cross_region_pitr_request`).
pub(super) fn restore_point_in_time(
    c: &Client,
    a: &Args,
    id: &str,
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
        .target_db_instance_identifier(id)
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
