//! Provider-served types AWS cannot tag, and how drplan finds them again without a state file:
//! the import id the configuration implies (what a Terraform `import` block would name, per
//! provider-aws's documentation of each type), the key that matches a configured instance with
//! the object read back, and the owned parent that proves the object this stack's.
//!
//! This module only knows these facts per type; [`crate::provider::discover`] imports the objects,
//! [`crate::plan::ownership`] checks the proof. A type AWS cannot tag that is not listed here
//! is planned as new every time (the plan says so).

use std::collections::{BTreeMap, BTreeSet};

use super::Proof;
use crate::eval::Value;

/// How the import id is made from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdForm {
    /// The key's values joined with this separator (`role/policy_arn`).
    Join(&'static str),
    /// `sg-1_ingress_tcp_443_443_10.0.0.0/16_...`: the group, direction, protocol, ports and
    /// every source.
    SecurityGroupRule,
    /// `secret_arn|version_id`, the version being the secret's current one (read through the
    /// provider's data source of the same name).
    CurrentSecretVersion,
    /// The subscription's ARN, which AWS makes up: the topic's subscription with this protocol
    /// and endpoint, as the topic lists them ([`crate::cloud::Cloud::subscriptions`]).
    SnsSubscription,
    /// No import at all (provider-aws has none for the type): the key's values are a state the
    /// provider's read refreshes, which it answers with nothing when there is no such object.
    ReadByKey,
}

/// One type AWS cannot tag that drplan can find again.
#[derive(Debug)]
pub struct Untaggable {
    pub ty: &'static str,
    /// The arguments that identify one object; configured and read-back values compare equal.
    pub key: &'static [&'static str],
    pub id: IdForm,
    /// The argument naming the parent, and the parent's type: an object whose parent this
    /// stack owns is this stack's.
    pub parent: Option<(&'static str, &'static str)>,
}

const fn join(
    ty: &'static str,
    key: &'static [&'static str],
    sep: &'static str,
    parent: (&'static str, &'static str),
) -> Untaggable {
    Untaggable { ty, key, id: IdForm::Join(sep), parent: Some(parent) }
}

const BUCKET: (&str, &str) = ("bucket", "aws_s3_bucket");
const ROLE: (&str, &str) = ("role", "aws_iam_role");
const USER: (&str, &str) = ("user", "aws_iam_user");
const QUEUE: (&str, &str) = ("queue_url", "aws_sqs_queue");

/// Sorted by type (binary search).
const TYPES: &[Untaggable] = &[
    Untaggable {
        ty: "aws_acm_certificate_validation",
        key: &["certificate_arn"],
        id: IdForm::ReadByKey,
        parent: Some(("certificate_arn", "aws_acm_certificate")),
    },
    Untaggable {
        ty: "aws_autoscaling_attachment",
        key: &["autoscaling_group_name", "lb_target_group_arn"],
        id: IdForm::ReadByKey,
        parent: Some(("autoscaling_group_name", "aws_autoscaling_group")),
    },
    join(
        "aws_autoscaling_policy",
        &["autoscaling_group_name", "name"],
        "/",
        ("autoscaling_group_name", "aws_autoscaling_group"),
    ),
    join("aws_cloudwatch_event_target", &["rule", "target_id"], "/", ("rule", "aws_cloudwatch_event_rule")),
    join("aws_ecr_lifecycle_policy", &["repository"], "", ("repository", "aws_ecr_repository")),
    join("aws_ecr_repository_policy", &["repository"], "", ("repository", "aws_ecr_repository")),
    Untaggable {
        ty: "aws_iam_group_policy_attachment",
        key: &["group", "policy_arn"],
        id: IdForm::Join("/"),
        parent: None,
    },
    join("aws_iam_role_policy", &["role", "name"], ":", ROLE),
    join("aws_iam_role_policy_attachment", &["role", "policy_arn"], "/", ROLE),
    join("aws_iam_user_policy", &["user", "name"], ":", USER),
    join("aws_iam_user_policy_attachment", &["user", "policy_arn"], "/", USER),
    join("aws_kms_alias", &["name"], "", ("target_key_id", "aws_kms_key")),
    join("aws_lambda_permission", &["function_name", "statement_id"], "/", ("function_name", "aws_lambda_function")),
    join("aws_route53_zone_association", &["zone_id", "vpc_id"], ":", ("zone_id", "aws_route53_zone")),
    join("aws_s3_bucket_accelerate_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_cors_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_lifecycle_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_logging", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_notification", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_object_lock_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_ownership_controls", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_policy", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_public_access_block", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_replication_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_request_payment_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_server_side_encryption_configuration", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_versioning", &["bucket"], "", BUCKET),
    join("aws_s3_bucket_website_configuration", &["bucket"], "", BUCKET),
    join("aws_secretsmanager_secret_policy", &["secret_arn"], "", ("secret_arn", "aws_secretsmanager_secret")),
    join("aws_secretsmanager_secret_rotation", &["secret_id"], "", ("secret_id", "aws_secretsmanager_secret")),
    Untaggable {
        ty: "aws_secretsmanager_secret_version",
        key: &["secret_id"],
        id: IdForm::CurrentSecretVersion,
        parent: Some(("secret_id", "aws_secretsmanager_secret")),
    },
    Untaggable {
        ty: "aws_security_group_rule",
        key: &[
            "security_group_id",
            "type",
            "protocol",
            "from_port",
            "to_port",
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
            "source_security_group_id",
            "self",
        ],
        id: IdForm::SecurityGroupRule,
        parent: Some(("security_group_id", "aws_security_group")),
    },
    join("aws_sns_topic_policy", &["arn"], "", ("arn", "aws_sns_topic")),
    Untaggable {
        ty: "aws_sns_topic_subscription",
        key: &["topic_arn", "protocol", "endpoint"],
        id: IdForm::SnsSubscription,
        parent: Some(("topic_arn", "aws_sns_topic")),
    },
    join("aws_sqs_queue_policy", &["queue_url"], "", QUEUE),
    join("aws_sqs_queue_redrive_allow_policy", &["queue_url"], "", QUEUE),
    join("aws_sqs_queue_redrive_policy", &["queue_url"], "", QUEUE),
    join(
        "aws_vpc_endpoint_route_table_association",
        &["vpc_endpoint_id", "route_table_id"],
        "/",
        ("vpc_endpoint_id", "aws_vpc_endpoint"),
    ),
];

/// The data source that names a secret's current version.
pub const SECRET_VERSION: &str = "aws_secretsmanager_secret_version";

/// The facts for `ty`, if it is a type AWS cannot tag that drplan finds again.
pub fn find(ty: &str) -> Option<&'static Untaggable> {
    TYPES.binary_search_by(|u| u.ty.cmp(ty)).ok().map(|i| &TYPES[i])
}

/// How an import has to be done.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportId {
    /// Import by this id.
    Ready(String),
    /// Read the secret's current version first (its id is `secret_id|version_id`).
    CurrentSecretVersion { secret_id: String },
    /// The topic's subscription with this protocol and endpoint.
    SnsSubscription { topic_arn: String, protocol: String, endpoint: String },
    /// Refresh this state (the key's values, and an id so the provider takes it as existing).
    Read(Value),
}

impl Untaggable {
    /// The ownership proof objects of this type need.
    pub fn proof(&self) -> Proof {
        match self.parent {
            Some((attr, parent)) => Proof::Parent { attr, parent },
            None => Proof::Content { overwrite: None },
        }
    }

    /// The data sources finding an object of this type reads.
    pub fn data_sources(&self) -> &'static [&'static str] {
        match self.id {
            IdForm::CurrentSecretVersion => &[SECRET_VERSION],
            _ => &[],
        }
    }

    /// The import id an instance configured as `config` implies; `None` while a part of it is
    /// unknown, or when an identifying argument is not set.
    /// `written` names the arguments the configuration sets: the others are unset, even where
    /// `config` holds them unknown (what references see of what the provider computes).
    pub fn import_id(&self, config: &Value, written: &BTreeSet<String>) -> Option<ImportId> {
        let set = |k: &str| config.get(k).filter(|v| v.is_wholly_known() || written.contains(k));
        if self.key.iter().any(|k| set(k).is_some_and(|v| !v.is_wholly_known())) {
            return None;
        }
        let text = |k: &str| set(k).and_then(Value::to_template_string).filter(|s| !s.is_empty());
        match self.id {
            IdForm::Join(sep) => {
                let parts: Option<Vec<String>> = self.key.iter().map(|k| text(k)).collect();
                Some(ImportId::Ready(parts?.join(sep)))
            }
            IdForm::CurrentSecretVersion => Some(ImportId::CurrentSecretVersion { secret_id: text("secret_id")? }),
            IdForm::SnsSubscription => Some(ImportId::SnsSubscription {
                topic_arn: text("topic_arn")?,
                protocol: text("protocol")?,
                endpoint: text("endpoint")?,
            }),
            IdForm::SecurityGroupRule => security_group_rule_id(config, &text).map(ImportId::Ready),
            IdForm::ReadByKey => {
                let mut state: std::collections::BTreeMap<String, Value> = BTreeMap::new();
                for k in self.key {
                    state.insert(k.to_string(), Value::String(text(k)?));
                }
                state.insert("id".into(), Value::String(text(self.key[0])?));
                Some(ImportId::Read(Value::Map(state.into())))
            }
        }
    }
}

/// provider-aws's import id of an `aws_security_group_rule`.
fn security_group_rule_id(config: &Value, text: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut parts =
        vec![text("security_group_id")?, text("type")?, text("protocol")?, text("from_port")?, text("to_port")?];
    for list in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        if let Some(Value::List(items)) = config.get(list) {
            parts.extend(items.iter().filter_map(Value::to_template_string));
        }
    }
    if config.get("self") == Some(&Value::Bool(true)) {
        parts.push("self".into());
    }
    parts.extend(text("source_security_group_id"));
    Some(parts.join("_"))
}

/// The import id of a taggable type that the tagging API may not list and that provider-aws
/// imports by an ARN the configuration implies (an IAM policy, by
/// `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`): a guess exact enough that looking the object
/// up by other means is not needed.
pub fn arn_guess(ty: &str, config: &Value, account: &str, region: &str) -> Option<String> {
    let partition = match region {
        r if r.starts_with("cn-") => "aws-cn",
        r if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    };
    match ty {
        "aws_iam_policy" => {
            let name = config.get("name")?.as_str()?;
            let path = config.get("path").and_then(Value::as_str).unwrap_or("/");
            Some(format!("arn:{partition}:iam::{account}:policy{path}{name}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(config: &Value) -> BTreeSet<String> {
        match config {
            Value::Map(m) => m.keys().cloned().collect(),
            _ => BTreeSet::new(),
        }
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn the_table_is_sorted_and_every_type_has_a_key() {
        assert!(TYPES.windows(2).all(|w| w[0].ty < w[1].ty));
        assert!(TYPES.iter().all(|u| !u.key.is_empty()));
        assert!(find("aws_sns_topic").is_none());
    }

    #[test]
    fn import_ids_follow_provider_aws() {
        let attachment = find("aws_iam_role_policy_attachment").unwrap();
        let c = config(&[("role", "app".into()), ("policy_arn", "arn:aws:iam::aws:policy/ReadOnlyAccess".into())]);
        assert_eq!(
            attachment.import_id(&c, &all(&c)),
            Some(ImportId::Ready("app/arn:aws:iam::aws:policy/ReadOnlyAccess".into()))
        );
        assert_eq!(attachment.proof(), Proof::Parent { attr: "role", parent: "aws_iam_role" });
        // Not known yet: nothing to import.
        let c = config(&[("role", Value::Unknown), ("policy_arn", "arn".into())]);
        assert_eq!(attachment.import_id(&c, &all(&c)), None);
        let versioning = find("aws_s3_bucket_versioning").unwrap();
        assert_eq!(
            versioning.import_id(&config(&[("bucket", "b".into())]), &BTreeSet::new()),
            Some(ImportId::Ready("b".into()))
        );
        let validation = find("aws_acm_certificate_validation").unwrap();
        let c = config(&[("certificate_arn", "arn:c".into())]);
        let Some(ImportId::Read(state)) = validation.import_id(&c, &all(&c)) else { panic!("a state to read") };
        assert_eq!(
            (state.get("certificate_arn"), state.get("id")),
            (Some(&Value::from("arn:c")), Some(&Value::from("arn:c")))
        );
        let version = find("aws_secretsmanager_secret_version").unwrap();
        assert_eq!(
            version.import_id(&config(&[("secret_id", "arn:s".into())]), &BTreeSet::new()),
            Some(ImportId::CurrentSecretVersion { secret_id: "arn:s".into() })
        );
    }

    #[test]
    fn an_iam_policy_is_guessed_by_its_arn() {
        let c = config(&[("name", "app".into()), ("path", Value::Unknown)]);
        assert_eq!(
            arn_guess("aws_iam_policy", &c, "123456789012", "us-west-2").as_deref(),
            Some("arn:aws:iam::123456789012:policy/app")
        );
        let c = config(&[("name", "app".into()), ("path", "/dr/".into())]);
        assert_eq!(
            arn_guess("aws_iam_policy", &c, "1", "cn-north-1").as_deref(),
            Some("arn:aws-cn:iam::1:policy/dr/app")
        );
        assert_eq!(arn_guess("aws_sns_topic", &c, "1", "us-west-2"), None);
    }

    #[test]
    fn a_security_group_rule_names_every_source() {
        let rule = find("aws_security_group_rule").unwrap();
        let c = config(&[
            ("security_group_id", "sg-1".into()),
            ("type", "ingress".into()),
            ("protocol", "tcp".into()),
            ("from_port", Value::from(443.0)),
            ("to_port", Value::from(443.0)),
            ("cidr_blocks", Value::List(vec!["10.0.0.0/16".into(), "10.1.0.0/16".into()].into())),
        ]);
        assert_eq!(
            rule.import_id(&c, &all(&c)),
            Some(ImportId::Ready("sg-1_ingress_tcp_443_443_10.0.0.0/16_10.1.0.0/16".into()))
        );
        // What the provider computes reads as unknown, yet is unset in the configuration.
        let Value::Map(mut fields) = c.clone() else { unreachable!() };
        fields.insert("source_security_group_id".into(), Value::Unknown);
        let computed = Value::Map(fields);
        assert_eq!(rule.import_id(&computed, &all(&c)), rule.import_id(&c, &all(&c)));
        assert_eq!(rule.import_id(&computed, &all(&computed)), None, "set, and not known yet");
        let c = config(&[
            ("security_group_id", "sg-1".into()),
            ("type", "egress".into()),
            ("protocol", "-1".into()),
            ("from_port", Value::from(0.0)),
            ("to_port", Value::from(0.0)),
            ("self", Value::Bool(true)),
        ]);
        assert_eq!(rule.import_id(&c, &all(&c)), Some(ImportId::Ready("sg-1_egress_-1_0_0_self".into())));
    }
}
