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
        call = call.set_policy(self.web.policy.clone()).set_policy_arns(policy_arns(&self.web.policy_arns));
        let out = call.send().await.map_err(CredentialsError::provider_error)?;
        session(out.credentials(), "web identity")
    }
}

/// Managed session policies, as STS takes them.
fn policy_arns(arns: &[String]) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
    let arns = arns.iter().map(|a| aws_sdk_sts::types::PolicyDescriptorType::builder().arn(a).build());
    Some(arns.collect::<Vec<_>>()).filter(|a| !a.is_empty())
}

/// A session's credentials, expiring when STS says.
fn session(
    c: Option<&aws_sdk_sts::types::Credentials>,
    source: &'static str,
) -> aws_credential_types::provider::Result {
    use aws_credential_types::provider::error::CredentialsError;
    let c = c.ok_or_else(|| CredentialsError::unhandled("STS returned no credentials"))?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    Ok(aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        source,
    ))
}

/// `assume_role`: every argument of provider-aws's block sent to sts:AssumeRole with the
/// credentials `sts` signs with (the environment's, a profile's or static keys), in the
/// provider's region. The SDK caches the session and asks again before it expires.
#[derive(Debug)]
pub(super) struct AssumeRoleCredentials {
    pub sts: aws_sdk_sts::Client,
    pub role: crate::cloud::AssumeRole,
}

impl AssumeRoleCredentials {
    async fn fetch(&self) -> aws_credential_types::provider::Result {
        use aws_credential_types::provider::error::CredentialsError;
        let role = &self.role;
        let tags = role.tags.iter().map(|(k, v)| aws_sdk_sts::types::Tag::builder().key(k).value(v).build());
        let tags: Vec<_> = tags.collect::<Result<_, _>>().map_err(CredentialsError::invalid_configuration)?;
        let call = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(role.session_name.clone().unwrap_or_else(|| "drplan".into()))
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration_seconds.map(|s| i32::try_from(s).unwrap_or(i32::MAX)))
            .set_policy(role.policy.clone())
            .set_policy_arns(policy_arns(&role.policy_arns))
            .set_tags(Some(tags).filter(|t| !t.is_empty()))
            .set_transitive_tag_keys(Some(role.transitive_tag_keys.clone()).filter(|k| !k.is_empty()))
            .set_source_identity(role.source_identity.clone());
        let out = call.send().await.map_err(CredentialsError::provider_error)?;
        session(out.credentials(), "assume role")
    }
}

impl aws_credential_types::provider::ProvideCredentials for AssumeRoleCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(self.fetch())
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

    /// moto ignores what narrows or traces a session, so the request STS gets is checked here:
    /// every argument of provider-aws's `assume_role` block reaches sts:AssumeRole.
    #[tokio::test]
    async fn assume_role_sends_every_argument() {
        use aws_credential_types::provider::ProvideCredentials as _;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(|r| {
                r.role_arn() == Some("arn:aws:iam::222222222222:role/dr")
                    && r.role_session_name() == Some("failover")
                    && r.external_id() == Some("ext-1")
                    && r.duration_seconds() == Some(900)
                    && r.policy() == Some("{}")
                    && r.policy_arns().iter().map(|p| p.arn()).collect::<Vec<_>>()
                        == [Some("arn:aws:iam::aws:policy/ReadOnlyAccess")]
                    && r.tags().iter().any(|t| t.key() == "team" && t.value() == "sre")
                    && r.transitive_tag_keys() == ["team"]
                    && r.source_identity() == Some("alice")
            })
            .then_output(|| {
                let expires = aws_smithy_types::DateTime::from_secs(4_000_000_000);
                let c = aws_sdk_sts::types::Credentials::builder()
                    .access_key_id("AKIA")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(expires)
                    .build()
                    .unwrap();
                aws_sdk_sts::operation::assume_role::AssumeRoleOutput::builder().credentials(c).build()
            });
        let sts = mock_client!(aws_sdk_sts, RuleMode::Sequential, [&rule]);
        let role = crate::cloud::AssumeRole {
            role_arn: "arn:aws:iam::222222222222:role/dr".into(),
            session_name: Some("failover".into()),
            external_id: Some("ext-1".into()),
            duration_seconds: Some(900),
            policy: Some("{}".into()),
            policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            tags: [("team".to_string(), "sre".to_string())].into(),
            transitive_tag_keys: vec!["team".into()],
            source_identity: Some("alice".into()),
        };
        let credentials = AssumeRoleCredentials { sts, role }.provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "AKIA");
        assert_eq!(rule.num_calls(), 1);
    }

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
