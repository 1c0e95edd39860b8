//! The credentials a provider configuration names: provider-aws's `access_key`, `secret_key`
//! and `token`, or its `profile`, `shared_config_files` and `shared_credentials_files`, read as
//! the AWS SDKs read them, or the credentials `assume_role_with_web_identity` exchanges a
//! token for. The role assumed with them is [`super::Aws::config`]'s.
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

/// Credentials from STS AssumeRoleWithWebIdentity (`assume_role_with_web_identity`): the token
/// (read again from its file at every refresh) exchanged for the role's credentials, in
/// `region`. The call is unsigned: it needs no credentials of its own.
#[derive(Debug)]
pub(super) struct WebIdentityCredentials {
    pub sts: aws_sdk_sts::Client,
    pub web: crate::cloud::WebIdentity,
}

impl WebIdentityCredentials {
    async fn fetch(&self) -> aws_credential_types::provider::Result {
        use aws_credential_types::provider::error::CredentialsError;
        let token = match &self.web.token {
            crate::cloud::WebIdentityToken::Inline(token) => token.clone(),
            crate::cloud::WebIdentityToken::File(path) => std::fs::read_to_string(path)
                .map_err(|e| {
                    CredentialsError::invalid_configuration(format!("reading web_identity_token_file {path}: {e}"))
                })?
                .trim()
                .to_string(),
        };
        let mut call = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&self.web.role_arn)
            .role_session_name(self.web.session_name.clone().unwrap_or_else(|| "drplan".into()))
            .web_identity_token(token);
        if let Some(seconds) = self.web.duration_seconds {
            call = call.duration_seconds(i32::try_from(seconds).unwrap_or(i32::MAX));
        }
        let out = call.send().await.map_err(CredentialsError::provider_error)?;
        let c = out.credentials().ok_or_else(|| CredentialsError::unhandled("STS returned no credentials"))?;
        let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
        Ok(aws_credential_types::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "web identity",
        ))
    }
}

impl aws_credential_types::provider::ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(self.fetch())
    }
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
