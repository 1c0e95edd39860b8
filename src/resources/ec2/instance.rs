//! `aws_instance`: launched with a client token and its tags, waited for until running;
//! resized stopped, as Terraform does; terminated with its interfaces.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, IamInstanceProfileSpecification, InstanceMetadataOptionsRequest, InstanceType,
    Placement, RunInstancesMonitoringEnabled, Tenancy,
};
use base64::Engine;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::eval::Value;
use crate::resources::StepAction;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Created, DryRun, Estimate, Op, Permission, ResourceType, RunbookText,
    Service, StepView,
};

pub const TYPE: &str = "aws_instance";

pub struct Instance;

impl ResourceType for Instance {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn not_applied(&self) -> &'static [&'static str] {
        &[
            "security_groups",
            "associate_public_ip_address",
            "user_data_replace_on_change",
            "disable_api_termination",
            "disable_api_stop",
            "instance_initiated_shutdown_behavior",
            "root_block_device",
            "ebs_block_device",
            "volume_tags",
        ]
    }

    fn deleted_first(&self) -> &'static [&'static str] {
        &[crate::resources::elb::target_group_attachment::TYPE]
    }

    /// DescribeInstances does not report user data: drplan tags the instance with the SHA-1
    /// provider-aws keeps in its state ([`USER_DATA_TAG`]) and compares the configuration's
    /// with it. A change replaces the instance only with `user_data_replace_on_change`, as in
    /// provider-aws; otherwise it is made in place (stopped and started). User data changed
    /// outside drplan is not seen, and an instance without the tag is taken as configured.
    fn extra_changes(
        &self,
        prior: &LiveObject,
        config: &Value,
        _written: &std::collections::BTreeSet<String>,
        ignored: &[String],
    ) -> Vec<crate::resources::ExtraChange> {
        let Some(had) = prior.tags.get(USER_DATA_TAG) else { return Vec::new() };
        let (name, wanted) = match (config.get("user_data"), config.get("user_data_base64")) {
            (Some(Value::String(text)), _) => ("user_data", user_data_hash(text)),
            (_, Some(Value::String(b64))) => ("user_data_base64", user_data_hash(b64)),
            (Some(Value::Null) | None, Some(Value::Null) | None) => ("user_data", String::new()),
            _ => return Vec::new(), // not known yet: decided when it is
        };
        if *had == wanted || ignored.iter().any(|i| i == name) {
            return Vec::new();
        }
        let replaces = config.get("user_data_replace_on_change") == Some(&Value::Bool(true));
        let reason = format!("{name} differs from what the instance was launched or last updated with");
        vec![crate::resources::ExtraChange { name: name.into(), reason, replaces }]
    }

    fn estimate(&self, step: &StepView) -> Estimate {
        match step.action {
            StepAction::Delete => Estimate::new(60, "termination"),
            StepAction::Read => crate::resources::generic_estimate(step),
            _ => Estimate::new(3 * 60, "instance launch to running and status checks"),
        }
    }

    fn capacity(&self, step: &StepView) -> Option<Capacity> {
        let ty = step.after.get("instance_type")?.as_str()?;
        Some(Capacity { quota: super::quotas::vcpu_quota(ty)?, amount: Amount::VcpusOf(ty.to_string()) })
    }

    fn dry_run(&self, _step: &StepView) -> Option<DryRun> {
        Some(DryRun { action: "ec2:RunInstances", call: |conf, after| Box::pin(dry_run(conf, after)) })
    }

    fn needs(&self, step: &StepView) -> Vec<crate::resources::Need> {
        use crate::resources::Need;
        let known = |key: &str| step.after.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let mut needs: Vec<Need> = known("instance_type").map(Need::InstanceType).into_iter().collect();
        needs.extend(known("ami").map(Need::Image));
        needs
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "{}aws ec2 run-instances --image-id {} --instance-type {} --subnet-id {} --security-group-ids {}{} {} --region {}",
                if multi_line_user_data(s) {
                    "# save user_data (under \"Every argument apply sends\") as user-data.txt && "
                } else {
                    ""
                },
                s.arg("ami"),
                s.arg("instance_type"),
                s.arg("subnet_id"),
                s.arg("vpc_security_group_ids"),
                optional_args(s),
                s.tag_spec("instance"),
                s.region
            )),
            verify: Some(format!(
                "{} → `running`",
                s.by_tag("ec2", "describe-instances", "Reservations[].Instances[].State.Name")
            )),
        }
    }

    fn apply<'a>(&'a self, cx: &'a Cx, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let a = &req.config;
            match req.op {
                Op::Create => create(cx, req.address, a, req.created).await,
                Op::Update(changed) => {
                    let live = prior(req.prior)?;
                    retag_if_changed(cx, a, live, changed).await?;
                    update(cx, a, live, changed).await
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    // Retried here as a whole, not by the step: once the instance is gone (its
                    // terminate took effect, the answer was lost), a retried step finds nothing
                    // to delete, and its interfaces would be left behind.
                    crate::resources::sdk::retry_transient(
                        4,
                        |e: &StepError| e.retryable,
                        || async {
                            call!(
                                cx,
                                "TerminateInstances",
                                c.terminate_instances().instance_ids(id),
                                &["InvalidInstanceID.NotFound"]
                            )?;
                            waiters::instance_state(cx, id, &["terminated"], 20 * MINUTE).await?;
                            waiters::release_interfaces(cx, id).await
                        },
                    )
                    .await
                }
                Op::Ready => waiters::instance_state(cx, &prior(req.prior)?.id, &["running"], 10 * MINUTE).await,
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "instances",
    service: Service::Ec2,
    types: &[TYPE],
    everywhere: false,
    narrows: true,
    global: false,
    read: |r, n| Box::pin(read(r, n)),
};

async fn read(r: &mut RegionReader, n: &Narrow) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    let stack = r.stack.clone();
    let running = Filter::builder()
        .name("instance-state-name")
        .values("pending")
        .values("running")
        .values("stopping")
        .values("stopped")
        .build();
    let mut instances = c
        .describe_instances()
        .set_filters(Some(owned(&stack, n)))
        .filters(running)
        .set_instance_ids(ids(n))
        .into_paginator()
        .send();
    while let Some(page) = instances.next().await {
        r.call();
        for res in page.map_err(|err| cloud_error("DescribeInstances", &region, err))?.reservations() {
            for i in res.instances() {
                let meta = i.metadata_options();
                r.push(
                    TYPE,
                    i.instance_id().unwrap_or_default(),
                    tags(i.tags()),
                    json!({
                        "ami": i.image_id(), "instance_type": i.instance_type().map(|t| t.as_str()), "subnet_id": i.subnet_id(),
                        "vpc_security_group_ids": i.security_groups().iter().filter_map(|g| g.group_id()).collect::<Vec<_>>(),
                        "key_name": i.key_name(), "private_ip": i.private_ip_address(), "public_ip": i.public_ip_address(),
                        "availability_zone": i.placement().and_then(|p| p.availability_zone()),
                        "tenancy": i.placement().and_then(|p| p.tenancy()).map(|t| t.as_str()),
                        "placement_group": i.placement().and_then(|p| p.group_name()).filter(|g| !g.is_empty()),
                        "instance_state": i.state().and_then(|s| s.name()).map(|n| n.as_str()),
                        "ebs_optimized": i.ebs_optimized(), "source_dest_check": i.source_dest_check(),
                        "monitoring": i.monitoring().and_then(|m| m.state()).map(|s| s.as_str() == "enabled"),
                        // The profile's name, as provider-aws keeps it (the last part of its ARN).
                        "iam_instance_profile": i.iam_instance_profile().and_then(|p| p.arn()).and_then(|a| a.rsplit('/').next()),
                        "private_dns": i.private_dns_name(), "public_dns": i.public_dns_name(),
                        "metadata_options": meta.map(|m| vec![strip_nulls(json!({
                            "http_tokens": m.http_tokens().map(|t| t.as_str()), "http_endpoint": m.http_endpoint().map(|t| t.as_str()),
                            "http_put_response_hop_limit": m.http_put_response_hop_limit(),
                            "instance_metadata_tags": m.instance_metadata_tags().map(|t| t.as_str()),
                        }))]),
                    }),
                );
            }
        }
    }
    Ok(())
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    launch(cx, address, a, &tags, created).await
}

async fn launch(
    cx: &Cx,
    address: &str,
    a: &Args<'_>,
    tags: &BTreeMap<String, String>,
    created: &Created,
) -> Result<(), StepError> {
    let user_data = encoded_user_data(a);
    let metadata = a.block("metadata_options").map(|m| {
        InstanceMetadataOptionsRequest::builder()
            .set_http_tokens(m.str("http_tokens").map(|t| t.as_str().into()))
            .set_http_endpoint(m.str("http_endpoint").map(|t| t.as_str().into()))
            .set_instance_metadata_tags(m.str("instance_metadata_tags").map(|t| t.as_str().into()))
            .build()
    });
    let mut groups = a.strs("vpc_security_group_ids");
    groups.sort();
    let mut tags = tags.clone();
    tags.insert(USER_DATA_TAG.into(), user_data.as_deref().map(user_data_hash).unwrap_or_default());
    let tags = &tags;
    cx.call();
    let out = cx
        .ec2
        .run_instances()
        .image_id(a.req("ami")?)
        .instance_type(InstanceType::from(a.req("instance_type")?.as_str()))
        .min_count(1)
        .max_count(1)
        .set_subnet_id(a.str("subnet_id"))
        .set_security_group_ids((!groups.is_empty()).then_some(groups))
        .set_key_name(a.str("key_name"))
        .set_private_ip_address(a.str("private_ip"))
        .set_user_data(user_data)
        .set_metadata_options(metadata)
        .set_ebs_optimized(a.bool("ebs_optimized"))
        .set_iam_instance_profile(
            a.str("iam_instance_profile").map(|p| IamInstanceProfileSpecification::builder().name(p).build()),
        )
        .set_placement(placement(a))
        .set_monitoring(a.bool("monitoring").map(|on| RunInstancesMonitoringEnabled::builder().enabled(on).build()))
        .client_token(client_token(cx, address))
        .tag_specifications(tag_spec(TagTarget::Instance, tags))
        .tag_specifications(tag_spec(TagTarget::Volume, tags))
        .send()
        .await
        .map_err(|e| sdk_error("RunInstances", e))?;
    let id = out.instances().first().and_then(|i| i.instance_id()).ok_or_else(|| missing("instance"))?;
    created.set(id);
    if a.bool("source_dest_check") == Some(false) {
        cx.call();
        cx.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .source_dest_check(AttributeBooleanValue::builder().value(false).build())
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    waiters::instance_state(cx, id, &["running"], 10 * MINUTE).await
}

/// The tag that records the SHA-1 of an instance's user data (DescribeInstances does not report
/// it): what provider-aws keeps in its state for `user_data`.
pub const USER_DATA_TAG: &str = "drplan:user-data";

/// The user data as RunInstances and ModifyInstanceAttribute take it: base64.
fn encoded_user_data(a: &Args<'_>) -> Option<String> {
    match (a.str("user_data"), a.str("user_data_base64")) {
        (Some(plain), _) => Some(base64::engine::general_purpose::STANDARD.encode(plain)),
        (None, b64) => b64,
    }
}

/// provider-aws's `userDataHashSum`: the SHA-1 (hex) of the user data, base64-decoded where it
/// is base64 (so `user_data` and `user_data_base64` of the same bytes agree).
fn user_data_hash(text: &str) -> String {
    use sha1::Digest as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_else(|_| text.as_bytes().to_vec());
    hex::encode(sha1::Sha1::digest(&bytes))
}

/// Idempotency for RunInstances on real AWS: one token per stack, address and plan.
fn client_token(cx: &Cx, address: &str) -> String {
    short_hash(&format!("{}|{}|{}", cx.stack, address, cx.run_id))
}

/// Where the instance runs: its zone, tenancy and placement group, where the block sets them.
fn placement(a: &Args<'_>) -> Option<Placement> {
    let (zone, tenancy, group) = (a.str("availability_zone"), a.str("tenancy"), a.str("placement_group"));
    (zone.is_some() || tenancy.is_some() || group.is_some()).then(|| {
        Placement::builder()
            .set_availability_zone(zone)
            .set_tenancy(tenancy.map(|t| Tenancy::from(t.as_str())))
            .set_group_name(group)
            .build()
    })
}

async fn update(cx: &Cx, a: &Args<'_>, live: &LiveObject, changed: &[String]) -> Result<(), StepError> {
    let id = live.id.as_str();
    let has = |n: &str| changed.iter().any(|c| c == n);
    let c = &cx.ec2;
    if has("monitoring") {
        cx.call();
        if a.bool("monitoring") == Some(true) {
            c.monitor_instances().instance_ids(id).send().await.map_err(|e| sdk_error("MonitorInstances", e))?;
        } else {
            c.unmonitor_instances().instance_ids(id).send().await.map_err(|e| sdk_error("UnmonitorInstances", e))?;
        }
    }
    if has("iam_instance_profile") {
        profile(cx, id, a.str("iam_instance_profile")).await?;
    }
    if has("vpc_security_group_ids") {
        cx.call();
        c.modify_instance_attribute()
            .instance_id(id)
            .set_groups(Some(a.strs("vpc_security_group_ids")))
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    if has("source_dest_check") {
        cx.call();
        c.modify_instance_attribute()
            .instance_id(id)
            .source_dest_check(
                AttributeBooleanValue::builder().value(a.bool("source_dest_check").unwrap_or(true)).build(),
            )
            .send()
            .await
            .map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
    }
    let user_data = has("user_data") || has("user_data_base64");
    if has("instance_type") || has("ebs_optimized") || user_data {
        // Resizing and EBS optimisation need the instance stopped, as in Terraform.
        cx.call();
        c.stop_instances().instance_ids(id).send().await.map_err(|e| sdk_error("StopInstances", e))?;
        waiters::instance_state(cx, id, &["stopped"], 10 * MINUTE).await?;
        if has("instance_type") {
            let ty = aws_sdk_ec2::types::AttributeValue::builder().value(a.req("instance_type")?).build();
            cx.call();
            let req = c.modify_instance_attribute().instance_id(id).instance_type(ty);
            req.send().await.map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
        }
        if user_data {
            let encoded = encoded_user_data(a);
            let blob = aws_sdk_ec2::types::BlobAttributeValue::builder()
                .value(aws_smithy_types::Blob::new(encoded.as_deref().unwrap_or_default().as_bytes()))
                .build();
            cx.call();
            let req = c.modify_instance_attribute().instance_id(id).user_data(blob);
            req.send().await.map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
            let hash = encoded.as_deref().map(user_data_hash).unwrap_or_default();
            let tag = aws_sdk_ec2::types::Tag::builder().key(USER_DATA_TAG).value(hash).build();
            cx.call();
            c.create_tags().resources(id).tags(tag).send().await.map_err(|e| sdk_error("CreateTags", e))?;
        }
        if let Some(on) = a.bool("ebs_optimized").filter(|_| has("ebs_optimized")) {
            cx.call();
            let req = c
                .modify_instance_attribute()
                .instance_id(id)
                .ebs_optimized(AttributeBooleanValue::builder().value(on).build());
            req.send().await.map_err(|e| sdk_error("ModifyInstanceAttribute", e))?;
        }
        cx.call();
        c.start_instances().instance_ids(id).send().await.map_err(|e| sdk_error("StartInstances", e))?;
        waiters::instance_state(cx, id, &["running"], 10 * MINUTE).await?;
    }
    Ok(())
}

/// Gives a running instance the profile `want` (or none): replaces its association, makes one,
/// or removes it, as provider-aws does.
async fn profile(cx: &Cx, id: &str, want: Option<String>) -> Result<(), StepError> {
    let c = &cx.ec2;
    cx.call();
    let found = c
        .describe_iam_instance_profile_associations()
        .filters(Filter::builder().name("instance-id").values(id).build())
        .send()
        .await
        .map_err(|e| sdk_error("DescribeIamInstanceProfileAssociations", e))?;
    let current = found
        .iam_instance_profile_associations()
        .iter()
        .find(|a| a.state().is_some_and(|s| s.as_str() == "associated"))
        .and_then(|a| a.association_id().map(str::to_string));
    let spec = |name: String| IamInstanceProfileSpecification::builder().name(name).build();
    if current.is_some() || want.is_some() {
        cx.call();
    }
    match (current, want) {
        (Some(association), Some(name)) => {
            let req = c
                .replace_iam_instance_profile_association()
                .association_id(association)
                .iam_instance_profile(spec(name));
            req.send().await.map(drop).map_err(|e| sdk_error("ReplaceIamInstanceProfileAssociation", e))
        }
        (None, Some(name)) => {
            let req = c.associate_iam_instance_profile().instance_id(id).iam_instance_profile(spec(name));
            req.send().await.map(drop).map_err(|e| sdk_error("AssociateIamInstanceProfile", e))
        }
        (Some(association), None) => {
            let req = c.disassociate_iam_instance_profile().association_id(association);
            req.send().await.map(drop).map_err(|e| sdk_error("DisassociateIamInstanceProfile", e))
        }
        (None, None) => Ok(()),
    }
}

/// RunInstances with the planned image, type and subnet, as a dry run.
async fn dry_run(conf: &aws_config::SdkConfig, after: &serde_json::Value) -> Permission {
    let known = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let c = Client::new(conf);
    let call = c
        .run_instances()
        .set_image_id(known("ami"))
        .set_instance_type(known("instance_type").map(|t| InstanceType::from(t.as_str())))
        .set_subnet_id(known("subnet_id"))
        .min_count(1)
        .max_count(1)
        .dry_run(true);
    crate::resources::capacity::permission(call.send().await)
}

/// User data too long for a command line: the runbook has it saved to a file first.
fn multi_line_user_data(s: &StepView) -> bool {
    s.json("user_data").and_then(serde_json::Value::as_str).is_some_and(|d| d.contains('\n'))
}

/// The run-instances arguments the configuration may set besides the required ones.
fn optional_args(s: &StepView) -> String {
    let mut out = String::new();
    if let Some(key) = s.json("key_name").and_then(serde_json::Value::as_str) {
        out.push_str(&format!(" --key-name {key}"));
    }
    if let Some(profile) = s.json("iam_instance_profile").and_then(serde_json::Value::as_str) {
        out.push_str(&format!(" --iam-instance-profile Name={profile}"));
    }
    if let Some(tokens) = s.nested("metadata_options", "http_tokens") {
        out.push_str(&format!(" --metadata-options HttpTokens={tokens}"));
    }
    match s.json("user_data").and_then(serde_json::Value::as_str) {
        Some(_) if multi_line_user_data(s) => out.push_str(" --user-data file://user-data.txt"),
        Some(data) => out.push_str(&format!(" --user-data {}", crate::resources::shell_quote(data))),
        None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::eval::Fields;
    use std::collections::BTreeMap;

    use aws_sdk_ec2::operation::monitor_instances::MonitorInstancesOutput;
    use aws_sdk_ec2::operation::unmonitor_instances::UnmonitorInstancesOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::eval::Value;
    use crate::resources::sdk::Polling;

    /// moto implements neither MonitorInstances nor UnmonitorInstances, so the update's requests
    /// are checked against the SDK: detailed monitoring follows the configuration both ways.
    #[tokio::test]
    async fn monitoring_is_switched_on_and_off_in_place() {
        let on = mock!(Client::monitor_instances)
            .match_requests(|r| r.instance_ids() == ["i-1"])
            .then_output(|| MonitorInstancesOutput::builder().build());
        let off = mock!(Client::unmonitor_instances)
            .match_requests(|r| r.instance_ids() == ["i-1"])
            .then_output(|| UnmonitorInstancesOutput::builder().build());
        let conf = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let mut cx = Cx::new(&conf, "s".into(), "run".into(), Polling::default(), Default::default());
        cx.ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&on, &off]);
        let live = LiveObject {
            ty: TYPE.into(),
            region: "us-west-2".into(),
            id: "i-1".into(),
            tags: BTreeMap::new(),
            attributes: BTreeMap::new(),
        };
        let changed = ["monitoring".to_string()];
        for want in [true, false] {
            let config = Value::Map(Fields::from([("monitoring".to_string(), Value::Bool(want))]));
            update(&cx, &Args(&config), &live, &changed).await.unwrap();
        }
        assert_eq!((on.num_calls(), off.num_calls()), (1, 1), "one MonitorInstances, then one UnmonitorInstances");
    }
}
