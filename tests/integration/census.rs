//! A second opinion on exactly-once: `census.py` counts every kind of object in moto with
//! boto3, an SDK drplan does not use, so a duplicate that drplan's own listing missed (or an
//! object it cannot see) still shows as a count that differs from a fault-free run's.

use std::collections::BTreeMap;

use crate::harness::{Moto, moto_python, root};

/// `region/kind` (and `global/kind`) to how many exist, in the given regions.
pub(crate) fn census(moto: &Moto, regions: &[&str]) -> BTreeMap<String, i64> {
    let script = root().join("tests/integration/census.py");
    let out = std::process::Command::new(moto_python())
        .arg(&script)
        .arg(&moto.endpoint)
        .args(regions)
        .output()
        .expect("run census.py");
    assert!(out.status.success(), "census.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("census.py prints JSON")
}

/// The kinds whose counts differ, as `kind: ours (fault-free: n)`.
pub(crate) fn differences(ours: &BTreeMap<String, i64>, fault_free: &BTreeMap<String, i64>) -> Vec<String> {
    let kinds: std::collections::BTreeSet<&String> = ours.keys().chain(fault_free.keys()).collect();
    kinds
        .into_iter()
        .filter(|k| ours.get(*k) != fault_free.get(*k))
        .map(|k| format!("{k}: {:?} (fault-free: {:?})", ours.get(k), fault_free.get(k)))
        .collect()
}
