//! `drplan readiness`: plans the phase (by default `failover`) read-only, asks the DR region
//! what it offers for what the plan launches, and runs the readiness rules. Reads only: the
//! primary region is read as a plan reads it (time-boxed, allowed to be dead), nothing is
//! written anywhere.

use super::LoadOptions;
use super::plan::{PlanOptions, Planned, plan};
use crate::cloud::Cloud;
use crate::error::Error;
use crate::readiness::{Facts, Report, assess, capacity};

pub fn readiness(load: &LoadOptions, cloud: &dyn Cloud) -> Result<Report, Error> {
    let planned = plan(&PlanOptions {
        load: load.clone(),
        cloud,
        targets: Vec::new(),
        destroy: false,
        calibration: Default::default(),
    })?;
    Ok(report(&planned, cloud))
}

/// The readiness of a plan already made (the runbook's pre-flight uses it too).
pub fn report(planned: &Planned, cloud: &dyn Cloud) -> Report {
    let mut facts = Facts {
        plan: &planned.plan,
        exp: &planned.config.expansion,
        inventory: &planned.inventory,
        offerings: None,
        images: None,
    };
    let (types, images) = capacity::wanted(&facts);
    let dr = &planned.plan.region;
    facts.offerings = cloud.instance_type_offerings(dr, &types).map(|r| r.map_err(|e| e.to_string()));
    facts.images = cloud.images(dr, &images).map(|r| r.map_err(|e| e.to_string()));
    assess(&facts)
}
