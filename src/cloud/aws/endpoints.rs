//! A provider configuration's `endpoints` block: a custom endpoint per service (LocalStack, a
//! VPC endpoint, a FIPS or China endpoint), given to every SDK client drplan makes in that
//! configuration's region, as provider-aws gives it to its own. `--endpoint-url` (or
//! `AWS_ENDPOINT_URL`) overrides them all, as it is set on the client configuration itself.

use std::collections::BTreeMap;

use aws_types::SdkConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

/// The endpoints, by provider-aws's service name.
#[derive(Debug)]
struct Overrides(BTreeMap<String, String>);

impl LoadServiceConfig for Overrides {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.profile() != "endpoint_url" {
            return None;
        }
        provider_names(key.service_id()).into_iter().find_map(|name| self.0.get(&name).cloned())
    }
}

/// The names provider-aws's `endpoints` block may give an SDK service (its id, such as
/// `Route 53`, lower-cased without spaces, and the short names it also accepts).
fn provider_names(service_id: &str) -> Vec<String> {
    let plain = service_id.to_ascii_lowercase().replace(' ', "");
    match plain.as_str() {
        "elasticloadbalancingv2" => vec!["elbv2".into(), plain],
        "resourcegroupstaggingapi" => vec![plain, "resourcegroupstagging".into()],
        "cloudwatchlogs" => vec!["logs".into(), plain],
        _ => vec![plain],
    }
}

/// `conf` with `endpoints` for the services they name (the others keep the standard ones).
pub(super) fn apply(conf: SdkConfig, endpoints: &BTreeMap<String, String>) -> SdkConfig {
    if endpoints.is_empty() {
        return conf;
    }
    conf.to_builder().service_config(Overrides(endpoints.clone())).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(service: &str) -> ServiceConfigKey<'_> {
        ServiceConfigKey::builder().service_id(service).env("AWS_ENDPOINT_URL").profile("endpoint_url").build().unwrap()
    }

    #[test]
    fn services_are_found_by_provider_aws_names() {
        let o = Overrides(
            [
                ("ec2".into(), "http://ec2".into()),
                ("elbv2".into(), "http://elb".into()),
                ("route53".into(), "http://r53".into()),
            ]
            .into(),
        );
        assert_eq!(o.load_config(key("EC2")).as_deref(), Some("http://ec2"));
        assert_eq!(o.load_config(key("Elastic Load Balancing v2")).as_deref(), Some("http://elb"));
        assert_eq!(o.load_config(key("Route 53")).as_deref(), Some("http://r53"));
        assert_eq!(o.load_config(key("RDS")), None);
    }
}
