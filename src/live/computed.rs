//! Data sources drplan computes without calling AWS: `aws_region`, `aws_partition`,
//! `aws_caller_identity` (the account from the live snapshot), `aws_iam_policy_document`
//! (see [`super::policy_document`]) and `terraform_remote_state` (a local state file, or an S3
//! one read with the live state: see [`super::remote_state`]) and `archive_file` (a zip written
//! while planning: see [`super::archive`]), `template_file`, `local_file` and
//! `local_sensitive_file` ([`super::local_files`]) and `cloudinit_config` ([`super::cloudinit`]). They depend on their arguments,
//! the provider's region, the account, the root module's directory and (for S3) the snapshot,
//! so a plan knows them even without live state.

use std::collections::BTreeMap;
use std::path::Path;

use crate::eval::Value;

/// What a computed data source may use besides its arguments.
pub struct Context<'a> {
    /// The provider's region.
    pub region: &'a str,
    /// The account, from the live snapshot.
    pub account_id: Option<&'a str>,
    /// The root module's directory (local files are relative to it).
    pub root: &'a Path,
    /// The live state (remote states read from S3 are in it).
    pub inventory: &'a super::Inventory,
}

/// A computed value, and the key it adds to a plan's fingerprint when it came from a file.
pub type Computed = (Value, Option<String>);

/// Whether drplan computes `ty` itself (never read from AWS, never deferred for lack of state).
pub fn is_computed(ty: &str) -> bool {
    matches!(
        ty,
        "aws_iam_policy_document"
            | "aws_region"
            | "aws_partition"
            | "aws_caller_identity"
            | "terraform_remote_state"
            | "archive_file"
            | "cloudinit_config"
            | "null_data_source"
            | "http"
    ) || super::local_files::TYPES.contains(&ty)
}

/// Computes `ty` if it is one of these; `Ok(None)` for any other type.
pub fn read(ty: &str, config: &Value, cx: &Context) -> Result<Option<Computed>, String> {
    if ty == super::archive::TYPE {
        let (value, key) = super::archive::read(config)?;
        return Ok(Some((value, Some(key))));
    }
    if ty == super::cloudinit::TYPE {
        return super::cloudinit::render(config).map(|v| Some((v, None)));
    }
    if ty == super::http::TYPE {
        return super::http::read(config).map(|v| Some((v, None)));
    }
    if super::local_files::TYPES.contains(&ty) {
        return super::local_files::read(ty, config).map(Some);
    }
    if ty == super::remote_state::TYPE {
        let (value, key) = super::remote_state::read(cx.root, cx.inventory, config)?;
        return Ok(Some((value, Some(key))));
    }
    Ok(pure(ty, cx.region, config, cx.account_id)?.map(|v| (v, None)))
}

/// The data sources that are functions of their arguments, region and account alone.
fn pure(ty: &str, region: &str, config: &Value, account_id: Option<&str>) -> Result<Option<Value>, String> {
    let mut out = config.as_map().cloned().unwrap_or_default();
    let mut set = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    match ty {
        "aws_iam_policy_document" => return super::policy_document::render(config).map(Some),
        "aws_region" => {
            let name = config.get("name").and_then(Value::as_str).unwrap_or(region).to_string();
            let Some(description) = region_description(&name) else {
                return Err(format!("region {name:?} is not an AWS region drplan knows"));
            };
            let p = partition(&name);
            set("endpoint", Value::from(format!("ec2.{name}.{}", p.dns_suffix)));
            set("description", Value::from(description));
            set("id", Value::from(name.as_str()));
            set("name", Value::from(name));
        }
        // hashicorp/null's (deprecated) data source: its inputs come back as outputs. Its
        // `random` is a fresh number on every read in the provider; here a digest of the inputs,
        // so plans stay deterministic.
        "null_data_source" => {
            use sha2::Digest as _;
            let inputs =
                config.get("inputs").cloned().filter(|v| !v.is_null()).unwrap_or(Value::Map(Default::default()));
            let digest = sha2::Sha256::digest(inputs.to_string().as_bytes());
            let random = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default()) % 1_000_000_000;
            set("outputs", inputs);
            set("random", Value::from(random.to_string()));
            set(
                "has_computed_default",
                config.get("has_computed_default").cloned().filter(|v| !v.is_null()).unwrap_or(Value::from("default")),
            );
            set("id", Value::from("static"));
        }
        "aws_partition" => {
            let p = partition(region);
            set("partition", Value::from(p.name));
            set("id", Value::from(p.name));
            set("dns_suffix", Value::from(p.dns_suffix));
            set("reverse_dns_prefix", Value::from(p.reverse_dns_prefix));
        }
        "aws_caller_identity" => {
            // The account is known from the live snapshot; who is calling is not recorded.
            let account = account_id.map_or(Value::Unknown, Value::from);
            set("account_id", account.clone());
            set("id", account);
            set("arn", Value::Unknown);
            set("user_id", Value::Unknown);
        }
        _ => return Ok(None),
    }
    Ok(Some(Value::Map(out.into())))
}

/// An AWS partition: its name and DNS names.
pub struct Partition {
    pub name: &'static str,
    pub dns_suffix: &'static str,
    pub reverse_dns_prefix: &'static str,
}

/// The partition a region belongs to, by its name's prefix.
pub fn partition(region: &str) -> Partition {
    let (name, dns_suffix, reverse_dns_prefix) = if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn", "cn.com.amazonaws")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com", "com.amazonaws")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov", "gov.sgov.sc2s")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov", "gov.ic.c2s")
    } else {
        ("aws", "amazonaws.com", "com.amazonaws")
    };
    Partition { name, dns_suffix, reverse_dns_prefix }
}

/// The provider's description of each region (from the AWS SDK's endpoint metadata).
fn region_description(name: &str) -> Option<&'static str> {
    static REGIONS: std::sync::OnceLock<BTreeMap<&str, &str>> = std::sync::OnceLock::new();
    REGIONS
        .get_or_init(|| {
            BTreeMap::from([
                ("af-south-1", "Africa (Cape Town)"),
                ("ap-east-1", "Asia Pacific (Hong Kong)"),
                ("ap-east-2", "Asia Pacific (Taipei)"),
                ("ap-northeast-1", "Asia Pacific (Tokyo)"),
                ("ap-northeast-2", "Asia Pacific (Seoul)"),
                ("ap-northeast-3", "Asia Pacific (Osaka)"),
                ("ap-south-1", "Asia Pacific (Mumbai)"),
                ("ap-south-2", "Asia Pacific (Hyderabad)"),
                ("ap-southeast-1", "Asia Pacific (Singapore)"),
                ("ap-southeast-2", "Asia Pacific (Sydney)"),
                ("ap-southeast-3", "Asia Pacific (Jakarta)"),
                ("ap-southeast-4", "Asia Pacific (Melbourne)"),
                ("ap-southeast-5", "Asia Pacific (Malaysia)"),
                ("ap-southeast-7", "Asia Pacific (Thailand)"),
                ("ca-central-1", "Canada (Central)"),
                ("ca-west-1", "Canada West (Calgary)"),
                ("cn-north-1", "China (Beijing)"),
                ("cn-northwest-1", "China (Ningxia)"),
                ("eu-central-1", "Europe (Frankfurt)"),
                ("eu-central-2", "Europe (Zurich)"),
                ("eu-north-1", "Europe (Stockholm)"),
                ("eu-south-1", "Europe (Milan)"),
                ("eu-south-2", "Europe (Spain)"),
                ("eu-west-1", "Europe (Ireland)"),
                ("eu-west-2", "Europe (London)"),
                ("eu-west-3", "Europe (Paris)"),
                ("il-central-1", "Israel (Tel Aviv)"),
                ("me-central-1", "Middle East (UAE)"),
                ("me-south-1", "Middle East (Bahrain)"),
                ("mx-central-1", "Mexico (Central)"),
                ("sa-east-1", "South America (Sao Paulo)"),
                ("us-east-1", "US East (N. Virginia)"),
                ("us-east-2", "US East (Ohio)"),
                ("us-gov-east-1", "AWS GovCloud (US-East)"),
                ("us-gov-west-1", "AWS GovCloud (US-West)"),
                ("us-west-1", "US West (N. California)"),
                ("us-west-2", "US West (Oregon)"),
            ])
        })
        .get(name)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_and_partition_match_the_provider() {
        // Values terraform-provider-aws 5.100.0 returned for us-west-2 (terraform plan).
        let r = pure("aws_region", "us-west-2", &Value::Map(Default::default()), None).unwrap().unwrap();
        assert_eq!(r.get("description"), Some(&Value::from("US West (Oregon)")));
        assert_eq!(r.get("endpoint"), Some(&Value::from("ec2.us-west-2.amazonaws.com")));
        assert_eq!(r.get("id"), Some(&Value::from("us-west-2")));
        let p = pure("aws_partition", "us-west-2", &Value::Map(Default::default()), None).unwrap().unwrap();
        assert_eq!(p.get("reverse_dns_prefix"), Some(&Value::from("com.amazonaws")));
        assert_eq!(partition("cn-north-1").name, "aws-cn");
        assert_eq!(partition("us-gov-west-1").name, "aws-us-gov");
    }

    #[test]
    fn caller_identity_knows_the_account_only() {
        let c =
            pure("aws_caller_identity", "us-west-2", &Value::Map(Default::default()), Some("123456789012")).unwrap();
        let c = c.unwrap();
        assert_eq!(c.get("account_id"), Some(&Value::from("123456789012")));
        assert_eq!(c.get("arn"), Some(&Value::Unknown));
        assert!(pure("aws_vpc", "us-west-2", &Value::Null, None).unwrap().is_none());
    }
}
