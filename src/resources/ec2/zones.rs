//! Availability zones: listed in every region for the `aws_availability_zones` data source.
//! No managed type owns them.

use aws_sdk_ec2::Client;
use serde_json::json;

use crate::error::Error;
use crate::resources::Service;
use crate::resources::sdk::{ReadUnit, RegionReader, cloud_error};

pub static ZONES: ReadUnit = ReadUnit {
    name: "azs",
    service: Service::Ec2,
    types: &["aws_availability_zone"],
    everywhere: true,
    narrows: false,
    global: false,
    read: |r, _| Box::pin(read(r)),
};

async fn read(r: &mut RegionReader) -> Result<(), Error> {
    let c = &Client::new(&r.conf);
    let region = r.region.clone();
    r.call();
    let azs = c
        .describe_availability_zones()
        .send()
        .await
        .map_err(|err| cloud_error("DescribeAvailabilityZones", &region, err))?;
    for az in azs.availability_zones() {
        let id = az.zone_id().unwrap_or_default().to_string();
        r.push(
            "aws_availability_zone",
            id,
            Default::default(),
            json!({ "name": az.zone_name(), "zone_id": az.zone_id(), "state": az.state().map(|s| s.as_str()), "group_name": az.group_name() }),
        );
    }

    Ok(())
}
