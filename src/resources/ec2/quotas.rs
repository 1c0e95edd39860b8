//! The EC2 and VPC Service Quotas that EC2 types consume, and how to count the region's use of
//! each (every owner's objects, not only drplan's): Elastic IPs, VPCs, NAT gateways per zone,
//! and On-Demand vCPUs by instance family.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, InstanceType};

use crate::error::Error;
use crate::resources::sdk::cloud_error;
use crate::resources::{Quota, Usage};

pub static ELASTIC_IPS: Quota = Quota {
    service_code: "ec2",
    quota_code: "L-0263D0A3",
    name: "EC2-VPC Elastic IPs",
    per_zone: false,
    usage: |conf, region| Box::pin(elastic_ips(conf, region)),
};

pub static VPCS: Quota = Quota {
    service_code: "vpc",
    quota_code: "L-F678F1CE",
    name: "VPCs per Region",
    per_zone: false,
    usage: |conf, region| Box::pin(vpcs(conf, region)),
};

pub static NAT_GATEWAYS: Quota = Quota {
    service_code: "vpc",
    quota_code: "L-FE5A380F",
    name: "NAT gateways per Availability Zone",
    per_zone: true,
    usage: |conf, region| Box::pin(nat_gateways(conf, region)),
};

/// The On-Demand vCPU quotas, by the instance families each covers (the letters before the
/// generation digit: `m` of `m5.large`, `inf` of `inf2.xlarge`).
static VCPU_QUOTAS: [(&Quota, &[&str]); 6] = [
    (&STANDARD, &["a", "c", "d", "h", "i", "im", "is", "m", "r", "t", "z"]),
    (&G_AND_VT, &["g", "vt"]),
    (&P, &["p"]),
    (&X, &["x"]),
    (&F, &["f"]),
    (&INF, &["inf"]),
];

macro_rules! vcpu_quota {
    ($name:ident, $code:literal, $title:literal) => {
        pub static $name: Quota = Quota {
            service_code: "ec2",
            quota_code: $code,
            name: $title,
            per_zone: false,
            usage: |conf, region| Box::pin(vcpus(conf, region, $code)),
        };
    };
}

vcpu_quota!(STANDARD, "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances");
vcpu_quota!(G_AND_VT, "L-DB2E81BA", "Running On-Demand G and VT instances");
vcpu_quota!(P, "L-417A185B", "Running On-Demand P instances");
vcpu_quota!(X, "L-7295265B", "Running On-Demand X instances");
vcpu_quota!(F, "L-74FC7D96", "Running On-Demand F instances");
vcpu_quota!(INF, "L-1945791B", "Running On-Demand Inf instances");

/// The vCPU quota an instance type counts against; `None` for families without one here
/// (Trainium, DL, high-memory `u-`, Mac): those are not checked.
pub fn vcpu_quota(instance_type: &str) -> Option<&'static Quota> {
    let family: String = instance_type.chars().take_while(|c| c.is_ascii_lowercase()).collect();
    VCPU_QUOTAS.iter().find(|(_, families)| families.contains(&family.as_str())).map(|(q, _)| *q)
}

async fn elastic_ips(conf: &SdkConfig, region: &str) -> Result<Usage, Error> {
    let c = Client::new(conf);
    let vpc = Filter::builder().name("domain").values("vpc").build();
    let out =
        c.describe_addresses().filters(vpc).send().await.map_err(|e| cloud_error("DescribeAddresses", region, e))?;
    Ok(Usage { region: out.addresses().len() as u64, by_zone: BTreeMap::new() })
}

async fn vpcs(conf: &SdkConfig, region: &str) -> Result<Usage, Error> {
    let c = Client::new(conf);
    let mut pages = c.describe_vpcs().into_paginator().items().send();
    let mut n = 0;
    while let Some(v) = pages.next().await {
        v.map_err(|e| cloud_error("DescribeVpcs", region, e))?;
        n += 1;
    }
    Ok(Usage { region: n, by_zone: BTreeMap::new() })
}

async fn nat_gateways(conf: &SdkConfig, region: &str) -> Result<Usage, Error> {
    let c = Client::new(conf);
    let live = Filter::builder().name("state").values("pending").values("available").build();
    let mut pages = c.describe_nat_gateways().filter(live).into_paginator().items().send();
    let mut subnets = Vec::new();
    while let Some(n) = pages.next().await {
        let n = n.map_err(|e| cloud_error("DescribeNatGateways", region, e))?;
        subnets.extend(n.subnet_id().map(str::to_string));
    }
    let mut usage = Usage { region: subnets.len() as u64, by_zone: BTreeMap::new() };
    if subnets.is_empty() {
        return Ok(usage);
    }
    let mut unique = subnets.clone();
    unique.sort();
    unique.dedup();
    let out = c
        .describe_subnets()
        .set_subnet_ids(Some(unique))
        .send()
        .await
        .map_err(|e| cloud_error("DescribeSubnets", region, e))?;
    let zone_of: BTreeMap<&str, &str> =
        out.subnets().iter().filter_map(|s| Some((s.subnet_id()?, s.availability_zone()?))).collect();
    for s in &subnets {
        let zone = zone_of.get(s.as_str()).copied().unwrap_or("unknown");
        *usage.by_zone.entry(zone.to_string()).or_default() += 1;
    }
    Ok(usage)
}

/// The vCPUs of running and pending instances of the families `quota_code` covers.
async fn vcpus(conf: &SdkConfig, region: &str, quota_code: &str) -> Result<Usage, Error> {
    let c = Client::new(conf);
    let running = Filter::builder().name("instance-state-name").values("pending").values("running").build();
    let mut pages = c.describe_instances().filters(running).into_paginator().send();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(page) = pages.next().await {
        for r in page.map_err(|e| cloud_error("DescribeInstances", region, e))?.reservations() {
            for ty in r.instances().iter().filter_map(|i| i.instance_type()) {
                if vcpu_quota(ty.as_str()).is_some_and(|q| q.quota_code == quota_code) {
                    *counts.entry(ty.as_str().to_string()).or_default() += 1;
                }
            }
        }
    }
    let per_type = instance_vcpus(conf, region, counts.keys()).await?;
    let total = counts.iter().map(|(ty, n)| n * per_type.get(ty).copied().unwrap_or(0)).sum();
    Ok(Usage { region: total, by_zone: BTreeMap::new() })
}

/// The default vCPUs of each instance type (DescribeInstanceTypes); unknown types are absent.
pub async fn instance_vcpus<'a>(
    conf: &SdkConfig,
    region: &str,
    types: impl IntoIterator<Item = &'a String>,
) -> Result<BTreeMap<String, u64>, Error> {
    let types: Vec<InstanceType> = types.into_iter().map(|t| InstanceType::from(t.as_str())).collect();
    let mut out = BTreeMap::new();
    // DescribeInstanceTypes takes at most 100 types a call.
    for chunk in types.chunks(100) {
        let c = Client::new(conf);
        let page = c
            .describe_instance_types()
            .set_instance_types(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| cloud_error("DescribeInstanceTypes", region, e))?;
        for t in page.instance_types() {
            if let (Some(ty), Some(v)) = (t.instance_type(), t.v_cpu_info().and_then(|v| v.default_v_cpus())) {
                out.insert(ty.as_str().to_string(), v.max(0) as u64);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instance_family_counts_against_its_vcpu_quota() {
        let code = |t: &str| vcpu_quota(t).map(|q| q.quota_code);
        assert_eq!(code("t3.micro"), Some("L-1216C47A"));
        assert_eq!(code("m7g.large"), Some("L-1216C47A"));
        assert_eq!(code("im4gn.large"), Some("L-1216C47A"));
        assert_eq!(code("g5.xlarge"), Some("L-DB2E81BA"));
        assert_eq!(code("vt1.3xlarge"), Some("L-DB2E81BA"));
        assert_eq!(code("p4d.24xlarge"), Some("L-417A185B"));
        assert_eq!(code("x2idn.16xlarge"), Some("L-7295265B"));
        assert_eq!(code("inf2.xlarge"), Some("L-1945791B"));
        assert_eq!(code("trn1.2xlarge"), None, "no quota known here: not checked, not guessed");
        assert_eq!(code("u-6tb1.metal"), None);
    }
}
