//! The stack seed's secret (`live::seed`) in the DR region's Secrets Manager: read while
//! planning, created by the first apply that needs it. A secret of that name that is not this
//! stack's seed (its tags say otherwise) is never adopted or overwritten.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;

use crate::live::STACK_TAG;
use crate::live::seed::{SEED_TAG, StackSeed, secret_name};
use crate::resources::time::TAG_PREFIX;

fn failure(call: &str, name: &str, region: &str, e: impl std::fmt::Display) -> String {
    format!("secretsmanager:{call} {name} in {region}: {e}")
}

/// The stack's seed and the base times recorded on its secret (`resources::time`), or `None`
/// when the secret does not exist yet.
pub(super) async fn read(conf: &aws_config::SdkConfig, region: &str, stack: &str) -> Result<Option<Found>, String> {
    let client = Client::new(conf);
    let name = secret_name(stack);
    let described = match client.describe_secret().secret_id(&name).send().await {
        Ok(d) => d,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(None),
        Err(e) => {
            return Err(failure(
                "DescribeSecret",
                &name,
                region,
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e),
            ));
        }
    };
    let tag =
        |k: &str| described.tags().iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string);
    if tag(STACK_TAG).as_deref() != Some(stack) || tag(SEED_TAG).as_deref() != Some("true") {
        return Err(format!(
            "secret {name} in {region} exists but is not tagged as stack {stack}'s seed ({STACK_TAG} = {stack}, {SEED_TAG} = true); drplan does not adopt it. Rename the stack or delete that secret if it is not in use"
        ));
    }
    let value = client.get_secret_value().secret_id(&name).send().await.map_err(|e| {
        failure("GetSecretValue", &name, region, aws_sdk_secretsmanager::error::DisplayErrorContext(&e))
    })?;
    let text = value.secret_string().unwrap_or_default();
    let seed = StackSeed::from_secret_string(text)
        .map_err(|why| format!("secret {name} in {region} is not a stack seed: {why}"))?;
    let times = described
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?, t.value()?)))
        .filter(|(k, _)| k.starts_with(TAG_PREFIX))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Some(Found { seed, times }))
}

/// What the seed's secret holds: the seed, and the base times recorded on it.
pub(super) struct Found {
    pub seed: StackSeed,
    pub times: BTreeMap<String, String>,
}

/// Records a `time_*` resource's base time (`key`, `value`: `resources::time::record`) on the
/// stack seed's secret, which must exist. A retry writes the same key again (one tag).
pub(super) async fn record_time(
    conf: &aws_config::SdkConfig,
    region: &str,
    stack: &str,
    key: &str,
    value: &str,
) -> Result<(), String> {
    let name = secret_name(stack);
    Client::new(conf)
        .tag_resource()
        .secret_id(&name)
        .tags(Tag::builder().key(key).value(value).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("TagResource", &name, region, aws_sdk_secretsmanager::error::DisplayErrorContext(&e)))
}

/// The stack's seed, created when it does not exist. A create whose answer was lost, or that
/// raced another apply, is followed by a read: the seed that exists wins, so there is one.
pub(super) async fn ensure(conf: &aws_config::SdkConfig, region: &str, stack: &str) -> Result<StackSeed, String> {
    if let Some(found) = read(conf, region, stack).await? {
        return Ok(found.seed);
    }
    let seed = StackSeed::generate()?;
    let name = secret_name(stack);
    let created = Client::new(conf)
        .create_secret()
        .name(&name)
        .description(format!(
            "drplan stack seed of {stack}: its random values and generated keys derive from it, its base times (drplan:time:* tags) are recorded on it; deleting it changes them all"
        ))
        .secret_string(seed.to_secret_string())
        .tags(Tag::builder().key(STACK_TAG).value(stack).build())
        .tags(Tag::builder().key(SEED_TAG).value("true").build())
        .send()
        .await;
    match created {
        Ok(_) => Ok(seed),
        Err(e) => match read(conf, region, stack).await {
            Ok(Some(existing)) => Ok(existing.seed),
            _ => Err(failure("CreateSecret", &name, region, aws_sdk_secretsmanager::error::DisplayErrorContext(&e))),
        },
    }
}
