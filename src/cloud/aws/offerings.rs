//! What the DR region offers and allows, for `drplan readiness` ([`Questions`]): where EC2
//! instance types are offered (DescribeInstanceTypeOfferings by zone), which AMIs exist
//! (DescribeImages, filtered by id so a missing one is an answer, not an error), where DB
//! instance classes are orderable (DescribeOrderableDBInstanceOptions), each quota's limit
//! (Service Quotas GetServiceQuota) and use (counted as its quota says), instance types'
//! vCPUs, dry runs, and whether the data checks' secrets exist (DescribeSecret). Every call
//! reads; the dry runs write nothing.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, LocationType};

use crate::cloud::{Answers, DbOffer, Offerings, Questions, QuotaState};
use crate::error::Error;
use crate::resources::sdk::cloud_error;

/// Every answer, each on its own: one that fails leaves the others.
pub(super) async fn answer(conf: &SdkConfig, region: &str, q: &Questions) -> Answers {
    let text = |e: Error| e.to_string();
    let (offerings, images, db_classes, vcpus) = tokio::join!(
        by_zone(conf, region, &q.instance_types),
        images(conf, region, &q.images),
        db_classes(conf, region, &q.db_classes),
        crate::resources::ec2::quotas::instance_vcpus(conf, region, &q.vcpus_of),
    );
    let mut quotas = BTreeMap::new();
    for quota in &q.quotas {
        let state = async {
            let limit = limit(conf, region, quota.service_code, quota.quota_code).await?;
            Ok::<_, Error>(QuotaState { limit, usage: (quota.usage)(conf, region).await? })
        };
        quotas.insert(quota.quota_code, state.await.map_err(text));
    }
    let mut permissions = Vec::new();
    for (address, dry_run, after) in &q.dry_runs {
        permissions.push((address.clone(), dry_run.action, (dry_run.call)(conf, after).await));
    }
    let mut secrets = BTreeMap::new();
    for id in &q.secrets {
        secrets.insert(id.clone(), secret_exists(conf, region, id).await.map_err(text));
    }
    Answers {
        secrets,
        offerings: offerings.map_err(text),
        images: images.map_err(text),
        db_classes: db_classes.map_err(text),
        quotas,
        vcpus: vcpus.map_err(text),
        permissions,
    }
}

/// Whether a secret exists in the region (DescribeSecret reads its metadata, not its value).
async fn secret_exists(conf: &SdkConfig, region: &str, id: &str) -> Result<bool, Error> {
    let c = aws_sdk_secretsmanager::Client::new(conf);
    match c.describe_secret().secret_id(id).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(false),
        Err(e) => Err(cloud_error("DescribeSecret", region, e)),
    }
}

/// A quota's value as applied to this account.
async fn limit(conf: &SdkConfig, region: &str, service: &str, code: &str) -> Result<f64, Error> {
    let c = aws_sdk_servicequotas::Client::new(conf);
    let out = c
        .get_service_quota()
        .service_code(service)
        .quota_code(code)
        .send()
        .await
        .map_err(|e| cloud_error("GetServiceQuota", region, e))?;
    out.quota().and_then(|q| q.value()).ok_or_else(|| Error::Cloud {
        operation: "GetServiceQuota".into(),
        region: region.into(),
        message: format!("{service}/{code} has no value"),
    })
}

/// The zones where each (engine, class) is orderable; an engine the region lists nothing for
/// is [`DbOffer::EngineUnlisted`], not "offered nowhere".
async fn db_classes(
    conf: &SdkConfig,
    region: &str,
    wanted: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<(String, String), DbOffer>, Error> {
    let c = aws_sdk_rds::Client::new(conf);
    let fail = |e| cloud_error("DescribeOrderableDBInstanceOptions", region, e);
    let mut out = BTreeMap::new();
    for (engine, class) in wanted {
        let mut zones = BTreeSet::new();
        let mut pages =
            c.describe_orderable_db_instance_options().engine(engine).db_instance_class(class).into_paginator().send();
        while let Some(page) = pages.next().await {
            for o in page.map_err(fail)?.orderable_db_instance_options() {
                zones.extend(o.availability_zones().iter().filter_map(|z| z.name().map(str::to_string)));
            }
        }
        let offer = if !zones.is_empty() {
            DbOffer::Zones(zones)
        } else {
            let any = c.describe_orderable_db_instance_options().engine(engine).max_records(20).send().await;
            if any.map_err(fail)?.orderable_db_instance_options().is_empty() {
                DbOffer::EngineUnlisted
            } else {
                DbOffer::Zones(zones)
            }
        };
        out.insert((engine.clone(), class.clone()), offer);
    }
    Ok(out)
}

/// The zones of `region` offering each of `types` (a type offered nowhere is absent).
pub(super) async fn by_zone(conf: &SdkConfig, region: &str, types: &BTreeSet<String>) -> Result<Offerings, Error> {
    let client = aws_sdk_ec2::Client::new(conf);
    let mut out = Offerings::new();
    if types.is_empty() {
        return Ok(out);
    }
    let filter = Filter::builder().name("instance-type").set_values(Some(types.iter().cloned().collect())).build();
    let mut pages = client
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(filter)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("DescribeInstanceTypeOfferings", region, e))?;
        for o in page.instance_type_offerings() {
            if let (Some(ty), Some(zone)) = (o.instance_type(), o.location()) {
                out.entry(ty.as_str().to_string()).or_default().insert(zone.to_string());
            }
        }
    }
    Ok(out)
}

/// The ids among `ids` of AMIs that exist in `region` and this account can use.
pub(super) async fn images(conf: &SdkConfig, region: &str, ids: &BTreeSet<String>) -> Result<BTreeSet<String>, Error> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let client = aws_sdk_ec2::Client::new(conf);
    let filter = Filter::builder().name("image-id").set_values(Some(ids.iter().cloned().collect())).build();
    let out =
        client.describe_images().filters(filter).send().await.map_err(|e| cloud_error("DescribeImages", region, e))?;
    Ok(out.images().iter().filter_map(|i| i.image_id().map(str::to_string)).collect())
}
