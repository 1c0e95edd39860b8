//! The provider block drplan configures terraform-provider-aws with, per provider host: the
//! region, the emulator or offline endpoint, the provider configuration's credentials (static
//! keys, profile and shared files, `assume_role`) and its `ignore_tags`. Starting and calling the
//! provider belong to `host`.

use std::collections::BTreeMap;

use crate::eval::Value;

/// How the provider is configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The region it manages objects in (the DR region).
    pub region: String,
    /// Plans from a recorded snapshot or `--live empty`: the provider gets placeholder
    /// credentials, skips every account lookup and talks to an endpoint that refuses
    /// connections, so a plan can never reach AWS.
    pub offline: bool,
    /// Where every AWS service is reached, when overridden (moto, LocalStack).
    pub endpoint_url: Option<String>,
    /// How the provider configuration authenticates (its profile, shared files, `assume_role`
    /// and `assume_role_with_web_identity`), passed on as is.
    pub identity: crate::cloud::Identity,
    /// The provider configuration's `ignore_tags`, passed on as is.
    pub ignore_tags: crate::config::IgnoreTags,
}

/// The provider block drplan configures.
pub(super) fn provider_config(settings: &Settings) -> Value {
    let mut fields: BTreeMap<String, Value> = [("region".to_string(), Value::String(settings.region.clone()))].into();
    // The configuration's other arguments as written; what follows (an emulator's single
    // attempt, offline placeholders) overrides them.
    for (name, value) in &settings.identity.settings {
        fields.insert(name.clone(), Value::from_json(value));
    }
    if settings.endpoint_url.is_some() {
        // An emulator answers what it does not implement with a 500, which the provider would
        // retry 25 times with backoff: fail in seconds instead. One attempt (aws-sdk-go-base
        // makes `max_retries` the attempt count) unless the configuration asks for more:
        // drplan retries the step, looking the object up first.
        fields.entry("max_retries".into()).or_insert_with(|| Value::from(1i64));
    }
    if settings.offline {
        for key in ["access_key", "secret_key"] {
            fields.insert(key.into(), Value::String("offline".into()));
        }
        for key in ["skip_credentials_validation", "skip_requesting_account_id", "skip_region_validation"] {
            fields.insert(key.into(), Value::Bool(true));
        }
        // A string in provider-aws's schema.
        fields.insert("skip_metadata_api_check".into(), Value::String("true".into()));
        fields.insert("max_retries".into(), Value::from(1i64));
    }
    if !settings.offline {
        credentials(&settings.identity, &mut fields);
    }
    if !settings.ignore_tags.is_empty() {
        let set = |items: &[String]| Value::set(items.iter().cloned().map(Value::String).collect());
        let ignore = &settings.ignore_tags;
        let block = [("keys".to_string(), set(&ignore.keys)), ("key_prefixes".to_string(), set(&ignore.key_prefixes))];
        fields.insert("ignore_tags".into(), Value::List(vec![Value::Map(block.into())].into()));
    }
    if let Some(role) = settings.identity.assume_role.as_ref().filter(|_| !settings.offline) {
        fields.insert("assume_role".into(), Value::List(vec![assume_role(role)].into()));
    }
    // `--endpoint-url` (AWS_ENDPOINT_URL) overrides every service's endpoint, as for drplan's
    // own clients.
    let endpoints = &settings.identity.endpoints;
    if !settings.offline && settings.endpoint_url.is_none() && !endpoints.is_empty() {
        let block = endpoints.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        fields.insert("endpoints".into(), Value::List(vec![Value::Map(block)].into()));
    }
    if let Some(web) = settings.identity.web_identity.as_ref().filter(|_| !settings.offline) {
        fields.insert("assume_role_with_web_identity".into(), Value::List(vec![web_identity(web)].into()));
    }
    Value::Map(fields.into())
}

/// An `assume_role` block as provider-aws takes it.
fn assume_role(role: &crate::cloud::AssumeRole) -> Value {
    let mut block: BTreeMap<String, Value> = [("role_arn".to_string(), Value::String(role.role_arn.clone()))].into();
    block.insert("session_name".into(), Value::String(role.session_name.clone().unwrap_or_else(|| "drplan".into())));
    if let Some(id) = &role.external_id {
        block.insert("external_id".into(), Value::String(id.clone()));
    }
    if let Some(seconds) = role.duration_seconds {
        block.insert("duration".into(), Value::String(format!("{seconds}s")));
    }
    if let Some(policy) = &role.policy {
        block.insert("policy".into(), Value::String(policy.clone()));
    }
    if !role.policy_arns.is_empty() {
        block.insert("policy_arns".into(), Value::set(role.policy_arns.iter().cloned().map(Value::String).collect()));
    }
    if !role.tags.is_empty() {
        let tags = role.tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        block.insert("tags".into(), Value::Map(tags));
    }
    Value::Map(block.into())
}

/// An `assume_role_with_web_identity` block as provider-aws takes it.
fn web_identity(web: &crate::cloud::WebIdentity) -> Value {
    let mut block: BTreeMap<String, Value> = [
        ("role_arn".to_string(), Value::String(web.role_arn.clone())),
        ("session_name".to_string(), Value::String(web.session_name.clone().unwrap_or_else(|| "drplan".into()))),
    ]
    .into();
    match &web.token {
        crate::cloud::WebIdentityToken::Inline(token) => {
            block.insert("web_identity_token".into(), token.as_str().into())
        }
        crate::cloud::WebIdentityToken::File(path) => {
            block.insert("web_identity_token_file".into(), path.as_str().into())
        }
    };
    if let Some(seconds) = web.duration_seconds {
        block.insert("duration".into(), Value::String(format!("{seconds}s")));
    }
    Value::Map(block.into())
}

/// The provider configuration's own credentials settings: its keys, or its profile and the
/// shared files it is read from (the environment's keys do not override a profile named here, as in Terraform).
fn credentials(identity: &crate::cloud::Identity, fields: &mut BTreeMap<String, Value>) {
    if let Some(keys) = &identity.static_keys {
        fields.insert("access_key".into(), Value::String(keys.access_key.clone()));
        fields.insert("secret_key".into(), Value::String(keys.secret_key.clone()));
        if let Some(token) = &keys.token {
            fields.insert("token".into(), Value::String(token.clone()));
        }
    }
    if let Some(profile) = &identity.profile {
        fields.insert("profile".into(), Value::String(profile.clone()));
    }
    let list = |paths: &[String]| Value::List(paths.iter().cloned().map(Value::String).collect());
    if !identity.shared_config_files.is_empty() {
        fields.insert("shared_config_files".into(), list(&identity.shared_config_files));
    }
    if !identity.shared_credentials_files.is_empty() {
        fields.insert("shared_credentials_files".into(), list(&identity.shared_credentials_files));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offline, the provider is given everything it would otherwise ask AWS for.
    #[test]
    fn offline_settings_never_need_aws() {
        let c = provider_config(&Settings {
            region: "us-west-2".into(),
            offline: true,
            endpoint_url: None,
            identity: crate::cloud::Identity::default(),
            ignore_tags: Default::default(),
        });
        assert_eq!(c.get("skip_credentials_validation"), Some(&Value::Bool(true)));
        assert_eq!(c.get("access_key"), Some(&Value::String("offline".into())));
        let online = provider_config(&Settings {
            region: "us-west-2".into(),
            offline: false,
            endpoint_url: None,
            identity: crate::cloud::Identity::default(),
            ignore_tags: Default::default(),
        });
        assert_eq!(online, Value::Map([("region".to_string(), Value::String("us-west-2".into()))].into()));
    }

    /// The configuration's other arguments reach the provider as written; an emulator gets a
    /// single attempt unless `max_retries` says otherwise, and `endpoints` yield to
    /// `--endpoint-url`.
    #[test]
    fn provider_arguments_are_passed_on() {
        let identity = crate::cloud::Identity {
            settings: [
                ("s3_use_path_style".to_string(), serde_json::json!(true)),
                ("max_retries".to_string(), serde_json::json!(5)),
            ]
            .into(),
            endpoints: [("sts".to_string(), "http://localhost:4566".to_string())].into(),
            ..Default::default()
        };
        let settings = |endpoint_url: Option<&str>| Settings {
            region: "us-west-2".into(),
            offline: false,
            endpoint_url: endpoint_url.map(str::to_string),
            identity: identity.clone(),
            ignore_tags: Default::default(),
        };
        let c = provider_config(&settings(None));
        assert_eq!(c.get("s3_use_path_style"), Some(&Value::Bool(true)));
        assert_eq!(c.get("max_retries"), Some(&Value::from(5i64)));
        assert!(c.get("endpoints").is_some());
        let emulated = provider_config(&settings(Some("http://127.0.0.1:5000")));
        assert_eq!(emulated.get("max_retries"), Some(&Value::from(5i64)), "as configured");
        let mut unset = settings(Some("http://127.0.0.1:5000"));
        unset.identity.settings.remove("max_retries");
        assert_eq!(provider_config(&unset).get("max_retries"), Some(&Value::from(1i64)), "one attempt by default");
        assert_eq!(emulated.get("endpoints"), None);
        let client = identity.client();
        assert_eq!((client.max_attempts, client.use_fips), (Some(5), false));
    }
}
