//! `drplan readiness`: plans the phase (by default `failover`) read-only, asks the DR region
//! what it offers for what the plan launches, and runs the readiness rules. Reads only: the
//! primary region is read as a plan reads it (time-boxed, allowed to be dead), nothing is
//! written anywhere.

use super::LoadOptions;
use super::plan::{PlanOptions, Planned, plan};
use crate::cloud::Cloud;
use crate::error::Error;
use crate::readiness::{Facts, Report, assess};

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
    let mut facts = Facts::new(&planned.plan, &planned.config.expansion, &planned.inventory);
    facts.answers = cloud.answer(&planned.plan.region, &facts.questions());
    assess(&facts)
}
