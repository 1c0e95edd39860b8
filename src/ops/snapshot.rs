//! `drplan snapshot`: record the live inventory a plan of this configuration needs (both
//! regions, and the Route 53 records of the zones it names), for offline and CI plans. Sensitive values are never read, so never written.

use std::path::Path;

use super::{LoadOptions, parse_configuration};
use crate::cloud::Cloud;
use crate::error::Error;
use crate::live::LiveSnapshot;

pub fn snapshot(load: &LoadOptions, cloud: &dyn Cloud) -> Result<LiveSnapshot, Error> {
    let parsed = parse_configuration(load);
    let settings = parsed.settings()?;
    let request = settings.inventory_request(load.phase.unwrap_or_default());
    let ignore_tags = settings.ignore_tags_in(&settings.recovery.region);
    let recovery = settings.recovery;
    let identity = request.identities.get(&recovery.region);
    let host = super::plan::start_host(&parsed, &recovery.region, cloud, identity, ignore_tags)?;
    let (mut snap, _) = super::plan::read_live(&parsed, cloud, &request, host.as_ref())?;
    snap.sort();
    Ok(snap)
}

pub fn write(path: &Path, snap: &LiveSnapshot) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(snap).expect("a snapshot always serializes");
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| Error::Io { context: format!("writing live snapshot {}", path.display()), source: e })
}
