//! Listing an SNS topic's subscriptions (`ListSubscriptionsByTopic`, paginated): a subscription
//! cannot be tagged and its ARN is AWS's invention, so this is how drplan names the one a
//! configuration declares (by topic, protocol and endpoint) for the provider to import.

use aws_config::SdkConfig;

use crate::cloud::Subscription;
use crate::error::Error;

pub(super) async fn by_topic(conf: &SdkConfig, region: &str, topic_arn: &str) -> Result<Vec<Subscription>, Error> {
    let client = aws_sdk_sns::Client::new(conf);
    let mut pages = client.list_subscriptions_by_topic().topic_arn(topic_arn).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::Cloud {
            operation: "sns:ListSubscriptionsByTopic".into(),
            region: region.to_string(),
            message: format!("{topic_arn}: {}", aws_sdk_sns::error::DisplayErrorContext(&e)),
        })?;
        for s in page.subscriptions() {
            // A subscription awaiting confirmation has no ARN yet ("PendingConfirmation").
            let Some(arn) = s.subscription_arn().filter(|a| a.starts_with("arn:")) else { continue };
            out.push(Subscription {
                arn: arn.to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            });
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(out)
}
