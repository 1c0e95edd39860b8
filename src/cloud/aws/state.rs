//! Reading `terraform_remote_state` states kept in S3: one GetObject per state, in the bucket's
//! region, time-boxed (the primary's timeout when the bucket lives there, since that region may
//! be the one that failed). Nothing is ever written.

use super::Aws;
use crate::cloud::RemoteStates;
use crate::live::UnavailableRegion;
use crate::live::remote_state::{S3Location, state_object};

impl Aws {
    pub(crate) async fn read_states(&self, primary: Option<&str>, at: &[S3Location]) -> RemoteStates {
        let mut out = RemoteStates::default();
        for location in at {
            let limit =
                if primary == Some(location.region.as_str()) { self.primary_timeout } else { self.call_timeout * 3 };
            let text = match tokio::time::timeout(limit, self.get_state(location)).await {
                Ok(result) => result,
                Err(_) => {
                    let reason = format!("no answer within {}s", limit.as_secs());
                    if !out.unavailable.iter().any(|u| u.region == location.region) {
                        out.unavailable
                            .push(UnavailableRegion { region: location.region.clone(), reason: reason.clone() });
                    }
                    Err(reason)
                }
            };
            out.objects.push(state_object(location, text));
        }
        out
    }

    async fn get_state(&self, at: &S3Location) -> Result<String, String> {
        let conf = self.sdk_config(&at.region).await;
        // An endpoint override (moto, LocalStack) serves buckets by path, not by host name.
        let s3_conf = aws_sdk_s3::config::Builder::from(&conf).force_path_style(self.endpoint_url.is_some()).build();
        let client = aws_sdk_s3::Client::from_conf(s3_conf);
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let object = client.get_object().bucket(&at.bucket).key(&at.key).send().await.map_err(|e| {
            let e = aws_sdk_s3::error::DisplayErrorContext(e);
            format!("S3 GetObject of {} in {} failed: {e}", at.id(), at.region)
        })?;
        let bytes = object.body.collect().await.map_err(|e| format!("reading {}: {e}", at.id()))?.into_bytes();
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("{} is not UTF-8 text", at.id()))
    }
}
