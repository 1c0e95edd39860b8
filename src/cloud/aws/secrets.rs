//! Secrets Manager reads for `sql` checks' `secret_id`: the secret's current string, from the
//! DR region, one time-boxed call. The value goes to the check and nowhere else.

use super::Aws;
use crate::cloud::Secrets;

/// Reads secrets in `region` with `aws`'s endpoint and time limits.
pub struct AwsSecrets<'a> {
    pub aws: &'a Aws,
    pub region: String,
}

impl Secrets for AwsSecrets<'_> {
    fn secret_string(&self, id: &str) -> Result<String, String> {
        let rt = super::runtime().map_err(|e| e.to_string())?;
        rt.block_on(async {
            let conf = self.aws.sdk_config(&self.region).await;
            let client = aws_sdk_secretsmanager::Client::new(&conf);
            let out = client.get_secret_value().secret_id(id).send().await.map_err(|e| {
                let detail = aws_sdk_secretsmanager::error::DisplayErrorContext(&e);
                format!("secretsmanager:GetSecretValue {id} in {}: {detail}", self.region)
            })?;
            out.secret_string().map(str::to_string).ok_or_else(|| {
                format!("secret {id} in {} holds binary data, not a string; drplan reads SecretString", self.region)
            })
        })
    }
}
