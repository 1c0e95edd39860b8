//! The schemas a configuration needs from the provider, looked up once per command: those of
//! the types it declares that drplan does not serve natively (expansion validates those blocks
//! against them exactly as it does native ones), and of native types where the provider checks
//! them too; or why there are none (no provider installed, the host turned off).

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
    /// The same types in the provider's own form (nesting modes kept), for the wire.
    blocks: BTreeMap<(Mode, String), super::schema::Block>,
    /// The provider block's schema, for configuring it.
    provider: Option<super::schema::Block>,
    /// The schema version of each loaded managed type (states recorded under an older one are
    /// upgraded by the provider).
    versions: BTreeMap<String, i64>,
    /// The provider binary, when one was found: its own validations run then.
    pub located: Option<super::Located>,
    pub status: Status,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Status {
    /// Every declared type is native: the provider was not started.
    #[default]
    NotNeeded,
    /// The provider answered; with all its type names of each mode (for "did you mean").
    Loaded { version: String, resources: Vec<String>, data_sources: Vec<String> },
    /// Why there are no provider schemas (said once, with the first unsupported type).
    Unavailable(String),
}

impl Hosted {
    /// Loads the provider's schemas for the `declared` types of a configuration. The provider
    /// is needed for the types drplan does not serve natively; when it is installed, its schemas
    /// of native types are kept too, so it can check every block as Terraform would.
    pub fn load(dir: &Path, declared: &BTreeSet<(Mode, String)>, env: &Env) -> Hosted {
        let needed = declared.iter().any(|(mode, ty)| crate::schema::lookup(*mode, ty).is_none());
        let unavailable = |why: String| match needed {
            true => Hosted { status: Status::Unavailable(why), ..Hosted::default() },
            false => Hosted::default(),
        };
        if declared.is_empty() {
            return Hosted::default();
        }
        if let Some(file) = &env.schema_file {
            return match super::read_schema_file(file) {
                Ok(schema) => Hosted::from_schema("", &schema, declared),
                Err(why) => unavailable(why),
            };
        }
        if env.explicit.as_deref().is_some_and(|p| p.as_os_str() == OFF) {
            return unavailable(format!("The provider host is turned off (DRPLAN_PROVIDER_AWS={OFF})."));
        }
        match super::load_schema(dir, env) {
            Ok((located, schema)) => {
                Hosted { located: Some(located.clone()), ..Hosted::from_schema(&located.version, &schema, declared) }
            }
            Err(e) => unavailable(unavailable_text(&e, dir)),
        }
    }

    pub fn from_schema(version: &str, schema: &ProviderSchema, wanted: &BTreeSet<(Mode, String)>) -> Hosted {
        let schemas = wanted
            .iter()
            .filter_map(|(mode, ty)| Some(((*mode, ty.clone()), schema.resource_schema(*mode, ty)?)))
            .collect();
        let blocks = wanted
            .iter()
            .filter_map(|(mode, ty)| {
                let all = if *mode == Mode::Managed { &schema.resource_schemas } else { &schema.data_source_schemas };
                Some(((*mode, ty.clone()), all.get(ty)?.block.clone()))
            })
            .collect();
        let status = Status::Loaded {
            version: version.to_string(),
            resources: schema.resource_schemas.keys().cloned().collect(),
            data_sources: schema.data_source_schemas.keys().cloned().collect(),
        };
        let provider = schema.provider.as_ref().map(|p| p.block.clone());
        let versions = wanted
            .iter()
            .filter(|(mode, _)| *mode == Mode::Managed)
            .filter_map(|(_, ty)| Some((ty.clone(), schema.resource_schemas.get(ty)?.version)))
            .collect();
        Hosted { schemas, blocks, provider, versions, located: None, status }
    }

    /// Every loaded type's schema in the provider's own form.
    pub fn blocks(&self) -> &BTreeMap<(Mode, String), super::schema::Block> {
        &self.blocks
    }

    pub fn versions(&self) -> &BTreeMap<String, i64> {
        &self.versions
    }

    pub fn provider_block(&self) -> Option<&super::schema::Block> {
        self.provider.as_ref()
    }

    /// The provider's own form of a type's schema, for encoding values on the wire.
    pub fn block(&self, mode: Mode, ty: &str) -> Option<&super::schema::Block> {
        self.blocks.get(&(mode, ty.to_string()))
    }

    /// The provider's schema for a type, if it was loaded and has one.
    pub fn lookup(&self, mode: Mode, ty: &str) -> Option<&ResourceSchema> {
        self.schemas.get(&(mode, ty.to_string()))
    }
}

fn unavailable_text(e: &HostError, dir: &Path) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> BTreeSet<(Mode, String)> {
        [(Mode::Managed, "aws_sns_topic".to_string())].into()
    }

    /// Without a provider, the reason names where drplan looked and what to run.
    #[test]
    fn a_missing_provider_says_where_it_looked() {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env { home: Some(tmp.path().join("home")), ..Env::default() };
        let Status::Unavailable(why) = Hosted::load(tmp.path(), &wanted(), &env).status else { panic!("unavailable") };
        assert!(why.contains("terraform-provider-aws, which was not found (looked in "), "{why}");
        assert!(why.contains(&tmp.path().join("home/.terraform.d/plugins").display().to_string()), "{why}");
        assert!(why.contains(&format!("run `terraform init` in {}", tmp.path().display())), "{why}");
    }

    /// A recorded schema that cannot be read is named, with the variable that pointed at it;
    /// a configuration of native types only never needs one.
    #[test]
    fn an_unreadable_schema_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env { schema_file: Some(tmp.path().join("missing.json")), ..Env::default() };
        let Status::Unavailable(why) = Hosted::load(tmp.path(), &wanted(), &env).status else { panic!("unavailable") };
        assert!(
            why.starts_with("Cannot read the provider schema ") && why.contains("(DRPLAN_PROVIDER_SCHEMA)"),
            "{why}"
        );
        let native = [(Mode::Managed, "aws_vpc".to_string())].into();
        assert_eq!(Hosted::load(tmp.path(), &native, &env).status, Status::NotNeeded);
    }
}
