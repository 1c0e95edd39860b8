//! `aws_eip`: allocated in the VPC domain; disassociated before release.

use aws_sdk_ec2::Client;
use serde_json::json;

use super::*;
use crate::error::Error;
use crate::resources::capacity::permission;
use crate::resources::sdk::{Narrow, ReadUnit, RegionReader, cloud_error};
use crate::resources::{
    Amount, ApplyRequest, BoxFuture, Capacity, Created, DryRun, Op, ResourceType, RunbookText, Service, StepView,
};

pub const TYPE: &str = "aws_eip";

pub struct Eip;

impl ResourceType for Eip {
    crate::resources::basics!(TYPE, Ec2, &UNIT);

    fn deleted_first(&self) -> &'static [&'static str] {
        &[super::nat_gateway::TYPE]
    }

    fn capacity(&self, _step: &StepView) -> Option<Capacity> {
        Some(Capacity { quota: &super::quotas::ELASTIC_IPS, amount: Amount::One })
    }

    fn dry_run(&self, _step: &StepView) -> Option<DryRun> {
        Some(DryRun {
            action: "ec2:AllocateAddress",
            call: |conf, _| {
                Box::pin(async move {
                    let c = Client::new(conf);
                    permission(
                        c.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).dry_run(true).send().await,
                    )
                })
            },
        })
    }

    fn runbook(&self, s: &StepView) -> RunbookText {
        RunbookText {
            by_hand: Some(format!(
                "aws ec2 allocate-address --domain vpc {} --region {}",
                s.tag_spec("elastic-ip"),
                s.region
            )),
            verify: None,
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
                    let target = ["instance", "network_interface", "associate_with_private_ip"];
                    if !changed.iter().any(|c| target.contains(&c.as_str())) {
                        return Ok(());
                    }
                    if let Some(assoc) = live.attr_str("association_id") {
                        call!(
                            cx,
                            "DisassociateAddress",
                            cx.ec2.disassociate_address().association_id(assoc),
                            &["InvalidAssociationID.NotFound"]
                        )?;
                    }
                    associate(cx, &live.id, a).await
                }
                Op::Delete => {
                    let live = prior(req.prior)?;
                    let id = live.id.as_str();
                    let c = &cx.ec2;
                    if let Some(assoc) = live.attr_str("association_id") {
                        call!(
                            cx,
                            "DisassociateAddress",
                            c.disassociate_address().association_id(assoc),
                            &["InvalidAssociationID.NotFound"]
                        )?;
                    }
                    call!(
                        cx,
                        "ReleaseAddress",
                        c.release_address().allocation_id(id),
                        &["InvalidAllocationID.NotFound"]
                    )
                }
                Op::Ready => Ok(()),
            }
        })
    }
}

pub static UNIT: ReadUnit = ReadUnit {
    name: "addresses",
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
    r.call();
    let addresses = c
        .describe_addresses()
        .set_filters(Some(owned(&stack, n)))
        .set_allocation_ids(ids(n))
        .send()
        .await
        .map_err(|err| cloud_error("DescribeAddresses", &region, err))?;
    for a in addresses.addresses() {
        r.push(
            TYPE,
            a.allocation_id().unwrap_or_default(),
            tags(a.tags()),
            json!({
                "domain": a.domain().map(|d| d.as_str()), "public_ip": a.public_ip(), "allocation_id": a.allocation_id(),
                "association_id": a.association_id(), "instance": a.instance_id(), "network_interface": a.network_interface_id(),
                "private_ip": a.private_ip_address(), "public_ipv4_pool": a.public_ipv4_pool(),
            }),
        );
    }

    Ok(())
}

async fn create(cx: &Cx, address: &str, a: &Args<'_>, created: &Created) -> Result<(), StepError> {
    let tags = cx.tags(a, address);
    let c = &cx.ec2;
    cx.call();
    let out = c
        .allocate_address()
        .domain(a.str("domain").unwrap_or_else(|| "vpc".into()).as_str().into())
        .set_address(a.str("address"))
        .set_public_ipv4_pool(a.str("public_ipv4_pool"))
        .tag_specifications(tag_spec(TagTarget::ElasticIp, &tags))
        .send()
        .await
        .map_err(|e| sdk_error("AllocateAddress", e))?;
    let id = out.allocation_id().ok_or_else(|| missing("elastic IP"))?;
    created.set(id);
    associate(cx, id, a).await
}

/// Associates the address with the instance or network interface the configuration names.
async fn associate(cx: &Cx, allocation_id: &str, a: &Args<'_>) -> Result<(), StepError> {
    let (instance, interface) = (a.str("instance"), a.str("network_interface"));
    if instance.is_none() && interface.is_none() {
        return Ok(());
    }
    cx.call();
    cx.ec2
        .associate_address()
        .allocation_id(allocation_id)
        .set_instance_id(instance)
        .set_network_interface_id(interface)
        .set_private_ip_address(a.str("associate_with_private_ip"))
        .send()
        .await
        .map_err(|e| sdk_error("AssociateAddress", e))?;
    Ok(())
}
