//! The messages of the Terraform plugin protocol, version 5 (`tfplugin5`), that drplan sends and
//! receives, written from the protocol's published definition (Terraform's
//! `docs/plugin-protocol/tfplugin5.*.proto`) as prost messages: field numbers and types must
//! match it exactly; names follow it. Only what drplan calls is here.

use std::collections::BTreeMap;

/// The gRPC method paths of the `tfplugin5.Provider` service drplan calls.
pub mod method {
    pub const GET_SCHEMA: &str = "/tfplugin5.Provider/GetSchema";
    pub const STOP: &str = "/tfplugin5.Provider/Stop";
    pub const VALIDATE_RESOURCE: &str = "/tfplugin5.Provider/ValidateResourceTypeConfig";
    pub const VALIDATE_DATA_SOURCE: &str = "/tfplugin5.Provider/ValidateDataSourceConfig";
    pub const CONFIGURE: &str = "/tfplugin5.Provider/Configure";
    pub const PLAN_RESOURCE_CHANGE: &str = "/tfplugin5.Provider/PlanResourceChange";
    pub const APPLY_RESOURCE_CHANGE: &str = "/tfplugin5.Provider/ApplyResourceChange";
    pub const READ_RESOURCE: &str = "/tfplugin5.Provider/ReadResource";
    pub const IMPORT_RESOURCE_STATE: &str = "/tfplugin5.Provider/ImportResourceState";
    pub const READ_DATA_SOURCE: &str = "/tfplugin5.Provider/ReadDataSource";
    pub const UPGRADE_RESOURCE_STATE: &str = "/tfplugin5.Provider/UpgradeResourceState";
}

/// A value in one of two encodings; drplan always sends MessagePack.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DynamicValue {
    #[prost(bytes = "vec", tag = "1")]
    pub msgpack: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub json: Vec<u8>,
}

/// What the client (drplan) can handle, so the provider need not hold back.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClientCapabilities {
    #[prost(bool, tag = "1")]
    pub deferral_allowed: bool,
    #[prost(bool, tag = "2")]
    pub write_only_attributes_allowed: bool,
}

/// `ValidateResourceTypeConfig.Request`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValidateResourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub client_capabilities: Option<ClientCapabilities>,
}

/// `ValidateDataSourceConfig.Request`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValidateDataSourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
}

/// The response of both validation calls.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValidateResponse {
    #[prost(message, repeated, tag = "1")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Diagnostic {
    #[prost(enumeration = "Severity", tag = "1")]
    pub severity: i32,
    #[prost(string, tag = "2")]
    pub summary: String,
    #[prost(string, tag = "3")]
    pub detail: String,
    #[prost(message, optional, tag = "4")]
    pub attribute: Option<AttributePath>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
pub enum Severity {
    Invalid = 0,
    Error = 1,
    Warning = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributePath {
    #[prost(message, repeated, tag = "1")]
    pub steps: Vec<Step>,
}

impl AttributePath {
    /// `ingress[0].cidr_blocks`, as Terraform writes attribute paths.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match &step.selector {
                Some(Selector::AttributeName(n)) if out.is_empty() => out.push_str(n),
                Some(Selector::AttributeName(n)) => out.push_str(&format!(".{n}")),
                Some(Selector::ElementKeyString(k)) => out.push_str(&format!("[{k:?}]")),
                Some(Selector::ElementKeyInt(i)) => out.push_str(&format!("[{i}]")),
                None => {}
            }
        }
        out
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Step {
    #[prost(oneof = "Selector", tags = "1, 2, 3")]
    pub selector: Option<Selector>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Selector {
    #[prost(string, tag = "1")]
    AttributeName(String),
    #[prost(string, tag = "2")]
    ElementKeyString(String),
    #[prost(int64, tag = "3")]
    ElementKeyInt(i64),
}

/// `Schema`: a provider's, a resource type's or a data source's configuration schema.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Schema {
    #[prost(int64, tag = "1")]
    pub version: i64,
    #[prost(message, optional, tag = "2")]
    pub block: Option<Block>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Block {
    #[prost(int64, tag = "1")]
    pub version: i64,
    #[prost(message, repeated, tag = "2")]
    pub attributes: Vec<Attribute>,
    #[prost(message, repeated, tag = "3")]
    pub block_types: Vec<NestedBlock>,
    #[prost(string, tag = "4")]
    pub description: String,
    #[prost(bool, tag = "6")]
    pub deprecated: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Attribute {
    #[prost(string, tag = "1")]
    pub name: String,
    /// The attribute's cty type, JSON-encoded (`"string"`, `["list","string"]`, ...).
    #[prost(bytes = "vec", tag = "2")]
    pub r#type: Vec<u8>,
    #[prost(string, tag = "3")]
    pub description: String,
    #[prost(bool, tag = "4")]
    pub required: bool,
    #[prost(bool, tag = "5")]
    pub optional: bool,
    #[prost(bool, tag = "6")]
    pub computed: bool,
    #[prost(bool, tag = "7")]
    pub sensitive: bool,
    #[prost(bool, tag = "9")]
    pub deprecated: bool,
    /// Sent to the provider, never stored in state (protocol 5.8 and later).
    #[prost(bool, tag = "10")]
    pub write_only: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct NestedBlock {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub block: Option<Block>,
    #[prost(enumeration = "NestingMode", tag = "3")]
    pub nesting: i32,
    #[prost(int64, tag = "4")]
    pub min_items: i64,
    #[prost(int64, tag = "5")]
    pub max_items: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
pub enum NestingMode {
    Invalid = 0,
    Single = 1,
    List = 2,
    Set = 3,
    Map = 4,
    Group = 5,
}

/// `GetProviderSchema.Request` (the RPC is `GetSchema`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetSchemaRequest {}

/// `GetProviderSchema.Response`. Ordered maps keep everything built from it deterministic.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetSchemaResponse {
    #[prost(message, optional, tag = "1")]
    pub provider: Option<Schema>,
    #[prost(btree_map = "string, message", tag = "2")]
    pub resource_schemas: BTreeMap<String, Schema>,
    #[prost(btree_map = "string, message", tag = "3")]
    pub data_source_schemas: BTreeMap<String, Schema>,
    #[prost(message, repeated, tag = "4")]
    pub diagnostics: Vec<Diagnostic>,
}

/// `Stop.Request` / `Stop.Response`: asks the provider to end in-flight work.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StopRequest {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StopResponse {
    #[prost(string, tag = "1")]
    pub error: String,
}

/// `Configure.Request`: the provider block's values; called once, before anything else.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigureRequest {
    #[prost(string, tag = "1")]
    pub terraform_version: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub client_capabilities: Option<ClientCapabilities>,
}

/// The response of `Configure`, and of every call that answers only diagnostics.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigureResponse {
    #[prost(message, repeated, tag = "1")]
    pub diagnostics: Vec<Diagnostic>,
}

/// `PlanResourceChange.Request`: the provider decides the planned state and what forces
/// replacement.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PlanResourceChangeRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub prior_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub proposed_new_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub config: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "5")]
    pub prior_private: Vec<u8>,
    #[prost(message, optional, tag = "7")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PlanResourceChangeResponse {
    #[prost(message, optional, tag = "1")]
    pub planned_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub requires_replace: Vec<AttributePath>,
    #[prost(bytes = "vec", tag = "3")]
    pub planned_private: Vec<u8>,
    #[prost(message, repeated, tag = "4")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bool, tag = "5")]
    pub legacy_type_system: bool,
}

/// `ApplyResourceChange.Request`: a null planned state deletes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ApplyResourceChangeRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub prior_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub planned_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub config: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "5")]
    pub planned_private: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ApplyResourceChangeResponse {
    #[prost(message, optional, tag = "1")]
    pub new_state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "2")]
    pub private: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bool, tag = "4")]
    pub legacy_type_system: bool,
}

/// `ReadResource.Request`: refreshes a state; a null new state means the object is gone.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReadResourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub current_state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
    #[prost(message, optional, tag = "5")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ReadResourceResponse {
    #[prost(message, optional, tag = "1")]
    pub new_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
}

/// `ImportResourceState.Request`: a state (often only its id) for an existing object.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ImportResourceStateRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(string, tag = "2")]
    pub id: String,
    #[prost(message, optional, tag = "3")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImportedResource {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImportResourceStateResponse {
    #[prost(message, repeated, tag = "1")]
    pub imported_resources: Vec<ImportedResource>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

/// `RawState`: a state as stored, in JSON (or the legacy flatmap, unused here).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RawState {
    #[prost(bytes = "vec", tag = "1")]
    pub json: Vec<u8>,
    #[prost(map = "string, string", tag = "2")]
    pub flatmap: std::collections::HashMap<String, String>,
}

/// `UpgradeResourceState.Request`: a state recorded under schema `version` of its type, to be
/// brought to the provider's current schema.
#[derive(Clone, PartialEq, prost::Message)]
pub struct UpgradeResourceStateRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
    #[prost(message, optional, tag = "3")]
    pub raw_state: Option<RawState>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct UpgradeResourceStateResponse {
    #[prost(message, optional, tag = "1")]
    pub upgraded_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

/// `ReadDataSource.Request`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ReadDataSourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ReadDataSourceResponse {
    #[prost(message, optional, tag = "1")]
    pub state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Hand-encoded bytes of a `Schema.Attribute` as the protocol defines it, decoded by the
    /// prost message: a wrong tag or wire type would drop or misread a field.
    #[test]
    fn field_numbers_match_the_protocol() {
        // name(1)="id", type(2)="\"string\"", computed(6)=true, sensitive(7)=true
        let mut bytes = vec![0x0a, 2, b'i', b'd', 0x12, 8];
        bytes.extend_from_slice(b"\"string\"");
        bytes.extend_from_slice(&[0x30, 1, 0x38, 1]);
        let a = Attribute::decode(bytes.as_slice()).unwrap();
        assert_eq!((a.name.as_str(), a.r#type.as_slice()), ("id", b"\"string\"".as_slice()));
        assert!(a.computed && a.sensitive && !a.required && !a.optional);
        // NestedBlock: type_name(1)="b", nesting(3)=LIST(2), min_items(4)=1, max_items(5)=3
        let nb = NestedBlock::decode([0x0a, 1, b'b', 0x18, 2, 0x20, 1, 0x28, 3].as_slice()).unwrap();
        assert_eq!((nb.nesting(), nb.min_items, nb.max_items), (NestingMode::List, 1, 3));
        // PlanResourceChange.Response: planned_state(1){msgpack(1)=0xc0}, planned_private(3)="p",
        // requires_replace(2){steps(1){attribute_name(1)="name"}}
        let bytes = [0x0a, 3, 0x0a, 1, 0xc0, 0x1a, 1, b'p', 0x12, 8, 0x0a, 6, 0x0a, 4, b'n', b'a', b'm', b'e'];
        let r = PlanResourceChangeResponse::decode(bytes.as_slice()).unwrap();
        assert_eq!(r.planned_state.unwrap().msgpack, vec![0xc0]);
        assert_eq!(r.planned_private, b"p");
        assert_eq!(r.requires_replace[0].steps[0].selector, Some(Selector::AttributeName("name".into())));
        // ReadDataSource.Request: client_capabilities is field 4 there (3 is provider_meta).
        let req =
            ReadDataSourceRequest { client_capabilities: Some(ClientCapabilities::default()), ..Default::default() };
        assert_eq!(req.encode_to_vec(), vec![0x22, 0]);
    }
}
