//! `drplan runbook`: the plan, the dependency graph, the checks, the contacts and the plan's
//! readiness findings, gathered
//! into the runbook model ([`crate::recovery::runbook`]) that [`crate::render::runbook`] prints.

use super::plan::{PlanOptions, plan};
use crate::error::Error;
use crate::recovery::runbook::{CheckSummary, Runbook};

pub fn runbook(opts: &PlanOptions) -> Result<Runbook, Error> {
    let planned = plan(opts)?;
    let exp = &planned.config.expansion;
    let topology = crate::graph::render::mermaid(&planned.config.graph);
    let checks = exp
        .checks
        .iter()
        .map(|c| CheckSummary {
            name: c.name.clone(),
            kind: c.kind.clone(),
            args: c
                .args
                .iter()
                .map(|(k, v)| {
                    let shown = if c.sensitive_args.contains(k) {
                        "(sensitive)".into()
                    } else {
                        v.to_template_string().unwrap_or_else(|| "(known after apply)".into())
                    };
                    (k.clone(), shown)
                })
                .collect(),
        })
        .collect();
    let contacts = exp.contacts.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let readiness = super::readiness::report(&planned, opts.cloud);
    Ok(Runbook { plan: planned.plan, topology, checks, contacts, readiness })
}
