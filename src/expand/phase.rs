//! The failover phase a plan is for: `standby` (normal times), `failover` (the primary region
//! is lost: promote, scale up, move traffic) or `failback` (going home once it recovers).
//!
//! Configurations read it as `drplan.phase` (or a root variable `drplan_phase` they declare,
//! so `.tf` files stay valid Terraform) and say per phase what must exist. A plan records its
//! phase; a saved plan is applied only in its own. This module owns the names; what a phase
//! changes is the configuration's business.

use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Standby,
    Failover,
    Failback,
}

/// The root variable that carries the phase into configurations that declare it.
pub const VARIABLE: &str = "drplan_phase";

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Standby => "standby",
            Phase::Failover => "failover",
            Phase::Failback => "failback",
        }
    }

    pub fn is_standby(&self) -> bool {
        *self == Phase::Standby
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_named_in_lower_case_everywhere() {
        assert_eq!(serde_json::to_string(&Phase::Failover).unwrap(), "\"failover\"");
        assert_eq!(serde_json::from_str::<Phase>("\"failback\"").unwrap(), Phase::Failback);
        assert_eq!(Phase::default().to_string(), "standby");
        assert_eq!(<Phase as clap::ValueEnum>::from_str("failover", false), Ok(Phase::Failover));
    }
}
