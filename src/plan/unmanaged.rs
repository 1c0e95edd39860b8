//! Resources the configuration leaves to other tools (`recovery.unmanaged`): listed in the plan
//! with what depends on them, never changed. Deciding which instances are unmanaged happens in
//! [`crate::expand`]; this module only collects them for the plan.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::config::Mode;
use crate::expand::Expansion;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub address: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub ty: String,
    /// The `recovery.unmanaged` entry that matched it.
    pub entry: String,
    /// Planned instances that use its values, which are unknown to drplan: they wait for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependents: Vec<String>,
}

/// The unmanaged instances among `selected` (indices into the expansion), in address order.
pub fn collect(exp: &Expansion, selected: &BTreeSet<usize>) -> Vec<Unmanaged> {
    let mut out: Vec<Unmanaged> = selected
        .iter()
        .filter_map(|&i| {
            let inst = &exp.instances[i];
            let entry = inst.unmanaged.clone()?;
            let mut dependents: Vec<String> = exp
                .instances
                .iter()
                .filter(|d| d.unmanaged.is_none() && d.deps.contains(&i))
                .map(|d| d.addr.clone())
                .collect();
            dependents.sort();
            Some(Unmanaged { address: inst.addr.clone(), mode: inst.mode, ty: inst.ty.clone(), entry, dependents })
        })
        .collect();
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}
