//! The schemas a configuration needs from the provider: every resource type and data source it
//! declares that drplan does not serve natively, looked up once per command, or why they could
//! not be (no provider installed, the host turned off). Expansion validates those blocks against
//! these schemas exactly as it does native ones.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Env, HostError, ProviderSchema};
use crate::config::Mode;
use crate::schema::ResourceSchema;

/// The value of `DRPLAN_PROVIDER_AWS` that turns the provider host off.
pub const OFF: &str = "none";

#[derive(Clone, Debug, Default)]
pub struct Hosted {
    schemas: BTreeMap<(Mode, String), ResourceSchema>,
    pub status: Status,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Status {
    /// Every declared type is native: the provider was not started.
    #[default]
    NotNeeded,
    /// The provider answered; `names` are all its types of each mode (for "did you mean").
    Loaded { version: String, resources: Vec<String>, data_sources: Vec<String> },
    /// Why there are no provider schemas (said once, with the first unsupported type).
    Unavailable(String),
}

impl Hosted {
    /// Loads the provider's schemas for `wanted` (types drplan does not serve natively),
    /// from the configuration in `dir`.
    pub fn load(dir: &Path, wanted: &BTreeSet<(Mode, String)>, env: &Env) -> Hosted {
        if wanted.is_empty() {
            return Hosted::default();
        }
        if let Some(file) = &env.schema_file {
            return match super::read_schema_file(file) {
                Ok(schema) => Hosted::from_schema("", &schema, wanted),
                Err(why) => Hosted { status: Status::Unavailable(why), ..Hosted::default() },
            };
        }
        if env.explicit.as_deref().is_some_and(|p| p.as_os_str() == OFF) {
            return Hosted {
                status: Status::Unavailable(format!("The provider host is turned off (DRPLAN_PROVIDER_AWS={OFF}).")),
                ..Hosted::default()
            };
        }
        match super::load_schema(dir, env) {
            Ok((located, schema)) => Hosted::from_schema(&located.version, &schema, wanted),
            Err(e) => Hosted { status: Status::Unavailable(unavailable(&e, dir)), ..Hosted::default() },
        }
    }

    pub fn from_schema(version: &str, schema: &ProviderSchema, wanted: &BTreeSet<(Mode, String)>) -> Hosted {
        let schemas = wanted
            .iter()
            .filter_map(|(mode, ty)| Some(((*mode, ty.clone()), schema.resource_schema(*mode, ty)?)))
            .collect();
        let status = Status::Loaded {
            version: version.to_string(),
            resources: schema.resource_schemas.keys().cloned().collect(),
            data_sources: schema.data_source_schemas.keys().cloned().collect(),
        };
        Hosted { schemas, status }
    }

    /// The provider's schema for a type, if it was loaded and has one.
    pub fn lookup(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema> {
        self.schemas.get(&(mode, ty.to_string()))
    }
}

fn unavailable(e: &HostError, dir: &Path) -> String {
    match e {
        HostError::NotFound(nf) => {
            let looked: Vec<String> = nf.looked_in.iter().map(|p| p.display().to_string()).collect();
            format!(
                "Types drplan does not serve natively are served by terraform-provider-aws, which was not found{} (looked in {}): run `terraform init` in {}, or set DRPLAN_PROVIDER_AWS to the provider binary.",
                nf.wanted.as_ref().map(|v| format!(" at version {v}, as .terraform.lock.hcl pins")).unwrap_or_default(),
                looked.join(", "),
                dir.display()
            )
        }
        other => {
            format!("Types drplan does not serve natively are served by terraform-provider-aws, which failed: {other}.")
        }
    }
}
