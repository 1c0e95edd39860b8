//! Provider schemas in the format of `terraform providers schema -json` (a documented, public
//! format), and their translation into drplan's [`crate::schema::ResourceSchema`].
//!
//! One model for every source: the live provider's `GetSchema` answer is converted into it
//! ([`from_wire`]), the on-disk cache is written in it, and fixtures recorded with Terraform
//! read straight into it, so what drplan validates against is the same whichever way it came.
//! Descriptions are dropped: drplan does not print them and they are most of the size.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::wire;
use crate::config::Mode;
use crate::eval::types::{ObjectAttr, Type};
use crate::schema::{AttrSchema, BlockSchema, NestedBlock, ResourceSchema};

/// The address Terraform gives provider-aws in `providers schema -json`.
pub const AWS_SOURCE: &str = "registry.terraform.io/hashicorp/aws";

/// The whole document: `{"format_version": "1.0", "provider_schemas": {SOURCE: ...}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub format_version: String,
    #[serde(default)]
    pub provider_schemas: BTreeMap<String, ProviderSchema>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Schema>,
    #[serde(default)]
    pub resource_schemas: BTreeMap<String, Schema>,
    #[serde(default)]
    pub data_source_schemas: BTreeMap<String, Schema>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub block: Block,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Block {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Attribute>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub block_types: BTreeMap<String, BlockType>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// A cty type in its JSON form; absent for attributes with nested types (protocol 6).
    #[serde(rename = "type", default, skip_serializing_if = "serde_json::Value::is_null")]
    pub ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub computed: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub write_only: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockType {
    /// `single`, `list`, `set`, `map` or `group`.
    pub nesting_mode: String,
    #[serde(default)]
    pub block: Block,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_items: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_items: u64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The provider's `GetSchema` answer in the document's model. A type whose attribute type is
/// not valid JSON keeps a null type (read as `any`), so one odd attribute cannot hide the rest.
pub fn from_wire(response: &wire::GetSchemaResponse) -> ProviderSchema {
    let schemas = |m: &BTreeMap<String, wire::Schema>| m.iter().map(|(k, s)| (k.clone(), schema(s))).collect();
    ProviderSchema {
        provider: response.provider.as_ref().map(schema),
        resource_schemas: schemas(&response.resource_schemas),
        data_source_schemas: schemas(&response.data_source_schemas),
    }
}

fn schema(s: &wire::Schema) -> Schema {
    Schema { version: s.version, block: s.block.as_ref().map(block).unwrap_or_default() }
}

fn block(b: &wire::Block) -> Block {
    let attributes = b
        .attributes
        .iter()
        .map(|a| {
            let attr = Attribute {
                ty: serde_json::from_slice(&a.r#type).unwrap_or(serde_json::Value::Null),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                deprecated: a.deprecated,
                write_only: a.write_only,
            };
            (a.name.clone(), attr)
        })
        .collect();
    let block_types = b
        .block_types
        .iter()
        .map(|nb| {
            let mode = match nb.nesting() {
                wire::NestingMode::Single => "single",
                wire::NestingMode::List => "list",
                wire::NestingMode::Set => "set",
                wire::NestingMode::Map => "map",
                wire::NestingMode::Group => "group",
                wire::NestingMode::Invalid => "invalid",
            };
            let bt = BlockType {
                nesting_mode: mode.to_string(),
                block: nb.block.as_ref().map(block).unwrap_or_default(),
                min_items: nb.min_items.max(0) as u64,
                max_items: nb.max_items.max(0) as u64,
            };
            (nb.type_name.clone(), bt)
        })
        .collect();
    Block { attributes, block_types, deprecated: b.deprecated }
}

impl ProviderSchema {
    /// Keeps only the named types (with the provider's own schema): what a configuration uses.
    pub fn subset<'a>(
        &self,
        resources: impl IntoIterator<Item = &'a str>,
        data: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let pick = |all: &BTreeMap<String, Schema>, names: Vec<&str>| {
            names.into_iter().filter_map(|n| Some((n.to_string(), all.get(n)?.clone()))).collect()
        };
        ProviderSchema {
            provider: self.provider.clone(),
            resource_schemas: pick(&self.resource_schemas, resources.into_iter().collect()),
            data_source_schemas: pick(&self.data_source_schemas, data.into_iter().collect()),
        }
    }

    /// drplan's schema for one type, or `None` if the provider has no such type.
    pub fn resource_schema(&self, mode: Mode, ty: &str) -> Option<ResourceSchema> {
        let all = if mode == Mode::Managed { &self.resource_schemas } else { &self.data_source_schemas };
        Some(ResourceSchema { mode, ty: ty.to_string(), block: block_schema(&all.get(ty)?.block) })
    }
}

fn block_schema(b: &Block) -> BlockSchema {
    let attrs = b
        .attributes
        .iter()
        .map(|(name, a)| {
            let attr = AttrSchema {
                ty: cty_type(&a.ty),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                // The provider decides replacement when it plans; drplan does not guess.
                force_new: false,
                // A write-only value is never stored, so drplan never shows it either.
                sensitive: a.sensitive || a.write_only,
                default: None,
                one_of: Vec::new(),
            };
            (name.clone(), attr)
        })
        .collect();
    let blocks = b
        .block_types
        .iter()
        .map(|(name, bt)| {
            let single = matches!(bt.nesting_mode.as_str(), "single" | "group");
            let nested = NestedBlock {
                block: block_schema(&bt.block),
                min: bt.min_items as usize,
                max: if single { 1 } else { bt.max_items as usize },
                force_new: false,
            };
            (name.clone(), nested)
        })
        .collect();
    BlockSchema { attrs, blocks, rules: Vec::new() }
}

/// A cty type from its JSON form: `"string"`, `["list", T]`, `["object", {..}, [optional..]]`.
/// Anything unrecognised is `any`: looser checking, never a false error.
pub fn cty_type(v: &serde_json::Value) -> Type {
    use serde_json::Value as J;
    match v {
        J::String(s) => match s.as_str() {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            _ => Type::Any,
        },
        J::Array(parts) => match (parts.first().and_then(J::as_str), parts.get(1)) {
            (Some("list"), Some(t)) => Type::List(Box::new(cty_type(t))),
            (Some("set"), Some(t)) => Type::Set(Box::new(cty_type(t))),
            (Some("map"), Some(t)) => Type::Map(Box::new(cty_type(t))),
            (Some("tuple"), Some(J::Array(ts))) => Type::Tuple(ts.iter().map(cty_type).collect()),
            (Some("object"), Some(J::Object(attrs))) => {
                let optional: Vec<&str> = parts
                    .get(2)
                    .and_then(J::as_array)
                    .map(|o| o.iter().filter_map(J::as_str).collect())
                    .unwrap_or_default();
                let attrs = attrs
                    .iter()
                    .map(|(k, t)| {
                        let attr =
                            ObjectAttr { ty: cty_type(t), optional: optional.contains(&k.as_str()), default: None };
                        (k.clone(), attr)
                    })
                    .collect();
                Type::Object(attrs)
            }
            _ => Type::Any,
        },
        _ => Type::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cty_types_read_as_terraform_writes_them() {
        let t = |s: &str| cty_type(&serde_json::from_str(s).unwrap()).to_string();
        assert_eq!(t(r#""string""#), "string");
        assert_eq!(t(r#"["set",["map","number"]]"#), "set(map(number))");
        assert_eq!(
            t(r#"["object",{"a":"bool","b":["list","string"]},["b"]]"#),
            "object({a = bool, b = optional(list(string))})"
        );
        assert_eq!(t(r#""dynamic""#), "any");
        assert_eq!(t(r#"["tuple",["string","number"]]"#), "tuple([string, number])");
    }

    #[test]
    fn nesting_modes_become_block_limits() {
        let doc: ProviderSchema = serde_json::from_str(
            r#"{"resource_schemas":{"aws_x":{"version":0,"block":{
                "attributes":{"name":{"type":"string","required":true},"arn":{"type":"string","computed":true}},
                "block_types":{"one":{"nesting_mode":"single","block":{}},
                               "many":{"nesting_mode":"set","block":{"attributes":{"k":{"type":"string","optional":true}}},"min_items":1,"max_items":3}}}}}}"#,
        )
        .unwrap();
        let s = doc.resource_schema(Mode::Managed, "aws_x").unwrap();
        assert!(s.block.attrs["name"].required && s.block.attrs["arn"].computed);
        assert_eq!((s.block.blocks["one"].min, s.block.blocks["one"].max), (0, 1));
        assert_eq!((s.block.blocks["many"].min, s.block.blocks["many"].max), (1, 3));
        assert!(doc.resource_schema(Mode::Data, "aws_x").is_none());
    }
}
