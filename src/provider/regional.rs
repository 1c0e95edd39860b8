//! Provider hosts for the regions other than the DR region, for data sources read through a
//! provider configuration of another region (`data "aws_db_instance" "primary" { provider =
//! aws.primary }`): started on first need, one per region, configured as that region's provider
//! configuration is (its profile and role), so a read happens where Terraform would do it.
//!
//! The primary region may be dead: a region the inventory could not read gets no host (its data
//! sources stay unknown, as natively read ones do), and every call through a host is time-boxed
//! as all host calls are. A host that fails to start is not retried within a run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use super::host::Settings;
use super::{Host, Hosted};
use crate::cloud::Identity;

pub struct Regional {
    hosted: Hosted,
    /// Endpoint and offline mode, as the DR region's host has them.
    base: Settings,
    identities: BTreeMap<String, Identity>,
    unavailable: BTreeSet<String>,
    started: Mutex<BTreeMap<String, Result<Arc<Host>, String>>>,
}

impl Regional {
    pub fn new(
        hosted: Hosted,
        base: Settings,
        identities: BTreeMap<String, Identity>,
        unavailable: BTreeSet<String>,
    ) -> Regional {
        Regional { hosted, base, identities, unavailable, started: Mutex::new(BTreeMap::new()) }
    }

    /// The host for `region`, started the first time it is asked for; `Ok(None)` for a region
    /// the inventory could not read.
    pub fn host(&self, region: &str) -> Result<Option<Arc<Host>>, String> {
        if self.unavailable.contains(region) || region.is_empty() {
            return Ok(None);
        }
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        let host = started.entry(region.to_string()).or_insert_with(|| {
            let settings = Settings {
                region: region.to_string(),
                identity: self.identities.get(region).cloned().unwrap_or_default(),
                ..self.base.clone()
            };
            Host::start(&self.hosted, &settings)
                .map(Arc::new)
                .map_err(|e| format!("terraform-provider-aws for {region} did not start: {e}"))
        });
        host.clone().map(Some)
    }
}
