//! RDS: database instances (every one, for data sources and ownership; tags come with the
//! listing), subnet groups (tags need one call per group: there are few), and snapshots.

use aws_sdk_rds::Client;
use aws_sdk_rds::types::Tag;
use serde_json::json;

use super::{RegionReader, cloud_error, tag_map, time};
use crate::error::Error;

fn tags(t: &[Tag]) -> std::collections::BTreeMap<String, String> {
    tag_map(t.iter().map(|t| (t.key(), t.value())))
}

pub(super) const UNITS: &[&str] = &["db_instances", "db_subnet_groups", "db_snapshots", "db_automated_backups"];

pub(super) fn unit_types(unit: &str) -> &'static [&'static str] {
    match unit {
        "db_instances" => &["aws_db_instance"],
        "db_subnet_groups" => &["aws_db_subnet_group"],
        "db_snapshots" => &["aws_db_snapshot", "aws_db_snapshot_copy"],
        "db_automated_backups" => &["aws_db_instance_automated_backups"],
        _ => &[],
    }
}

pub(super) async fn read(r: &mut RegionReader) -> Result<(), Error> {
    for unit in UNITS {
        read_unit(r, unit).await?;
    }
    Ok(())
}

pub(super) async fn read_unit(r: &mut RegionReader, unit: &str) -> Result<(), Error> {
    let c = Client::new(&r.conf);
    match unit {
        "db_instances" => db_instances(r, &c).await,
        "db_subnet_groups" if r.owned => db_subnet_groups(r, &c).await,
        "db_snapshots" => db_snapshots(r, &c).await,
        // Replicated automated backups (cross-region point-in-time restore) live in the DR region.
        "db_automated_backups" if r.owned => db_automated_backups(r, &c).await,
        _ => Ok(()),
    }
}

async fn db_instances(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();

    let mut pages = c.describe_db_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        for d in page.map_err(|err| cloud_error("DescribeDBInstances", &region, err))?.db_instances() {
            let address = d.endpoint().and_then(|ep| ep.address());
            let port = d.endpoint().and_then(|ep| ep.port());
            r.push(
                "aws_db_instance",
                d.dbi_resource_id().or(d.db_instance_identifier()).unwrap_or_default(),
                tags(d.tag_list()),
                json!({
                    "identifier": d.db_instance_identifier(), "arn": d.db_instance_arn(), "engine": d.engine(),
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

async fn db_subnet_groups(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    {
        let mut groups = Vec::new();
        let mut pages = c.describe_db_subnet_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            r.call();
            groups.extend(
                page.map_err(|err| cloud_error("DescribeDBSubnetGroups", &region, err))?
                    .db_subnet_groups()
                    .iter()
                    .cloned(),
            );
        }
        for g in groups {
            let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
            r.call();
            let t = c
                .list_tags_for_resource()
                .resource_name(&arn)
                .send()
                .await
                .map_err(|err| cloud_error("ListTagsForResource", &region, err))?;
            let t = tags(t.tag_list());
            if !r.owned_by_stack(&t) {
                continue;
            }
            r.push(
                "aws_db_subnet_group",
                g.db_subnet_group_name().unwrap_or_default(),
                t,
                json!({
                    "name": g.db_subnet_group_name(), "description": g.db_subnet_group_description(), "arn": arn,
                    "vpc_id": g.vpc_id(), "subnet_ids": g.subnets().iter().filter_map(|s| s.subnet_identifier()).collect::<Vec<_>>(),
                }),
            );
        }
    }

    Ok(())
}

/// Automated backups replicated into this region: their restore window bounds the RPO of a
/// point-in-time restore from them.
async fn db_automated_backups(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
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

async fn db_snapshots(r: &mut RegionReader, c: &Client) -> Result<(), Error> {
    let region = r.region.clone();
    let mut pages = c.describe_db_snapshots().into_paginator().send();
    while let Some(page) = pages.next().await {
        r.call();
        for s in page.map_err(|err| cloud_error("DescribeDBSnapshots", &region, err))?.db_snapshots() {
            let t = tags(s.tag_list());
            let id = s.db_snapshot_identifier().unwrap_or_default().to_string();
            let mut attrs = json!({
                "db_instance_identifier": s.db_instance_identifier(), "db_snapshot_identifier": id,
                "db_snapshot_arn": s.db_snapshot_arn(), "snapshot_type": s.snapshot_type(),
                "snapshot_create_time": time(s.snapshot_create_time()),
                "original_snapshot_create_time": time(s.original_snapshot_create_time()),
                "engine": s.engine(), "engine_version": s.engine_version(), "allocated_storage": s.allocated_storage(),
                "encrypted": s.encrypted(), "kms_key_id": s.kms_key_id(), "status": s.status(), "storage_type": s.storage_type(),
                "vpc_id": s.vpc_id(), "port": s.port(), "availability_zone": s.availability_zone(),
                "source_region": s.source_region(), "source_db_snapshot_identifier": s.source_db_snapshot_identifier(),
            });
            // A copy drplan made is a managed aws_db_snapshot_copy; anything else is data.
            let ty = if r.owned && r.owned_by_stack(&t) {
                attrs["target_db_snapshot_identifier"] = json!(id);
                "aws_db_snapshot_copy"
            } else {
                "aws_db_snapshot"
            };
            r.push(ty, id, t, attrs);
        }
    }
    Ok(())
}
