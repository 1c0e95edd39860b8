//! The credentials a provider configuration names: provider-aws's `access_key`, `secret_key`
//! and `token`, or its `profile`, `shared_config_files` and `shared_credentials_files`, read as
//! the AWS SDKs read them. The
//! role assumed with them is [`super::Aws::config`]'s.
//!
//! As in Terraform (aws-sdk-go-v2: a profile set in the configuration takes precedence over
//! the environment's keys), a configuration that names a profile or shared files acts with that
//! profile's credentials, never with `AWS_ACCESS_KEY_ID` from the environment.

use aws_config::Region;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};

use crate::cloud::Identity;

/// The profile `identity` names and the files it is read from; `None` when it names neither
/// (the environment's credential chain then applies as it is). Files given replace the
/// standard ones of their kind, as provider-aws's lists do.
pub(super) fn profile(identity: &Identity) -> Option<(ProfileFiles, String)> {
    let named = identity.profile.clone();
    if named.is_none() && identity.shared_config_files.is_empty() && identity.shared_credentials_files.is_empty() {
        return None;
    }
    let mut files = ProfileFiles::builder();
    let mut any = false;
    for path in &identity.shared_config_files {
        files = files.with_file(ProfileFileKind::Config, path);
        any = true;
    }
    for path in &identity.shared_credentials_files {
        files = files.with_file(ProfileFileKind::Credentials, path);
        any = true;
    }
    let files = files
        .include_default_config_file(identity.shared_config_files.is_empty())
        .include_default_credentials_file(identity.shared_credentials_files.is_empty());
    let files = if any { files.build() } else { ProfileFiles::default() };
    let name = named.or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or_else(|| "default".into());
    Some((files, name))
}

/// The keys a provider configuration writes (they come before any profile or the environment).
pub(super) fn fixed(keys: &crate::cloud::StaticKeys) -> aws_sdk_sts::config::Credentials {
    aws_sdk_sts::config::Credentials::new(
        keys.access_key.clone(),
        keys.secret_key.clone(),
        keys.token.clone(),
        None,
        "provider configuration",
    )
}

/// The credentials of profile `name` in `files`, for `region` (a profile that assumes a role
/// itself calls STS there).
pub(super) fn provider(files: &ProfileFiles, name: &str, region: &str) -> ProfileFileCredentialsProvider {
    let conf = ProviderConfig::default().with_region(Some(Region::new(region.to_string())));
    ProfileFileCredentialsProvider::builder().configure(&conf).profile_files(files.clone()).profile_name(name).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_named_profile_or_files_replace_the_environments_chain() {
        assert!(profile(&Identity::default()).is_none());
        let named = Identity { profile: Some("dr".into()), ..Identity::default() };
        assert_eq!(profile(&named).map(|(_, n)| n), Some("dr".to_string()));
        let files = Identity { shared_credentials_files: vec!["/tmp/creds".into()], ..Identity::default() };
        let (_, name) = profile(&files).unwrap();
        assert_eq!(name, std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into()));
    }
}
